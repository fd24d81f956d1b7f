// SHA-256 over byte strings (OpenSSL's libcrypto, already a gRPC dependency).
#ifndef PIAO_LIBS_BASE_SHA256_H_
#define PIAO_LIBS_BASE_SHA256_H_

#include <string>
#include <string_view>

namespace piao {

// Raw 32-byte digest of the concatenation of `parts`.
std::string Sha256(std::initializer_list<std::string_view> parts);
// Lower-case hex of any byte string.
std::string ToHex(std::string_view bytes);

}  // namespace piao

#endif  // PIAO_LIBS_BASE_SHA256_H_
