// The operator's flow end to end through the CLI against a running stack: the Torino 2022 demo with every
// service killed (SIGKILL) and restarted mid-way, the OIV's audit query, the published reports, and
// `piao verify` catching a forged act number in the planning store.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "libs/eventstore/event_store.h"
#include "rocksdb/db.h"
#include "tests/e2e/cli_runner.h"
#include "tests/e2e/stack_status.h"

namespace piao::e2e {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

// Well-formed UTF-8 (what a browser and a PDF converter need): lead bytes followed by their continuations.
bool IsUtf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

class OperatorE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("piao_e2e_operator_" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    data_ = new std::string(" --data " + dir_->string());
    ASSERT_EQ(RunPiao("stack up" + *data_).exit_code, 0);
    // One step of the demo, then one component killed and brought back, until every service (and the web
    // workspace) has been.
    const std::string admin = " --administration CCIAA-TO";
    std::vector<std::string> steps = {"import " + Fixture("plan-2022.json") + admin,
                                      "revise " + Fixture("revisions-2022.json") + admin,
                                      "import " + Fixture("results-2022-strategic.json") + admin,
                                      "risk import " + Fixture("risk-register.json"),
                                      "hr import " + Fixture("hr-2022.json")};
    std::vector<std::string> services = ServiceNames();
    ASSERT_EQ(services.size(), 6u) << "planning, measurement, risk, hr, projection, web";
    for (size_t i = 0; i < std::max(steps.size(), services.size()); ++i) {
      if (i < steps.size()) {
        CliResult r = RunPiao(steps[i] + *data_);
        ASSERT_EQ(r.exit_code, 0) << steps[i] << "\n" << r.out;
      }
      if (i < services.size()) {
        KillAndRestart(services[i]);
        if (HasFatalFailure()) return;
      }
    }
  }
  static void TearDownTestSuite() {
    RunPiao("stack down" + *data_);
    fs::remove_all(*dir_);
  }

  static json Status() { return StackStatusJson(*data_); }
  static std::vector<std::string> ServiceNames() {
    std::vector<std::string> names;
    json s = Status();
    if (!s.is_object()) return names;
    for (const json& c : s["components"]) {
      if (c["name"].get<std::string>().rfind("broker", 0) != 0) names.push_back(c["name"]);  // broker, broker-N
    }
    return names;
  }
  static json Component(const std::string& name) { return StackComponent(*data_, name); }
  static void KillAndRestart(const std::string& name) {
    const int pid = Component(name).value("pid", 0);
    ASSERT_GT(pid, 0) << name;
    ASSERT_EQ(::kill(pid, SIGKILL), 0) << name;
    for (int i = 0; i < 100 && Component(name).value("alive", true); ++i) ::usleep(50000);
    EXPECT_FALSE(Component(name).value("alive", true)) << name << " still shown alive after SIGKILL";
    EXPECT_NE(RunPiao("stack status" + *data_).exit_code, 0) << "status hides the crash of " << name;
    CliResult up = RunPiao("stack up" + *data_);
    ASSERT_EQ(up.exit_code, 0) << up.out;
    EXPECT_NE(Component(name).value("pid", pid), pid) << name << " was not restarted";
  }
  static json Audit(const std::string& extra) {
    CliResult r = RunPiao("audit --year 2022 --json" + extra + *data_);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return json::parse(r.out, nullptr, false);
  }

  static fs::path* dir_;
  static std::string* data_;
};

fs::path* OperatorE2eTest::dir_ = nullptr;
std::string* OperatorE2eTest::data_ = nullptr;

TEST_F(OperatorE2eTest, NothingWasLostAcrossTheRestartsThePublishedScoreStands) {
  CliResult r = RunPiao("scores --year 2022 --json" + *data_);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  json s = json::parse(r.out);
  ASSERT_TRUE(s["enterprise_score_pct"].is_number()) << r.out;
  EXPECT_NEAR(s["enterprise_score_pct"].get<double>(), 90.91, 0.1);
  int strategic = 0;
  for (const json& o : s["objectives"]) strategic += o["level"] == "strategic" ? 1 : 0;
  EXPECT_EQ(strategic, 14);
  CliResult only = RunPiao("scores --year 2022 --level strategic --json" + *data_);
  ASSERT_EQ(only.exit_code, 0) << only.out;
  json o = json::parse(only.out);
  EXPECT_EQ(o["objectives"].size(), 14u);
  EXPECT_EQ(o["enterprise_score_pct"], s["enterprise_score_pct"]);
  EXPECT_NE(RunPiao("scores --year 2022 --level strategico" + *data_).exit_code, 0);

  // The register and the workforce plan survived their services' and the projection's restarts.
  CliResult map = RunPiao("risk map --year 2022 --as-of 2022-12-31 --json" + *data_);
  ASSERT_EQ(map.exit_code, 0) << map.out;
  EXPECT_EQ(json::parse(map.out)["processes"].size(), 23u);
  CliResult hr = RunPiao("hr summary --year 2022 --json" + *data_);
  ASSERT_EQ(hr.exit_code, 0) << hr.out;
  json h = json::parse(hr.out);
  EXPECT_EQ(h["ceiling_eur"].dump(), "9499919.94");
  EXPECT_EQ(h["in_service_count"], 273);
  EXPECT_EQ(h["in_service_cost_eur"].dump(), "8350062.43");
}

TEST_F(OperatorE2eTest, TheAuditListsEveryVariationWithItsActActorAndTimes) {
  json all = Audit("");
  ASSERT_TRUE(all.is_object());
  int targets = 0, actuals = 0;
  for (const json& e : all["entries"]) {
    targets += e["kind"] == "target" ? 1 : 0;
    actuals += e["kind"] == "actual" ? 1 : 0;
    EXPECT_FALSE(e["actor"].is_null()) << e.dump();
    EXPECT_FALSE(e["recorded_at"].is_null()) << e.dump();
  }
  EXPECT_EQ(targets, 8);  // the eight target revisions of delibera 142
  EXPECT_GT(actuals, 70);

  json os3 = Audit(" --objective OS03.1.1");
  bool found = false;
  for (const json& e : os3["entries"]) {
    EXPECT_EQ(e["objective"]["code"], "OS03.1.1");
    if (e["indicator"] == "kpi3.1.1_01" && e["kind"] == "target") {
      found = true;
      EXPECT_EQ(e["from"]["value"], 20.0);
      EXPECT_EQ(e["to"]["value"], 85.0);
      EXPECT_NE(e["act"].get<std::string>().find("142"), std::string::npos);
      EXPECT_EQ(e["valid_from"], "2022-09-13");
    }
  }
  EXPECT_TRUE(found) << os3.dump();

  // The actor filter: the local operator did everything; nobody else did anything.
  const std::string operator_id = all["entries"][0]["actor"];
  EXPECT_EQ(Audit(" --actor " + operator_id)["count"], all["count"]);
  EXPECT_EQ(Audit(" --actor user:nobody")["count"], 0);
  // A record-time window before the stack existed is empty.
  EXPECT_EQ(Audit(" --from 2000-01-01 --to 2000-01-02")["count"], 0);
}

TEST_F(OperatorE2eTest, ReportsAreWrittenWithTheVariationsAndTheTree) {
  const fs::path html = *dir_ / "relazione.html";
  CliResult r = RunPiao("report relazione --year 2022 --format html --out " + html.string() + *data_);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string page = ReadText(html.string());
  EXPECT_NE(page.find("Variazioni"), std::string::npos);
  EXPECT_NE(page.find("n. 142 del 13/09/2022"), std::string::npos);
  EXPECT_NE(page.find("kpi3.1.1_01"), std::string::npos);
  EXPECT_NE(page.find("Patrimonio netto"), std::string::npos);
  EXPECT_TRUE(IsUtf8(page));

  CliResult csv = RunPiao("report relazione --year 2022 --format csv" + *data_);
  ASSERT_EQ(csv.exit_code, 0);
  EXPECT_EQ(csv.out.rfind("section,level,objective", 0), 0u);
  EXPECT_TRUE(IsUtf8(csv.out));

  CliResult svg = RunPiao("report tree --year 2022 --format svg" + *data_);
  ASSERT_EQ(svg.exit_code, 0);
  EXPECT_EQ(svg.out.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.out.find("OS01.1.1"), std::string::npos);
  EXPECT_TRUE(IsUtf8(svg.out));

  const fs::path png = *dir_ / "albero.png";
  ASSERT_EQ(RunPiao("report tree --year 2022 --format png --out " + png.string() + *data_).exit_code, 0);
  EXPECT_EQ(ReadText(png.string()).substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));

  EXPECT_NE(RunPiao("report tree --year 2022 --format html" + *data_).exit_code, 0) << "a tree is svg or png";

  CliResult risk = RunPiao("report risk --year 2022 --as-of 2022-12-31 --format html" + *data_);
  ASSERT_EQ(risk.exit_code, 0);
  EXPECT_NE(risk.out.find("Relazione annuale del RPCT"), std::string::npos);
  EXPECT_NE(risk.out.find("<td>D.04</td>"), std::string::npos);
  EXPECT_TRUE(IsUtf8(risk.out));
  CliResult hr = RunPiao("report hr --year 2022 --format csv" + *data_);
  ASSERT_EQ(hr.exit_code, 0);
  EXPECT_NE(hr.out.find(",,,ceiling_eur,9499919.94\n"), std::string::npos) << hr.out.substr(0, 400);
  EXPECT_NE(hr.out.find(",,,margin_eur,1149857.51\n"), std::string::npos);
}

TEST_F(OperatorE2eTest, RebuildingTheProjectionFromZeroGivesTheSameAnswers) {
  CliResult before = RunPiao("scores --year 2022 --json" + *data_);
  CliResult audit_before = RunPiao("audit --year 2022 --json" + *data_);
  ASSERT_EQ(before.exit_code, 0);
  CliResult rebuild = RunPiao("rebuild --json" + *data_);
  ASSERT_EQ(rebuild.exit_code, 0) << rebuild.out;
  json r = json::parse(rebuild.out);
  EXPECT_TRUE(r["rebuilt"].get<bool>());
  EXPECT_GT(r["events"].get<int>(), 70);
  EXPECT_EQ(RunPiao("scores --year 2022 --json" + *data_).out, before.out);
  EXPECT_EQ(RunPiao("audit --year 2022 --json" + *data_).out, audit_before.out);
}

// Last: it tampers with the planning store.
TEST_F(OperatorE2eTest, ZzVerifyDetectsAForgedActNumber) {
  CliResult before = RunPiao("verify --json" + *data_);
  ASSERT_EQ(before.exit_code, 0) << before.out;
  ASSERT_EQ(RunPiao("stack down" + *data_).exit_code, 0);
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), (*dir_ / "planning" / "events").string(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    // The plan's adoption: the first event naming the approval act.
    std::string v, key;
    size_t at = std::string::npos;
    for (uint64_t pos = 1; pos <= 10 && at == std::string::npos; ++pos) {
      key = eventstore::EventKeyForTest(GlobalPosition(pos));
      if (!db->Get(rocksdb::ReadOptions(), key, &v).ok()) break;
      at = v.find("n. 103");
    }
    ASSERT_NE(at, std::string::npos);
    v[at + 5] = '4';  // "n. 103" -> "n. 104"
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), key, v).ok());
  }
  ASSERT_EQ(RunPiao("stack up" + *data_).exit_code, 0);
  CliResult after = RunPiao("verify --json" + *data_);
  EXPECT_EQ(after.exit_code, 4) << after.out;
  json j = json::parse(after.out);
  EXPECT_FALSE(j["intact"].get<bool>());
  for (const json& s : j["services"]) {
    EXPECT_EQ(s["intact"].get<bool>(), s["service"] != "planning") << s.dump();
  }
}

}  // namespace
}  // namespace piao::e2e
