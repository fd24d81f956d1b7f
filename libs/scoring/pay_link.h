// Money follows the score (DOMAIN.md §3.6; PIAO 2022 §3.2, deliberazione di Giunta n. 210/2019): the
// enterprise score sets the share of the accessory-pay top-up and of the accessory resources released.
// Within the band the share is "in % al grado di raggiungimento": the score itself (80% achieved -> 80%).
#ifndef PIAO_LIBS_SCORING_PAY_LINK_H_
#define PIAO_LIBS_SCORING_PAY_LINK_H_

#include "absl/status/statusor.h"

namespace piao::scoring {

// Below `zero_below` nothing; from `full_from` everything; in between, the score as a percentage.
struct PayLinkBand {
  double zero_below = 0;
  double full_from = 0;
};

// Additional resources integrated into the accessory-pay funds: 0% below 70, score% 70-89.99, 100% from 90.
inline constexpr PayLinkBand kAccessoryTopUpBand{70.0, 90.0};
// Accessory resources distributed: 0% below 50, score% 50-84.99, 100% from 85.
inline constexpr PayLinkBand kResourceReleaseBand{50.0, 85.0};

// The share (0..100) for `enterprise_score_pct`. INVALID_ARGUMENT when the score is not within 0..100 or
// the band is not 0 <= zero_below <= full_from <= 100.
absl::StatusOr<double> PayLinkPct(double enterprise_score_pct, PayLinkBand band);

inline absl::StatusOr<double> AccessoryTopUpPct(double enterprise_score_pct,
                                                PayLinkBand band = kAccessoryTopUpBand) {
  return PayLinkPct(enterprise_score_pct, band);
}
inline absl::StatusOr<double> ResourceReleasePct(double enterprise_score_pct,
                                                 PayLinkBand band = kResourceReleaseBand) {
  return PayLinkPct(enterprise_score_pct, band);
}

}  // namespace piao::scoring

#endif  // PIAO_LIBS_SCORING_PAY_LINK_H_
