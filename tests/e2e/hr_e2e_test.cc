// Issue 6 acceptance with real processes (embedded broker, planning, measurement, hr, projection) driven
// through the CLI: Torino's HR data (tests/fixtures/torino-2022/hr-2022.json, built from hr.json) in, the
// published PIAO 2022 §4.4 figures out of `piao hr summary --json`, to the cent.
//
// Not reproduced from the text alone (hr.json R21, which does not hold in the source): the 15 cessations of
// 2021 in the TURN OVER table against the 14 of the hiring-budget table. The fixture marks one cessation as
// freeing no budget (the PIAO does not say which or why), so both printed tables come out, by assumption.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "tests/e2e/cli_runner.h"

namespace piao::e2e {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

class HrE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("piao_e2e_hr_" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    data_ = new std::string(" --data " + dir_->string());
    CliResult up = RunPiao("stack up" + *data_);
    ASSERT_EQ(up.exit_code, 0) << up.out;
    CliResult imported = RunPiao("hr import " + Fixture("hr-2022.json") + " --json" + *data_);
    ASSERT_EQ(imported.exit_code, 0) << imported.out;
    const json j = json::parse(imported.out, nullptr, false);
    ASSERT_TRUE(j.is_object()) << imported.out;
    EXPECT_EQ(j["administration"], "CCIAA-TO");
    EXPECT_GT(j["stored"].get<int>(), 0);
    EXPECT_EQ(j["already_stored"], 0);
  }
  static void TearDownTestSuite() {
    RunPiao("stack down" + *data_);
    fs::remove_all(*dir_);
  }
  static CliResult SummaryText(const std::string& extra) { return RunPiao("hr summary --year 2022 --json" + extra + *data_); }
  static json Summary(const std::string& extra = "") {
    CliResult r = SummaryText(extra);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return json::parse(r.out, nullptr, false);
  }
  static fs::path* dir_;
  static std::string* data_;
};
fs::path* HrE2eTest::dir_ = nullptr;
std::string* HrE2eTest::data_ = nullptr;

TEST_F(HrE2eTest, PublishedFiguresToTheCent) {
  CliResult r = SummaryText("");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  // Exactly one JSON object, euro amounts as numbers with two decimals.
  EXPECT_NE(r.out.find("\"ceiling_eur\":9499919.94"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"hiring_budget_ordinary_eur\":315332.60"), std::string::npos) << r.out;
  const json s = json::parse(r.out, nullptr, false);
  ASSERT_TRUE(s.is_object()) << r.out;
  EXPECT_EQ(s["as_of"], "2021-12-31");
  EXPECT_EQ(s["ceiling_eur"].dump(), "9499919.94");
  EXPECT_EQ(s["in_service_count"], 273);
  EXPECT_EQ(s["employed_count"], 266);
  EXPECT_EQ(s["in_selection_count"], 7);
  EXPECT_EQ(s["in_service_cost_eur"].dump(), "8350062.43");
  EXPECT_EQ(s["margin_eur"].dump(), "1149857.51");
  EXPECT_EQ(s["hiring_budget_ordinary_eur"].dump(), "315332.6");
  EXPECT_EQ(s["hiring_budget_protected_eur"].dump(), "158315.37");
  EXPECT_EQ(s["hiring_budget"]["planned_ordinary_eur"].dump(), "314507.91");
  EXPECT_EQ(s["hiring_budget"]["planned_protected_eur"].dump(), "87769.65");
  EXPECT_EQ(s["hiring_budget"]["residual_ordinary_eur"].dump(), "824.69");
  EXPECT_EQ(s["hiring_budget"]["residual_protected_eur"].dump(), "70545.72");
  EXPECT_EQ(s["protected_quota"]["art1_uncovered"], 2);
  EXPECT_EQ(s["protected_quota"]["art18_uncovered"], 1);
  EXPECT_EQ(s["protected_quota"]["art1_uncovered_after_planned"], 0);
  EXPECT_EQ(s["staff_by_gender"]["F"], 203);
  EXPECT_EQ(s["staff_by_gender"]["M"], 63);
  EXPECT_EQ(s["staff_by_unit"]["Area Anagrafe economica"], 96);

  const std::map<std::string, std::map<std::string, int>> vacancies = {
      {"2021-12-31", {{"DIR", 3}, {"D", 17}, {"C", 9}, {"B3", 0}, {"B1", 6}, {"A", 0}, {"total", 35}}},
      {"2022-04-01", {{"DIR", 3}, {"D", 18}, {"C", 11}, {"B3", 0}, {"B1", 6}, {"A", 0}, {"total", 38}}},
      {"2022-12-31", {{"DIR", 3}, {"D", 18}, {"C", 12}, {"B3", 0}, {"B1", 6}, {"A", 0}, {"total", 39}}},
      {"2023-12-31", {{"DIR", 3}, {"D", 20}, {"C", 13}, {"B3", 1}, {"B1", 6}, {"A", 0}, {"total", 43}}},
      {"2024-12-31", {{"DIR", 3}, {"D", 21}, {"C", 16}, {"B3", 1}, {"B1", 6}, {"A", 0}, {"total", 47}}}};
  ASSERT_EQ(s["vacancies"].size(), 5u);
  for (const auto& [date, row] : vacancies) {
    for (const auto& [cat, n] : row) EXPECT_EQ(s["vacancies"][date][cat], n) << date << " " << cat;
  }
  const std::map<std::string, int> balances = {{"2012", -1}, {"2013", -4}, {"2014", -3}, {"2015", -7},
                                               {"2016", -7}, {"2017", -7}, {"2018", -16}, {"2019", -7},
                                               {"2020", -9}, {"2021", -3}};
  for (const auto& [year, balance] : balances) EXPECT_EQ(s["turnover"][year]["balance"], balance) << year;
  EXPECT_EQ(s["turnover"]["2021"]["leavers"], 15);
  EXPECT_EQ(s["turnover"]["2021"]["hires"], 13);
}

TEST_F(HrE2eTest, RedistributedEstablishmentAndTurnoverTo27June2022) {
  const json s = Summary(" --as-of 2022-06-27");
  ASSERT_TRUE(s.is_object());
  EXPECT_EQ(s["ceiling_eur"].dump(), "9499919.94");
  EXPECT_EQ(s["establishment"]["cost_eur"].dump(), "9499218.48");
  EXPECT_EQ(s["establishment"]["headroom_eur"].dump(), "701.46");
  EXPECT_EQ(s["establishment"]["by_category"]["C"]["posts"], 172);
  EXPECT_EQ(s["turnover"]["2022"]["leavers"], 3);
  EXPECT_EQ(s["turnover"]["2022"]["hires"], 0);
  EXPECT_EQ(s["turnover"]["2022"]["balance"], -3);
  EXPECT_EQ(s["turnover"]["2022"]["through"], "2022-06-27");
}

TEST_F(HrE2eTest, ReimportIsANoOpAndRefusalsWriteNothing) {
  CliResult again = RunPiao("hr import " + Fixture("hr-2022.json") + " --json" + *data_);
  ASSERT_EQ(again.exit_code, 0) << again.out;
  const json j = json::parse(again.out, nullptr, false);
  EXPECT_EQ(j["stored"], 0);
  EXPECT_EQ(j["already_stored"], j["commands"]);

  CliResult verify_before = RunPiao("verify --json" + *data_);
  // One more ordinary C hire for 2022 exceeds the ordinary budget: refused with the figures.
  const fs::path extra = *dir_ / "extra-hire.json";
  std::ofstream(extra) << R"({"format": "piao-hr/1", "administration": "CCIAA-TO", "planned_hires": [
      {"year": 2022, "hires": [{"id": "2022-extra", "category": "C", "count": 1, "part_time": "100%"}]}]})";
  CliResult over = RunPiao("hr import " + extra.string() + *data_ + " 2>&1");
  EXPECT_NE(over.exit_code, 0);
  EXPECT_NE(over.out.find("FAILED_PRECONDITION"), std::string::npos) << over.out;
  EXPECT_NE(over.out.find("315,332.60"), std::string::npos) << over.out;
  // A typo in a key is refused before any call.
  const fs::path typo = *dir_ / "typo.json";
  std::ofstream(typo) << R"({"format": "piao-hr/1", "staf": []})";
  CliResult bad = RunPiao("hr import " + typo.string() + *data_ + " 2>&1");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.out.find("$.staf"), std::string::npos) << bad.out;
  EXPECT_EQ(RunPiao("verify --json" + *data_).out, verify_before.out);  // no event was added
  EXPECT_EQ(Summary()["hiring_budget"]["planned_ordinary_count"], 11);
}

TEST_F(HrE2eTest, PayLinkFollowsThePublishedEnterpriseScore) {
  const std::string admin = " --administration CCIAA-TO";
  ASSERT_EQ(RunPiao("import " + Fixture("plan-2022.json") + admin + *data_).exit_code, 0);
  ASSERT_EQ(RunPiao("revise " + Fixture("revisions-2022.json") + admin + *data_).exit_code, 0);
  ASSERT_EQ(RunPiao("import " + Fixture("results-2022-strategic.json") + admin + *data_).exit_code, 0);
  const json s = Summary();
  ASSERT_TRUE(s["pay_link"]["enterprise_score_pct"].is_number()) << s["pay_link"].dump();
  EXPECT_NEAR(s["pay_link"]["enterprise_score_pct"].get<double>(), 90.91, 0.1);  // Relazione 2022
  EXPECT_EQ(s["pay_link"]["accessory_top_up_pct"], 100);  // >= 90
  EXPECT_EQ(s["pay_link"]["resource_release_pct"], 100);  // >= 85
}

}  // namespace
}  // namespace piao::e2e
