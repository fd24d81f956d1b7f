// An injective, order-preserving encoding of composite RocksDB keys: each part is written with 0x00 escaped
// as 0x00 0xFF and ended by 0x00 0x01, so any bytes may appear in any part (a code holding NUL, '/', or the
// separator itself can never make two keys collide or a key undecodable), and keys sort part by part, as
// tuples (a part that is a prefix of another sorts first).
//
//   std::string k = "p";
//   AppendKeyPart(&k, administration);
//   AppendKeyPart(&k, absl::StrCat(year));
//   absl::StatusOr<std::vector<std::string>> parts = SplitKeyParts(absl::string_view(k).substr(1));
#ifndef PIAO_LIBS_BASE_KEY_CODEC_H_
#define PIAO_LIBS_BASE_KEY_CODEC_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace piao {

// Appends `part`, escaped and terminated, to `key`.
void AppendKeyPart(std::string* key, absl::string_view part);
// The parts of `encoded` (which must be a sequence of whole encoded parts). DATA_LOSS if it is not.
absl::StatusOr<std::vector<std::string>> SplitKeyParts(absl::string_view encoded);
// Convenience: the concatenation of each part, encoded.
std::string EncodeKeyParts(std::initializer_list<absl::string_view> parts);

}  // namespace piao

#endif  // PIAO_LIBS_BASE_KEY_CODEC_H_
