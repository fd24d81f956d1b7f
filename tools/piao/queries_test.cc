#include "tools/piao/queries.h"

#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tools/piao/typed_values_test_util.h"

namespace piao::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using json = nlohmann::json;

std::set<std::string> Keys(const json& j) {
  std::set<std::string> out;
  for (auto it = j.begin(); it != j.end(); ++it) out.insert(it.key());
  return out;
}

v1::ScoresView SampleView() {
  v1::ScoresView v;
  v.set_administration("default");
  v.set_year(2022);
  v.set_enterprise_score_pct(60.48);
  v.set_enterprise_label("Parzialmente raggiunto");
  v.set_enterprise_band(v1::ACHIEVEMENT_BAND_PARTLY);
  v.set_basis_kind(v1::SCORE_BASIS_REVISED);
  v1::ObjectiveScore* o = v.add_objectives();
  o->set_level_kind(v1::OBJECTIVE_LEVEL_STRATEGIC);
  o->set_code("OS01.1.1");
  o->set_title("Garantire nel tempo la salute organizzativa dell'ente camerale");
  o->set_score_pct(60.48);
  o->set_label("Parzialmente raggiunto");
  o->set_band(v1::ACHIEVEMENT_BAND_PARTLY);
  v1::IndicatorScore* met = o->add_indicators();
  met->set_code("EC05.1");
  met->set_weight_pct(20);
  testing::SetTarget(R"({"op": ">=", "value": 105.0, "unit": "%"})", met->mutable_target());
  testing::SetThreshold("null", met);
  testing::SetValue(R"({"value": 110.58, "unit": "%"})", met->mutable_actual());
  met->set_grade_pct(100);
  met->set_band(v1::ACHIEVEMENT_BAND_MET);
  met->mutable_deviation()->mutable_difference()->set_value(5.58);
  met->mutable_deviation()->mutable_difference()->set_unit("%");
  v1::IndicatorScore* missed = o->add_indicators();
  missed->set_code("EC07");
  testing::SetTarget(R"({"op": ">=", "value": 13.0, "unit": "%"})", missed->mutable_target());
  testing::SetThreshold("null", missed);
  missed->set_grade_pct(0);
  missed->set_band(v1::ACHIEVEMENT_BAND_NOT_MEASURED);
  v1::ObjectiveScore* op = v.add_objectives();
  op->set_level_kind(v1::OBJECTIVE_LEVEL_OPERATIONAL);
  op->set_code("OP1.1.1-01");
  op->set_unit("Area Anagrafe economica");
  v1::IndicatorScore* none = op->add_indicators();
  none->set_code("kpi1");
  testing::SetTarget(R"({"op": "by_date", "date": "2022-12-31"})", none->mutable_target());
  testing::SetThreshold(R"({"date": "2023-01-31"})", none);
  none->set_neutralised(true);
  none->set_band(v1::ACHIEVEMENT_BAND_NOT_SCORED);
  v1::GroupScore* unit = v.add_units();
  unit->set_name("Area Anagrafe economica");
  v1::GroupScore* owner = v.add_owners();
  owner->set_name("Segretario Generale");
  owner->set_score_pct(97.5);
  owner->set_band(v1::ACHIEVEMENT_BAND_MET);
  return v;
}

TEST(ScoresToJson, ExactShape) {
  json j = ScoresToJson(SampleView());
  // The wave-one keys, and (issue 12) what the scores are of: administration, as-of date, basis, period; and
  // the projection's bands and deviations.
  EXPECT_EQ(Keys(j), (std::set<std::string>{"year", "administration", "as_of_date", "basis", "period",
                                            "enterprise_score_pct", "enterprise_band", "objectives", "units",
                                            "owners"}));
  EXPECT_EQ(j["enterprise_band"], "partly");
  EXPECT_EQ(j["year"], 2022);
  EXPECT_EQ(j["basis"], "revised");
  EXPECT_EQ(j["period"], "year-end");
  EXPECT_TRUE(j["as_of_date"].is_null());
  EXPECT_DOUBLE_EQ(j["enterprise_score_pct"].get<double>(), 60.48);
  ASSERT_EQ(j["objectives"].size(), 2u);
  const json& os = j["objectives"][0];
  EXPECT_EQ(Keys(os),
            (std::set<std::string>{"level", "code", "unit", "owner", "score_pct", "label", "band", "indicators"}));
  EXPECT_EQ(os["level"], "strategic");
  EXPECT_EQ(os["code"], "OS01.1.1");
  EXPECT_TRUE(os["unit"].is_null());
  EXPECT_TRUE(os["owner"].is_null());
  EXPECT_EQ(os["label"], "Parzialmente raggiunto");
  const json& ec05 = os["indicators"][0];
  EXPECT_EQ(Keys(ec05),
            (std::set<std::string>{"code", "weight_pct", "target", "threshold", "actual", "grade_pct", "band",
                                   "deviation"}));
  EXPECT_EQ(ec05["band"], "met");
  EXPECT_EQ(ec05["deviation"], json::parse(R"({"difference": 5.58, "unit": "%"})"));
  EXPECT_EQ(ec05["target"], json::parse(R"({"op": ">=", "value": 105.0, "unit": "%"})"));
  EXPECT_TRUE(ec05["threshold"].is_null());
  EXPECT_DOUBLE_EQ(ec05["actual"]["value"].get<double>(), 110.58);
  EXPECT_EQ(ec05["weight_pct"], 20.0);
  EXPECT_EQ(ec05["grade_pct"], 100.0);
  const json& ec07 = os["indicators"][1];
  EXPECT_TRUE(ec07["weight_pct"].is_null());
  EXPECT_TRUE(ec07["actual"].is_null());
  EXPECT_EQ(ec07["grade_pct"], 0.0);  // a 0 grade is a number, not null
  EXPECT_EQ(ec07["band"], "not-measured");
  EXPECT_TRUE(ec07["deviation"].is_null());

  const json& op = j["objectives"][1];
  EXPECT_EQ(op["unit"], "Area Anagrafe economica");
  EXPECT_TRUE(op["score_pct"].is_null());
  EXPECT_TRUE(op["indicators"][0]["grade_pct"].is_null());
  EXPECT_EQ(op["indicators"][0]["threshold"]["date"], "2023-01-31");

  EXPECT_EQ(j["units"], json::parse(R"([{"unit": "Area Anagrafe economica", "score_pct": null}])"));
  EXPECT_EQ(j["owners"], json::parse(R"([{"owner": "Segretario Generale", "score_pct": 97.5}])"));
}

TEST(ScoresToJson, EmptyViewHasNullEnterpriseScore) {
  v1::ScoresView v;
  v.set_year(2023);
  json j = ScoresToJson(v);
  EXPECT_TRUE(j["enterprise_score_pct"].is_null());
  EXPECT_TRUE(j["objectives"].is_array() && j["objectives"].empty());
  EXPECT_TRUE(j["units"].is_array());
  EXPECT_TRUE(j["owners"].is_array());
}

TEST(RenderScores, TreeWithoutColour) {
  const std::string text = RenderScores(SampleView(), /*color=*/false);
  EXPECT_THAT(text, Not(HasSubstr("\033[")));
  EXPECT_THAT(text, HasSubstr("enterprise score 60.48 % Parzialmente raggiunto"));
  EXPECT_THAT(text, HasSubstr("OS01.1.1"));
  EXPECT_THAT(text, HasSubstr("Garantire nel tempo la salute organizzativa"));
  EXPECT_THAT(text, HasSubstr("target >= 105 %"));
  EXPECT_THAT(text, HasSubstr("actual 110.58 %"));
  EXPECT_THAT(text, HasSubstr("grade 100.00 %"));
  EXPECT_THAT(text, HasSubstr("by 2022-12-31"));
  EXPECT_THAT(text, HasSubstr("(neutralised)"));
  EXPECT_THAT(text, HasSubstr("no score"));
  EXPECT_THAT(text, HasSubstr("Segretario Generale  97.50 %"));
}

TEST(RenderScores, ColourByTheProjectionsBand) {
  v1::ScoresView v = SampleView();
  // 94.996 prints "95.00 %" and is labelled Raggiunto: the projection bands it MET, and it prints green.
  v.mutable_owners(0)->set_score_pct(94.996);
  const std::string text = RenderScores(v, /*color=*/true);
  EXPECT_THAT(text, HasSubstr("\033[32m100.00 %\033[0m"));  // met: green
  EXPECT_THAT(text, HasSubstr("\033[33m60.48 %\033[0m"));   // partly: yellow
  EXPECT_THAT(text, HasSubstr("\033[31m0.00 %\033[0m"));    // otherwise red
  EXPECT_THAT(text, HasSubstr("\033[32m95.00 %\033[0m"));
}

v1::IndicatorHistory SampleHistory() {
  v1::IndicatorHistory h;
  h.mutable_objective()->set_level_kind(v1::OBJECTIVE_LEVEL_STRATEGIC);
  h.mutable_objective()->set_code("OS03.1.1");
  h.set_indicator("kpi3.1.1_01");
  v1::IndicatorVersion* adopted = h.add_versions();
  adopted->set_change_kind(v1::AUDIT_CHANGE_ADOPTED);
  testing::SetTarget(R"({"op": ">=", "value": 20.0, "unit": "%"})", adopted->mutable_target());
  adopted->mutable_act()->set_text("Deliberazione di Giunta n. 103 del 27/06/2022");
  adopted->mutable_act()->set_date("2022-06-27");
  adopted->set_effective_date("2022-06-27");
  adopted->set_actor("user:operator");
  adopted->mutable_recorded_at()->set_seconds(1700000000);
  v1::IndicatorVersion* revised = h.add_versions();
  revised->set_change_kind(v1::AUDIT_CHANGE_TARGET);
  testing::SetTarget(R"({"op": ">=", "value": 85.0, "unit": "%"})", revised->mutable_target());
  revised->set_weight_pct(25);
  testing::SetTarget(R"({"op": ">=", "value": 20.0, "unit": "%"})", revised->mutable_from_value()->mutable_target());
  testing::SetTarget(R"({"op": ">=", "value": 85.0, "unit": "%"})", revised->mutable_to_value()->mutable_target());
  revised->mutable_act()->set_text("Deliberazione di Giunta n. 142 del 13/09/2022");
  revised->mutable_act()->set_date("2022-09-13");
  revised->set_effective_date("2022-09-13");
  revised->set_actor("user:operator");
  revised->mutable_recorded_at()->set_seconds(1700000100);
  revised->mutable_recorded_at()->set_nanos(500000000);
  revised->set_reason("monitoraggio intermedio");
  v1::ActualVersion* a = h.add_actuals();
  a->set_actual_id("default/2022/A1");
  a->set_period("year-end");
  testing::SetValue(R"({"value": 90.0, "unit": "%"})", a->mutable_value());
  a->set_source("import:results-2022-strategic.json");
  a->set_actor("user:operator");
  a->mutable_recorded_at()->set_seconds(1700000200);
  v1::ActualVersion* c = h.add_actuals();
  c->set_actual_id("default/2022/A2");
  c->set_corrects("default/2022/A1");
  c->set_period("year-end");
  testing::SetValue(R"({"value": 91.0, "unit": "%"})", c->mutable_value());
  c->set_reason("restated");
  return h;
}

TEST(HistoryToJson, ExactShape) {
  json j = HistoryToJson(SampleHistory());
  EXPECT_EQ(Keys(j), (std::set<std::string>{"objective", "indicator", "versions", "actuals"}));
  EXPECT_EQ(j["objective"]["code"], "OS03.1.1");
  EXPECT_EQ(j["objective"]["level"], "strategic");
  EXPECT_EQ(j["indicator"], "kpi3.1.1_01");
  ASSERT_EQ(j["versions"].size(), 2u);
  const json& v0 = j["versions"][0];
  EXPECT_EQ(Keys(v0), (std::set<std::string>{"change", "target", "threshold", "weight_pct", "from", "to", "act",
                                             "act_date", "effective_date", "actor", "recorded_at", "reason"}));
  EXPECT_EQ(v0["change"], "adopted");
  EXPECT_EQ(v0["target"]["value"], 20.0);
  EXPECT_TRUE(v0["from"].is_null());
  EXPECT_TRUE(v0["weight_pct"].is_null());
  EXPECT_TRUE(v0["reason"].is_null());
  EXPECT_EQ(v0["act"], "Deliberazione di Giunta n. 103 del 27/06/2022");
  EXPECT_EQ(v0["act_date"], "2022-06-27");
  EXPECT_EQ(v0["recorded_at"], "2023-11-14T22:13:20Z");
  const json& v1j = j["versions"][1];
  EXPECT_EQ(v1j["from"]["value"], 20.0);
  EXPECT_EQ(v1j["to"]["value"], 85.0);
  EXPECT_EQ(v1j["weight_pct"], 25.0);
  EXPECT_EQ(v1j["reason"], "monitoraggio intermedio");
  EXPECT_EQ(v1j["recorded_at"], "2023-11-14T22:15:00.5Z");
  ASSERT_EQ(j["actuals"].size(), 2u);
  EXPECT_EQ(j["actuals"][0]["value"]["value"], 90.0);
  EXPECT_TRUE(j["actuals"][0]["corrects"].is_null());
  EXPECT_EQ(j["actuals"][1]["corrects"], "default/2022/A1");
  EXPECT_TRUE(j["actuals"][1]["recorded_at"].is_null());
}

TEST(RenderHistory, ListsVersionsAndActuals) {
  const std::string text = RenderHistory(SampleHistory());
  EXPECT_THAT(text, HasSubstr("kpi3.1.1_01 of strategic objective OS03.1.1"));
  EXPECT_THAT(text, HasSubstr("valid from 2022-09-13  target >= 85 %"));
  EXPECT_THAT(text, HasSubstr("Deliberazione di Giunta n. 142 del 13/09/2022 (2022-09-13)"));
  EXPECT_THAT(text, HasSubstr("reason monitoraggio intermedio"));
  EXPECT_THAT(text, HasSubstr("by user:operator, recorded 2023-11-14T22:13:20Z"));
  EXPECT_THAT(text, HasSubstr("default/2022/A2  year-end  91 %  corrects default/2022/A1"));
}

}  // namespace
}  // namespace piao::cli
