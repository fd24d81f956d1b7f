#include "libs/scoring/grade.h"

#include <algorithm>
#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace piao::scoring {
namespace {

using plan::ComparisonTarget;
using plan::CompareOp;
using plan::Date;
using plan::DeadlineTarget;
using plan::Quantity;

// Printed values have at most a few decimals; this only absorbs binary representation noise.
constexpr double kEps = 1e-9;

absl::Status Bad(const plan::Target& target, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("target ", plan::DescribeTarget(target), ": ", why));
}

// >= / > style: 100 at the target, 0 at or below the threshold.
Grade Up(double a, double t, std::optional<double> s) {
  if (!s.has_value()) return {0.0, GradeBasis::kMissed};
  if (a <= *s) return {0.0, GradeBasis::kBeyondThreshold};
  return {std::min(100.0, 100.0 * (a - *s) / (t - *s)), GradeBasis::kLinear};
}

// <= / < style mirror: 100 at the target, 0 at or above the threshold.
Grade Down(double a, double t, std::optional<double> s) {
  if (!s.has_value()) return {0.0, GradeBasis::kMissed};
  if (a >= *s) return {0.0, GradeBasis::kBeyondThreshold};
  return {std::min(100.0, 100.0 * (*s - a) / (*s - t)), GradeBasis::kLinear};
}

absl::StatusOr<Grade> GradeDeadline(const plan::Target& target, const DeadlineTarget& d,
                                    const std::optional<plan::Threshold>& threshold, const plan::Value& actual) {
  const Date* delivered = std::get_if<Date>(&actual);
  if (delivered == nullptr) {
    return Bad(target, absl::StrCat("the actual ", plan::DescribeValue(actual), " must be a delivery date"));
  }
  if (*delivered <= d.date) return Grade{100.0, GradeBasis::kMet};
  if (!threshold.has_value()) return Grade{0.0, GradeBasis::kMissed};
  const Date* s = std::get_if<Date>(&threshold->bound);
  if (s == nullptr) return Bad(target, "a deadline's threshold must be a date");
  if (*s <= d.date) return Bad(target, "the date threshold must lie after the deadline");
  if (*delivered >= *s) return Grade{0.0, GradeBasis::kBeyondThreshold};
  return Grade{100.0 * static_cast<double>(*s - *delivered) / static_cast<double>(*s - d.date), GradeBasis::kLinear};
}

absl::StatusOr<Grade> GradeComparison(const plan::Target& target, const ComparisonTarget& c,
                                      const std::optional<plan::Threshold>& threshold, const plan::Value& actual) {
  const Quantity* q = std::get_if<Quantity>(&actual);
  if (q == nullptr) return Bad(target, absl::StrCat("the actual ", plan::DescribeValue(actual), " must be a number"));
  if (!std::isfinite(q->value)) return Bad(target, "the actual must be a finite number");
  if (!q->unit.empty() && !c.quantity.unit.empty() && q->unit != c.quantity.unit) {
    return Bad(target, absl::StrCat("the actual's unit '", q->unit, "' differs from the target's"));
  }
  std::optional<double> s;
  if (threshold.has_value()) {
    const Quantity* sq = std::get_if<Quantity>(&threshold->bound);
    if (sq == nullptr) return Bad(target, "the threshold must be a value");
    if (!sq->unit.empty() && !c.quantity.unit.empty() && sq->unit != c.quantity.unit) {
      return Bad(target, absl::StrCat("the threshold's unit '", sq->unit, "' differs from the target's"));
    }
    s = sq->value;
  }
  const double a = q->value, t = c.quantity.value;
  switch (c.op) {
    case CompareOp::kGe:
    case CompareOp::kGt: {
      if (s.has_value() && *s >= t) return Bad(target, "the threshold must lie below the target");
      const bool met = c.op == CompareOp::kGe ? a >= t - kEps : a > t;
      if (met) return Grade{100.0, GradeBasis::kMet};
      return Up(a, t, s);
    }
    case CompareOp::kLe:
    case CompareOp::kLt: {
      if (s.has_value() && *s <= t) return Bad(target, "the threshold must lie above the target");
      const bool met = c.op == CompareOp::kLe ? a <= t + kEps : a < t;
      if (met) return Grade{100.0, GradeBasis::kMet};
      return Down(a, t, s);
    }
    case CompareOp::kEq: {
      if (std::abs(a - t) <= kEps) return Grade{100.0, GradeBasis::kMet};
      if (s.has_value() && *s < t && a < t) return Up(a, t, s);
      if (s.has_value() && *s > t && a > t) return Down(a, t, s);
      return Grade{0.0, GradeBasis::kMissed};
    }
  }
  return Bad(target, "unknown comparison");
}

}  // namespace

absl::string_view GradeBasisName(GradeBasis basis) {
  switch (basis) {
    case GradeBasis::kMet: return "met";
    case GradeBasis::kLinear: return "linear";
    case GradeBasis::kMissed: return "missed";
    case GradeBasis::kBeyondThreshold: return "beyond_threshold";
    case GradeBasis::kNoActual: return "no_actual";
    case GradeBasis::kAssessed: return "assessed";
    case GradeBasis::kUnscorable: return "unscorable";
    case GradeBasis::kSuppressed: return "suppressed";
    case GradeBasis::kNeutralised: return "neutralised";
    case GradeBasis::kZeroWeight: return "zero_weight";
  }
  return "?";
}

absl::StatusOr<Grade> GradeIndicator(const plan::Target& target, const std::optional<plan::Threshold>& threshold,
                                     const std::optional<plan::Value>& actual) {
  if (!actual.has_value()) return Grade{0.0, GradeBasis::kNoActual};
  if (const auto* d = std::get_if<DeadlineTarget>(&target)) return GradeDeadline(target, *d, threshold, *actual);
  if (const auto* c = std::get_if<ComparisonTarget>(&target)) return GradeComparison(target, *c, threshold, *actual);
  // "Nei termini di legge" and the like: no rule turns a text into a number.
  return Grade{std::nullopt, GradeBasis::kUnscorable};
}

}  // namespace piao::scoring
