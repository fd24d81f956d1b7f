#include "services/projection/lineage.h"

#include <algorithm>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libs/base/status_macros.h"
#include "libs/plan/objective_level.h"
#include "services/projection/query.h"

namespace piao::projection {

absl::StatusOr<v1::Lineage> AssembleLineage(const v1::IndicatorHistory& history, const v1::ScoresView& scores,
                                            const std::map<std::string, v1::BatchSummary>& batches) {
  const v1::ObjectiveKey& key = history.objective();
  const v1::ObjectiveScore* objective = nullptr;
  const v1::IndicatorScore* indicator = nullptr;
  for (const v1::ObjectiveScore& o : scores.objectives()) {
    if (o.code() != key.code() || o.level_kind() != key.level_kind()) continue;
    const std::string scope = o.level_kind() == v1::OBJECTIVE_LEVEL_INDIVIDUAL    ? o.owner()
                              : o.level_kind() == v1::OBJECTIVE_LEVEL_OPERATIONAL ? o.unit()
                                                                                   : "";
    if (scope != key.scope()) continue;
    for (const v1::IndicatorScore& i : o.indicators()) {
      if (i.code() == history.indicator()) {
        objective = &o;
        indicator = &i;
      }
    }
  }
  if (indicator == nullptr) {
    return absl::NotFoundError(absl::StrCat("indicator ", history.indicator(), " of objective ", key.code(),
                                            " is not in the scored plan of ", scores.year()));
  }
  v1::Lineage out;
  out.set_administration(scores.administration());
  out.set_year(scores.year());
  *out.mutable_objective() = key;
  *out.mutable_objective_score() = *objective;
  out.mutable_objective_score()->clear_indicators();
  *out.mutable_objective_score()->add_indicators() = *indicator;
  *out.mutable_indicator() = *indicator;

  // The current actual: the last recorded for the year end (corrections come after what they correct); else
  // the last of any period.
  const v1::ActualVersion* current = nullptr;
  for (const v1::ActualVersion& a : history.actuals()) {
    if (a.period() == "year-end") current = &a;
  }
  if (current == nullptr && history.actuals_size() > 0) current = &history.actuals(history.actuals_size() - 1);
  if (current == nullptr) return out;
  *out.mutable_actual() = *current;
  for (const v1::ActualVersion& a : history.actuals()) {
    if (&a != current && a.period() == current->period()) *out.add_earlier_actuals() = a;
  }
  if (!current->has_computation()) return out;
  const v1::Computation& c = current->computation();
  // The formula's version: the definition version since which the indicator has had this formula text
  // (descriptive updates never change a formula).
  const v1::IndicatorVersion* since = nullptr;
  std::string previous;
  bool first = true;
  for (const v1::IndicatorVersion& v : history.versions()) {
    if (v.change_kind() == v1::AUDIT_CHANGE_DESCRIPTION) continue;
    if (v.formula() == c.formula() && (first || previous != v.formula())) since = &v;
    previous = v.formula();
    first = false;
  }
  if (since != nullptr) {
    *out.mutable_formula_version() = *since;
  }
  // The batches the inputs came from, oldest first.
  std::set<std::string> ids;
  for (const v1::ComputationInput& in : c.inputs()) ids.insert(in.value().batch_id());
  std::vector<v1::BatchSummary> found;
  for (const std::string& id : ids) {
    if (auto it = batches.find(id); it != batches.end()) found.push_back(it->second);
  }
  std::sort(found.begin(), found.end(), [](const v1::BatchSummary& a, const v1::BatchSummary& b) {
    return a.global_position() < b.global_position();
  });
  for (v1::BatchSummary& b : found) *out.add_batches() = std::move(b);
  return out;
}

absl::StatusOr<v1::Lineage> QueryLineage(const ViewReader& view, const v1::GetLineageRequest& asked) {
  v1::GetLineageRequest r = asked;  // the level filter as the enum only
  PIAO_RETURN_IF_ERROR(plan::ObjectiveLevels().Normalise(&r));
  v1::GetIndicatorHistoryRequest h;
  h.set_administration(r.administration());
  h.set_year(r.year());
  h.set_objective(r.objective());
  h.set_indicator(r.indicator());
  h.set_level_kind(r.level_kind());
  h.set_scope(r.scope());
  PIAO_ASSIGN_OR_RETURN(v1::IndicatorHistory history, QueryIndicatorHistory(view, h));
  v1::GetScoresRequest s;
  s.set_administration(r.administration());
  s.set_year(r.year());
  PIAO_ASSIGN_OR_RETURN(v1::ScoresView scores, QueryScores(view, s));
  std::map<std::string, v1::BatchSummary> batches;
  for (const v1::ActualVersion& a : history.actuals()) {
    for (const v1::ComputationInput& in : a.computation().inputs()) {
      const std::string& id = in.value().batch_id();
      if (id.empty() || batches.count(id) != 0) continue;
      PIAO_ASSIGN_OR_RETURN(std::optional<std::string> raw, view.Get(BatchKey(scores.administration(), id)));
      if (!raw.has_value()) continue;  // a batch of an earlier projection format: the inputs still name it
      v1::BatchSummary b;
      if (!b.ParseFromString(*raw)) return absl::DataLossError("undecodable batch record " + id);
      batches[id] = std::move(b);
    }
  }
  return AssembleLineage(history, scores, batches);
}

}  // namespace piao::projection
