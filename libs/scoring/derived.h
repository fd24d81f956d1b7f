// Figures derived from a scored plan that every client shows: how a score is banded (coloured) and how far an
// actual is from its target. Computed once here, served by the projection, so the CLI, the web workspace and
// integrations print the same thing. Pure.
#ifndef PIAO_LIBS_SCORING_DERIVED_H_
#define PIAO_LIBS_SCORING_DERIVED_H_

#include <cstdint>
#include <optional>

#include "libs/plan/model.h"

namespace piao::scoring {

// The band of a score, from the same two-decimal rounding as its label (LabelFor): a printed 95.00 is kMet.
// kNotMeasured: the score is 0 (or absent) only because nothing that counts has an actual yet.
enum class Band { kNotScored, kMet, kPartly, kMissed, kNotMeasured };
Band BandOf(std::optional<double> score_pct, bool nothing_measured);

// Actual against target: for a comparison target and a numeric actual, actual - target rounded to two
// decimals in the target's unit (a -0.00 is 0); for a deadline and a date, the days late (negative: early).
// nullopt when they are not comparable (a text target or actual, no actual, a date against a number).
struct Deviation {
  std::optional<plan::Quantity> difference;
  std::optional<int64_t> days_late;
};
std::optional<Deviation> DeviationOf(const plan::Target& target, const std::optional<plan::Value>& actual);

}  // namespace piao::scoring

#endif  // PIAO_LIBS_SCORING_DERIVED_H_
