#include "libs/base/key_codec.h"

#include "absl/strings/str_cat.h"

namespace piao {

void AppendKeyPart(std::string* key, absl::string_view part) {
  for (char c : part) {
    key->push_back(c);
    if (c == '\0') key->push_back('\xff');
  }
  key->push_back('\0');
  key->push_back('\x01');
}

absl::StatusOr<std::vector<std::string>> SplitKeyParts(absl::string_view encoded) {
  std::vector<std::string> parts;
  std::string cur;
  for (size_t i = 0; i < encoded.size(); ++i) {
    const char c = encoded[i];
    if (c != '\0') {
      cur.push_back(c);
      continue;
    }
    if (i + 1 >= encoded.size()) return absl::DataLossError(absl::StrCat("key part cut short at byte ", i));
    const char next = encoded[++i];
    if (next == '\xff') {
      cur.push_back('\0');
    } else if (next == '\x01') {
      parts.push_back(std::move(cur));
      cur.clear();
    } else {
      return absl::DataLossError(absl::StrCat("bad escape in key at byte ", i - 1));
    }
  }
  if (!cur.empty()) return absl::DataLossError("key ends inside a part");
  return parts;
}

std::string EncodeKeyParts(std::initializer_list<absl::string_view> parts) {
  std::string out;
  for (absl::string_view p : parts) AppendKeyPart(&out, p);
  return out;
}

}  // namespace piao
