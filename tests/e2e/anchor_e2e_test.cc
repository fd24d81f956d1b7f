// Tamper evidence with real processes: `piao anchor` signs every service's chain head; then the stopped
// planning service's RocksDB is truncated directly (the last event and its index, outbox and idempotency
// records deleted, the stream head and chain head record rewritten) and the stack restarted. Plain `piao
// verify` cannot tell; `piao verify --anchor` fails naming planning and the position.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "libs/eventstore/event_store.h"
#include "rocksdb/db.h"
#include "tests/e2e/cli_runner.h"

namespace piao::e2e {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

class AnchorE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("piao_e2e_anchor_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    data_ = " --data " + dir_.string();
  }
  void TearDown() override {
    RunPiao("stack down" + data_);
    fs::remove_all(dir_);
  }
  static json Service(const json& verify, const std::string& name) {
    for (const json& s : verify["services"]) {
      if (s["service"] == name) return s;
    }
    return json::object();
  }
  json Component(const std::string& name) {
    json j = json::parse(RunPiao("stack status --json" + data_).out, nullptr, false);
    if (j.is_object()) {
      for (const json& c : j["components"]) {
        if (c["name"] == name) return c;
      }
    }
    return json::object();
  }
  fs::path dir_;
  std::string data_;
};

TEST_F(AnchorE2eTest, TruncatedTailWithRewrittenHeadFailsVerifyAgainstAnEarlierAnchor) {
  ASSERT_EQ(RunPiao("stack up" + data_).exit_code, 0);
  CliResult smoke = RunPiao("smoke --plans 10 --json" + data_);
  ASSERT_EQ(smoke.exit_code, 0) << smoke.out;
  ASSERT_EQ(json::parse(smoke.out)["store_head"], 10);
  // The projection has applied all 10 (rebuild waits for it), so it holds the event about to be removed.
  CliResult rebuild = RunPiao("rebuild --json" + data_);
  ASSERT_EQ(rebuild.exit_code, 0) << rebuild.out;

  const std::string anchor_file = (dir_ / "anchor.json").string();
  CliResult anchor = RunPiao("anchor --json --out " + anchor_file + data_);
  ASSERT_EQ(anchor.exit_code, 0) << anchor.out;
  json a = json::parse(anchor.out);
  bool planning_anchored = false;
  for (const json& h : a["heads"]) planning_anchored |= (h["service"] == "planning" && h["position"] == 10);
  EXPECT_TRUE(planning_anchored) << anchor.out;
  struct stat st;
  ASSERT_EQ(::stat((dir_ / "anchor.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "the signing key is private";
  ASSERT_TRUE(fs::exists(dir_ / "anchor.pub"));

  CliResult before = RunPiao("verify --json --anchor " + anchor_file + data_);
  ASSERT_EQ(before.exit_code, 0) << before.out;
  json b = json::parse(before.out);
  EXPECT_TRUE(b["intact"].get<bool>());
  EXPECT_EQ(Service(b, "planning")["anchored_position"], 10);

  // The attacker: service stopped, its database edited directly.
  ASSERT_EQ(RunPiao("stack down" + data_).exit_code, 0);
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), (dir_ / "planning" / "events").string(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    auto removed = eventstore::RemoveLastEventForTest(db.get());
    ASSERT_TRUE(removed.ok()) << removed.status();
    EXPECT_EQ(*removed, GlobalPosition(10));
  }
  ASSERT_EQ(RunPiao("stack up" + data_).exit_code, 0);

  CliResult plain = RunPiao("verify --json" + data_);
  EXPECT_EQ(plain.exit_code, 0) << "without an anchor the truncation is invisible: " << plain.out;

  CliResult after = RunPiao("verify --json --anchor " + anchor_file + data_);
  EXPECT_EQ(after.exit_code, 4) << after.out;
  json j = json::parse(after.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << after.out;
  EXPECT_FALSE(j["intact"].get<bool>());
  json planning = Service(j, "planning");
  EXPECT_FALSE(planning["intact"].get<bool>()) << planning.dump();
  EXPECT_EQ(planning["problem_position"], 10) << planning.dump();
  EXPECT_NE(planning["problem"].get<std::string>().find("position 10 is missing"), std::string::npos)
      << planning.dump();
  for (const char* other : {"measurement", "risk", "hr"}) {
    EXPECT_TRUE(Service(j, other)["intact"].get<bool>()) << other;
  }
  CliResult human = RunPiao("verify --anchor " + anchor_file + data_);
  EXPECT_EQ(human.exit_code, 4);
  EXPECT_NE(human.out.find("planning     BROKEN at position 10"), std::string::npos) << human.out;

  // The position reused by new writes: the chain is intact again, the anchor still is not.
  ASSERT_EQ(RunPiao("smoke --plans 2 --json" + data_).exit_code, 0);
  EXPECT_EQ(RunPiao("verify --json" + data_).exit_code, 0);
  CliResult reused = RunPiao("verify --json --anchor " + anchor_file + data_);
  EXPECT_EQ(reused.exit_code, 4) << reused.out;
  EXPECT_EQ(Service(json::parse(reused.out), "planning")["problem_position"], 10) << reused.out;

  // The projection had applied the removed event 10: the new events (10 reused, 11 chained to it) are not
  // merged, the source is refused and reported. Restarted, so that it reads them by catch-up from the store
  // whatever the restarted embedded broker's topics still deliver.
  const int pid = Component("projection").value("pid", 0);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  for (int i = 0; i < 200 && Component("projection").value("alive", true); ++i) ::usleep(50000);
  ASSERT_EQ(RunPiao("stack up" + data_).exit_code, 0);
  const std::string log = Component("projection").value("log", "");
  ASSERT_FALSE(log.empty());
  bool refused = false;
  for (int i = 0; i < 100 && !refused; ++i) {
    const std::string text = ReadText(log);
    refused = text.find("source refused") != std::string::npos && text.find("forked") != std::string::npos;
    if (!refused) ::usleep(100000);
  }
  EXPECT_TRUE(refused) << ReadText(log).substr(0, 4000);

  // An anchor edited to hide the truncation (planning moved back to 9) no longer verifies.
  std::string text = ReadText(anchor_file);
  const size_t at = text.find("\"position\": 10");
  ASSERT_NE(at, std::string::npos) << text;
  text.replace(at, 14, "\"position\": 9");
  const std::string edited = (dir_ / "edited.json").string();
  std::ofstream(edited) << text;
  CliResult forged = RunPiao("verify --anchor " + edited + data_);
  EXPECT_NE(forged.exit_code, 0);
  EXPECT_EQ(forged.out.find("intact"), std::string::npos) << "nothing is checked against an untrusted anchor";
}

}  // namespace
}  // namespace piao::e2e
