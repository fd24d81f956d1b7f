// Issue acceptance with real processes (embedded broker, planning, measurement, projection) driven through
// the CLI: the Torino 2022 plan as approved, delibera 142, the year-end actuals → the published figures.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/e2e/cli_runner.h"

namespace piao::e2e {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

json ReadJson(const std::string& path) { return json::parse(ReadText(path)); }

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

class TorinoE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("piao_e2e_torino_" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    data_ = new std::string(" --data " + dir_->string());
    CliResult up = RunPiao("stack up" + *data_);
    ASSERT_EQ(up.exit_code, 0) << up.out;
    CliResult plan = RunPiao("import " + Fixture("plan-2022.json") + *data_);
    ASSERT_EQ(plan.exit_code, 0) << plan.out;
    CliResult revise = RunPiao("revise " + Fixture("revisions-2022.json") + *data_);
    ASSERT_EQ(revise.exit_code, 0) << revise.out;
    CliResult results = RunPiao("import " + Fixture("results-2022-strategic.json") + *data_);
    ASSERT_EQ(results.exit_code, 0) << results.out;
  }
  static void TearDownTestSuite() {
    RunPiao("stack down" + *data_);
    // Nothing of the stack is left running: services, the mock broker or every Apache Kafka JVM.
    const std::vector<int> left = ProcessesMentioning(dir_->string());
    if (!left.empty()) ADD_FAILURE() << left.size() << " process(es) still running after stack down, e.g. pid " << left[0];
    fs::remove_all(*dir_);
  }
  static json Scores(const std::string& extra) {
    CliResult r = RunPiao("scores --year 2022 --json" + extra + *data_);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return json::parse(r.out, nullptr, false);
  }
  static const json* FindObjective(const json& scores, const std::string& code) {
    for (const json& o : scores["objectives"]) {
      if (o["code"] == code && o["level"] == "strategic") return &o;
    }
    return nullptr;
  }
  static const json* FindIndicator(const json& objective, const std::string& code) {
    for (const json& i : objective["indicators"]) {
      if (i["code"] == code) return &i;
    }
    return nullptr;
  }
  static fs::path* dir_;
  static std::string* data_;
};

fs::path* TorinoE2eTest::dir_ = nullptr;
std::string* TorinoE2eTest::data_ = nullptr;

TEST_F(TorinoE2eTest, ReproducesEveryPublishedGradeScoreLabelAndTheEnterpriseScore) {
  const json published = ReadJson(Fixture("results-2022-strategic.json"));
  const json scores = Scores("");
  ASSERT_TRUE(scores.is_object());
  EXPECT_EQ(scores["year"], 2022);
  // The three documented exceptions (fixture README): a misprint and two grades from unrounded actuals.
  const std::map<std::string, std::pair<double, double>> exceptions = {
      {"kpi14.5_04", {97.15, 0.1}}, {"EC27", {40.27, 0.5}}, {"OC_TD_04", {30.45, 0.5}}};
  int objectives = 0, grades = 0;
  for (const json& po : published["objectives"]) {
    const std::string code = po["code"];
    const json* o = FindObjective(scores, code);
    ASSERT_NE(o, nullptr) << code;
    ++objectives;
    ASSERT_FALSE((*o)["score_pct"].is_null()) << code;
    EXPECT_NEAR((*o)["score_pct"].get<double>(), po["reported_score_pct"].get<double>(), 0.1) << code;
    EXPECT_EQ(Lower((*o)["label"]), Lower(po["reported_evaluation"])) << code;
    for (const json& pi : po["indicators"]) {
      if (pi["reported_grade_pct"].is_null()) continue;
      const std::string ic = pi["code"];
      const json* i = FindIndicator(*o, ic);
      ASSERT_NE(i, nullptr) << code << " " << ic;
      if ((*i)["weight_pct"].is_number() && (*i)["weight_pct"].get<double>() == 0.0) continue;  // neutralised
      ASSERT_FALSE((*i)["grade_pct"].is_null()) << ic;
      double expected = pi["reported_grade_pct"].get<double>(), tolerance = 0.1;
      if (auto e = exceptions.find(ic); e != exceptions.end()) std::tie(expected, tolerance) = e->second;
      EXPECT_NEAR((*i)["grade_pct"].get<double>(), expected, tolerance) << code << " " << ic;
      ++grades;
    }
  }
  EXPECT_EQ(objectives, 14);
  EXPECT_GE(grades, 70);
  ASSERT_FALSE(scores["enterprise_score_pct"].is_null());
  EXPECT_NEAR(scores["enterprise_score_pct"].get<double>(), published["expected"]["enterprise_score_pct"].get<double>(),
              0.1);
}

TEST_F(TorinoE2eTest, AsOfBeforeDelibera142ShowsTheApprovedTargets) {
  const json before = Scores(" --as-of 2022-07-01");
  const json after = Scores(" --as-of 2022-12-31");
  const json* o3b = FindObjective(before, "OS03.1.1");
  const json* o3a = FindObjective(after, "OS03.1.1");
  ASSERT_NE(o3b, nullptr);
  ASSERT_NE(o3a, nullptr);
  EXPECT_EQ((*FindIndicator(*o3b, "kpi3.1.1_01"))["target"]["value"], 20.0);
  EXPECT_EQ((*FindIndicator(*o3a, "kpi3.1.1_01"))["target"]["value"], 85.0);
  const json& k04 = *FindIndicator(*o3b, "kpi3.1.1-04");
  EXPECT_EQ(k04["target"]["value"], 10000.0);
  EXPECT_EQ(k04["threshold"]["value"], 5000.0);
  EXPECT_TRUE((*FindIndicator(*o3a, "kpi3.1.1-04"))["threshold"].is_null());
  EXPECT_EQ(FindIndicator(*FindObjective(before, "OS07.1.2"), "kpi7.1.2_08"), nullptr);
  const json* added = FindIndicator(*FindObjective(after, "OS07.1.2"), "kpi7.1.2_08");
  ASSERT_NE(added, nullptr);
  EXPECT_EQ((*added)["weight_pct"], 10.0);
}

TEST_F(TorinoE2eTest, AsOfARecordTimeBeforeTheImportsShowsNothingYetAndAfterShowsEverything) {
  // Record time is the other axis: before anything was recorded the year has no plan to show.
  CliResult before = RunPiao("scores --year 2022 --json --as-of-record 2000-01-01T00:00:00Z" + *data_);
  ASSERT_EQ(before.exit_code, 0) << before.out;
  const json j = json::parse(before.out);
  EXPECT_TRUE(j["objectives"].empty()) << before.out;
  EXPECT_TRUE(j["enterprise_score_pct"].is_null()) << before.out;
  const json now = Scores(" --as-of-record 2999-01-01T00:00:00Z");
  EXPECT_NEAR(now["enterprise_score_pct"].get<double>(), 90.91, 0.1);
  EXPECT_NE(RunPiao("scores --year 2022 --as-of-record yesterday" + *data_).exit_code, 0);
}

TEST_F(TorinoE2eTest, HistoryShowsTheRevisionWithItsActAndDate) {
  CliResult r = RunPiao("history --year 2022 --objective OS03.1.1 --indicator kpi3.1.1_01 --json" + *data_);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const json h = json::parse(r.out);
  bool found = false;
  for (const json& v : h["versions"]) {
    if (v["change"] != "target") continue;
    found = true;
    EXPECT_EQ(v["from"]["value"], 20.0);
    EXPECT_EQ(v["to"]["value"], 85.0);
    EXPECT_NE(v["act"].get<std::string>().find("n. 142"), std::string::npos);
    EXPECT_EQ(v["effective_date"], "2022-09-13");
    EXPECT_EQ(v["actor"], "user:local-operator");
    EXPECT_FALSE(v["recorded_at"].get<std::string>().empty());
  }
  EXPECT_TRUE(found) << r.out;
  ASSERT_GE(h["versions"].size(), 2u);
  EXPECT_EQ(h["versions"][0]["change"], "adopted");
  EXPECT_EQ(h["versions"][0]["target"]["value"], 20.0);
}

TEST_F(TorinoE2eTest, InvalidImportWritesNothingAndReimportIsANoOp) {
  const fs::path bad = *dir_ / "bad-plan.json";
  json plan = ReadJson(Fixture("plan-2022.json"));
  plan["objectives"][0]["indicators"][0]["target"]["op"] = "≥";
  std::ofstream(bad) << plan.dump();
  CliResult r = RunPiao("import " + bad.string() + *data_);
  EXPECT_NE(r.exit_code, 0);
  const json before = Scores("");
  CliResult again = RunPiao("import " + Fixture("results-2022-strategic.json") + " --json" + *data_);
  ASSERT_EQ(again.exit_code, 0) << again.out;
  EXPECT_EQ(Scores("").dump(), before.dump()) << "re-importing the same file changes nothing";
  CliResult verify = RunPiao("verify --json" + *data_);
  ASSERT_EQ(verify.exit_code, 0) << verify.out;
  EXPECT_TRUE(json::parse(verify.out)["intact"].get<bool>());
}

}  // namespace
}  // namespace piao::e2e
