#include "libs/scoring/score.h"

#include <cmath>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace piao::scoring {
namespace {

using plan::IndicatorRef;
using plan::Level;
using plan::ObjectiveKey;

absl::StatusOr<ObjectiveScore> ScoreObjective(const plan::Objective& objective, const Measurements& measurements) {
  ObjectiveScore out;
  out.key = plan::KeyOf(objective);
  const std::vector<double> weights = plan::EffectiveIndicatorWeights(objective);
  double sum_w = 0, sum_wg = 0;
  for (size_t k = 0; k < objective.indicators.size(); ++k) {
    const plan::Indicator& ind = objective.indicators[k];
    const std::string where = absl::StrCat("objective ", plan::DescribeKey(out.key), ", indicator ", ind.code);
    IndicatorScore s;
    s.code = ind.code;
    s.weight_pct = weights[k];
    auto m = measurements.find(IndicatorRef{out.key, ind.code});
    const Measurement* measured = m == measurements.end() ? nullptr : &m->second;
    if (measured != nullptr && measured->assessed_grade_pct.has_value()) {
      const double g = *measured->assessed_grade_pct;
      if (!std::holds_alternative<plan::Text>(ind.target)) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": an assessed grade is only for text targets; ", plan::DescribeTarget(ind.target),
                         " is graded by rule"));
      }
      if (!std::isfinite(g) || g < 0 || g > 100) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": assessed grade ", g, " must lie within 0..100"));
      }
    }
    if (ind.suppressed) {
      s.basis = GradeBasis::kSuppressed;
    } else if (ind.neutralised) {
      s.basis = GradeBasis::kNeutralised;
    } else if (weights[k] <= 0) {
      s.basis = GradeBasis::kZeroWeight;
    } else if (measured != nullptr && measured->assessed_grade_pct.has_value()) {
      s.grade_pct = measured->assessed_grade_pct;
      s.basis = GradeBasis::kAssessed;
    } else {
      auto grade = GradeIndicator(ind.target, ind.threshold, measured != nullptr ? measured->actual : std::nullopt);
      if (!grade.ok()) return absl::InvalidArgumentError(absl::StrCat(where, ": ", grade.status().message()));
      s.grade_pct = grade->pct;
      s.basis = grade->basis;
    }
    if (s.grade_pct.has_value()) {
      s.counted = true;
      sum_w += s.weight_pct;
      sum_wg += s.weight_pct * *s.grade_pct;
    }
    out.indicators.push_back(std::move(s));
  }
  if (sum_w > 0) {
    out.score_pct = sum_wg / sum_w;
    out.label = LabelFor(*out.score_pct);
  }
  return out;
}

// Units (operational) or managers (individual): weighted by objective weight, nulls dropped.
std::vector<GroupScore> ScoreGroups(const plan::Plan& plan, const std::vector<ObjectiveScore>& scores, Level level) {
  std::vector<GroupScore> groups;
  struct Acc {
    bool any_weight = false;
    double sum_w = 0, sum_ws = 0;
  };
  std::vector<Acc> acc;
  for (size_t i = 0; i < plan.objectives.size(); ++i) {
    const plan::Objective& o = plan.objectives[i];
    if (o.level != level) continue;
    std::vector<std::string> names = level == Level::kOperational ? o.units : std::vector<std::string>{o.owner};
    for (const std::string& name : names) {
      if (name.empty()) continue;
      size_t g = 0;
      while (g < groups.size() && groups[g].name != name) ++g;
      if (g == groups.size()) {
        groups.push_back(GroupScore{name, std::nullopt, std::nullopt, {}});
        acc.emplace_back();
      }
      groups[g].objectives.push_back(scores[i].key);
      if (!o.objective_weight_pct.has_value()) continue;
      acc[g].any_weight = true;
      if (scores[i].score_pct.has_value() && *o.objective_weight_pct > 0) {
        acc[g].sum_w += *o.objective_weight_pct;
        acc[g].sum_ws += *o.objective_weight_pct * *scores[i].score_pct;
      }
    }
  }
  for (size_t g = 0; g < groups.size(); ++g) {
    if (acc[g].any_weight && acc[g].sum_w > 0) {
      groups[g].score_pct = acc[g].sum_ws / acc[g].sum_w;
      groups[g].label = LabelFor(*groups[g].score_pct);
    }
  }
  return groups;
}

}  // namespace

Label LabelFor(double score_pct) {
  const double printed = std::round(score_pct * 100.0) / 100.0;
  if (printed >= 95.0) return Label::kAchieved;
  if (printed > 0.0) return Label::kPartlyAchieved;
  return Label::kNotAchieved;
}

absl::string_view LabelText(Label label) {
  switch (label) {
    case Label::kAchieved: return "Raggiunto";
    case Label::kPartlyAchieved: return "Parzialmente raggiunto";
    case Label::kNotAchieved: return "Non raggiunto";
  }
  return "?";
}

Measurements FromActuals(const std::map<plan::IndicatorRef, plan::Value>& actuals) {
  Measurements out;
  for (const auto& [ref, value] : actuals) out[ref].actual = value;
  return out;
}

const ObjectiveScore* ScoredPlan::Find(const ObjectiveKey& key) const {
  for (const ObjectiveScore& o : objectives) {
    if (o.key == key) return &o;
  }
  return nullptr;
}

const IndicatorScore* ScoredPlan::Find(const IndicatorRef& ref) const {
  const ObjectiveScore* o = Find(ref.objective);
  if (o == nullptr) return nullptr;
  for (const IndicatorScore& i : o->indicators) {
    if (i.code == ref.indicator) return &i;
  }
  return nullptr;
}

absl::StatusOr<ScoredPlan> ScorePlan(const plan::Plan& plan, const Measurements& measurements) {
  // A measurement nobody can use is a typo or a stale key: say so rather than score without it.
  std::set<IndicatorRef> known;
  for (const plan::Objective& o : plan.objectives) {
    for (const plan::Indicator& i : o.indicators) known.insert(IndicatorRef{plan::KeyOf(o), i.code});
  }
  for (const auto& [ref, m] : measurements) {
    if (!known.count(ref)) {
      return absl::InvalidArgumentError(absl::StrCat("measurement for objective ", plan::DescribeKey(ref.objective),
                                                     ", indicator ", ref.indicator,
                                                     ": no such indicator in the plan (codes are case-sensitive)"));
    }
  }

  ScoredPlan out;
  double sum = 0;
  int n = 0;
  for (const plan::Objective& o : plan.objectives) {
    absl::StatusOr<ObjectiveScore> s = ScoreObjective(o, measurements);
    if (!s.ok()) return s.status();
    if (o.level == Level::kStrategic && s->score_pct.has_value()) {
      sum += *s->score_pct;
      ++n;
    }
    out.objectives.push_back(*std::move(s));
  }
  if (n > 0) {
    out.enterprise_score_pct = sum / n;
    out.enterprise_label = LabelFor(*out.enterprise_score_pct);
  }
  out.units = ScoreGroups(plan, out.objectives, Level::kOperational);
  out.managers = ScoreGroups(plan, out.objectives, Level::kIndividual);
  return out;
}

}  // namespace piao::scoring
