// The rules for text that enters the system. Two kinds:
//
// - An identifier names something other records point at: an administration, an objective, indicator,
//   process, measure or employee code, a unit, an act. It must be valid UTF-8 of at most
//   kMaxIdentifierBytes bytes, without control characters (C0, DEL, C1), Unicode format characters (bidi
//   marks and overrides, zero-width joiners, BOM: invisible, and used to make two codes look alike),
//   unassigned surrogates or non-characters, and without leading or trailing white space.
// - Free text (titles, reasons, notes) may hold any valid UTF-8; its size is bounded by the event size.
//
// Both checks name the field in their INVALID_ARGUMENT, so a client can tell which value to fix.
#ifndef PIAO_LIBS_BASE_IDENTIFIER_H_
#define PIAO_LIBS_BASE_IDENTIFIER_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace piao {

inline constexpr size_t kMaxIdentifierBytes = 256;

// OK for an identifier that follows the rules above (the empty string is OK: whether a field is required is
// the domain's rule); INVALID_ARGUMENT "<field>: <rule> (at byte N)" otherwise.
absl::Status ValidateIdentifier(absl::string_view field, absl::string_view value);

// OK when `value` is valid UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
absl::Status ValidateText(absl::string_view field, absl::string_view value);

}  // namespace piao

#endif  // PIAO_LIBS_BASE_IDENTIFIER_H_
