#include "tools/piao/queries.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "libs/base/status_macros.h"
#include "libs/plan/model.h"
#include "libs/plan/plan_json.h"
#include "libs/service/client.h"
#include "libs/service/event_log_client.h"
#include "libs/service/grpc_status.h"
#include "piao/v1/projection.grpc.pb.h"
#include "tools/piao/audit_cmd.h"
#include "tools/piao/cli_util.h"
#include "tools/piao/stack.h"

namespace piao::cli {
namespace {

using json = nlohmann::json;

std::string Pct(double v) { return absl::StrFormat("%.2f %%", v); }

// A percentage, coloured by the projection's band (the label's own rounding) when `color`.
std::string ScoreText(bool has, double v, v1::AchievementBand band, bool color) {
  if (!has) return "no score";
  if (!color) return Pct(v);
  const char* code = band == v1::ACHIEVEMENT_BAND_MET      ? "32"
                     : band == v1::ACHIEVEMENT_BAND_PARTLY ? "33"
                                                           : "31";
  return absl::StrCat("\033[", code, "m", Pct(v), "\033[0m");
}

json BandJson(v1::AchievementBand band) {
  const std::string name = BandName(band);
  return name.empty() ? json(nullptr) : json(name);
}

json DeviationJson(const v1::IndicatorScore& i) {
  if (!i.has_deviation()) return nullptr;
  if (i.deviation().has_difference()) {
    return {{"difference", i.deviation().difference().value()}, {"unit", i.deviation().difference().unit()}};
  }
  if (i.deviation().has_days_late()) return {{"days_late", i.deviation().days_late()}};
  return nullptr;
}

std::string Weight(bool has, double v) { return has ? absl::StrFormat("%g %%", v) : "-"; }

}  // namespace

json ScoresToJson(const v1::ScoresView& view) {
  json objectives = json::array();
  for (const v1::ObjectiveScore& o : view.objectives()) {
    json indicators = json::array();
    for (const v1::IndicatorScore& i : o.indicators()) {
      indicators.push_back({{"code", i.code()},
                            {"weight_pct", NumberOrNull(i.has_weight_pct(), i.weight_pct())},
                            {"target", TargetJson(i.target())},
                            {"threshold", ThresholdJson(i)},
                            {"actual", ActualJson(i)},
                            {"grade_pct", NumberOrNull(i.has_grade_pct(), i.grade_pct())},
                            {"band", BandJson(i.band())},
                            {"deviation", DeviationJson(i)}});
    }
    objectives.push_back({{"level", ObjectiveLevelName(o.level_kind())},
                          {"code", o.code()},
                          {"unit", OrNull(o.unit())},
                          {"owner", OrNull(o.owner())},
                          {"score_pct", NumberOrNull(o.has_score_pct(), o.score_pct())},
                          {"label", o.label()},
                          {"band", BandJson(o.band())},
                          {"indicators", std::move(indicators)}});
  }
  json units = json::array();
  for (const v1::GroupScore& g : view.units()) {
    units.push_back({{"unit", g.name()}, {"score_pct", NumberOrNull(g.has_score_pct(), g.score_pct())}});
  }
  json owners = json::array();
  for (const v1::GroupScore& g : view.owners()) {
    owners.push_back({{"owner", g.name()}, {"score_pct", NumberOrNull(g.has_score_pct(), g.score_pct())}});
  }
  return {{"year", view.year()},
          {"administration", view.administration()},
          {"as_of_date", OrNull(view.as_of_date())},
          {"basis", BasisName(view.basis_kind())},
          {"period", view.period().empty() ? "year-end" : view.period()},
          {"enterprise_score_pct", NumberOrNull(view.has_enterprise_score_pct(), view.enterprise_score_pct())},
          {"enterprise_band", BandJson(view.enterprise_band())},
          {"objectives", std::move(objectives)},
          {"units", std::move(units)},
          {"owners", std::move(owners)}};
}

std::string RenderScores(const v1::ScoresView& view, bool color) {
  std::string out = absl::StrCat("PIAO ", view.administration().empty() ? "" : view.administration() + " ",
                                 view.year(), ": enterprise score ",
                                 ScoreText(view.has_enterprise_score_pct(), view.enterprise_score_pct(), view.enterprise_band(), color));
  if (!view.enterprise_label().empty()) absl::StrAppend(&out, " ", view.enterprise_label());
  absl::StrAppend(&out, "  (", BasisName(view.basis_kind()), " definitions, as of ",
                  view.as_of_date().empty() ? "latest" : view.as_of_date(),
                  view.period().empty() || view.period() == "year-end"
                      ? std::string()
                      : absl::StrCat("; actuals of the monitoring of ", view.period()),
                  ")\n");
  for (const v1::ObjectiveScore& o : view.objectives()) {
    std::string who = !o.unit().empty() ? o.unit() : o.owner();
    absl::StrAppend(&out, "\n", o.code(), "  ", ObjectiveLevelName(o.level_kind()), who.empty() ? "" : absl::StrCat(", ", who), "  ",
                    o.title(), "\n    score ", ScoreText(o.has_score_pct(), o.score_pct(), o.band(), color),
                    o.label().empty() ? "" : absl::StrCat("  ", o.label()), "\n");
    for (const v1::IndicatorScore& i : o.indicators()) {
      absl::StrAppend(&out, "    ", absl::StrFormat("%-16s", i.code()), " weight ",
                      Weight(i.has_weight_pct(), i.weight_pct()), "  target ", DescribeTargetJson(TargetJson(i.target()).dump()),
                      "  threshold ", DescribeThresholdJson(ThresholdJson(i).dump()), "  actual ",
                      DescribeValueJson(ActualJson(i).dump()), "  grade ",
                      ScoreText(i.has_grade_pct(), i.grade_pct(), i.band(), color));
      if (i.neutralised()) absl::StrAppend(&out, "  (neutralised)");
      if (i.suppressed()) absl::StrAppend(&out, "  (suppressed)");
      absl::StrAppend(&out, "\n");
    }
  }
  if (view.units_size() > 0) {
    absl::StrAppend(&out, "\nUnits\n");
    for (const v1::GroupScore& g : view.units()) {
      absl::StrAppend(&out, "  ", g.name(), "  ", ScoreText(g.has_score_pct(), g.score_pct(), g.band(), color), "\n");
    }
  }
  if (view.owners_size() > 0) {
    absl::StrAppend(&out, "\nOwners\n");
    for (const v1::GroupScore& g : view.owners()) {
      absl::StrAppend(&out, "  ", g.name(), "  ", ScoreText(g.has_score_pct(), g.score_pct(), g.band(), color), "\n");
    }
  }
  return out;
}

json HistoryToJson(const v1::IndicatorHistory& history) {
  json versions = json::array();
  for (const v1::IndicatorVersion& v : history.versions()) {
    versions.push_back({{"change", AuditChangeName(v.change_kind())},
                        {"target", TargetJson(v.target())},
                        {"threshold", v.has_threshold() ? ThresholdJson(v.threshold()) : json(nullptr)},
                        {"weight_pct", NumberOrNull(v.has_weight_pct(), v.weight_pct())},
                        {"from", ChangedJson(v.from_value())},
                        {"to", ChangedJson(v.to_value())},
                        {"act", OrNull(v.act().text())},
                        {"act_date", OrNull(v.act().date())},
                        {"effective_date", OrNull(v.effective_date())},
                        {"actor", OrNull(v.actor())},
                        {"recorded_at", TimestampJson(v.recorded_at())},
                        {"reason", OrNull(v.reason())}});
  }
  json actuals = json::array();
  for (const v1::ActualVersion& a : history.actuals()) {
    actuals.push_back({{"actual_id", a.actual_id()},
                       {"corrects", OrNull(a.corrects())},
                       {"period", a.period()},
                       {"value", ValueJson(a)},
                       {"source", OrNull(a.source())},
                       {"evidence_ref", OrNull(a.evidence_ref())},
                       {"note", OrNull(a.note())},
                       {"reason", OrNull(a.reason())},
                       {"actor", OrNull(a.actor())},
                       {"recorded_at", TimestampJson(a.recorded_at())}});
  }
  return {{"objective",
           {{"level", ObjectiveLevelName(history.objective().level_kind())},
            {"code", history.objective().code()},
            {"scope", OrNull(history.objective().scope())}}},
          {"indicator", history.indicator()},
          {"versions", std::move(versions)},
          {"actuals", std::move(actuals)}};
}

std::string RenderHistory(const v1::IndicatorHistory& h) {
  auto at = TimestampText;
  std::string out = absl::StrCat(h.indicator(), " of ", ObjectiveLevelName(h.objective().level_kind()), " objective ", h.objective().code(),
                                 h.objective().scope().empty() ? "" : absl::StrCat(" (", h.objective().scope(), ")"),
                                 "\n\nDefinitions\n");
  for (const v1::IndicatorVersion& v : h.versions()) {
    absl::StrAppend(&out, "  ", absl::StrFormat("%-12s", AuditChangeName(v.change_kind())), " valid from ",
                    v.effective_date().empty() ? "-" : v.effective_date(), "  target ",
                    DescribeTargetJson(TargetJson(v.target()).dump()), "  threshold ",
                    DescribeThresholdJson(v.has_threshold() ? ThresholdJson(v.threshold()).dump() : ""),
                    "  weight ", Weight(v.has_weight_pct(), v.weight_pct()), "\n");
    if (v.has_from_value() || v.has_to_value()) {
      absl::StrAppend(&out, "      changed ", ChangedJson(v.from_value()).dump(), " -> ", ChangedJson(v.to_value()).dump(), "\n");
    }
    if (!v.act().text().empty()) {
      absl::StrAppend(&out, "      act ", v.act().text(), v.act().date().empty() ? "" : " (" + v.act().date() + ")",
                      "\n");
    }
    if (!v.reason().empty()) absl::StrAppend(&out, "      reason ", v.reason(), "\n");
    absl::StrAppend(&out, "      by ", v.actor().empty() ? "-" : v.actor(), ", recorded ", at(v.recorded_at()), "\n");
  }
  absl::StrAppend(&out, "\nActuals\n");
  if (h.actuals_size() == 0) absl::StrAppend(&out, "  none recorded\n");
  for (const v1::ActualVersion& a : h.actuals()) {
    absl::StrAppend(&out, "  ", a.actual_id(), "  ", a.period(), "  ", DescribeValueJson(ValueJson(a).dump()),
                    a.corrects().empty() ? "" : absl::StrCat("  corrects ", a.corrects()), "\n");
    if (!a.source().empty()) absl::StrAppend(&out, "      source ", a.source(), "\n");
    if (!a.reason().empty()) absl::StrAppend(&out, "      reason ", a.reason(), "\n");
    absl::StrAppend(&out, "      by ", a.actor().empty() ? "-" : a.actor(), ", recorded ", at(a.recorded_at()), "\n");
  }
  return out;
}

absl::Status RunScores(const ScoresOptions& o) {
  PIAO_RETURN_IF_ERROR(CheckYear(o.year));
  PIAO_RETURN_IF_ERROR(CheckAsOf(o.as_of));
  if (!o.basis.empty() && o.basis != "approved" && o.basis != "revised") {
    return absl::InvalidArgumentError(absl::StrCat("--basis: must be approved or revised, got '", o.basis, "'"));
  }
  v1::GetScoresRequest req;
  req.set_administration(o.administration);
  req.set_year(o.year);
  req.set_as_of_date(o.as_of);
  req.set_period(o.period);
  PIAO_ASSIGN_OR_RETURN(const v1::ScoreBasis basis, ParseBasisFlag(o.basis));
  req.set_basis_kind(basis);
  if (!o.as_of_record.empty()) {
    PIAO_ASSIGN_OR_RETURN(*req.mutable_as_of_record_time(), ParseRfc3339Flag("as-of-record", o.as_of_record));
  }
  PIAO_ASSIGN_OR_RETURN(const v1::ObjectiveLevel level, ParseLevelFlag(o.level));
  v1::ScoresView view;
  PIAO_RETURN_IF_ERROR(QueryProjection(o.data_dir, &v1::Projection::Stub::GetScores, req, &view));
  if (level != v1::OBJECTIVE_LEVEL_UNSPECIFIED) {
    auto* objectives = view.mutable_objectives();
    objectives->erase(std::remove_if(objectives->begin(), objectives->end(),
                                     [&](const v1::ObjectiveScore& x) { return x.level_kind() != level; }),
                      objectives->end());
  }
  if (o.json) {
    std::printf("%s\n", ScoresToJson(view).dump().c_str());
  } else {
    std::fputs(RenderScores(view, StdoutIsColorTerminal()).c_str(), stdout);
  }
  return absl::OkStatus();
}

absl::Status RunHistory(const HistoryOptions& o) {
  PIAO_RETURN_IF_ERROR(CheckYear(o.year));
  if (o.objective.empty()) return absl::InvalidArgumentError("--objective: the objective code is required");
  if (o.indicator.empty()) return absl::InvalidArgumentError("--indicator: the indicator code is required");
  PIAO_ASSIGN_OR_RETURN(const v1::ObjectiveLevel level, ParseLevelFlag(o.level));
  v1::GetIndicatorHistoryRequest req;
  req.set_administration(o.administration);
  req.set_year(o.year);
  req.set_objective(o.objective);
  req.set_indicator(o.indicator);
  req.set_level_kind(level);
  req.set_scope(o.scope);
  v1::IndicatorHistory history;
  PIAO_RETURN_IF_ERROR(QueryProjection(o.data_dir, &v1::Projection::Stub::GetIndicatorHistory, req, &history));
  if (o.json) {
    std::printf("%s\n", HistoryToJson(history).dump().c_str());
  } else {
    std::fputs(RenderHistory(history).c_str(), stdout);
  }
  return absl::OkStatus();
}

}  // namespace piao::cli
