// Scoring a plan (DOMAIN.md §3.2-3.4): indicator grades roll up into objective scores, operational
// objectives into unit scores, individual objectives into manager scores, strategic objectives into the
// enterprise score. Pure: the plan model plus the actuals in, a scored tree out; null = no score.
#ifndef PIAO_LIBS_SCORING_SCORE_H_
#define PIAO_LIBS_SCORING_SCORE_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/plan/model.h"
#include "libs/scoring/grade.h"

namespace piao::scoring {

// The evaluation label: >= 95 Raggiunto, > 0 Parzialmente raggiunto, 0 Non raggiunto. Decided on the
// score rounded to two decimals, as published, so a printed 95.00 is never "Parzialmente".
enum class Label { kAchieved, kPartlyAchieved, kNotAchieved };
Label LabelFor(double score_pct);
absl::string_view LabelText(Label label);  // "Raggiunto", "Parzialmente raggiunto", "Non raggiunto"

// What was recorded for one indicator at year end.
struct Measurement {
  std::optional<plan::Value> actual;
  // Only for text targets ("Nei termini di legge"), which no rule can grade: a grade recorded
  // explicitly (e.g. assessed by the OIV), 0..100. Without one a text target is left out of the mean.
  std::optional<double> assessed_grade_pct;
};
using Measurements = std::map<plan::IndicatorRef, Measurement>;

// Measurements carrying just the actuals (e.g. ParsedPlanFile::actuals).
Measurements FromActuals(const std::map<plan::IndicatorRef, plan::Value>& actuals);

struct IndicatorScore {
  std::string code;
  double weight_pct = 0;          // effective weight (plan::EffectiveIndicatorWeights)
  std::optional<double> grade_pct;
  GradeBasis basis = GradeBasis::kMissed;
  bool counted = false;           // part of the objective's weighted mean
};

struct ObjectiveScore {
  plan::ObjectiveKey key;
  std::optional<double> score_pct;  // null: no counted indicator (e.g. all neutralised)
  std::optional<Label> label;
  std::vector<IndicatorScore> indicators;  // plan order
};

// A unit (operational objectives, by objective weight) or a manager (individual objectives).
struct GroupScore {
  std::string name;
  std::optional<double> score_pct;  // null when no objective carries a weight or none has a score
  std::optional<Label> label;
  std::vector<plan::ObjectiveKey> objectives;  // all of the group's objectives, plan order
};

struct ScoredPlan {
  std::vector<ObjectiveScore> objectives;  // plan order
  std::vector<GroupScore> units;           // order of first appearance
  std::vector<GroupScore> managers;
  std::optional<double> enterprise_score_pct;  // plain mean of the strategic scores, nulls dropped
  std::optional<Label> enterprise_label;

  const ObjectiveScore* Find(const plan::ObjectiveKey& key) const;
  const IndicatorScore* Find(const plan::IndicatorRef& ref) const;
};

// Scores the plan:
//  - indicator: excluded when suppressed, neutralised or of effective weight 0 (no grade); otherwise
//    GradeIndicator on its measurement (no measurement = no actual = 0 at full weight); text targets use
//    the recorded assessment, or are left out (kUnscorable) when there is none;
//  - objective: weighted mean of the counted grades (weights renormalised over them); null when none;
//  - unit / manager: mean of its objectives' scores weighted by objective_weight_pct (a missing weight
//    counts 0 beside given ones), null objective scores dropped and the other weights renormalised;
//  - enterprise: plain mean of the strategic objective scores, nulls dropped.
// INVALID_ARGUMENT naming objective and indicator for a measurement of an unknown indicator, an actual
// that does not fit its target, an unusable threshold, or an assessed grade outside 0..100 or on a
// target the rules can grade.
absl::StatusOr<ScoredPlan> ScorePlan(const plan::Plan& plan, const Measurements& measurements);

}  // namespace piao::scoring

#endif  // PIAO_LIBS_SCORING_SCORE_H_
