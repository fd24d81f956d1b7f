#include "libs/base/process.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <string>
#include <utility>
#include <vector>

#include "libs/base/clock.h"

namespace piao {
namespace {

TEST(Process, SpawnWaitTerminate) {
  auto dir = std::filesystem::temp_directory_path() / ("piao_proc_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string out = (dir / "out").string();
  auto pid = Spawn({"/bin/sh", "-c", "echo hello > " + out + "; exec sleep 30"}, SpawnOptions{});
  ASSERT_TRUE(pid.ok()) << pid.status();
  auto content = WaitForFile(out, absl::Seconds(10));
  ASSERT_TRUE(content.ok()) << content.status();
  EXPECT_EQ(*content, "hello");
  EXPECT_TRUE(IsAlive(*pid));
  EXPECT_TRUE(Terminate(*pid, absl::Seconds(5)).ok());
  EXPECT_FALSE(IsAlive(*pid));
  EXPECT_EQ(WaitForFile((dir / "never").string(), absl::Milliseconds(50)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(Spawn({"/nonexistent/binary"}, SpawnOptions{}).status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(WriteFileAtomically((dir / "f").string(), "abc").ok());
  EXPECT_EQ(*ReadFile((dir / "f").string()), "abc");
  std::filesystem::remove_all(dir);
}

// The deadlines are read from the injected clock: a FakeClock that does not move keeps them open however
// long the test really waits, and advancing it past them ends the wait.
TEST(Process, WaitForFileMeasuresItsTimeoutOnTheInjectedClock) {
  auto dir = std::filesystem::temp_directory_path() / ("piao_proc_clock_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  FakeClock clock(absl::FromUnixSeconds(1656288000));
  std::future<absl::StatusOr<std::string>> waited = std::async(std::launch::async, [&] {
    return WaitForFile((dir / "never").string(), absl::Milliseconds(50), &clock);
  });
  // Ten times the timeout in real time: still waiting, since the fake clock did not move.
  EXPECT_EQ(waited.wait_for(std::chrono::milliseconds(500)), std::future_status::timeout);
  clock.Advance(absl::Milliseconds(51));
  ASSERT_EQ(waited.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(waited.get().status().code(), absl::StatusCode::kDeadlineExceeded);
  std::filesystem::remove_all(dir);
}

TEST(Process, TerminateMeasuresItsGraceOnTheInjectedClock) {
  auto dir = std::filesystem::temp_directory_path() / ("piao_proc_grace_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string ready = (dir / "ready").string();
  // Ignores SIGTERM (an ignored signal stays ignored across exec), so only the SIGKILL after the grace ends it.
  auto pid = Spawn({"/bin/sh", "-c", "trap '' TERM; echo ready > " + ready + "; exec sleep 30"}, SpawnOptions{});
  ASSERT_TRUE(pid.ok()) << pid.status();
  ASSERT_TRUE(WaitForFile(ready, absl::Seconds(10)).ok());
  FakeClock clock(absl::FromUnixSeconds(1656288000));
  std::future<absl::Status> terminated =
      std::async(std::launch::async, [&] { return Terminate(*pid, absl::Milliseconds(50), &clock); });
  EXPECT_EQ(terminated.wait_for(std::chrono::milliseconds(500)), std::future_status::timeout);
  EXPECT_TRUE(IsAlive(*pid)) << "killed before the grace passed on the injected clock";
  clock.Advance(absl::Milliseconds(51));
  ASSERT_EQ(terminated.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(terminated.get().code(), absl::StatusCode::kDeadlineExceeded);  // it ignored SIGTERM: killed
  EXPECT_FALSE(IsAlive(*pid));
  std::filesystem::remove_all(dir);
}

// Peers stopped together: every one gets SIGTERM before any wait, and they share one grace. Here each waits
// for a file that only the other's SIGTERM handler writes, so stopping them one after the other would need a kill.
TEST(Process, TerminateAllSignalsEveryProcessBeforeWaiting) {
  auto dir = std::filesystem::temp_directory_path() / ("piao_proc_all_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::vector<pid_t> pids;
  for (const auto& [me, peer] : std::vector<std::pair<std::string, std::string>>{{"a", "b"}, {"b", "a"}}) {
    const std::string script = "trap 'touch " + (dir / me).string() + "; while [ ! -e " + (dir / peer).string() +
                               " ]; do sleep 0.05; done; exit 0' TERM; echo up > " + (dir / (me + ".up")).string() +
                               "; while true; do sleep 0.05; done";
    auto pid = Spawn({"/bin/sh", "-c", script}, SpawnOptions{});
    ASSERT_TRUE(pid.ok()) << pid.status();
    pids.push_back(*pid);
    ASSERT_TRUE(WaitForFile((dir / (me + ".up")).string(), absl::Seconds(10)).ok());
  }
  EXPECT_TRUE(TerminateAll(pids, absl::Seconds(10)).ok());
  for (pid_t pid : pids) EXPECT_FALSE(IsAlive(pid));
  // One that ignores SIGTERM is killed after the grace, and named.
  auto stubborn = Spawn({"/bin/sh", "-c", "trap '' TERM; echo up > " + (dir / "c.up").string() + "; exec sleep 30"},
                        SpawnOptions{});
  ASSERT_TRUE(stubborn.ok());
  ASSERT_TRUE(WaitForFile((dir / "c.up").string(), absl::Seconds(10)).ok());
  absl::Status killed = TerminateAll({*stubborn, 0}, absl::Milliseconds(100));
  EXPECT_EQ(killed.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(killed.message().find(std::to_string(*stubborn)), std::string::npos) << killed;
  EXPECT_FALSE(IsAlive(*stubborn));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace piao
