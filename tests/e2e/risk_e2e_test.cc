// Issue 5 acceptance with real processes (embedded broker, planning, measurement, risk, projection) driven
// through the CLI: Torino's catalogue, both banding schemes and the 2022 monitoring plan with the sample
// register of tests/fixtures/torino-2022/risk-register.json → the risk map, as of several dates, and the RPCT
// report figures.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "libs/base/sha256.h"
#include "tests/e2e/cli_runner.h"

namespace piao::e2e {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

class RiskE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("piao_e2e_risk_" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    data_ = new std::string(" --data " + dir_->string());
    CliResult up = RunPiao("stack up" + *data_);
    ASSERT_EQ(up.exit_code, 0) << up.out;
    // The performance plan too, so the measures linked to A-flagged indicators are scored.
    for (const char* f : {"import plan-2022.json", "revise revisions-2022.json", "import results-2022-strategic.json"}) {
      const std::string cmd = f;
      const size_t space = cmd.find(' ');
      CliResult r = RunPiao(cmd.substr(0, space) + " " + Fixture(cmd.substr(space + 1)) +
                            " --administration CCIAA-TO" + *data_);
      ASSERT_EQ(r.exit_code, 0) << cmd << ": " << r.out;
    }
    CliResult imported = RunPiao("risk import " + Fixture("risk-register.json") + " --json" + *data_);
    ASSERT_EQ(imported.exit_code, 0) << imported.out;
    import_ = new json(json::parse(imported.out, nullptr, false));
  }
  static void TearDownTestSuite() {
    RunPiao("stack down" + *data_);
    fs::remove_all(*dir_);
  }
  static json Run(const std::string& args) {
    CliResult r = RunPiao(args + *data_);
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.out;
    return json::parse(r.out, nullptr, false);
  }
  static std::map<std::string, json> ByCode(const json& map) {
    std::map<std::string, json> out;
    for (const json& p : map["processes"]) out[p["code"].get<std::string>()] = p;
    return out;
  }
  static std::vector<std::string> OverdueCodes(const json& map) {
    std::vector<std::string> out;
    for (const json& m : map["measures_overdue"]) out.push_back(m["code"]);
    return out;
  }
  static fs::path* dir_;
  static std::string* data_;
  static json* import_;
};

fs::path* RiskE2eTest::dir_ = nullptr;
std::string* RiskE2eTest::data_ = nullptr;
json* RiskE2eTest::import_ = nullptr;

TEST_F(RiskE2eTest, ImportWritesEveryCommandOnceAndAgainNothing) {
  ASSERT_TRUE(import_->is_object());
  EXPECT_EQ((*import_)["administration"], "CCIAA-TO");
  EXPECT_EQ((*import_)["commands"], 75);
  EXPECT_EQ((*import_)["written"], 75);
  const json again = Run("risk import " + Fixture("risk-register.json") + " --json");
  // Fresh keys per run (issue 11 §3): the service finds every command already in force.
  EXPECT_EQ(again["written"], 0);
  EXPECT_EQ(again["unchanged"], 75);
  EXPECT_EQ(again["duplicates"], 0);
  const json verify = Run("verify --json");
  EXPECT_TRUE(verify["intact"].get<bool>()) << verify.dump();
}

TEST_F(RiskE2eTest, YearEndMapHasEveryProcessWithItsSchemeAndTheHighestEvent) {
  const json map = Run("risk map --year 2022 --as-of 2022-12-31 --json");
  ASSERT_TRUE(map.is_object());
  EXPECT_EQ(map.size(), 2u);
  ASSERT_EQ(map["processes"].size(), 23u);
  for (const json& p : map["processes"]) {
    EXPECT_EQ(p.size(), 5u) << p.dump();
    for (const char* key : {"code", "area", "score", "level", "scheme"}) EXPECT_TRUE(p.contains(key)) << key;
  }
  // code -> score (-1: qualitative), level, scheme: every band of both schemes, the boundaries 4, 9, 10, 15, 17.
  struct Expected {
    double score;
    const char* level;
    const char* scheme;
  };
  const std::map<std::string, Expected> expected = {
      {"A.01", {12, "Rischio medio alto", "four_bands"}},  {"A.02", {4, "Rischio basso", "four_bands"}},
      {"A.03", {9, "Rischio medio", "four_bands"}},        {"B.01", {6, "Rischio medio", "four_bands"}},
      {"B.02", {16, "Rischio alto", "four_bands"}},        {"B.03", {20, "Rischio alto", "four_bands"}},
      {"B.04", {15, "Rischio medio alto", "four_bands"}},  {"B.05", {9.375, "Rischio medio alto", "four_bands"}},
      {"C.01", {4, "Rischio basso", "four_bands"}},        {"C.02", {7.5, "Rischio medio", "four_bands"}},
      {"C.03", {10.5, "Rischio medio alto", "four_bands"}}, {"C.04", {2, "Rischio basso", "four_bands"}},
      {"D.01", {12, "rischio medio", "three_bands"}},      {"D.02", {10, "rischio basso", "three_bands"}},
      {"D.03", {17.5, "rischio alto", "three_bands"}},     {"D.04", {-1, "alto", "pna2019"}},
      {"E.01", {9, "rischio basso", "three_bands"}},       {"E.02", {12, "rischio medio", "three_bands"}},
      {"E.03", {18, "rischio alto", "three_bands"}},       {"G.01", {8, "rischio basso", "three_bands"}},
      {"H.01", {6, "Rischio medio", "four_bands"}},        {"H.02", {16, "Rischio alto", "four_bands"}},
  };
  const auto got = ByCode(map);
  for (const auto& [code, e] : expected) {
    ASSERT_TRUE(got.count(code)) << code;
    const json& p = got.at(code);
    EXPECT_EQ(p["area"], code.substr(0, 1)) << code;
    EXPECT_EQ(p["level"], e.level) << code;
    EXPECT_EQ(p["scheme"], e.scheme) << code;
    if (e.score < 0) {
      EXPECT_TRUE(p["score"].is_null()) << code;
    } else {
      ASSERT_TRUE(p["score"].is_number()) << code;
      EXPECT_NEAR(p["score"].get<double>(), e.score, 1e-9) << code;
    }
  }
  // G.02 is in the map but not assessed.
  EXPECT_TRUE(got.at("G.02")["level"].is_null());
  EXPECT_TRUE(got.at("G.02")["score"].is_null());
  EXPECT_EQ(OverdueCodes(map), (std::vector<std::string>{"MG-ROT", "MG-TRASP", "MU21", "MU4"}));
}

TEST_F(RiskE2eTest, EarlierDatesShowTheRatingsAndOverdueOfThen) {
  // Before the re-assessment with the new indices, D.04 stays rated as on 31/03 under the three-band scheme.
  const json june = Run("risk map --year 2022 --as-of 2022-06-30 --json");
  const auto p = ByCode(june);
  EXPECT_EQ(p.at("D.04")["level"], "rischio medio");
  EXPECT_EQ(p.at("D.04")["scheme"], "three_bands");
  EXPECT_NEAR(p.at("D.04")["score"].get<double>(), 17, 1e-9);
  EXPECT_TRUE(OverdueCodes(june).empty()) << june["measures_overdue"].dump();
  const json october = Run("risk map --year 2022 --as-of 2022-10-01 --json");
  EXPECT_EQ(OverdueCodes(october), (std::vector<std::string>{"MU4"}));
  const json march = Run("risk map --year 2022 --as-of 2022-03-30 --json");
  for (const json& proc : march["processes"]) EXPECT_TRUE(proc["level"].is_null()) << proc.dump();

  const json history = Run("risk history --year 2022 --process D.04 --json");
  ASSERT_EQ(history["ratings"].size(), 2u);
  EXPECT_EQ(history["ratings"][0]["scheme"], "three_bands");
  EXPECT_EQ(history["ratings"][0]["scheme_version"], 1);
  EXPECT_EQ(history["ratings"][0]["level"], "rischio medio");
  EXPECT_EQ(history["ratings"][1]["method"], "qualitative");
  EXPECT_EQ(history["ratings"][1]["level"], "alto");
  EXPECT_EQ(history["ratings"][1]["actor"], "user:local-operator");
}

TEST_F(RiskE2eTest, RpctReportFigures) {
  const json r = Run("risk report --year 2022 --json");
  ASSERT_TRUE(r.is_object());
  EXPECT_EQ(r["as_of"], "2022-12-31");
  EXPECT_EQ(r["processes"], 23);
  EXPECT_EQ(r["processes_assessed"], 22);
  EXPECT_EQ(r["measures"], 12);
  EXPECT_EQ(r["implemented"], 7);
  EXPECT_EQ(r["overdue"], 4);
  EXPECT_EQ(r["pending"], 1);
  EXPECT_EQ(r["planned"], 6);  // the six rows of Torino's 2022 monitoring plan
  EXPECT_EQ(r["monitored"], 4);
  EXPECT_EQ(r["not_monitored"], 2);
  EXPECT_NEAR(r["coverage_pct"].get<double>(), 66.67, 0.01);
  int submitted = 0;
  for (const json& o : r["owner_reports"]) submitted += o["submitted"].get<bool>() ? 1 : 0;
  EXPECT_EQ(r["owner_reports"].size(), 6u);
  EXPECT_EQ(submitted, 2);  // the third report is dated 16/01/2023
  const json later = Run("risk report --year 2022 --as-of 2023-01-31 --json");
  submitted = 0;
  for (const json& o : later["owner_reports"]) submitted += o["submitted"].get<bool>() ? 1 : 0;
  EXPECT_EQ(submitted, 3);
  // Prevention work scored in the performance plan: the published 2022 grades of the A-flagged indicators.
  std::map<std::string, json> detail;
  for (const json& m : r["measures_detail"]) detail[m["code"].get<std::string>()] = m;
  EXPECT_EQ(detail.at("MG-FORM")["performance_indicator"], "kpi6.1.1_01");
  EXPECT_EQ(detail.at("MG-FORM")["performance_objective"], "OS06.1.1");
  EXPECT_NEAR(detail.at("MG-FORM")["performance_grade_pct"].get<double>(), 100.0, 0.1);
  EXPECT_EQ(detail.at("MU-D1")["performance_indicator"], "kpi6.1.1_02");
  EXPECT_NEAR(detail.at("MU-D1")["performance_grade_pct"].get<double>(), 100.0, 0.1);
  EXPECT_TRUE(detail.at("MO4")["performance_grade_pct"].is_null());
  CliResult text = RunPiao("risk report --year 2022" + *data_);
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("NOT MONITORED"), std::string::npos) << text.out;
}

// The OIV's audit covers the register too (issue 12 §1): `piao audit --service risk`, `--process`, `--kind`,
// valid-time windows and pages, each served by the projection.
TEST_F(RiskE2eTest, TheAuditTrailListsTheRegisterWithEveryFilterAndPage) {
  CliResult all = RunPiao("audit --year 2022 --administration CCIAA-TO --json" + *data_);
  ASSERT_EQ(all.exit_code, 0) << all.out.substr(0, 400);
  const json a = json::parse(all.out);
  std::map<std::string, int> by_source;
  for (const json& e : a["entries"]) ++by_source[e["source"].get<std::string>()];
  EXPECT_GT(by_source["planning"], 100);
  EXPECT_GT(by_source["measurement"], 70);
  EXPECT_GT(by_source["risk"], 50) << "the register's facts are in the OIV's trail";
  EXPECT_EQ(a["total"], a["count"]);

  CliResult risk = RunPiao("audit --year 2022 --administration CCIAA-TO --service risk --json" + *data_);
  ASSERT_EQ(risk.exit_code, 0);
  const json r = json::parse(risk.out);
  EXPECT_EQ(r["total"].get<int>(), by_source["risk"]);
  std::string process;
  for (const json& e : r["entries"]) {
    EXPECT_EQ(e["source"], "risk");
    EXPECT_TRUE(e["kind"].get<std::string>().rfind("risk-", 0) == 0) << e["kind"];
    EXPECT_FALSE(e["actor"].is_null());
    EXPECT_TRUE(e["fact"].is_object()) << e.dump();
    if (process.empty() && e["kind"] == "risk-assessment-recorded") process = e["processes"][0];
  }
  ASSERT_FALSE(process.empty());
  CliResult one = RunPiao("audit --year 2022 --administration CCIAA-TO --process " + process +
                          " --kind risk-assessment-recorded --json" + *data_);
  ASSERT_EQ(one.exit_code, 0) << one.out;
  const json o = json::parse(one.out);
  ASSERT_GE(o["total"].get<int>(), 1);
  for (const json& e : o["entries"]) {
    EXPECT_EQ(e["kind"], "risk-assessment-recorded");
    EXPECT_EQ(e["fact"]["assessment"]["process"], process);
  }
  // Pages of 7 cover the same entries in the same order.
  std::vector<std::pair<std::string, int>> paged;
  int pages = 0;
  for (int page = 1; page <= 1000; ++page) {
    CliResult p = RunPiao(absl::StrCat("audit --year 2022 --administration CCIAA-TO --service risk --page-size 7 --page ",
                                       page, " --json", *data_));
    ASSERT_EQ(p.exit_code, 0);
    const json j = json::parse(p.out);
    pages = j["pages"];
    for (const json& e : j["entries"]) paged.emplace_back(e["source"], e["position"]);
    if (page >= pages) break;
  }
  EXPECT_EQ(pages, (r["total"].get<int>() + 6) / 7);
  ASSERT_EQ(paged.size(), r["entries"].size());
  for (size_t i = 0; i < paged.size(); ++i) EXPECT_EQ(paged[i].second, r["entries"][i]["position"]) << i;
  // A valid-time window, and refusals naming the flag.
  CliResult window = RunPiao("audit --year 2022 --administration CCIAA-TO --valid-from 2022-09-13 --valid-to 2022-09-13 --service planning --json" + *data_);
  ASSERT_EQ(window.exit_code, 0);
  EXPECT_EQ(json::parse(window.out)["total"], 26) << "the 26 changes of deliberazione 142";
  EXPECT_NE(RunPiao("audit --year 2022 --kind tagret" + *data_).exit_code, 0);
  EXPECT_NE(RunPiao("audit --year 2022 --service accounting" + *data_).exit_code, 0);
  EXPECT_NE(RunPiao("audit --year 2022 --valid-from 2022-02-30" + *data_).exit_code, 0);
}

TEST_F(RiskE2eTest, BadInputIsRefusedWithTheRule) {
  EXPECT_NE(RunPiao("risk map --year 22 --json" + *data_).exit_code, 0);
  EXPECT_NE(RunPiao("risk map --year 2022 --as-of 2022-02-30 --json" + *data_).exit_code, 0);
  EXPECT_NE(RunPiao("risk import /nonexistent.json" + *data_).exit_code, 0);
}

// Who may write, with real tokens: the OIV reads but never writes; a process owner writes for their own
// processes only; definitions are the RPCT's.
class RiskAccessE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("piao_e2e_risk_access_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    data_ = " --data " + dir_.string();
    Write("operator.token", "op-token\n");
    Write("service.token", "svc-token\n");
    auto line = [](const std::string& token, const std::string& rest) {
      return ToHex(Sha256({token})) + " " + rest + "\n";
    };
    Write("tokens", line("op-token", "user:local-operator admin,rpct") + line("svc-token", "svc:local-stack service") +
                        line("oiv-token", "user:oiv oiv") + line("owner-token", "user:dir.anagrafe planner") +
                        line("other-token", "user:dir.sviluppo planner"));
    ASSERT_EQ(RunPiao("stack up" + data_).exit_code, 0);
    ASSERT_EQ(RunPiao("risk import " + Fixture("risk-register.json") + data_).exit_code, 0);
    // A later re-assessment of C.03 (owner: Dirigente Area Anagrafe economica, user:dir.anagrafe).
    Write("c03.json", R"({"format": "piao-risk-register/1", "administration": "CCIAA-TO", "year": 2022,
      "assessments": [{"process": "C.03", "assessed_on": "2022-11-30", "method": "product", "scheme": "four_bands",
        "motivation": "doppio controllo avviato", "events": [{"risk_event": "E1", "probability": 2, "impact": 2}]}]})");
  }
  void TearDown() override {
    ::unsetenv("PIAO_TOKEN");
    RunPiao("stack down" + data_);
    fs::remove_all(dir_);
  }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream out(dir_ / name);
    out << text;
  }
  CliResult As(const std::string& token, const std::string& args) {
    ::setenv("PIAO_TOKEN", token.c_str(), 1);
    CliResult r = RunPiao(args + data_ + " 2>&1");
    ::unsetenv("PIAO_TOKEN");
    return r;
  }
  fs::path dir_;
  std::string data_;
};

TEST_F(RiskAccessE2eTest, OnlyTheRpctAndTheProcessOwnerWriteTheOivReads) {
  const std::string c03 = "risk import " + (dir_ / "c03.json").string();
  CliResult oiv = As("oiv-token", c03);
  EXPECT_NE(oiv.exit_code, 0);
  EXPECT_NE(oiv.out.find("PERMISSION_DENIED"), std::string::npos) << oiv.out;
  CliResult other = As("other-token", c03);
  EXPECT_NE(other.exit_code, 0);
  EXPECT_NE(other.out.find("PERMISSION_DENIED"), std::string::npos) << other.out;
  EXPECT_NE(other.out.find("owned by Dirigente Area Anagrafe economica"), std::string::npos) << other.out;
  CliResult definitions = As("owner-token", "risk import " + Fixture("risk-register.json"));
  EXPECT_NE(definitions.exit_code, 0);
  EXPECT_NE(definitions.out.find("PERMISSION_DENIED"), std::string::npos) << definitions.out;

  CliResult owner = As("owner-token", c03 + " --json");
  ASSERT_EQ(owner.exit_code, 0) << owner.out;
  // The OIV reads everything: the owner's re-assessment is the latest, the March one stays as of its date.
  CliResult latest = As("oiv-token", "risk map --year 2022 --json");
  ASSERT_EQ(latest.exit_code, 0) << latest.out;
  const json map = json::parse(latest.out, nullptr, false);
  bool found = false;
  for (const json& p : map["processes"]) {
    if (p["code"] != "C.03") continue;
    found = true;
    EXPECT_EQ(p["level"], "Rischio basso");
    EXPECT_NEAR(p["score"].get<double>(), 4, 1e-9);
  }
  EXPECT_TRUE(found);
  CliResult history = As("oiv-token", "risk history --year 2022 --process C.03 --json");
  ASSERT_EQ(history.exit_code, 0) << history.out;
  const json h = json::parse(history.out, nullptr, false);
  ASSERT_EQ(h["ratings"].size(), 2u);
  EXPECT_EQ(h["ratings"][0]["level"], "Rischio medio alto");
  EXPECT_EQ(h["ratings"][1]["actor"], "user:dir.anagrafe");
}

}  // namespace
}  // namespace piao::e2e
