// Exact money: integer euro cents (int64) with checked arithmetic, never binary floating point.
//
// Pro-rating by a part-time share rounds half away from zero to the cent, per person, which is how the
// PIAO's tables are computed (C at 90%: 29,256.55 x 0.9 = 26,330.895 -> 26,330.90; C at 75%: 21,942.4125 ->
// 21,942.41).
#ifndef PIAO_LIBS_HR_MONEY_H_
#define PIAO_LIBS_HR_MONEY_H_

#include <compare>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace piao::hr {

// 10000 basis points = 100% (a full-time post).
inline constexpr int32_t kFullTimeBp = 10000;

class Money {
 public:
  constexpr Money() = default;
  static constexpr Money Cents(int64_t cents) { return Money(cents); }
  constexpr int64_t cents() const { return cents_; }

  // "9499919.94", "-701.46", "750", "0.5": a dot decimal with at most two decimals, no thousands separators.
  // INVALID_ARGUMENT otherwise (or when it does not fit in int64 cents).
  static absl::StatusOr<Money> Parse(absl::string_view text);

  // "9499919.94" (always two decimals): the machine form (JSON, files).
  std::string ToDecimal() const;
  // "9,499,919.94 €": the form people read.
  std::string ToString() const;

  // Checked arithmetic: OUT_OF_RANGE on int64 overflow.
  absl::StatusOr<Money> Plus(Money other) const;
  absl::StatusOr<Money> Minus(Money other) const;
  absl::StatusOr<Money> Times(int64_t n) const;
  // This amount x bp / 10000, rounded half away from zero to the cent. INVALID_ARGUMENT unless 0 <= bp <= 10000.
  absl::StatusOr<Money> ProRated(int32_t bp) const;

  constexpr auto operator<=>(const Money&) const = default;

 private:
  constexpr explicit Money(int64_t cents) : cents_(cents) {}
  int64_t cents_ = 0;
};

// "90%", "75", "83.33%" -> basis points (1..10000). INVALID_ARGUMENT otherwise.
absl::StatusOr<int32_t> ParsePercentBp(absl::string_view text);
// 9000 -> "90%", 8333 -> "83.33%".
std::string FormatBp(int32_t bp);

}  // namespace piao::hr

#endif  // PIAO_LIBS_HR_MONEY_H_
