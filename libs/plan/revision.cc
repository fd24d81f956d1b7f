#include "libs/plan/revision.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/base/status_macros.h"
#include "libs/plan/validate.h"

namespace piao::plan {
namespace {

std::string DescribeWeight(const std::optional<double>& w) {
  return w.has_value() ? absl::StrCat(*w, "%") : std::string("no weight");
}

absl::StatusOr<Objective*> ResolveObjective(Plan& plan, const Revision& r, const std::string& where) {
  std::vector<Objective*> found;
  for (Objective& o : plan.objectives) {
    if (o.code != r.objective) continue;
    if (r.level.has_value() && o.level != *r.level) continue;
    if (r.scope.has_value() && KeyOf(o).scope != *r.scope) continue;
    found.push_back(&o);
  }
  if (found.empty()) return absl::NotFoundError(absl::StrCat(where, ": objective ", r.objective, " is not in the plan"));
  if (found.size() > 1) {
    return absl::FailedPreconditionError(
        absl::StrCat(where, ": objective code ", r.objective, " matches ", found.size(),
                     " objectives; give the revision's level and scope (unit or owner)"));
  }
  return found.front();
}

absl::Status Mismatch(const std::string& where, absl::string_view what, const std::string& from,
                      const std::string& current) {
  return absl::FailedPreconditionError(
      absl::StrCat(where, ": 'from' ", what, " ", from, " does not match the plan's current ", what, " ", current));
}

absl::Status ApplyOne(int year, Objective& objective, const Revision& r, const std::string& where) {
  if (r.change == ChangeKind::kAdded) {
    if (!r.definition.has_value()) return absl::InvalidArgumentError(absl::StrCat(where, ": no indicator to add"));
    if (FindIndicator(objective, r.indicator) != nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat(where, ": indicator ", r.indicator, " is already in objective ", objective.code));
    }
    objective.indicators.push_back(*r.definition);
    return absl::OkStatus();
  }
  Indicator* ind = FindIndicator(objective, r.indicator);
  if (ind == nullptr) {
    return absl::NotFoundError(
        absl::StrCat(where, ": indicator ", r.indicator, " is not in objective ", objective.code,
                     " (codes are case-sensitive)"));
  }
  switch (r.change) {
    case ChangeKind::kTarget: {
      if (!r.from_target.has_value() || !r.to_target.has_value()) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": a target change needs 'from' and 'to'"));
      }
      if (!(ind->target == *r.from_target)) {
        return Mismatch(where, "target", DescribeTarget(*r.from_target), DescribeTarget(ind->target));
      }
      ind->target = *r.to_target;
      auto own = ind->targets_by_year.find(year);
      if (own != ind->targets_by_year.end()) own->second = *r.to_target;
      return absl::OkStatus();
    }
    case ChangeKind::kThreshold:
      if (!(ind->threshold == r.from_threshold)) {
        return Mismatch(where, "threshold", DescribeThreshold(r.from_threshold), DescribeThreshold(ind->threshold));
      }
      ind->threshold = r.to_threshold;
      return absl::OkStatus();
    case ChangeKind::kWeight:
    case ChangeKind::kNeutralised:
      if (ind->weight_pct != r.from_weight) {
        return Mismatch(where, "weight", DescribeWeight(r.from_weight), DescribeWeight(ind->weight_pct));
      }
      if (r.change == ChangeKind::kWeight) {
        if (!r.to_weight.has_value()) return absl::InvalidArgumentError(absl::StrCat(where, ": no new weight"));
        ind->weight_pct = r.to_weight;
      } else {
        ind->weight_pct = 0.0;
        ind->neutralised = true;
        ind->neutralised_reason = r.reason;
      }
      return absl::OkStatus();
    case ChangeKind::kSuppressed:
      if (ind->suppressed) {
        return absl::FailedPreconditionError(absl::StrCat(where, ": indicator ", r.indicator, " is already suppressed"));
      }
      if (r.definition.has_value() && !(r.definition->target == ind->target)) {
        return Mismatch(where, "target", DescribeTarget(r.definition->target), DescribeTarget(ind->target));
      }
      ind->suppressed = true;
      ind->suppressed_reason = r.reason;
      return absl::OkStatus();
    case ChangeKind::kFormula:
      if (r.from_formula != ind->formula) {
        return Mismatch(where, "formula", absl::StrCat("'", r.from_formula, "'"), absl::StrCat("'", ind->formula, "'"));
      }
      if (r.to_formula == ind->formula) {
        return absl::FailedPreconditionError(absl::StrCat(where, ": the formula is already '", ind->formula, "'"));
      }
      ind->formula = r.to_formula;
      return absl::OkStatus();
    case ChangeKind::kAdded:
      break;  // handled above
  }
  return absl::OkStatus();
}

}  // namespace

absl::string_view ChangeKindName(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kTarget: return "target";
    case ChangeKind::kThreshold: return "threshold";
    case ChangeKind::kWeight: return "weight";
    case ChangeKind::kAdded: return "added";
    case ChangeKind::kSuppressed: return "suppressed";
    case ChangeKind::kNeutralised: return "neutralised";
    case ChangeKind::kFormula: return "formula";
  }
  return "?";
}

absl::StatusOr<ChangeKind> ParseChangeKind(absl::string_view name) {
  for (ChangeKind k : {ChangeKind::kTarget, ChangeKind::kThreshold, ChangeKind::kWeight, ChangeKind::kAdded,
                       ChangeKind::kSuppressed, ChangeKind::kNeutralised, ChangeKind::kFormula}) {
    if (name == ChangeKindName(k)) return k;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "change '", name, "' must be one of target, threshold, weight, added, suppressed, neutralised, formula"));
}

absl::Status CheckRevisionValues(Revision& r, const std::string& from_path, const std::string& to_path) {
  auto bad = [](const std::string& path, absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
  };
  switch (r.change) {
    case ChangeKind::kTarget:
      if (!r.from_target.has_value()) return bad(from_path, "a target change needs the previous target");
      if (!r.to_target.has_value()) return bad(to_path, "a target change needs the new target");
      break;
    case ChangeKind::kThreshold:
      break;
    case ChangeKind::kWeight:
      if (!r.to_weight.has_value()) return bad(to_path, "a weight change needs the new weight");
      break;
    case ChangeKind::kNeutralised:
      if (r.to_weight.value_or(0.0) != 0.0) return bad(to_path, "a neutralised indicator weighs 0");
      r.to_weight = 0.0;
      break;
    case ChangeKind::kFormula:
      if (r.to_formula == r.from_formula) return bad(to_path, "a formula change needs a different formula");
      break;
    case ChangeKind::kAdded:
      if (!r.definition.has_value()) return bad(to_path, "an added indicator needs its definition");
      if (r.definition->code != r.indicator) {
        return bad(to_path + ".code",
                   absl::StrCat("'", r.definition->code, "' must equal the revision's indicator '", r.indicator, "'"));
      }
      break;
    case ChangeKind::kSuppressed:
      break;
  }
  return absl::OkStatus();
}

absl::StatusOr<Plan> ApplyRevisionAct(const Plan& plan, const std::vector<Revision>& act_changes) {
  if (act_changes.empty()) return absl::InvalidArgumentError("an act needs at least one change");
  const std::string& act = act_changes.front().act;
  if (act.empty()) return absl::InvalidArgumentError("change #1: act must name the deliberation");
  Plan out = plan;
  for (size_t k = 0; k < act_changes.size(); ++k) {
    const Revision& r = act_changes[k];
    const std::string where = absl::StrCat("act '", act, "' change #", k + 1, " (", r.objective, " / ",
                                           r.indicator, ", ", ChangeKindName(r.change), ")");
    if (r.act != act) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": belongs to act '", r.act, "'; the changes of one act apply together"));
    }
    PIAO_ASSIGN_OR_RETURN(Objective * objective, ResolveObjective(out, r, where));
    PIAO_RETURN_IF_ERROR(ApplyOne(out.year, *objective, r, where));
  }
  // The rules hold for the act as a whole: a weight moved here may only balance with one added there.
  std::vector<std::string> problems = PlanProblems(out);
  if (!problems.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("after act '", act, "' the plan would have ", problems.size(),
                                                      " problem(s): ", absl::StrJoin(problems, "; ")));
  }
  return out;
}

std::vector<std::vector<Revision>> GroupByAct(const std::vector<Revision>& revisions) {
  std::vector<std::vector<Revision>> acts;
  for (const Revision& r : revisions) {
    auto it = std::find_if(acts.begin(), acts.end(), [&](const auto& a) { return a.front().act == r.act; });
    if (it == acts.end()) {
      acts.push_back({r});
    } else {
      it->push_back(r);
    }
  }
  return acts;
}

}  // namespace piao::plan
