// Revisions of a plan by a numbered act (a Giunta deliberation): each change is a new fact with its
// act, effective date and reason, never an overwrite of history. Applying an act is pure: plan in,
// revised plan out.
#ifndef PIAO_LIBS_PLAN_REVISION_H_
#define PIAO_LIBS_PLAN_REVISION_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/plan/model.h"

namespace piao::plan {

enum class ChangeKind { kTarget, kThreshold, kWeight, kAdded, kSuppressed, kNeutralised, kFormula };
absl::string_view ChangeKindName(ChangeKind kind);  // "target", "threshold", ...
absl::StatusOr<ChangeKind> ParseChangeKind(absl::string_view name);

// One change to one indicator. Which from/to fields are used depends on `change`:
//   kTarget:      from_target -> to_target (both set)
//   kThreshold:   from_threshold -> to_threshold (null = no threshold)
//   kWeight:      from_weight (null = not printed) -> to_weight (set)
//   kNeutralised: from_weight -> weight 0 (to_weight = 0)
//   kAdded:       definition = the new indicator (its code equals `indicator`)
//   kSuppressed:  definition = the planned indicator as the act quotes it (optional; when given its
//                 code and target must match the plan)
//   kFormula:     from_formula -> to_formula (the computable algorithm; "" = none)
struct Revision {
  std::string objective;             // objective code
  std::optional<Level> level;        // only needed when the code alone is ambiguous
  std::optional<std::string> scope;  // unit(s) or owner, see ObjectiveKey; only when ambiguous
  std::string indicator;             // indicator code (case-sensitive)
  ChangeKind change = ChangeKind::kTarget;
  std::optional<Target> from_target, to_target;
  std::optional<Threshold> from_threshold, to_threshold;
  std::optional<double> from_weight, to_weight;
  std::string from_formula, to_formula;
  std::optional<Indicator> definition;
  Date effective_date;
  std::string act;  // "Deliberazione di Giunta n. 142 del 13/09/2022"
  std::string reason;
  std::string evidence;  // "nota" | "printed" | ...
  std::string note;
  bool operator==(const Revision&) const = default;
};

// The rules a revision's values follow whatever carried them (a revisions file's JSON, a typed request):
// a target change has both targets; a weight change its new weight; a neutralisation weighs 0 (to_weight
// set to 0 when absent); a formula change a different formula; an added indicator its definition with the
// revision's code; a suppression no new value. INVALID_ARGUMENT naming `from_path` or `to_path` otherwise.
absl::Status CheckRevisionValues(Revision& revision, const std::string& from_path, const std::string& to_path);

// Applies all the changes of one act together, in order, all or nothing:
//  - every change must name the same act (INVALID_ARGUMENT otherwise; see GroupByAct);
//  - an unknown objective or indicator is NOT_FOUND, naming it; an ambiguous objective code is
//    FAILED_PRECONDITION;
//  - a change whose `from` differs from the current value (after the act's earlier changes) is
//    FAILED_PRECONDITION naming the objective, indicator and both values;
//  - `added` adds an indicator (FAILED_PRECONDITION if the code exists), `suppressed` marks it
//    suppressed, `neutralised` sets weight 0 and the reason; a target change also updates
//    targets_by_year[plan.year] when the plan lists the triennium;
//  - ValidatePlan must hold after the whole act (not after each change): FAILED_PRECONDITION
//    listing the problems otherwise.
absl::StatusOr<Plan> ApplyRevisionAct(const Plan& plan, const std::vector<Revision>& act_changes);

// Splits revisions into acts (same `act` text), in the order each act first appears.
std::vector<std::vector<Revision>> GroupByAct(const std::vector<Revision>& revisions);

}  // namespace piao::plan

#endif  // PIAO_LIBS_PLAN_REVISION_H_
