#include "libs/hr/money.h"

#include <cstdlib>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace piao::hr {
namespace {

// Digits of "123" or "123.45"; false unless every character is a digit (one optional dot, <= max_decimals).
bool ParseFixed(absl::string_view text, int max_decimals, int64_t scale, int64_t* out) {
  if (text.empty()) return false;
  int64_t whole = 0;
  int64_t frac = 0;
  int decimals = 0;
  bool seen_dot = false;
  bool seen_digit = false;
  for (char c : text) {
    if (c == '.') {
      if (seen_dot) return false;
      seen_dot = true;
      continue;
    }
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
    seen_digit = true;
    const int d = c - '0';
    if (seen_dot) {
      if (++decimals > max_decimals) return false;
      frac = frac * 10 + d;
    } else {
      if (whole > (std::numeric_limits<int64_t>::max() - d) / 10) return false;
      whole = whole * 10 + d;
    }
  }
  if (!seen_digit || (seen_dot && decimals == 0)) return false;
  for (int i = decimals; i < max_decimals; ++i) frac *= 10;
  if (whole > (std::numeric_limits<int64_t>::max() - frac) / scale) return false;
  *out = whole * scale + frac;
  return true;
}

std::string Grouped(int64_t whole) {
  std::string digits = absl::StrCat(whole);
  std::string out;
  const int n = static_cast<int>(digits.size());
  for (int i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

}  // namespace

absl::StatusOr<Money> Money::Parse(absl::string_view text) {
  absl::string_view t = absl::StripAsciiWhitespace(text);
  bool negative = false;
  if (!t.empty() && (t[0] == '-' || t[0] == '+')) {
    negative = t[0] == '-';
    t.remove_prefix(1);
  }
  int64_t cents = 0;
  if (!ParseFixed(t, 2, 100, &cents)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", text, "' is not an amount in euro: a dot decimal with at most two decimals, e.g. 9499919.94"));
  }
  return Money(negative ? -cents : cents);
}

std::string Money::ToDecimal() const {
  const bool negative = cents_ < 0;
  // |INT64_MIN| does not fit: go through unsigned.
  const uint64_t abs = negative ? 0 - static_cast<uint64_t>(cents_) : static_cast<uint64_t>(cents_);
  return absl::StrFormat("%s%d.%02d", negative ? "-" : "", abs / 100, abs % 100);
}

std::string Money::ToString() const {
  const bool negative = cents_ < 0;
  const uint64_t abs = negative ? 0 - static_cast<uint64_t>(cents_) : static_cast<uint64_t>(cents_);
  return absl::StrFormat("%s%s.%02d \xE2\x82\xAC", negative ? "-" : "", Grouped(static_cast<int64_t>(abs / 100)),
                         abs % 100);
}

absl::StatusOr<Money> Money::Plus(Money other) const {
  int64_t r;
  if (__builtin_add_overflow(cents_, other.cents_, &r)) {
    return absl::OutOfRangeError(absl::StrCat("amount overflow: ", ToDecimal(), " + ", other.ToDecimal()));
  }
  return Money(r);
}

absl::StatusOr<Money> Money::Minus(Money other) const {
  int64_t r;
  if (__builtin_sub_overflow(cents_, other.cents_, &r)) {
    return absl::OutOfRangeError(absl::StrCat("amount overflow: ", ToDecimal(), " - ", other.ToDecimal()));
  }
  return Money(r);
}

absl::StatusOr<Money> Money::Times(int64_t n) const {
  int64_t r;
  if (__builtin_mul_overflow(cents_, n, &r)) {
    return absl::OutOfRangeError(absl::StrCat("amount overflow: ", ToDecimal(), " x ", n));
  }
  return Money(r);
}

absl::StatusOr<Money> Money::ProRated(int32_t bp) const {
  if (bp < 0 || bp > kFullTimeBp) {
    return absl::InvalidArgumentError(absl::StrCat("part-time share ", bp, " bp must lie within 0..10000"));
  }
  int64_t scaled;
  if (__builtin_mul_overflow(cents_, static_cast<int64_t>(bp), &scaled)) {
    return absl::OutOfRangeError(absl::StrCat("amount overflow: ", ToDecimal(), " x ", FormatBp(bp)));
  }
  // Half away from zero: |scaled| / 10000 with the remainder compared to 5000.
  const int64_t q = scaled / kFullTimeBp;
  const int64_t rem = scaled % kFullTimeBp;
  if (rem >= kFullTimeBp / 2) return Money(q + 1);
  if (rem <= -kFullTimeBp / 2) return Money(q - 1);
  return Money(q);
}

absl::StatusOr<int32_t> ParsePercentBp(absl::string_view text) {
  absl::string_view t = absl::StripAsciiWhitespace(text);
  if (!t.empty() && t.back() == '%') t.remove_suffix(1);
  t = absl::StripAsciiWhitespace(t);
  int64_t bp = 0;
  if (!ParseFixed(t, 2, 100, &bp) || bp <= 0 || bp > kFullTimeBp) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is not a part-time share: a percentage above 0 and at most 100, e.g. \"90%\""));
  }
  return static_cast<int32_t>(bp);
}

std::string FormatBp(int32_t bp) {
  if (bp % 100 == 0) return absl::StrCat(bp / 100, "%");
  return absl::StrFormat("%d.%02d%%", bp / 100, bp % 100);
}

}  // namespace piao::hr
