// The planning rules a plan must satisfy (DOMAIN.md §2), as a pure check over the model.
#ifndef PIAO_LIBS_PLAN_VALIDATE_H_
#define PIAO_LIBS_PLAN_VALIDATE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "libs/plan/model.h"

namespace piao::plan {

// Tolerance on weight sums (printed weights have two decimals).
inline constexpr double kWeightSumTolerance = 0.01;

// Every problem of the plan, each naming the objective (and indicator) and the rule broken:
//  - codes non-empty; objective codes unique per level and unit (operational) / owner (individual);
//    indicator codes (case-sensitive) unique within their objective;
//  - numbers finite; weights within 0..100;
//  - indicator weights, when any active indicator of an objective carries one, sum to 100 (±0.01);
//    suppressed and neutralised indicators are left out, missing weights count 0; an objective with no
//    weights at all is valid (its indicators weigh equally); a neutralised indicator weighs 0;
//  - operational objectives' weights per unit, and individual objectives' weights per owner, sum to 100
//    when any of them is given;
//  - a threshold has the target's kind (value or date) and unit, lies on the failing side of a >=/>
//    (below) or <=/< (above) target or after a deadline; thresholds on = targets are accepted; a text
//    target has none;
//  - targets_by_year[plan year], when listed, equals the target.
std::vector<std::string> PlanProblems(const Plan& plan);

// OK, or INVALID_ARGUMENT "plan has N problem(s): a; b; ..." listing PlanProblems.
absl::Status ValidatePlan(const Plan& plan);

}  // namespace piao::plan

#endif  // PIAO_LIBS_PLAN_VALIDATE_H_
