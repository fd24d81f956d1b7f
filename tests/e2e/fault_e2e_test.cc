// Faults of the surroundings, through the CLI on a real stack (issue 11 §7):
// - the broker is killed: writes are still acknowledged (outboxes keep them) and reads stay correct and fresh,
//   because the projection follows the sources' EventLogs while Kafka delivers nothing; after `stack up`
//   brings a new broker, the system goes on;
// - `piao rebuild` of 9,000 events: catch-up never holds a lock that makes progress, health or read-your-writes
//   waits miss their deadlines (reproduced before: DEADLINE_EXCEEDED).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/e2e/cli_runner.h"

namespace piao::e2e {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

class FaultE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("piao_e2e_fault_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    data_ = " --data " + dir_.string();
    CliResult up = RunPiao("stack up" + data_);
    ASSERT_EQ(up.exit_code, 0) << up.out;
  }
  void TearDown() override {
    RunPiao("stack down" + data_);
    fs::remove_all(dir_);
  }
  json Component(const std::string& name) {
    json j = json::parse(RunPiao("stack status --json" + data_).out, nullptr, false);
    if (!j.is_object()) return json::object();
    for (const json& c : j["components"]) {
      if (c["name"] == name) return c;
    }
    return json::object();
  }
  fs::path dir_;
  std::string data_;
};

TEST_F(FaultE2eTest, ReadsStayFreshFromTheStoresWhileTheBrokerIsDown) {
  const json broker = Component("broker");
  ASSERT_GT(broker.value("pid", 0), 0);
  ASSERT_EQ(::kill(broker["pid"].get<int>(), SIGKILL), 0);
  for (int i = 0; i < 100 && Component("broker").value("alive", true); ++i) ::usleep(50000);
  ASSERT_FALSE(Component("broker").value("alive", true));

  // Every write is acknowledged with the broker gone, and every read waits for those writes (the CLI asks the
  // sources' heads first): the published figures come out of a projection that Kafka told nothing.
  ASSERT_EQ(RunPiao("import " + Fixture("plan-2022.json") + data_).exit_code, 0);
  ASSERT_EQ(RunPiao("revise " + Fixture("revisions-2022.json") + data_).exit_code, 0);
  ASSERT_EQ(RunPiao("import " + Fixture("results-2022-strategic.json") + data_).exit_code, 0);
  CliResult scores = RunPiao("scores --year 2022 --json" + data_);
  ASSERT_EQ(scores.exit_code, 0) << scores.out;
  const json published = json::parse(ReadText(Fixture("results-2022-strategic.json")));
  const json s = json::parse(scores.out);
  ASSERT_FALSE(s["enterprise_score_pct"].is_null());
  EXPECT_NEAR(s["enterprise_score_pct"].get<double>(), published["expected"]["enterprise_score_pct"].get<double>(), 0.1);
  CliResult history = RunPiao("history --year 2022 --objective OS03.1.1 --indicator kpi3.1.1_01 --json" + data_);
  EXPECT_EQ(history.exit_code, 0) << history.out;

  // The broker comes back (a new one: `stack up` restarts the services on it); the system goes on, and the
  // outboxes deliver what was written meanwhile.
  ASSERT_EQ(RunPiao("stack up" + data_).exit_code, 0);
  EXPECT_TRUE(Component("broker").value("alive", false));
  CliResult smoke = RunPiao("smoke --plans 20 --json" + data_);
  ASSERT_EQ(smoke.exit_code, 0) << smoke.out;
  EXPECT_TRUE(json::parse(smoke.out)["chain_intact"].get<bool>());
  CliResult again = RunPiao("scores --year 2022 --json" + data_);
  ASSERT_EQ(again.exit_code, 0) << again.out;
  EXPECT_EQ(json::parse(again.out)["enterprise_score_pct"], s["enterprise_score_pct"]);
}

TEST_F(FaultE2eTest, RebuildOfNineThousandEventsKeepsProgressAndHealthAnswering) {
  CliResult smoke = RunPiao("smoke --plans 9000 --json" + data_);
  ASSERT_EQ(smoke.exit_code, 0) << smoke.out;
  ASSERT_EQ(json::parse(smoke.out)["store_head"], 9000);

  // While the projection rebuilds, `stack status` (health of every service, the projection's progress, each
  // with a short deadline) keeps answering: once the restarted projection has answered healthy, it answers
  // healthy at every later call while it catches up (before it listens, it is legitimately not healthy yet).
  std::atomic<bool> done{false};
  std::atomic<int> status_calls{0}, status_failures{0};
  std::string first_failure;
  std::set<int> healthy_pids;
  std::thread watcher([&] {
    while (!done.load()) {
      CliResult st = RunPiao("stack status --json" + data_);
      ++status_calls;
      json j = json::parse(st.out, nullptr, false);
      if (j.is_object()) {
        for (const json& c : j["components"]) {
          if (c["name"] != "projection" || !c.value("alive", false)) continue;
          const int pid = c.value("pid", 0);
          if (c.value("healthy", false)) {
            healthy_pids.insert(pid);
          } else if (healthy_pids.count(pid) != 0 && status_failures++ == 0) {
            first_failure = st.out;
          }
        }
      }
      ::usleep(100000);
    }
  });
  CliResult rebuild = RunPiao("rebuild --json" + data_);
  done = true;
  watcher.join();
  ASSERT_EQ(rebuild.exit_code, 0) << rebuild.out;
  const json r = json::parse(rebuild.out);
  EXPECT_TRUE(r["rebuilt"].get<bool>());
  EXPECT_EQ(r["applied"]["planning"], 9000);
  EXPECT_GT(status_calls.load(), 0);
  EXPECT_GE(healthy_pids.size(), 1u);
  EXPECT_EQ(status_failures.load(), 0) << first_failure;
}

}  // namespace
}  // namespace piao::e2e
