#include "libs/plan/validate.h"

#include "libs/formula/formula.h"

#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace piao::plan {
namespace {

class Checker {
 public:
  explicit Checker(const Plan& plan) : plan_(plan) {}

  std::vector<std::string> Run() {
    for (size_t i = 0; i < plan_.objectives.size(); ++i) CheckObjective(i, plan_.objectives[i]);
    CheckObjectiveIdentity();
    CheckGroupWeights(Level::kOperational, "unit");
    CheckGroupWeights(Level::kIndividual, "owner");
    return std::move(problems_);
  }

 private:
  static std::string Where(size_t index, const Objective& o) {
    if (o.code.empty()) return absl::StrCat("objective #", index + 1, " (", LevelName(o.level), ")");
    return absl::StrCat("objective ", DescribeKey(KeyOf(o)));
  }

  void Add(std::string problem) { problems_.push_back(std::move(problem)); }

  void CheckNumber(const std::string& where, absl::string_view field, double v) {
    if (!std::isfinite(v)) Add(absl::StrCat(where, ": ", field, " must be a finite number"));
  }

  void CheckWeight(const std::string& where, absl::string_view field, const std::optional<double>& w) {
    if (!w.has_value()) return;
    if (!std::isfinite(*w) || *w < 0 || *w > 100) {
      Add(absl::StrCat(where, ": ", field, " ", *w, " must lie within 0..100"));
    }
  }

  void CheckTargetNumbers(const std::string& where, absl::string_view field, const Target& t) {
    if (const auto* c = std::get_if<ComparisonTarget>(&t)) CheckNumber(where, field, c->quantity.value);
  }

  void CheckThreshold(const std::string& where, const Indicator& ind) {
    if (!ind.threshold.has_value()) return;
    const Threshold& th = *ind.threshold;
    if (std::holds_alternative<Text>(ind.target)) {
      Add(absl::StrCat(where, ": a text target cannot have a threshold (", DescribeThreshold(th), ")"));
      return;
    }
    if (const auto* d = std::get_if<DeadlineTarget>(&ind.target)) {
      const Date* td = std::get_if<Date>(&th.bound);
      if (td == nullptr) {
        Add(absl::StrCat(where, ": threshold of a deadline target must be a date, not ", DescribeThreshold(th)));
      } else if (*td <= d->date) {
        Add(absl::StrCat(where, ": date threshold ", FormatIsoDate(*td), " must lie after the deadline ",
                         FormatIsoDate(d->date)));
      }
      return;
    }
    const auto& c = std::get<ComparisonTarget>(ind.target);
    const Quantity* q = std::get_if<Quantity>(&th.bound);
    if (q == nullptr) {
      Add(absl::StrCat(where, ": threshold of a ", CompareOpSymbol(c.op), " target must be a value, not ",
                       DescribeThreshold(th)));
      return;
    }
    CheckNumber(where, "threshold value", q->value);
    if (!q->unit.empty() && !c.quantity.unit.empty() && q->unit != c.quantity.unit) {
      Add(absl::StrCat(where, ": threshold unit '", q->unit, "' differs from the target unit '", c.quantity.unit,
                       "'"));
    }
    const bool up = c.op == CompareOp::kGe || c.op == CompareOp::kGt;
    const bool down = c.op == CompareOp::kLe || c.op == CompareOp::kLt;
    if (up && !(q->value < c.quantity.value)) {
      Add(absl::StrCat(where, ": threshold ", q->value, " must lie below the target (", DescribeTarget(ind.target),
                       "): 0% is on the failing side"));
    }
    if (down && !(q->value > c.quantity.value)) {
      Add(absl::StrCat(where, ": threshold ", q->value, " must lie above the target (", DescribeTarget(ind.target),
                       "): 0% is on the failing side"));
    }
  }

  void CheckIndicator(const std::string& owhere, size_t index, const Indicator& ind) {
    const std::string where = ind.code.empty() ? absl::StrCat(owhere, ", indicator #", index + 1)
                                               : absl::StrCat(owhere, ", indicator ", ind.code);
    if (ind.code.empty()) Add(absl::StrCat(where, ": code must not be empty"));
    CheckWeight(where, "weight_pct", ind.weight_pct);
    if (ind.neutralised && ind.weight_pct.value_or(0.0) != 0.0) {
      Add(absl::StrCat(where, ": a neutralised indicator weighs 0, not ", *ind.weight_pct));
    }
    CheckTargetNumbers(where, "target value", ind.target);
    for (const auto& [year, t] : ind.targets_by_year) {
      if (t.has_value()) CheckTargetNumbers(where, absl::StrCat("targets_by_year ", year, " value"), *t);
    }
    auto own_year = ind.targets_by_year.find(plan_.year);
    if (own_year != ind.targets_by_year.end() && own_year->second.has_value() &&
        !(*own_year->second == ind.target)) {
      Add(absl::StrCat(where, ": targets_by_year ", plan_.year, " (", DescribeTarget(*own_year->second),
                       ") must equal the target (", DescribeTarget(ind.target), ")"));
    }
    if (ind.baseline.has_value()) {
      if (const auto* q = std::get_if<Quantity>(&*ind.baseline)) CheckNumber(where, "baseline value", q->value);
    }
    CheckThreshold(where, ind);
    if (!ind.formula.empty()) {
      auto f = formula::Formula::Parse(ind.formula);
      if (!f.ok()) Add(absl::StrCat(where, ": ", f.status().message()));
    }
  }

  void CheckObjective(size_t index, const Objective& o) {
    const std::string where = Where(index, o);
    if (o.code.empty()) Add(absl::StrCat(where, ": code must not be empty"));
    CheckWeight(where, "objective_weight_pct", o.objective_weight_pct);
    std::set<std::string> codes;
    double sum = 0;
    bool any_weight = false;
    for (size_t k = 0; k < o.indicators.size(); ++k) {
      const Indicator& ind = o.indicators[k];
      CheckIndicator(where, k, ind);
      if (!ind.code.empty() && !codes.insert(ind.code).second) {
        Add(absl::StrCat(where, ", indicator ", ind.code,
                         ": code appears twice (indicator codes are unique within their objective)"));
      }
      if (IsExcluded(ind) || !ind.weight_pct.has_value()) continue;
      any_weight = true;
      sum += *ind.weight_pct;
    }
    if (any_weight && std::isfinite(sum) && std::abs(sum - 100.0) > kWeightSumTolerance) {
      Add(absl::StrCat(where, ": indicator weights sum to ", sum,
                       ", must be 100 (±0.01; neutralised/suppressed indicators excluded)"));
    }
  }

  void CheckObjectiveIdentity() {
    // Strategic codes are unique among strategic objectives, operational codes within each unit,
    // individual codes within each owner.
    std::map<std::pair<Level, std::string>, std::set<std::string>> seen;
    for (const Objective& o : plan_.objectives) {
      if (o.code.empty()) continue;
      std::vector<std::string> scopes;
      if (o.level == Level::kOperational && !o.units.empty()) {
        scopes = o.units;
      } else {
        scopes.push_back(o.level == Level::kIndividual ? o.owner : std::string());
      }
      for (const std::string& scope : scopes) {
        if (!seen[{o.level, scope}].insert(o.code).second) {
          Add(absl::StrCat("objective ", o.code, " (", LevelName(o.level), scope.empty() ? "" : ", ", scope,
                           "): code appears twice (objective codes are unique per level and unit/owner)"));
        }
      }
    }
  }

  void CheckGroupWeights(Level level, absl::string_view group_kind) {
    struct Sum {
      double total = 0;
      bool any = false;
    };
    std::map<std::string, Sum> sums;
    for (const Objective& o : plan_.objectives) {
      if (o.level != level || !o.objective_weight_pct.has_value()) continue;
      std::vector<std::string> groups = level == Level::kOperational ? o.units : std::vector<std::string>{o.owner};
      for (const std::string& g : groups) {
        if (g.empty()) continue;
        sums[g].total += *o.objective_weight_pct;
        sums[g].any = true;
      }
    }
    for (const auto& [group, s] : sums) {
      if (s.any && std::isfinite(s.total) && std::abs(s.total - 100.0) > kWeightSumTolerance) {
        Add(absl::StrCat(group_kind, " ", group, ": ", LevelName(level), " objective weights sum to ", s.total,
                         ", must be 100 (±0.01)"));
      }
    }
  }

  const Plan& plan_;
  std::vector<std::string> problems_;
};

}  // namespace

std::vector<std::string> PlanProblems(const Plan& plan) { return Checker(plan).Run(); }

absl::Status ValidatePlan(const Plan& plan) {
  std::vector<std::string> problems = PlanProblems(plan);
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("plan has ", problems.size(), " problem(s): ", absl::StrJoin(problems, "; ")));
}

}  // namespace piao::plan
