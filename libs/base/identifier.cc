#include "libs/base/identifier.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace piao {
namespace {

// Decodes the code point at `i`; returns its length, or 0 when the bytes there are not valid UTF-8.
size_t DecodeUtf8(absl::string_view s, size_t i, uint32_t* cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t n;
  uint32_t v, min;
  if ((c & 0xE0) == 0xC0) {
    n = 2, v = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, v = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, v = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    v = (v << 6) | (b(i + k) & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return n;
}

bool IsControl(uint32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

// Unicode format characters (general category Cf) and other invisible code points that make two identifiers
// look the same, plus non-characters.
bool IsInvisibleOrNonCharacter(uint32_t cp) {
  if (cp == 0x00AD || cp == 0x061C || cp == 0x180E) return true;           // soft hyphen, ALM, MVS
  if (cp >= 0x200B && cp <= 0x200F) return true;                           // zero-width, LRM, RLM
  if (cp >= 0x2028 && cp <= 0x202E) return true;                           // separators, bidi embeddings
  if (cp >= 0x2060 && cp <= 0x206F) return true;                           // word joiner, bidi isolates
  if (cp == 0xFEFF) return true;                                           // BOM / ZWNBSP
  if (cp >= 0xFFF9 && cp <= 0xFFFB) return true;                           // interlinear annotation
  if (cp >= 0xFDD0 && cp <= 0xFDEF) return true;                           // non-characters
  if ((cp & 0xFFFE) == 0xFFFE) return true;                                // U+xFFFE, U+xFFFF
  if (cp >= 0xE0000 && cp <= 0xE007F) return true;                         // tags
  return false;
}

bool IsSpace(uint32_t cp) { return cp == ' ' || cp == 0xA0 || cp == 0x3000 || (cp >= 0x2000 && cp <= 0x200A); }

absl::Status Bad(absl::string_view field, absl::string_view rule, size_t at) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", rule, " (at byte ", at, ")"));
}

}  // namespace

absl::Status ValidateText(absl::string_view field, absl::string_view value) {
  for (size_t i = 0; i < value.size();) {
    uint32_t cp = 0;
    const size_t n = DecodeUtf8(value, i, &cp);
    if (n == 0) return Bad(field, "must be valid UTF-8", i);
    i += n;
  }
  return absl::OkStatus();
}

absl::Status ValidateIdentifier(absl::string_view field, absl::string_view value) {
  if (value.size() > kMaxIdentifierBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": an identifier has at most ", kMaxIdentifierBytes, " bytes, got ", value.size()));
  }
  uint32_t last = 0;
  for (size_t i = 0; i < value.size();) {
    uint32_t cp = 0;
    const size_t n = DecodeUtf8(value, i, &cp);
    if (n == 0) return Bad(field, "must be valid UTF-8", i);
    if (IsControl(cp)) return Bad(field, absl::StrFormat("must not contain control characters (U+%04X)", cp), i);
    if (IsInvisibleOrNonCharacter(cp)) {
      return Bad(field, absl::StrFormat("must not contain invisible or non-characters (U+%04X)", cp), i);
    }
    if (i == 0 && IsSpace(cp)) return Bad(field, "must not start with white space", i);
    last = cp;
    i += n;
  }
  if (!value.empty() && IsSpace(last)) return Bad(field, "must not end with white space", value.size() - 1);
  return absl::OkStatus();
}

}  // namespace piao
