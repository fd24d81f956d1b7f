#include "libs/base/process.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

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

}  // namespace
}  // namespace piao
