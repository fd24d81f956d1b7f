// Strict JSON for import files: every parser of an input file (plan, results, revisions, risk register, HR)
// reads it through ParseJsonStrict and checks each object's keys with CheckKnownKeys, so a duplicated key or
// a misspelt one ("tagret") is refused the same way everywhere, naming the key and where it is
// ("objectives[3].indicators[0].tagret: unknown key ..."). A JSON parser keeps the last of duplicate keys
// silently, which would let a file say two things and have the importer believe one.
#ifndef PIAO_LIBS_BASE_JSON_STRICT_H_
#define PIAO_LIBS_BASE_JSON_STRICT_H_

#include <initializer_list>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace piao {

// Nesting deeper than this is refused: no import file comes close, and it bounds the recursion of
// everything that later walks or prints the document.
inline constexpr int kMaxJsonDepth = 64;

// Parses `text` as one JSON document. INVALID_ARGUMENT "<what> is not valid JSON: ..." for a syntax error
// (including invalid UTF-8 and numbers out of range), "<path>: duplicate key" naming the second occurrence
// (e.g. "objectives[3].indicators[0].target"), or "<path>: nested deeper than 64 levels". `root` prefixes
// paths ("" gives "objectives[0].code", "$" gives "$.staff[0].id").
absl::StatusOr<nlohmann::json> ParseJsonStrict(absl::string_view text, absl::string_view what,
                                               absl::string_view root = "");

// "path.key" ("key" when path is empty).
std::string JsonChildPath(absl::string_view path, absl::string_view key);

// OK when `obj` is not an object (type errors are the caller's to report) or every key is in `allowed`.
// Otherwise INVALID_ARGUMENT "<path>.<key>: unknown key (expected one of a, b, c)" for the first unknown
// key in document order.
absl::Status CheckKnownKeys(const nlohmann::json& obj, std::initializer_list<absl::string_view> allowed,
                            absl::string_view path);

}  // namespace piao

#endif  // PIAO_LIBS_BASE_JSON_STRICT_H_
