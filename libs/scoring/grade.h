// The grade of one indicator (grado di raggiungimento, DOMAIN.md §3.1; SIPAV art. 11-12), from its
// target, threshold (soglia) and actual. Pure.
#ifndef PIAO_LIBS_SCORING_GRADE_H_
#define PIAO_LIBS_SCORING_GRADE_H_

#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/plan/model.h"

namespace piao::scoring {

// How a grade came about (or why there is none).
enum class GradeBasis {
  kMet,              // target met: 100, however far beyond
  kLinear,           // missed, between threshold (0%) and target (100%): linear (in days for deadlines)
  kMissed,           // missed with no threshold (or = target missed away from its threshold): 0
  kBeyondThreshold,  // missed at or beyond the threshold: 0
  kNoActual,         // nothing recorded at year end: 0, still at full weight
  kAssessed,         // text target graded by an explicitly recorded assessment
  kUnscorable,       // text target with no recorded assessment: no grade, left out of the mean
  kSuppressed,       // excluded by the plan (no grade)
  kNeutralised,      // excluded by the plan: weight 0 with a reason (no grade)
  kZeroWeight,       // excluded: effective weight 0 (no grade)
};
absl::string_view GradeBasisName(GradeBasis basis);  // "met", "linear", ...

struct Grade {
  std::optional<double> pct;  // 0..100; null only for kUnscorable (and the exclusions, in ScorePlan)
  GradeBasis basis = GradeBasis::kMissed;
};

// Grades one indicator:
//  - no actual -> 0 (kNoActual), whatever the target;
//  - >= / > : met -> 100; else with threshold S < T: actual <= S -> 0, between -> (a - S) / (T - S) * 100;
//    without threshold -> 0. <= / < mirror it (S > T). For > and <, an actual equal to the target is not
//    met and, with a threshold, grades as the linear limit (100).
//  - = : met only on equality (within 1e-9); a threshold on one side grades that side linearly, as the
//    chamber's checker does; otherwise 0;
//  - deadline: on or before the date -> 100; later -> 0, or with a date threshold after the deadline
//    linear in days: (S - delivered) / (S - deadline) * 100, 0 from S on;
//  - text target: not scorable by rule (kUnscorable, no grade) - see ScorePlan for recorded assessments.
// INVALID_ARGUMENT when the actual's kind or unit does not fit the target, or the threshold cannot be
// used (wrong kind, unit, or not on the failing side of the target).
absl::StatusOr<Grade> GradeIndicator(const plan::Target& target, const std::optional<plan::Threshold>& threshold,
                                     const std::optional<plan::Value>& actual);

}  // namespace piao::scoring

#endif  // PIAO_LIBS_SCORING_GRADE_H_
