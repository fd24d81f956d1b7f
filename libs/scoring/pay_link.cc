#include "libs/scoring/pay_link.h"

#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace piao::scoring {

absl::StatusOr<double> PayLinkPct(double enterprise_score_pct, PayLinkBand band) {
  if (!std::isfinite(enterprise_score_pct) || enterprise_score_pct < 0 || enterprise_score_pct > 100) {
    return absl::InvalidArgumentError(
        absl::StrCat("enterprise score ", enterprise_score_pct, " must lie within 0..100"));
  }
  if (!std::isfinite(band.zero_below) || !std::isfinite(band.full_from) || band.zero_below < 0 ||
      band.zero_below > band.full_from || band.full_from > 100) {
    return absl::InvalidArgumentError(absl::StrCat("pay-link band [", band.zero_below, ", ", band.full_from,
                                                   ") must satisfy 0 <= zero_below <= full_from <= 100"));
  }
  if (enterprise_score_pct < band.zero_below) return 0.0;
  if (enterprise_score_pct >= band.full_from) return 100.0;
  return enterprise_score_pct;
}

}  // namespace piao::scoring
