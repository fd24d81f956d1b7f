// The local stack end to end, through the CLI: embedded broker + planning service as real processes.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "tests/e2e/cli_runner.h"

namespace piao::e2e {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

class StackE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("piao_e2e_stack_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    data_ = " --data " + dir_.string();
  }
  void TearDown() override {
    RunPiao("stack down" + data_);
    fs::remove_all(dir_);
  }
  json StatusOf(const std::string& name) {
    CliResult r = RunPiao("stack status --json" + data_);
    json j = json::parse(r.out, nullptr, false);
    if (!j.is_object()) return json();
    for (const json& c : j["components"]) {
      if (c["name"] == name) return c;
    }
    return json();
  }
  fs::path dir_;
  std::string data_;
};

TEST_F(StackE2eTest, SmokeWorkloadRestartAfterCrashAndVerify) {
  CliResult up = RunPiao("stack up --json" + data_);
  ASSERT_EQ(up.exit_code, 0) << up.out;
  EXPECT_TRUE(StatusOf("planning")["healthy"].get<bool>());

  CliResult smoke = RunPiao("smoke --plans 50 --json" + data_);
  ASSERT_EQ(smoke.exit_code, 0) << smoke.out;
  json s = json::parse(smoke.out);
  EXPECT_EQ(s["commands"], 50);
  EXPECT_TRUE(s["retry_deduplicated"].get<bool>());
  EXPECT_EQ(s["store_head"], 50);
  EXPECT_EQ(s["consumer_applied"], 50) << "every event applied once by a fresh consumer";
  EXPECT_TRUE(s["chain_intact"].get<bool>());

  // A crash of the service is visible, and `stack up` restarts it on its data.
  const int pid = StatusOf("planning")["pid"].get<int>();
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  for (int i = 0; i < 100 && StatusOf("planning")["alive"].get<bool>(); ++i) ::usleep(50000);
  EXPECT_FALSE(StatusOf("planning")["alive"].get<bool>());
  EXPECT_NE(RunPiao("stack status" + data_).exit_code, 0) << "status reports a down component";
  ASSERT_EQ(RunPiao("stack up" + data_).exit_code, 0);
  EXPECT_NE(StatusOf("planning")["pid"].get<int>(), pid);

  // Nothing acknowledged was lost: the second run continues the same chain.
  CliResult again = RunPiao("smoke --plans 20 --json" + data_);
  ASSERT_EQ(again.exit_code, 0) << again.out;
  EXPECT_EQ(json::parse(again.out)["store_head"], 70);

  CliResult verify = RunPiao("verify --json" + data_);
  ASSERT_EQ(verify.exit_code, 0) << verify.out;
  EXPECT_TRUE(json::parse(verify.out)["intact"].get<bool>());

  ASSERT_EQ(RunPiao("stack down" + data_).exit_code, 0);
  EXPECT_FALSE(StatusOf("planning")["alive"].get<bool>());
  EXPECT_FALSE(StatusOf("broker")["alive"].get<bool>());
}

}  // namespace
}  // namespace piao::e2e
