#include "libs/scoring/derived.h"

#include <cmath>
#include <variant>

#include "libs/scoring/score.h"

namespace piao::scoring {

Band BandOf(std::optional<double> score_pct, bool nothing_measured) {
  if (nothing_measured) return Band::kNotMeasured;
  if (!score_pct.has_value()) return Band::kNotScored;
  switch (LabelFor(*score_pct)) {
    case Label::kAchieved:
      return Band::kMet;
    case Label::kPartlyAchieved:
      return Band::kPartly;
    case Label::kNotAchieved:
      return Band::kMissed;
  }
  return Band::kNotScored;
}

std::optional<Deviation> DeviationOf(const plan::Target& target, const std::optional<plan::Value>& actual) {
  if (!actual.has_value()) return std::nullopt;
  if (const auto* c = std::get_if<plan::ComparisonTarget>(&target)) {
    const auto* q = std::get_if<plan::Quantity>(&*actual);
    if (q == nullptr) return std::nullopt;
    double d = std::round((q->value - c->quantity.value) * 100.0) / 100.0;
    if (d == 0) d = 0;  // no "-0.00"
    Deviation out;
    out.difference = plan::Quantity{d, c->quantity.unit};
    return out;
  }
  if (const auto* deadline = std::get_if<plan::DeadlineTarget>(&target)) {
    const auto* delivered = std::get_if<plan::Date>(&*actual);
    if (delivered == nullptr) return std::nullopt;
    Deviation out;
    out.days_late = static_cast<int64_t>(*delivered - deadline->date);
    return out;
  }
  return std::nullopt;
}

}  // namespace piao::scoring
