#include "tools/piao/report.h"

#include "tools/piao/cli_util.h"

#include <string>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/piao/typed_values_test_util.h"

namespace piao::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The projection computes deviations (libs/scoring/derived.h, tested against the Relazione's printed ones);
// the report only prints them.
TEST(DeviationTextTest, PrintsTheProjectionsDeviation) {
  v1::Deviation d;
  d.mutable_difference()->set_value(5.58);
  d.mutable_difference()->set_unit("%");
  EXPECT_EQ(DeviationText(d), "+5.58 %");
  d.mutable_difference()->set_value(-0.6);
  EXPECT_EQ(DeviationText(d), "-0.60 %");
  d.mutable_difference()->set_value(0);
  d.mutable_difference()->set_unit("");
  EXPECT_EQ(DeviationText(d), "+0.00");
  d.set_days_late(-313);
  EXPECT_EQ(DeviationText(d), "313 days early");
  d.set_days_late(12);
  EXPECT_EQ(DeviationText(d), "12 days late");
  d.set_days_late(0);
  EXPECT_EQ(DeviationText(d), "on the date");
  EXPECT_EQ(DeviationText(v1::Deviation()), "");
}

TEST(DescribeChangeJsonTest, EveryKindOfValueReads) {
  EXPECT_EQ(DescribeChangeJson(R"({"op":">=","value":85.0,"unit":"%"})"), ">= 85 %");
  EXPECT_EQ(DescribeChangeJson(R"({"value":5000.0,"unit":"N."})"), "SOGLIA 5000 N.");
  EXPECT_EQ(DescribeChangeJson("null"), "—");
  EXPECT_EQ(DescribeChangeJson(""), "—");
  EXPECT_EQ(DescribeChangeJson("10.0"), "10 %");
  EXPECT_EQ(DescribeChangeJson(R"({"code":"kpi7.1.2_08","name":"Nuovo","target":{"op":">=","value":20.0,"unit":"%"}})"),
            "kpi7.1.2_08 — Nuovo (>= 20 %)");
  std::string long_array = "[1";
  for (int i = 0; i < 60; ++i) long_array += ",1";
  const std::string cut = DescribeChangeJson(long_array + "]");
  EXPECT_EQ(cut.size(), 79u + std::string("…").size());
  EXPECT_EQ(DescribeChangeJson(R"({"name":"Nuovo nome","algorithm":"A / B"})"), "algorithm: A / B; name: Nuovo nome");
}

TEST(TruncateUtf8Test, NeverSplitsACharacter) {
  EXPECT_EQ(TruncateUtf8("però", 10), "però");
  EXPECT_EQ(TruncateUtf8("àààà", 3), "àà…");
  EXPECT_EQ(TruncateUtf8("abcd", 4), "abcd");
  EXPECT_EQ(TruncateUtf8("abcde", 4), "abc…");
}

TEST(ParseReportFormatTest, OnlyTheAllowedOnes) {
  EXPECT_EQ(*ParseReportFormat("md", {"html", "md", "csv"}), ReportFormat::kMarkdown);
  absl::StatusOr<ReportFormat> bad = ParseReportFormat("png", {"html", "md", "csv"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("--format"));
}

v1::ScoresView View(const std::string& basis, double os1_score, double k2_target) {
  v1::ScoresView v;
  v.set_administration("CCIAA-XX");
  v.set_year(2022);
  v.set_basis_kind(basis == "approved" ? v1::SCORE_BASIS_APPROVED : v1::SCORE_BASIS_REVISED);
  v.set_enterprise_score_pct(os1_score / 2 + 50);
  v.set_enterprise_label("Parzialmente raggiunto");
  v.set_enterprise_band(v1::ACHIEVEMENT_BAND_PARTLY);  // the projection's bands and deviations (query.cc)
  v1::ObjectiveScore* o = v.add_objectives();
  o->set_level_kind(v1::OBJECTIVE_LEVEL_STRATEGIC);
  o->set_code("OS1");
  o->set_title("Salute <organizzativa> & \"economica\"");
  o->set_strategic_area("1 - Area uno");
  o->set_score_pct(os1_score);
  o->set_label("Parzialmente raggiunto");
  o->set_band(v1::ACHIEVEMENT_BAND_PARTLY);
  v1::IndicatorScore* i = o->add_indicators();
  i->set_code("K1");
  i->set_name("Indice di struttura primario");
  i->set_algorithm("Patrimonio netto / Immobilizzazioni");
  i->set_weight_pct(50);
  testing::SetTarget(R"({"op":">=","value":105.0,"unit":"%"})", i->mutable_target());
  testing::SetThreshold("null", i);
  testing::SetValue(R"({"value":110.58,"unit":"%"})", i->mutable_actual());
  i->set_grade_pct(100);
  i->set_band(v1::ACHIEVEMENT_BAND_MET);
  i->mutable_deviation()->mutable_difference()->set_value(5.58);
  i->mutable_deviation()->mutable_difference()->set_unit("%");
  v1::IndicatorScore* k2 = o->add_indicators();
  k2->set_code("K2");
  k2->set_weight_pct(50);
  testing::SetTarget(absl::StrCat(R"({"op":">=","value":)", k2_target, R"(,"unit":"N."})"), k2->mutable_target());
  testing::SetThreshold("null", k2);
  k2->set_grade_pct(0);
  k2->set_band(v1::ACHIEVEMENT_BAND_NOT_MEASURED);
  v1::ObjectiveScore* op = v.add_objectives();
  op->set_level_kind(v1::OBJECTIVE_LEVEL_OPERATIONAL);
  op->set_code("OP1-01");
  op->set_unit("Area Anagrafe economica");
  op->set_parent("OS1");
  op->set_title("Operativo");
  op->set_score_pct(0);  // scored 0 only because its indicator has no actual yet
  op->set_band(v1::ACHIEVEMENT_BAND_NOT_MEASURED);
  v1::IndicatorScore* op_k = op->add_indicators();
  op_k->set_code("K9");
  op_k->set_grade_pct(0);
  op_k->set_band(v1::ACHIEVEMENT_BAND_NOT_MEASURED);
  v1::ObjectiveScore* s2 = v.add_objectives();
  s2->set_level_kind(v1::OBJECTIVE_LEVEL_STRATEGIC);
  s2->set_code("OS2");
  s2->set_title("Secondo");
  s2->set_strategic_area("2 - Area due");
  s2->set_score_pct(100);
  s2->set_label("Raggiunto");
  s2->set_band(v1::ACHIEVEMENT_BAND_MET);
  return v;
}

RelazioneInput Input() {
  RelazioneInput in;
  in.revised = View("revised", 50, 2);
  in.approved = View("approved", 40, 10000);
  v1::AuditEntry* adopted = in.trail.add_entries();
  adopted->set_source_service(v1::SOURCE_SERVICE_PLANNING);
  adopted->set_change(v1::AUDIT_CHANGE_ADOPTED);
  adopted->set_indicator("K1");
  v1::AuditEntry* e = in.trail.add_entries();
  e->set_source_service(v1::SOURCE_SERVICE_PLANNING);
  e->set_change(v1::AUDIT_CHANGE_TARGET);
  e->mutable_objective()->set_code("OS1");
  e->set_indicator("K2");
  testing::SetTarget(R"({"op":">=","value":10000.0,"unit":"N."})", e->mutable_from_value()->mutable_target());
  testing::SetTarget(R"({"op":">=","value":2.0,"unit":"N."})", e->mutable_to_value()->mutable_target());
  e->mutable_act()->set_text("Deliberazione di Giunta n. 142 del 13/09/2022");
  e->set_valid_from("2022-09-13");
  e->set_reason("new algorithm, counted differently");
  e->set_actor("user:planner");
  return in;
}

TEST(RenderRelazioneTest, HtmlHasTheAnnexTheVariationsAndBothBases) {
  const std::string html = RenderRelazione(Input(), ReportFormat::kHtml);
  EXPECT_THAT(html, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(html, HasSubstr("Salute &lt;organizzativa&gt; &amp; &quot;economica&quot;"));  // escaped
  EXPECT_THAT(html, Not(HasSubstr("<organizzativa>")));
  EXPECT_THAT(html, HasSubstr("Patrimonio netto / Immobilizzazioni"));
  EXPECT_THAT(html, HasSubstr("+5.58 %"));
  EXPECT_THAT(html, HasSubstr("n. 142 del 13/09/2022"));
  EXPECT_THAT(html, HasSubstr("new algorithm, counted differently"));
  // The variation reads as the act printed it, not as JSON.
  EXPECT_THAT(html, HasSubstr("<td>&gt;= 10000 N.</td><td>&gt;= 2 N.</td>"));
  EXPECT_THAT(html, Not(HasSubstr("&quot;op&quot;")));
  EXPECT_THAT(html, HasSubstr("40.00 %"));   // OS1 as approved
  EXPECT_THAT(html, HasSubstr("50.00 %"));   // OS1 as revised
  EXPECT_THAT(html, HasSubstr("+10.00"));    // the difference
  // The adoption is not a variation.
  EXPECT_EQ(html.find(">adopted<"), std::string::npos);
}

TEST(RenderRelazioneTest, CsvIsOneTableWithQuotedCells) {
  const std::string csv = RenderRelazione(Input(), ReportFormat::kCsv);
  std::vector<std::string> lines = absl::StrSplit(csv, '\n', absl::SkipEmpty());
  // header, 3 objectives + 3 indicators, 1 variation (the adoption is not one), enterprise, 3 comparisons
  // (every objective is scored in both bases): 1 + 6 + 1 + 1 + 3.
  ASSERT_EQ(lines.size(), 12u) << csv;
  EXPECT_THAT(csv, HasSubstr("comparison,operational,OP1-01,Area Anagrafe economica,"));
  EXPECT_EQ(lines[0].substr(0, 24), "section,level,objective,");
  EXPECT_THAT(csv, HasSubstr("\"Salute <organizzativa> & \"\"economica\"\"\""));
  EXPECT_THAT(csv, HasSubstr("variation,,OS1,,K2,"));
  EXPECT_THAT(csv, HasSubstr("comparison,strategic,OS1,,"));
}

TEST(RenderRelazioneTest, MarkdownHasTables) {
  const std::string md = RenderRelazione(Input(), ReportFormat::kMarkdown);
  EXPECT_THAT(md, HasSubstr("# Relazione sulla performance 2022"));
  EXPECT_THAT(md, HasSubstr("| K1 | Patrimonio netto / Immobilizzazioni | >= 105 % |"));
  EXPECT_THAT(md, HasSubstr("## Variazioni"));
}

TEST(RenderTreeSvgTest, OneBoxPerNodeColouredByScore) {
  const std::string svg = RenderTreeSvg(View("revised", 50, 2));
  // enterprise, two areas, two strategic objectives, one operational objective under OS1.
  size_t rects = 0;
  for (size_t at = svg.find("<rect x="); at != std::string::npos; at = svg.find("<rect x=", at + 1)) ++rects;
  EXPECT_EQ(rects, 6u);
  EXPECT_THAT(svg, HasSubstr("#ffcc66"));  // OS1 at 50: amber
  EXPECT_THAT(svg, HasSubstr("#81c784"));  // OS2 at 100: green
  EXPECT_THAT(svg, HasSubstr("#f4f4f4"));  // OP1-01: nothing measured yet, not a red 0
  EXPECT_THAT(svg, HasSubstr("no actuals"));
  EXPECT_THAT(svg, Not(HasSubstr("#e57373")));
  EXPECT_THAT(svg, HasSubstr("50.00%"));
  EXPECT_THAT(svg, HasSubstr("Salute &lt;organizzativa&gt;"));
  EXPECT_EQ(svg.rfind("</svg>\n"), svg.size() - 7);
}

nlohmann::json HrLike() {
  return nlohmann::json::parse(R"({"ceiling_eur": 9499919.94, "in_service_count": 273, "margin_eur": 4681048.0,
    "hiring_budget": {"year": 2022, "leavers_count": 14},
    "vacancies": {"2022-12-31": {"C": 3, "D1": 1}, "2023-12-31": {"C": 5}},
    "staff": [{"unit": "Area <A>", "count": 96}, {"unit": "Area B", "count": 70, "women": 50}],
    "coverage_pct": 66.66666666666667})");
}

TEST(RenderJsonReportTest, HtmlHasScalarsFlattenedTablesAndMatrices) {
  const std::string html = RenderJsonReport("Fabbisogni 2022", {{"Sezione", HrLike()}}, ReportFormat::kHtml);
  EXPECT_THAT(html, HasSubstr("<th>ceiling_eur</th><td>9499919.94</td>"));
  EXPECT_THAT(html, HasSubstr("<th>margin_eur</th><td>4681048.00</td>"));  // euro amounts keep two decimals
  EXPECT_THAT(html, HasSubstr("<th>hiring_budget.leavers_count</th><td>14</td>"));
  EXPECT_THAT(html, HasSubstr("<th>coverage_pct</th><td>66.6667</td>"));
  // The matrix: one row per date, one column per category (absent cells empty).
  EXPECT_THAT(html, HasSubstr("<tr><th>vacancies</th><th>C</th><th>D1</th></tr>"));
  EXPECT_THAT(html, HasSubstr("<tr><td>2023-12-31</td><td>5</td><td></td></tr>"));
  // An array of objects: the union of their keys, escaped.
  EXPECT_THAT(html, HasSubstr("<tr><th>count</th><th>unit</th><th>women</th></tr>"));
  EXPECT_THAT(html, HasSubstr("<td>96</td><td>Area &lt;A&gt;</td><td></td>"));
}

TEST(RenderJsonReportTest, CsvIsOneCellPerLine) {
  const std::string csv = RenderJsonReport("T", {{"S", HrLike()}}, ReportFormat::kCsv);
  std::vector<std::string> lines = absl::StrSplit(csv, '\n', absl::SkipEmpty());
  EXPECT_EQ(lines[0], "section,table,row,column,value");
  EXPECT_THAT(csv, HasSubstr("S,,,ceiling_eur,9499919.94\n"));
  EXPECT_THAT(csv, HasSubstr("S,vacancies,2,C,5\n"));
  EXPECT_THAT(csv, HasSubstr("S,staff,2,women,50\n"));
  // 6 scalars (two flattened) + 2 vacancy rows (3 + 2 cells) + 2 staff rows (2 + 3 cells) + header.
  EXPECT_EQ(lines.size(), 1u + 6u + 5u + 5u);
}

}  // namespace
}  // namespace piao::cli

namespace piao::cli {
namespace {

RelazioneInput WithOiv() {
  RelazioneInput in = Input();
  v1::RecordedValidation* first = in.oiv.add_validations();
  first->mutable_validation()->set_number(1);
  first->mutable_validation()->set_date("2023-05-10");
  first->mutable_validation()->set_outcome(v1::VALIDATION_OUTCOME_NOT_VALIDATED);
  first->mutable_validation()->set_motivation("dati incompleti");
  first->mutable_record()->set_actor("user:oiv");
  first->mutable_record()->set_superseded(true);
  v1::RecordedValidation* second = in.oiv.add_validations();
  v1::RelazioneValidation* v = second->mutable_validation();
  v->set_number(2);
  v->set_supersedes(1);
  v->set_date("2023-06-20");
  v->set_outcome(v1::VALIDATION_OUTCOME_VALIDATED_WITH_REMARKS);
  v->set_motivation("conforme, con un rilievo");
  v->mutable_document()->set_reference("relazione-2022.pdf");
  v->mutable_document()->set_sha256(std::string(64, 'a'));
  v1::ObjectiveRemark* r = v->add_remarks();
  r->set_objective("OS1");
  r->set_remark("scostamento di K2 non motivato");
  second->mutable_record()->set_actor("user:oiv");
  *in.oiv.mutable_validation() = *second;
  v1::RecordedDeviation* d = in.oiv.add_deviations();
  d->mutable_deviation()->set_objective("OS1");
  d->mutable_deviation()->set_causes("dati InfoCamere in ritardo");
  d->mutable_deviation()->set_measures("nuova convenzione");
  d->mutable_deviation()->set_date("2023-03-01");
  d->mutable_record()->set_actor("user:planner");
  // The OIV's acts are planning events in the trail too: never listed as variations of the plan.
  v1::AuditEntry* act = in.trail.add_entries();
  act->set_source_service(v1::SOURCE_SERVICE_PLANNING);
  act->set_change(v1::AUDIT_CHANGE_OIV_RELAZIONE_VALIDATED);
  act->set_reason("conforme, con un rilievo");
  return in;
}

TEST(RenderRelazioneTest, TheOivValidationItsRemarksAndTheDeviationsAreShown) {
  const RelazioneInput in = WithOiv();
  const std::string html = RenderRelazione(in, ReportFormat::kHtml);
  EXPECT_THAT(html, HasSubstr("Validazione dell'OIV"));
  EXPECT_THAT(html, HasSubstr("validated-with-remarks on 2023-06-20 by user:oiv (validation 2, superseding 1)"));
  EXPECT_THAT(html, HasSubstr("scostamento di K2 non motivato"));
  EXPECT_THAT(html, HasSubstr("dati InfoCamere in ritardo"));
  EXPECT_THAT(html, HasSubstr("Superseded: validation 1"));
  EXPECT_THAT(html, HasSubstr(std::string(64, 'a')));
  EXPECT_EQ(html.find(">oiv-relazione-validated<"), std::string::npos);  // not a variation
  const std::string md = RenderRelazione(in, ReportFormat::kMarkdown);
  EXPECT_THAT(md, HasSubstr("| OS1 | scostamento di K2 non motivato | dati InfoCamere in ritardo | nuova convenzione |"));
  const std::string csv = RenderRelazione(in, ReportFormat::kCsv);
  EXPECT_THAT(csv, HasSubstr("oiv-remark,,OS1,"));
  EXPECT_THAT(csv, HasSubstr("deviation,,OS1,"));
  EXPECT_THAT(csv, HasSubstr("oiv-validation,"));
  // Without any act: the report says so.
  EXPECT_THAT(RenderRelazione(Input(), ReportFormat::kHtml), HasSubstr("not validated by the OIV yet"));
}

}  // namespace
}  // namespace piao::cli
