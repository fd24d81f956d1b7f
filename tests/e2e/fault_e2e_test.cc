// Faults of the surroundings, through the CLI on a real stack (issue 11 §7):
// - the broker is killed: writes are still acknowledged (outboxes keep them) and reads stay correct and fresh,
//   because the projection follows the sources' EventLogs while Kafka delivers nothing; after `stack up`
//   brings a new broker, the system goes on;
// - `piao rebuild` of 9,000 events: catch-up never holds a lock that makes progress, health or read-your-writes
//   waits miss their deadlines (reproduced before: DEADLINE_EXCEEDED);
// - a results import cut short by a killed service says how far it got, and running it again completes it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <filesystem>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "absl/time/clock.h"
#include "libs/service/client.h"
#include "piao/v1/event_log.grpc.pb.h"
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

// The measurement service's head position, over gRPC with the operator's token (0 when it cannot answer).
uint64_t MeasurementHead(const fs::path& dir) {
  const json stack = json::parse(ReadText((dir / "stack.json").string()), nullptr, false);
  if (!stack.is_object()) return 0;
  service::ChannelOptions o;
  o.address = stack["services"]["measurement"].value("address", "");
  auto channel = service::MakeChannel(o);
  if (!channel.ok()) return 0;
  std::string token = ReadText((dir / "operator.token").string());
  while (!token.empty() && (token.back() == '\n' || token.back() == ' ')) token.pop_back();
  grpc::ClientContext ctx;
  service::PrepareContext(&ctx, token, absl::Seconds(2));
  v1::GetHeadResponse head;
  if (!v1::EventLog::NewStub(*channel)->GetHead(&ctx, v1::GetHeadRequest(), &head).ok()) return 0;
  return head.global_position();
}

// A results import whose measurement service is killed half-way says how many actuals are stored; `stack up`
// and the same import again complete it, writing each actual once.
TEST_F(FaultE2eTest, AResultsImportCutShortSaysHowFarItGotAndTheSameImportCompletesIt) {
  ASSERT_EQ(RunPiao("import " + Fixture("plan-2022.json") + data_).exit_code, 0);
  ASSERT_EQ(RunPiao("revise " + Fixture("revisions-2022.json") + data_).exit_code, 0);
  const int measurement_pid = Component("measurement").value("pid", 0);
  ASSERT_GT(measurement_pid, 0);
  ASSERT_EQ(MeasurementHead(dir_), 0u);

  CliResult cut;
  std::thread import([&] { cut = RunPiao("import " + Fixture("results-2022-strategic.json") + data_ + " 2>&1"); });
  uint64_t head = 0;
  const absl::Time deadline = absl::Now() + absl::Seconds(120);
  while ((head = MeasurementHead(dir_)) < 38 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
  ASSERT_EQ(::kill(measurement_pid, SIGKILL), 0);
  import.join();
  ASSERT_GE(head, 38u) << "the import never got half-way";
  EXPECT_NE(cut.exit_code, 0) << cut.out;
  // "... (K of N actuals are stored (K new); run the same import again to complete it)"
  const size_t at = cut.out.find(" actuals are stored");
  ASSERT_NE(at, std::string::npos) << cut.out;
  auto number_before = [&](size_t end) {
    size_t begin = end;
    while (begin > 0 && std::isdigit(static_cast<unsigned char>(cut.out[begin - 1]))) --begin;
    return begin == end ? -1 : std::stoi(cut.out.substr(begin, end - begin));
  };
  const int total = number_before(at);
  const size_t of = cut.out.rfind(" of ", at);
  ASSERT_NE(of, std::string::npos) << cut.out;
  const int reported = number_before(of);
  EXPECT_GE(total, 70) << cut.out;  // the file's actuals (indicators with a value)
  EXPECT_GE(reported, 38) << cut.out;
  EXPECT_LT(reported, total) << cut.out;
  EXPECT_NE(cut.out.find("run the same import again"), std::string::npos) << cut.out;

  ASSERT_EQ(RunPiao("stack up" + data_).exit_code, 0);
  // What was acknowledged is stored; at most the one in flight when it died is stored without an answer.
  const uint64_t stored = MeasurementHead(dir_);
  EXPECT_GE(stored, static_cast<uint64_t>(reported));
  EXPECT_LE(stored, static_cast<uint64_t>(reported) + 1);
  CliResult again = RunPiao("import " + Fixture("results-2022-strategic.json") + " --json" + data_);
  ASSERT_EQ(again.exit_code, 0) << again.out;
  const json r = json::parse(again.out);
  ASSERT_TRUE(r.is_object()) << again.out;
  EXPECT_EQ(r["actuals_unchanged"].get<uint64_t>(), stored) << again.out;
  EXPECT_EQ(r["actuals_recorded"].get<uint64_t>(), total - stored) << again.out;
  EXPECT_EQ(MeasurementHead(dir_), static_cast<uint64_t>(total)) << "every actual written once";
  CliResult scores = RunPiao("scores --year 2022 --json" + data_);
  ASSERT_EQ(scores.exit_code, 0) << scores.out;
  const json published = json::parse(ReadText(Fixture("results-2022-strategic.json")));
  EXPECT_NEAR(json::parse(scores.out)["enterprise_score_pct"].get<double>(),
              published["expected"]["enterprise_score_pct"].get<double>(), 0.1);
}

// The whole stack on a small tmpfs that fills up: planning answers UNAVAILABLE, its health says NOT_SERVING
// (`stack status`), and once space returns it serves again, nothing acknowledged lost.
TEST(DiskFullE2eTest, AServiceOnAFullDiskIsUnavailableNotServingAndRecovers) {
  const fs::path dir = fs::temp_directory_path() / ("piao_e2e_diskfull_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  ASSERT_EQ(::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=48m,mode=0700"), 0)
      << std::strerror(errno) << " (needs root or CAP_SYS_ADMIN, as on the project's machines)";
  struct Unmount {
    fs::path dir;
    ~Unmount() {
      RunPiao("stack down --data " + dir.string());
      ::umount2(dir.c_str(), MNT_DETACH);
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } unmount{dir};
  const std::string data = " --data " + dir.string();
  ASSERT_EQ(RunPiao("stack up" + data).exit_code, 0);
  ASSERT_EQ(RunPiao("smoke --plans 5 --json" + data).exit_code, 0);
  auto planning_healthy = [&]() {
    json j = json::parse(RunPiao("stack status --json" + data).out, nullptr, false);
    if (!j.is_object()) return false;
    for (const json& c : j["components"]) {
      if (c["name"] == "planning") return c.value("healthy", false);
    }
    return false;
  };
  ASSERT_TRUE(planning_healthy());

  // Fill the disk, then write until planning refuses.
  const fs::path filler = dir / "filler";
  {
    std::ofstream out(filler, std::ios::binary);
    const std::string chunk(1 << 20, 'x');
    while (out.write(chunk.data(), chunk.size())) {
    }
  }
  CliResult full = RunPiao("smoke --plans 50 --json" + data + " 2>&1");
  EXPECT_NE(full.exit_code, 0) << full.out;
  EXPECT_NE(full.out.find("UNAVAILABLE"), std::string::npos) << full.out;
  bool not_serving = false;
  for (int i = 0; i < 100 && !(not_serving = !planning_healthy()); ++i) ::usleep(100 * 1000);
  EXPECT_TRUE(not_serving) << "stack status shows planning unhealthy while its disk is full";

  // Space returns: planning serves again and writes.
  fs::remove(filler);
  bool serving = false;
  for (int i = 0; i < 300 && !(serving = planning_healthy()); ++i) ::usleep(100 * 1000);
  ASSERT_TRUE(serving) << "planning recovers when space returns";
  CliResult again = RunPiao("smoke --plans 5 --json" + data);
  ASSERT_EQ(again.exit_code, 0) << again.out;
  EXPECT_TRUE(json::parse(again.out)["chain_intact"].get<bool>());
}

}  // namespace
}  // namespace piao::e2e
