// The pure parts of `piao risk`: the register file's parsing into commands, and the --json shapes. The domain
// rules are the service's (services/risk/register_file_test.cc).
#include "tools/piao/risk_cmd.h"

#include "libs/risk/kinds.h"

#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace piao::cli {
namespace {

using ::testing::HasSubstr;

std::string FixturePath() {
  const char* src = std::getenv("PIAO_SOURCE_DIR");
  return std::string(src != nullptr ? src : PIAO_DEFAULT_SOURCE_DIR) + "/tests/fixtures/torino-2022/risk-register.json";
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(RiskImportTest, TorinoFixtureParsesIntoItsCommands) {
  const std::string bytes = Read(FixturePath());
  ASSERT_FALSE(bytes.empty());
  absl::StatusOr<PreparedRiskImport> p = PrepareRiskImport("risk-register.json", bytes);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->administration, "CCIAA-TO");
  EXPECT_EQ(p->year, 2022);
  // areas + 2 schemes + 1 method + 23 processes + 23 assessments + 12 measures + plan + 9 records + 3 reports
  EXPECT_EQ(p->commands.size(), 75u);
  EXPECT_EQ(p->commands.front().what, "areas");
  EXPECT_TRUE(p->self_contained);  // it defines its catalogue: the service validates it whole first
  EXPECT_EQ(p->file.processes_size(), 23);
  // The file's texts ("kind": "general", "method": "product", "mode", "outcome") are sent as the enums only.
  ASSERT_GT(p->file.measures_size(), 0);
  ASSERT_GT(p->file.assessments_size(), 0);
  for (const v1::Measure& m : p->file.measures()) EXPECT_NE(m.measure_kind(), v1::MEASURE_KIND_UNSPECIFIED);
  for (const v1::Assessment& a : p->file.assessments()) EXPECT_NE(a.rating_method(), v1::RATING_METHOD_UNSPECIFIED);
  for (const v1::MonitoringRecord& r : p->file.monitoring()) EXPECT_NE(r.outcome_kind(), v1::MONITORING_OUTCOME_UNSPECIFIED);
  std::string sent;
  ASSERT_TRUE(p->file.SerializeToString(&sent));
  v1::RiskRegisterFile copy = p->file;
  ASSERT_TRUE(risk::RiskKinds().Normalise(&copy).ok());
  EXPECT_EQ(copy.SerializeAsString(), sent) << "no wave-one text left to read";
}

TEST(RiskImportTest, BadFilesNameTheItemAndField) {
  const nlohmann::json good = nlohmann::json::parse(Read(FixturePath()));
  struct Case {
    std::function<void(nlohmann::json&)> spoil;
    const char* message;
  };
  const Case cases[] = {
      {[](nlohmann::json& j) { j["format"] = "v0"; }, "format"},
      {[](nlohmann::json& j) { j["surprise"] = 1; }, "surprise"},
      {[](nlohmann::json& j) { j["year"] = 1999; }, "year"},
      {[](nlohmann::json& j) { j["administration"] = ""; }, "administration: required"},
      {[](nlohmann::json& j) { j["measures"][1]["kind"] = "generic"; },
       "measures[1].kind: must be general or specific, got 'generic'"},
  };
  for (const Case& c : cases) {
    nlohmann::json j = good;
    c.spoil(j);
    absl::StatusOr<PreparedRiskImport> p = PrepareRiskImport("f.json", j.dump());
    ASSERT_FALSE(p.ok()) << c.message;
    EXPECT_THAT(p.status().message(), HasSubstr(c.message));
    EXPECT_THAT(p.status().message(), HasSubstr("f.json: "));
  }
}

// As in every import file: a key given twice or unknown anywhere in the register is refused, naming it and
// its path.
TEST(RiskImportTest, DuplicateAndUnknownKeysAreRefusedNamingThem) {
  const nlohmann::json good = nlohmann::json::parse(Read(FixturePath()));
  nlohmann::json nested = good;
  nested["processes"][3]["risk_events"][0]["descripton"] = "x";
  absl::StatusOr<PreparedRiskImport> p = PrepareRiskImport("f.json", nested.dump());
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("f.json: processes[3].risk_events[0].descripton: unknown key"));

  std::string text = good.dump();
  const std::string owner = "\"owner_principal\":";
  const size_t at = text.find(owner);
  ASSERT_NE(at, std::string::npos);
  text.insert(at, owner + "\"user:someone.else\",");  // the first process names two owners
  p = PrepareRiskImport("f.json", text);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), HasSubstr("f.json: processes[0].owner_principal: duplicate key"));
}

TEST(RiskMapJsonTest, ExactShape) {
  v1::RiskMap map;
  v1::ProcessRating* rated = map.add_processes();
  rated->set_code("B.02");
  rated->set_area("B");
  rated->set_score(20);
  rated->set_level("Rischio alto");
  rated->set_scheme("four_bands");
  rated->set_scheme_version(1);
  rated->set_owner("not in the json");
  v1::ProcessRating* unrated = map.add_processes();
  unrated->set_code("G.01");
  unrated->set_area("G");
  v1::MeasureStatus* m = map.add_measures_overdue();
  m->set_code("MO4");
  m->set_deadline("2022-06-30");
  const nlohmann::json j = RiskMapToJson(map);
  EXPECT_EQ(j.size(), 2u);
  EXPECT_EQ(j["processes"][0],
            nlohmann::json::parse(R"({"code":"B.02","area":"B","score":20.0,"level":"Rischio alto","scheme":"four_bands"})"));
  EXPECT_TRUE(j["processes"][1]["score"].is_null());
  EXPECT_TRUE(j["processes"][1]["level"].is_null());
  EXPECT_EQ(j["measures_overdue"][0]["code"], "MO4");
  EXPECT_EQ(j["measures_overdue"][0]["deadline"], "2022-06-30");
}

// The projection joins measures with the plan (JoinPerformancePlan, risk_view_test.cc); the CLI prints the join.
TEST(RiskReportJsonTest, LinkedMeasuresCarryTheirPerformanceGrade) {
  v1::RiskReport report;
  v1::MeasureStatus* form = report.add_measure_statuses();
  form->set_code("MG-FORM");
  form->set_performance_indicator("kpi6.1.1_01");
  form->set_performance_in_plan(true);
  form->set_performance_objective("OS06.1.1");
  form->set_performance_grade_pct(100);
  v1::MeasureStatus* aml = report.add_measure_statuses();
  aml->set_code("MG-AML");
  aml->set_performance_indicator("kpi6.1.1_04");
  aml->set_performance_in_plan(true);
  aml->set_performance_objective("OS06.1.1");  // neutralised: no grade
  v1::MeasureStatus* plain = report.add_measure_statuses();
  plain->set_code("MO4");
  const nlohmann::json j = RiskReportToJson(report);
  EXPECT_EQ(j["measures_detail"][0]["performance_objective"], "OS06.1.1");
  EXPECT_EQ(j["measures_detail"][0]["performance_grade_pct"], 100.0);
  EXPECT_EQ(j["measures_detail"][1]["performance_objective"], "OS06.1.1");
  EXPECT_TRUE(j["measures_detail"][1]["performance_grade_pct"].is_null());
  EXPECT_TRUE(j["measures_detail"][2]["performance_objective"].is_null());
  EXPECT_NE(RenderRiskReport(report).find("MG-FORM -> kpi6.1.1_01 (OS06.1.1): grade 100.00 %"),
            std::string::npos);
}

}  // namespace
}  // namespace piao::cli
