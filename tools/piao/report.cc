#include "tools/piao/report.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <tuple>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "libs/base/files.h"
#include "libs/base/process.h"
#include "libs/base/status_macros.h"
#include "libs/plan/model.h"
#include "libs/service/client.h"
#include "libs/service/grpc_status.h"
#include "piao/v1/projection.grpc.pb.h"
#include "tools/piao/audit_cmd.h"
#include "tools/piao/cli_util.h"
#include "tools/piao/hr_cmd.h"
#include "tools/piao/oiv_cmd.h"
#include "tools/piao/risk_cmd.h"
#include "tools/piao/stack.h"

extern char** environ;

namespace piao::cli {
namespace {

// "" for the year-end actuals; the monitoring period otherwise (the Relazione's header says which actuals).
std::string PeriodNote(const v1::ScoresView& v) {
  if (v.period().empty() || v.period() == "year-end") return "";
  return absl::StrCat("; actuals of the monitoring of ", v.period());
}

using json = nlohmann::json;

std::string Html(const std::string& s) {
  return absl::StrReplaceAll(s, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}});
}

std::string Md(const std::string& s) { return absl::StrReplaceAll(s, {{"|", "\\|"}, {"\n", " "}}); }

std::string Csv(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  return absl::StrCat("\"", absl::StrReplaceAll(s, {{"\"", "\"\""}}), "\"");
}

std::string Pct(bool has, double v) { return has ? absl::StrFormat("%.2f %%", v) : "—"; }
std::string PctCsv(bool has, double v) { return has ? absl::StrFormat("%.2f", v) : ""; }

// The colour class of the projection's band (decided server-side with the label's rounding).
std::string Band(v1::AchievementBand band) {
  const std::string name = BandName(band);
  return name.empty() ? "not-scored" : name;
}

std::string ObjectiveScope(const v1::ObjectiveScore& o) { return !o.unit().empty() ? o.unit() : o.owner(); }

std::tuple<std::string, std::string, std::string> KeyOf(const v1::ObjectiveScore& o) {
  return {ObjectiveLevelName(o.level_kind()), o.code(), ObjectiveScope(o)};
}

// A change of the plan after its adoption (a revision act or a description update): what the Relazione lists.
bool IsVariation(const v1::AuditEntry& e) {
  if (e.source_service() != v1::SOURCE_SERVICE_PLANNING) return false;
  switch (e.change()) {
    case v1::AUDIT_CHANGE_ADOPTED:
    case v1::AUDIT_CHANGE_OBJECTIVE_ADOPTED:
    // The OIV's acts and the deviations are planning events too, but not changes of the plan: their own section.
    case v1::AUDIT_CHANGE_OIV_RELAZIONE_VALIDATED:
    case v1::AUDIT_CHANGE_OIV_MONITORING_REPORT_SUBMITTED:
    case v1::AUDIT_CHANGE_OIV_TRANSPARENCY_ATTESTED:
    case v1::AUDIT_CHANGE_OIV_SG_EVALUATION_PROPOSED:
    case v1::AUDIT_CHANGE_DEVIATION_RECORDED:
      return false;
    default:
      return true;
  }
}

// The OIV's remark on an objective in the validation in force, and the deviation stated for it (null when none).
const v1::ObjectiveRemark* RemarkOn(const v1::OivStatus& s, const std::string& objective) {
  if (!s.has_validation()) return nullptr;
  for (const v1::ObjectiveRemark& r : s.validation().validation().remarks()) {
    if (r.objective() == objective) return &r;
  }
  return nullptr;
}
const v1::RecordedDeviation* DeviationOf(const v1::OivStatus& s, const std::string& objective) {
  for (const v1::RecordedDeviation& d : s.deviations()) {
    if (d.deviation().objective() == objective) return &d;
  }
  return nullptr;
}

// "validated-with-remarks on 2023-06-20 by user:oiv (validation 2)", or that there is none yet.
std::string ValidationLine(const v1::OivStatus& s) {
  if (!s.has_validation()) return "not validated by the OIV yet";
  const v1::RelazioneValidation& v = s.validation().validation();
  return absl::StrCat(OutcomeName(v.outcome()), " on ", v.date(), " by ", s.validation().record().actor(),
                      " (validation ", v.number(), v.supersedes() > 0 ? absl::StrCat(", superseding ", v.supersedes()) : "",
                      ")");
}

std::string DocumentLine(const v1::DocumentRef& d) {
  if (d.sha256().empty()) return "";
  return absl::StrCat(d.reference(), " (SHA-256 ", d.sha256(), ")");
}

std::string Weight(const v1::IndicatorScore& i) {
  return i.has_weight_pct() ? absl::StrFormat("%g %%", i.weight_pct()) : "—";
}

std::string Grade(const v1::IndicatorScore& i) {
  if (i.neutralised()) return "neutralised";
  if (i.suppressed()) return "suppressed";
  return Pct(i.has_grade_pct(), i.grade_pct());
}

struct ScoreRow {
  std::string level, code, scope, title;
  bool has_approved = false, has_revised = false;
  double approved = 0, revised = 0;
};

std::vector<ScoreRow> CompareScores(const RelazioneInput& in) {
  std::vector<ScoreRow> rows;
  std::map<std::tuple<std::string, std::string, std::string>, size_t> index;
  for (const v1::ObjectiveScore& o : in.revised.objectives()) {
    index[KeyOf(o)] = rows.size();
    rows.push_back({ObjectiveLevelName(o.level_kind()), o.code(), ObjectiveScope(o), o.title(), false, o.has_score_pct(), 0, o.score_pct()});
  }
  for (const v1::ObjectiveScore& o : in.approved.objectives()) {
    auto it = index.find(KeyOf(o));
    if (it == index.end()) {
      index[KeyOf(o)] = rows.size();
      rows.push_back({ObjectiveLevelName(o.level_kind()), o.code(), ObjectiveScope(o), o.title(), o.has_score_pct(), false, o.score_pct(), 0});
      continue;
    }
    rows[it->second].has_approved = o.has_score_pct();
    rows[it->second].approved = o.score_pct();
  }
  rows.erase(std::remove_if(rows.begin(), rows.end(), [](const ScoreRow& r) { return !r.has_approved && !r.has_revised; }),
             rows.end());
  return rows;
}

std::string Delta(const ScoreRow& r) {
  if (!r.has_approved || !r.has_revised) return "";
  return absl::StrFormat("%+.2f", r.revised - r.approved);
}

std::string ChangeText(const v1::ChangedValue& value) { return DescribeChange(value); }

std::string RenderHtml(const RelazioneInput& in) {
  const v1::ScoresView& v = in.revised;
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"it\"><head><meta charset=\"utf-8\"><title>Relazione sulla performance ",
      v.year(), " — ", Html(v.administration()), "</title>\n<style>\n"
      "body{font-family:DejaVu Sans,Arial,sans-serif;margin:2em;color:#222}h1{font-size:1.5em}"
      "h2{font-size:1.2em;margin-top:2em;border-bottom:2px solid #345}h3{font-size:1em;margin:1.5em 0 .3em}"
      "table{border-collapse:collapse;width:100%;font-size:.85em;margin:.3em 0 1em}"
      "th,td{border:1px solid #bbb;padding:3px 6px;text-align:left;vertical-align:top}th{background:#e8edf3}"
      "td.n{text-align:right;white-space:nowrap}td.v{white-space:nowrap}.met{background:#c8e6c9}.partly{background:#ffe0a3}"
      ".missed{background:#f4b6b6}.not-scored{background:#e0e0e0}.not-measured{background:#f4f4f4}.score{display:inline-block;padding:2px 8px;"
      "border-radius:3px;font-weight:bold}.meta{color:#555;font-size:.85em}\n</style></head><body>\n"
      "<h1>Relazione sulla performance ", v.year(), " — ", Html(v.administration()), "</h1>\n<p class=\"meta\">"
      "Definitions ", Html(BasisName(v.basis_kind())), ", as of ",
      v.as_of_date().empty() ? "latest" : Html(v.as_of_date()), Html(PeriodNote(v)),
      ". Generated by PIAO Ledger from the event-sourced record.</p>\n<p>Enterprise score (mean of the strategic "
      "objectives): <span class=\"score ",
      Band(v.enterprise_band()), "\">",
      Pct(v.has_enterprise_score_pct(), v.enterprise_score_pct()), "</span> ", Html(v.enterprise_label()), "</p>\n");
  const v1::OivStatus& oiv = in.oiv;
  absl::StrAppend(&out, "<h2>Validazione dell'OIV</h2>\n<p class=\"oiv\">", Html(ValidationLine(oiv)), "</p>\n");
  if (oiv.has_validation()) {
    const v1::RelazioneValidation& val = oiv.validation().validation();
    absl::StrAppend(&out, "<p>Motivation: ", Html(val.motivation()), "</p>\n");
    if (!DocumentLine(val.document()).empty()) {
      absl::StrAppend(&out, "<p class=\"meta\">Document: ", Html(DocumentLine(val.document())), "</p>\n");
    }
    if (val.remarks_size() > 0) {
      absl::StrAppend(&out, "<table><tr><th>Objective</th><th>OIV remark</th><th>Causes of deviation</th>"
                            "<th>Corrective measures</th></tr>\n");
      for (const v1::ObjectiveRemark& r : val.remarks()) {
        const v1::RecordedDeviation* d = DeviationOf(oiv, r.objective());
        absl::StrAppend(&out, "<tr><td>", Html(r.objective()), "</td><td>", Html(r.remark()), "</td><td>",
                        d == nullptr ? "" : Html(d->deviation().causes()), "</td><td>",
                        d == nullptr ? "" : Html(d->deviation().measures()), "</td></tr>\n");
      }
      absl::StrAppend(&out, "</table>\n");
    }
    for (const v1::RecordedValidation& earlier : oiv.validations()) {
      if (!earlier.record().superseded()) continue;
      absl::StrAppend(&out, "<p class=\"meta\">Superseded: validation ", earlier.validation().number(), " of ",
                      Html(earlier.validation().date()), ", ", Html(OutcomeName(earlier.validation().outcome())),
                      " by ", Html(earlier.record().actor()), ": ", Html(earlier.validation().motivation()), "</p>\n");
    }
  }
  if (oiv.deviations_size() > 0) {
    absl::StrAppend(&out, "<h2>Cause degli scostamenti e misure correttive</h2>\n<table><tr><th>Objective</th>"
                          "<th>Causes</th><th>Corrective measures</th><th>Stated</th></tr>\n");
    for (const v1::RecordedDeviation& d : oiv.deviations()) {
      absl::StrAppend(&out, "<tr><td>", Html(d.deviation().objective()), "</td><td>", Html(d.deviation().causes()),
                      "</td><td>", Html(d.deviation().measures()), "</td><td>", Html(d.deviation().date()), ", ",
                      Html(d.record().actor()), "</td></tr>\n");
    }
    absl::StrAppend(&out, "</table>\n");
  }
  absl::StrAppend(&out, "<h2>Allegato — obiettivi e indicatori</h2>\n");
  for (const v1::ObjectiveScore& o : v.objectives()) {
    const std::string scope = ObjectiveScope(o);
    if (const v1::ObjectiveRemark* r = RemarkOn(oiv, o.code())) {
      absl::StrAppend(&out, "<p class=\"oiv-remark\">OIV remark on ", Html(o.code()), ": ", Html(r->remark()), "</p>\n");
    }
    absl::StrAppend(&out, "<h3>", Html(o.code()), " — ", Html(o.title()), "</h3>\n<p class=\"meta\">", Html(ObjectiveLevelName(o.level_kind())),
                    scope.empty() ? "" : absl::StrCat(", ", Html(scope)),
                    o.parent().empty() ? "" : absl::StrCat(", under ", Html(o.parent())),
                    "</p>\n<p>Score <span class=\"score ", Band(o.band()), "\">",
                    Pct(o.has_score_pct(), o.score_pct()), "</span> ", Html(o.label()), "</p>\n",
                    "<table><tr><th>Indicator</th><th>Algorithm</th><th>Target</th><th>Soglia</th><th>Actual</th>"
                    "<th>Deviation</th><th>Grade</th><th>Weight</th></tr>\n");
    for (const v1::IndicatorScore& i : o.indicators()) {
      absl::StrAppend(&out, "<tr><td>", Html(i.code()), "<br><span class=\"meta\">", Html(i.name()), "</span></td><td>",
                      Html(i.algorithm()), "</td><td class=\"v\">", Html(DescribeTargetJson(TargetJson(i.target()).dump())),
                      "</td><td class=\"v\">", Html(DescribeThresholdJson(ThresholdJson(i).dump())), "</td><td class=\"v\">",
                      Html(DescribeValueJson(ActualJson(i).dump())), "</td><td class=\"n\">",
                      Html(DeviationText(i.deviation())), "</td><td class=\"n ",
                      Band(i.band()), "\">", Html(Grade(i)), "</td><td class=\"n\">",
                      Html(Weight(i)), "</td></tr>\n");
    }
    absl::StrAppend(&out, "</table>\n");
  }
  absl::StrAppend(&out, "<h2>Variazioni intervenute nel corso dell'anno</h2>\n<table><tr><th>Valid from</th>"
                        "<th>Act</th><th>Objective</th><th>Indicator</th><th>Change</th><th>From</th><th>To</th>"
                        "<th>Reason</th><th>By, recorded</th></tr>\n");
  int variations = 0;
  for (const v1::AuditEntry& e : in.trail.entries()) {
    if (!IsVariation(e)) continue;
    ++variations;
    absl::StrAppend(&out, "<tr><td>", Html(e.valid_from()), "</td><td>", Html(e.act().text()), "</td><td>",
                    Html(e.objective().code()), "</td><td>", Html(e.indicator()), "</td><td>", Html(AuditChangeName(e.change())),
                    "</td><td>", Html(ChangeText(e.from_value())), "</td><td>", Html(ChangeText(e.to_value())),
                    "</td><td>", Html(e.reason()), "</td><td>", Html(e.actor()), "<br>",
                    Html(TimestampText(e.recorded_at())), "</td></tr>\n");
  }
  if (variations == 0) absl::StrAppend(&out, "<tr><td colspan=\"9\">No variation in the year.</td></tr>\n");
  absl::StrAppend(&out, "</table>\n<h2>Scores as approved and as revised</h2>\n<p>Enterprise: ",
                  Pct(in.approved.has_enterprise_score_pct(), in.approved.enterprise_score_pct()), " as approved, ",
                  Pct(v.has_enterprise_score_pct(), v.enterprise_score_pct()),
                  " as revised.</p>\n<table><tr><th>Objective</th><th>Title</th><th>As approved</th><th>As revised"
                  "</th><th>Difference</th></tr>\n");
  for (const ScoreRow& r : CompareScores(in)) {
    absl::StrAppend(&out, "<tr><td>", Html(r.code), r.scope.empty() ? "" : absl::StrCat(" (", Html(r.scope), ")"),
                    "</td><td>", Html(r.title), "</td><td class=\"n\">", Pct(r.has_approved, r.approved),
                    "</td><td class=\"n\">", Pct(r.has_revised, r.revised), "</td><td class=\"n\">", Delta(r),
                    "</td></tr>\n");
  }
  absl::StrAppend(&out, "</table>\n</body></html>\n");
  return out;
}

std::string RenderMarkdown(const RelazioneInput& in) {
  const v1::ScoresView& v = in.revised;
  std::string out = absl::StrCat("# Relazione sulla performance ", v.year(), " — ", v.administration(), "\n\n",
                                 "Definitions ", BasisName(v.basis_kind()), ", as of ",
                                 v.as_of_date().empty() ? "latest" : v.as_of_date(), PeriodNote(v),
                                 ". Enterprise score: **",
                                 Pct(v.has_enterprise_score_pct(), v.enterprise_score_pct()), "** ",
                                 v.enterprise_label(), "\n");
  const v1::OivStatus& oiv = in.oiv;
  absl::StrAppend(&out, "\n## Validazione dell'OIV\n\n", Md(ValidationLine(oiv)), "\n");
  if (oiv.has_validation()) {
    const v1::RelazioneValidation& val = oiv.validation().validation();
    absl::StrAppend(&out, "\nMotivation: ", Md(val.motivation()), "\n");
    if (!DocumentLine(val.document()).empty()) absl::StrAppend(&out, "\nDocument: ", Md(DocumentLine(val.document())), "\n");
    if (val.remarks_size() > 0) {
      absl::StrAppend(&out, "\n| Objective | OIV remark | Causes of deviation | Corrective measures |\n|---|---|---|---|\n");
      for (const v1::ObjectiveRemark& r : val.remarks()) {
        const v1::RecordedDeviation* d = DeviationOf(oiv, r.objective());
        absl::StrAppend(&out, "| ", Md(r.objective()), " | ", Md(r.remark()), " | ",
                        d == nullptr ? "" : Md(d->deviation().causes()), " | ",
                        d == nullptr ? "" : Md(d->deviation().measures()), " |\n");
      }
    }
    for (const v1::RecordedValidation& earlier : oiv.validations()) {
      if (!earlier.record().superseded()) continue;
      absl::StrAppend(&out, "\nSuperseded: validation ", earlier.validation().number(), " of ",
                      earlier.validation().date(), ", ", OutcomeName(earlier.validation().outcome()), " by ",
                      Md(earlier.record().actor()), ": ", Md(earlier.validation().motivation()), "\n");
    }
  }
  if (oiv.deviations_size() > 0) {
    absl::StrAppend(&out, "\n## Cause degli scostamenti e misure correttive\n\n| Objective | Causes | Corrective measures |"
                          " Stated |\n|---|---|---|---|\n");
    for (const v1::RecordedDeviation& d : oiv.deviations()) {
      absl::StrAppend(&out, "| ", Md(d.deviation().objective()), " | ", Md(d.deviation().causes()), " | ",
                      Md(d.deviation().measures()), " | ", d.deviation().date(), ", ", Md(d.record().actor()), " |\n");
    }
  }
  absl::StrAppend(&out, "\n## Allegato — obiettivi e indicatori\n");
  for (const v1::ObjectiveScore& o : v.objectives()) {
    const std::string scope = ObjectiveScope(o);
    absl::StrAppend(&out, "\n### ", Md(o.code()), " — ", Md(o.title()), "\n\n", ObjectiveLevelName(o.level_kind()),
                    scope.empty() ? "" : absl::StrCat(", ", Md(scope)), ". Score **", Pct(o.has_score_pct(), o.score_pct()),
                    "** ", o.label(), "\n\n| Indicator | Algorithm | Target | Soglia | Actual | Deviation | Grade | Weight |\n"
                    "|---|---|---|---|---|---|---|---|\n");
    for (const v1::IndicatorScore& i : o.indicators()) {
      absl::StrAppend(&out, "| ", Md(i.code()), " | ", Md(i.algorithm()), " | ", Md(DescribeTargetJson(TargetJson(i.target()).dump())),
                      " | ", Md(DescribeThresholdJson(ThresholdJson(i).dump())), " | ", Md(DescribeValueJson(ActualJson(i).dump())),
                      " | ", Md(DeviationText(i.deviation())), " | ", Grade(i), " | ", Weight(i), " |\n");
    }
  }
  absl::StrAppend(&out, "\n## Variazioni intervenute nel corso dell'anno\n\n"
                        "| Valid from | Act | Objective | Indicator | Change | From | To | Reason | By |\n"
                        "|---|---|---|---|---|---|---|---|---|\n");
  for (const v1::AuditEntry& e : in.trail.entries()) {
    if (!IsVariation(e)) continue;
    absl::StrAppend(&out, "| ", e.valid_from(), " | ", Md(e.act().text()), " | ", Md(e.objective().code()), " | ",
                    Md(e.indicator()), " | ", AuditChangeName(e.change()), " | ", Md(ChangeText(e.from_value())), " | ",
                    Md(ChangeText(e.to_value())), " | ", Md(e.reason()), " | ", Md(e.actor()), " |\n");
  }
  absl::StrAppend(&out, "\n## Scores as approved and as revised\n\nEnterprise: ",
                  Pct(in.approved.has_enterprise_score_pct(), in.approved.enterprise_score_pct()), " as approved, ",
                  Pct(v.has_enterprise_score_pct(), v.enterprise_score_pct()), " as revised.\n\n"
                  "| Objective | As approved | As revised | Difference |\n|---|---|---|---|\n");
  for (const ScoreRow& r : CompareScores(in)) {
    absl::StrAppend(&out, "| ", Md(r.code), r.scope.empty() ? "" : absl::StrCat(" (", Md(r.scope), ")"), " | ",
                    Pct(r.has_approved, r.approved), " | ", Pct(r.has_revised, r.revised), " | ", Delta(r), " |\n");
  }
  return out;
}

std::string RenderCsv(const RelazioneInput& in) {
  std::vector<std::string> header = {"section", "level", "objective", "scope", "indicator", "name", "algorithm",
                                     "target", "threshold", "actual", "deviation", "grade_pct", "weight_pct",
                                     "score_pct", "label", "change", "from", "to", "act", "valid_from", "reason",
                                     "actor", "recorded_at", "approved_score_pct", "revised_score_pct", "outcome",
                                     "remark", "causes", "measures", "superseded"};
  std::string out = absl::StrCat(absl::StrJoin(header, ","), "\n");
  auto row = [&](std::map<std::string, std::string> cells) {
    std::vector<std::string> line;
    for (const std::string& h : header) line.push_back(Csv(cells[h]));
    absl::StrAppend(&out, absl::StrJoin(line, ","), "\n");
  };
  for (const v1::ObjectiveScore& o : in.revised.objectives()) {
    row({{"section", "objective"}, {"level", ObjectiveLevelName(o.level_kind())}, {"objective", o.code()}, {"scope", ObjectiveScope(o)},
         {"name", o.title()}, {"score_pct", PctCsv(o.has_score_pct(), o.score_pct())}, {"label", o.label()}});
    for (const v1::IndicatorScore& i : o.indicators()) {
      row({{"section", "indicator"}, {"level", ObjectiveLevelName(o.level_kind())}, {"objective", o.code()}, {"scope", ObjectiveScope(o)},
           {"indicator", i.code()}, {"name", i.name()}, {"algorithm", i.algorithm()},
           {"target", DescribeTargetJson(TargetJson(i.target()).dump())}, {"threshold", DescribeThresholdJson(ThresholdJson(i).dump())},
           {"actual", DescribeValueJson(ActualJson(i).dump())}, {"deviation", DeviationText(i.deviation())},
           {"grade_pct", i.neutralised() || i.suppressed() ? "" : PctCsv(i.has_grade_pct(), i.grade_pct())},
           {"weight_pct", i.has_weight_pct() ? absl::StrFormat("%g", i.weight_pct()) : ""},
           {"label", i.neutralised() ? "neutralised" : i.suppressed() ? "suppressed" : ""}});
    }
  }
  for (const v1::AuditEntry& e : in.trail.entries()) {
    if (!IsVariation(e)) continue;
    row({{"section", "variation"}, {"level", ObjectiveLevelName(e.objective().level_kind())}, {"objective", e.objective().code()},
         {"scope", e.objective().scope()}, {"indicator", e.indicator()}, {"change", AuditChangeName(e.change())},
         {"from", e.has_from_value() ? ChangedJson(e.from_value()).dump() : ""}, {"to", e.has_to_value() ? ChangedJson(e.to_value()).dump() : ""}, {"act", e.act().text()}, {"valid_from", e.valid_from()},
         {"reason", e.reason()}, {"actor", e.actor()}, {"recorded_at", TimestampText(e.recorded_at())}});
  }
  for (const v1::RecordedValidation& r : in.oiv.validations()) {
    const v1::RelazioneValidation& val = r.validation();
    row({{"section", "oiv-validation"}, {"outcome", OutcomeName(val.outcome())}, {"valid_from", val.date()},
         {"reason", val.motivation()}, {"act", DocumentLine(val.document())}, {"actor", r.record().actor()},
         {"recorded_at", TimestampText(r.record().recorded_at())}, {"superseded", r.record().superseded() ? "yes" : "no"}});
    if (r.record().superseded()) continue;
    for (const v1::ObjectiveRemark& remark : val.remarks()) {
      const v1::RecordedDeviation* d = DeviationOf(in.oiv, remark.objective());
      row({{"section", "oiv-remark"}, {"objective", remark.objective()}, {"remark", remark.remark()},
           {"causes", d == nullptr ? "" : d->deviation().causes()},
           {"measures", d == nullptr ? "" : d->deviation().measures()}});
    }
  }
  for (const v1::RecordedDeviation& d : in.oiv.deviations()) {
    row({{"section", "deviation"}, {"objective", d.deviation().objective()}, {"causes", d.deviation().causes()},
         {"measures", d.deviation().measures()}, {"valid_from", d.deviation().date()}, {"actor", d.record().actor()},
         {"recorded_at", TimestampText(d.record().recorded_at())}});
  }
  row({{"section", "enterprise"},
       {"approved_score_pct", PctCsv(in.approved.has_enterprise_score_pct(), in.approved.enterprise_score_pct())},
       {"revised_score_pct", PctCsv(in.revised.has_enterprise_score_pct(), in.revised.enterprise_score_pct())},
       {"label", in.revised.enterprise_label()}});
  for (const ScoreRow& r : CompareScores(in)) {
    row({{"section", "comparison"}, {"level", r.level}, {"objective", r.code}, {"scope", r.scope}, {"name", r.title},
         {"approved_score_pct", PctCsv(r.has_approved, r.approved)},
         {"revised_score_pct", PctCsv(r.has_revised, r.revised)}});
  }
  return out;
}

// ---- the tree picture ----

// The box colour of the projection's band: green met, amber partly, red missed, white nothing measured yet,
// grey no score.
const char* Fill(v1::AchievementBand band) {
  switch (band) {
    case v1::ACHIEVEMENT_BAND_MET:
      return "#81c784";
    case v1::ACHIEVEMENT_BAND_PARTLY:
      return "#ffcc66";
    case v1::ACHIEVEMENT_BAND_MISSED:
      return "#e57373";
    case v1::ACHIEVEMENT_BAND_NOT_MEASURED:
      return "#f4f4f4";
    default:
      return "#d9d9d9";
  }
}

struct Node {
  std::string label, sub;
  bool has = false;
  double score = 0;
  std::vector<size_t> children;
  double y = 0;
  int column = 0;
  v1::AchievementBand band = v1::ACHIEVEMENT_BAND_UNSPECIFIED;  // the projection's: colours the box
};

// ---- generic JSON reports (risk, hr) ----

std::string Cell(const json& v) {
  if (v.is_null()) return "";
  if (v.is_number_float()) return absl::StrFormat("%.6g", v.get<double>());
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_array() && std::all_of(v.begin(), v.end(), [](const json& x) { return x.is_string(); })) {
    std::vector<std::string> parts;
    for (const json& x : v) parts.push_back(x.get<std::string>());
    return absl::StrJoin(parts, ", ");
  }
  return v.dump();
}

bool IsTable(const json& v) {
  return v.is_array() && !v.empty() && std::all_of(v.begin(), v.end(), [](const json& x) { return x.is_object(); });
}
bool IsMatrix(const json& v) {
  return v.is_object() && !v.empty() && std::all_of(v.begin(), v.end(), [](const json& x) { return x.is_object(); });
}

// Columns in first-seen order.
std::vector<std::string> Columns(const json& rows) {
  std::vector<std::string> cols;
  for (const json& r : rows) {
    for (const auto& [k, v] : r.items()) {
      if (std::find(cols.begin(), cols.end(), k) == cols.end()) cols.push_back(k);
    }
  }
  return cols;
}

// Euro amounts (fields named *_eur) with their two decimals, as the PIAO prints them.
std::string FieldCell(const std::string& field, const json& v) {
  if (v.is_number() && absl::EndsWith(field, "_eur")) return absl::StrFormat("%.2f", v.get<double>());
  return Cell(v);
}

// Calls scalar(field, value) for plain fields (nested objects flattened as "parent.field"), table(name, rows,
// first column) for arrays of objects and for objects of objects (each entry a row keyed by its name).
void WalkSection(const json& data, const std::string& prefix,
                 const std::function<void(const std::string&, const json&)>& scalar,
                 const std::function<void(const std::string&, const json&, const std::string&)>& table) {
  if (IsTable(data)) {
    table(prefix, data, "");
    return;
  }
  if (!data.is_object()) {
    scalar(prefix.empty() ? "value" : prefix, data);
    return;
  }
  for (const auto& [k, v] : data.items()) {
    const std::string name = prefix.empty() ? k : absl::StrCat(prefix, ".", k);
    if (IsTable(v)) {
      table(name, v, "");
    } else if (IsMatrix(v)) {
      json rows = json::array();
      for (const auto& [rk, rv] : v.items()) {
        json row = {{k, rk}};
        for (const auto& [ck, cv] : rv.items()) row[ck] = cv.is_object() ? json(Cell(cv)) : cv;
        rows.push_back(std::move(row));
      }
      table(name, rows, k);
    } else if (v.is_object() && !v.empty()) {
      WalkSection(v, name, scalar, table);
    } else {
      scalar(name, v);
    }
  }
}

}  // namespace

std::string RenderJsonReport(const std::string& title, const std::vector<JsonSection>& sections, ReportFormat format) {
  if (format == ReportFormat::kCsv) {
    std::string out = "section,table,row,column,value\n";
    for (const JsonSection& sec : sections) {
      WalkSection(
          sec.data, "",
          [&](const std::string& field, const json& v) {
            absl::StrAppend(&out, Csv(sec.title), ",,,", Csv(field), ",", Csv(FieldCell(field, v)), "\n");
          },
          [&](const std::string& name, const json& rows, const std::string&) {
            int n = 0;
            for (const json& r : rows) {
              ++n;
              for (const auto& [k, v] : r.items()) {
                absl::StrAppend(&out, Csv(sec.title), ",", Csv(name), ",", n, ",", Csv(k), ",", Csv(FieldCell(k, v)),
                                "\n");
              }
            }
          });
    }
    return out;
  }
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"it\"><head><meta charset=\"utf-8\"><title>", Html(title),
      "</title>\n<style>\nbody{font-family:DejaVu Sans,Arial,sans-serif;margin:2em;color:#222}h1{font-size:1.5em}"
      "h2{font-size:1.2em;margin-top:2em;border-bottom:2px solid #345}h3{font-size:1em;margin:1.2em 0 .3em}"
      "table{border-collapse:collapse;font-size:.85em;margin:.3em 0 1em}th,td{border:1px solid #bbb;"
      "padding:3px 6px;text-align:left;vertical-align:top}th{background:#e8edf3}\n</style></head><body>\n<h1>",
      Html(title), "</h1>\n");
  for (const JsonSection& sec : sections) {
    absl::StrAppend(&out, "<h2>", Html(sec.title), "</h2>\n");
    std::string scalars;
    std::string tables;
    WalkSection(
        sec.data, "",
        [&](const std::string& field, const json& v) {
          absl::StrAppend(&scalars, "<tr><th>", Html(field), "</th><td>", Html(FieldCell(field, v)), "</td></tr>\n");
        },
        [&](const std::string& name, const json& rows, const std::string& first) {
          if (!name.empty()) absl::StrAppend(&tables, "<h3>", Html(name), "</h3>\n");
          std::vector<std::string> cols = Columns(rows);
          if (auto at = std::find(cols.begin(), cols.end(), first); !first.empty() && at != cols.end()) {
            std::rotate(cols.begin(), at, at + 1);  // the row key first
          }
          absl::StrAppend(&tables, "<table><tr>");
          for (const std::string& c : cols) absl::StrAppend(&tables, "<th>", Html(c), "</th>");
          absl::StrAppend(&tables, "</tr>\n");
          for (const json& r : rows) {
            absl::StrAppend(&tables, "<tr>");
            for (const std::string& c : cols) {
              absl::StrAppend(&tables, "<td>", Html(r.contains(c) ? FieldCell(c, r[c]) : ""), "</td>");
            }
            absl::StrAppend(&tables, "</tr>\n");
          }
          absl::StrAppend(&tables, "</table>\n");
        });
    if (!scalars.empty()) absl::StrAppend(&out, "<table>\n", scalars, "</table>\n");
    absl::StrAppend(&out, tables);
  }
  absl::StrAppend(&out, "</body></html>\n");
  return out;
}

absl::StatusOr<ReportFormat> ParseReportFormat(const std::string& text, const std::vector<std::string>& allowed) {
  if (std::find(allowed.begin(), allowed.end(), text) == allowed.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--format: must be one of ", absl::StrJoin(allowed, ", "), ", got '", text, "'"));
  }
  if (text == "html") return ReportFormat::kHtml;
  if (text == "md") return ReportFormat::kMarkdown;
  if (text == "csv") return ReportFormat::kCsv;
  if (text == "svg") return ReportFormat::kSvg;
  return ReportFormat::kPng;
}

std::string DeviationText(const v1::Deviation& d) {
  if (d.has_difference()) {
    return absl::StrCat(absl::StrFormat("%+.2f", d.difference().value()),
                        d.difference().unit().empty() ? "" : " " + d.difference().unit());
  }
  if (d.has_days_late()) {
    const int days = d.days_late();
    if (days == 0) return "on the date";
    return days < 0 ? absl::StrCat(-days, " days early") : absl::StrCat(days, " days late");
  }
  return "";
}

std::string RenderRelazione(const RelazioneInput& input, ReportFormat format) {
  switch (format) {
    case ReportFormat::kMarkdown:
      return RenderMarkdown(input);
    case ReportFormat::kCsv:
      return RenderCsv(input);
    default:
      return RenderHtml(input);
  }
}

std::string RenderTreeSvg(const v1::ScoresView& view) {
  // Columns: enterprise | strategic areas | strategic objectives | operational objectives (by parent).
  std::vector<Node> nodes;
  nodes.push_back({absl::StrCat("PIAO ", view.year()), view.administration(), view.has_enterprise_score_pct(),
                   view.enterprise_score_pct(), {}, 0, 0, view.enterprise_band()});
  std::map<std::string, size_t> areas, strategic;
  for (const v1::ObjectiveScore& o : view.objectives()) {
    if (o.level_kind() != v1::OBJECTIVE_LEVEL_STRATEGIC) continue;
    const std::string area = o.strategic_area().empty() ? "(no strategic area)" : o.strategic_area();
    auto [it, fresh] = areas.try_emplace(area, nodes.size());
    if (fresh) {
      nodes.push_back({TruncateUtf8(area, 34), "", false, 0, {}, 0, 1});
      nodes[0].children.push_back(it->second);
    }
    const size_t id = nodes.size();
    nodes.push_back({o.code(), TruncateUtf8(o.title(), 34), o.has_score_pct(), o.score_pct(), {}, 0, 2,
                     o.band()});
    nodes[it->second].children.push_back(id);
    strategic[o.code()] = id;
  }
  for (const v1::ObjectiveScore& o : view.objectives()) {
    if (o.level_kind() != v1::OBJECTIVE_LEVEL_OPERATIONAL) continue;
    auto parent = strategic.find(o.parent());
    if (parent == strategic.end()) continue;  // a parent outside the plan: not drawn
    const size_t id = nodes.size();
    nodes.push_back({o.code(), TruncateUtf8(o.unit().empty() ? o.title() : o.unit(), 34), o.has_score_pct(), o.score_pct(),
                     {}, 0, 3, o.band()});
    nodes[parent->second].children.push_back(id);
  }
  // Leaves take consecutive rows; a parent sits at the middle of its children.
  constexpr double kRow = 44, kTop = 70, kBoxW = 250, kBoxH = 36, kColW = 300, kLeft = 20;
  double next_row = 0;
  std::function<void(size_t)> place = [&](size_t n) {
    if (nodes[n].children.empty()) {
      nodes[n].y = kTop + next_row++ * kRow;
      return;
    }
    for (size_t c : nodes[n].children) place(c);
    nodes[n].y = (nodes[nodes[n].children.front()].y + nodes[nodes[n].children.back()].y) / 2;
  };
  place(0);
  int columns = 1;
  for (const Node& n : nodes) columns = std::max(columns, n.column + 1);
  const double width = kLeft * 2 + (columns - 1) * kColW + kBoxW;
  const double height = kTop + std::max(1.0, next_row) * kRow + 40;
  std::string out = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
      "font-family=\"DejaVu Sans, Arial, sans-serif\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n",
      width, height, width, height);
  absl::StrAppend(&out, "<text x=\"", kLeft, "\" y=\"30\" font-size=\"18\" font-weight=\"bold\">Albero della performance ",
                  view.year(), " — ", Html(view.administration()), "</text>\n",
                  "<text x=\"", kLeft, "\" y=\"50\" font-size=\"11\" fill=\"#444\">coloured by achievement: green ≥ 95%,"
                  " amber &gt; 0, red 0, grey no score, white nothing measured yet; definitions ",
                  Html(BasisName(view.basis_kind())), ", as of ",
                  Html(view.as_of_date().empty() ? "latest" : view.as_of_date()), Html(PeriodNote(view)),
                  "</text>\n");
  auto x_of = [&](const Node& n) { return kLeft + n.column * kColW; };
  for (const Node& n : nodes) {
    for (size_t c : n.children) {
      const Node& ch = nodes[c];
      const double x1 = x_of(n) + kBoxW, y1 = n.y + kBoxH / 2, x2 = x_of(ch), y2 = ch.y + kBoxH / 2;
      const double mx = (x1 + x2) / 2;
      absl::StrAppend(&out, absl::StrFormat("<path d=\"M%.1f %.1f C%.1f %.1f %.1f %.1f %.1f %.1f\" stroke=\"#8a99a8\" "
                                            "fill=\"none\" stroke-width=\"1.2\"/>\n",
                                            x1, y1, mx, y1, mx, y2, x2, y2));
    }
  }
  for (const Node& n : nodes) {
    const bool area = n.column == 1;
    const bool no_actuals = n.band == v1::ACHIEVEMENT_BAND_NOT_MEASURED;
    const std::string score = area         ? ""
                              : no_actuals ? "no actuals"
                              : n.has      ? absl::StrFormat("%.2f%%", n.score)
                                           : "n/a";
    absl::StrAppend(&out, absl::StrFormat("<rect x=\"%.1f\" y=\"%.1f\" width=\"%.0f\" height=\"%.0f\" rx=\"5\" "
                                          "fill=\"%s\" stroke=\"#55606b\"/>\n",
                                          x_of(n), n.y, kBoxW, kBoxH,
                                          area ? "#e8edf3" : Fill(n.band)));
    absl::StrAppend(&out, absl::StrFormat("<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" font-weight=\"bold\">%s</text>\n",
                                          x_of(n) + 6, n.y + 15, Html(n.label)));
    if (!score.empty()) {
      absl::StrAppend(&out, absl::StrFormat("<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" font-weight=\"bold\" "
                                            "text-anchor=\"end\">%s</text>\n",
                                            x_of(n) + kBoxW - 6, n.y + 15, score));
    }
    if (!n.sub.empty()) {
      absl::StrAppend(&out, absl::StrFormat("<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#333\">%s</text>\n",
                                            x_of(n) + 6, n.y + 29, Html(n.sub)));
    }
  }
  absl::StrAppend(&out, "</svg>\n");
  return out;
}

absl::StatusOr<std::string> SvgToPng(const std::string& svg) {
  std::error_code ec;
  PIAO_ASSIGN_OR_RETURN(const std::string made, MakeTempDirectory("piao-tree-"));
  const std::filesystem::path dir = made;
  const std::string in = (dir / "tree.svg").string(), out = (dir / "tree.png").string();
  PIAO_RETURN_IF_ERROR(WriteFileAtomically(in, svg));
  std::vector<std::string> args = {"rsvg-convert", "--format=png", "--output=" + out, in};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (::posix_spawnp(&pid, "rsvg-convert", nullptr, nullptr, argv.data(), environ) != 0) {
    std::filesystem::remove_all(dir, ec);
    return absl::FailedPreconditionError(
        "--format png: rsvg-convert is not installed (Debian package librsvg2-bin; tools/dev deps installs it)");
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  absl::StatusOr<std::string> png = ReadFile(out);
  std::filesystem::remove_all(dir, ec);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !png.ok()) {
    return absl::InternalError(absl::StrCat("rsvg-convert failed to render the tree (exit status ", status, ")"));
  }
  return png;
}

absl::Status RunReport(const ReportOptions& o) {
  PIAO_RETURN_IF_ERROR(CheckYear(o.year));
  if (o.kind != "relazione" && o.kind != "tree" && o.kind != "risk" && o.kind != "hr") {
    return absl::InvalidArgumentError(absl::StrCat("report: must be relazione, tree, risk or hr, got '", o.kind, "'"));
  }
  const std::vector<std::string> formats = o.kind == "tree"        ? std::vector<std::string>{"svg", "png"}
                                           : o.kind == "relazione" ? std::vector<std::string>{"html", "md", "csv"}
                                                                   : std::vector<std::string>{"html", "csv"};
  PIAO_ASSIGN_OR_RETURN(ReportFormat format, ParseReportFormat(o.format, formats));
  PIAO_RETURN_IF_ERROR(CheckAsOf(o.as_of));
  auto scores = [&](v1::ScoreBasis basis) -> absl::StatusOr<v1::ScoresView> {
    v1::GetScoresRequest req;
    req.set_administration(o.administration);
    req.set_year(o.year);
    req.set_as_of_date(o.as_of);
    req.set_basis_kind(basis);
    req.set_period(o.period);
    v1::ScoresView view;
    PIAO_RETURN_IF_ERROR(QueryProjection(o.data_dir, &v1::Projection::Stub::GetScores, req, &view));
    return view;
  };
  std::string body;
  if (o.kind == "risk") {
    RiskOptions r;
    r.data_dir = o.data_dir;
    r.administration = o.administration;
    r.year = o.year;
    r.as_of = o.as_of;
    PIAO_ASSIGN_OR_RETURN(v1::RiskMap map, FetchRiskMap(r));
    PIAO_ASSIGN_OR_RETURN(v1::RiskReport report, FetchRiskReport(r));
    body = RenderJsonReport(absl::StrCat("Rischi corruttivi ", o.year, " — ", report.administration(),
                                         o.as_of.empty() ? "" : ", as of " + o.as_of),
                            {{"Mappa dei rischi", RiskMapToJson(map)},
                             {"Relazione annuale del RPCT", RiskReportToJson(report)}},
                            format);
  } else if (o.kind == "hr") {
    HrSummaryOptions h;
    h.data_dir = o.data_dir;
    h.administration = o.administration;
    h.year = o.year;
    h.as_of = o.as_of;
    PIAO_ASSIGN_OR_RETURN(v1::HrSummary summary, FetchHrSummary(h));
    // Euro amounts as numbers with two decimals, as `piao hr summary --json` prints them.
    body = RenderJsonReport(absl::StrCat("Fabbisogni di personale ", o.year),
                            {{"Dotazione, personale, capacità assunzionale", json::parse(DumpHrJson(HrSummaryToJson(summary)))}},
                            format);
  } else if (o.kind == "tree") {
    PIAO_ASSIGN_OR_RETURN(v1::ScoresView view, scores(v1::SCORE_BASIS_REVISED));
    body = RenderTreeSvg(view);
    if (format == ReportFormat::kPng) {
      PIAO_ASSIGN_OR_RETURN(body, SvgToPng(body));
    }
  } else {
    RelazioneInput in;
    PIAO_ASSIGN_OR_RETURN(in.revised, scores(v1::SCORE_BASIS_REVISED));
    PIAO_ASSIGN_OR_RETURN(in.approved, scores(v1::SCORE_BASIS_APPROVED));
    v1::GetAuditTrailRequest req;
    req.set_administration(o.administration);
    req.set_year(o.year);
    req.add_source_services(v1::SOURCE_SERVICE_PLANNING);  // the plan's variations
    req.set_valid_to(o.as_of);      // those in force on the as-of date (the projection filters)
    PIAO_RETURN_IF_ERROR(QueryProjection(o.data_dir, &v1::Projection::Stub::GetAuditTrail, req, &in.trail));
    PIAO_ASSIGN_OR_RETURN(in.oiv, FetchOivStatus(o.data_dir, in.revised.administration(), o.year, o.as_of));
    body = RenderRelazione(in, format);
  }
  if (o.out.empty()) {
    std::fwrite(body.data(), 1, body.size(), stdout);
    return absl::OkStatus();
  }
  return WriteFileAtomically(o.out, body, kSharedFile);  // a report is meant to be shared
}

}  // namespace piao::cli
