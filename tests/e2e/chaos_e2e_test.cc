// The kill -9 harness with bounded counts (issue 11 §7): tools/chaos kills each of the five services at
// random points 20 times under a concurrent load, then proves every acknowledged command is in its store, none
// was written twice, the chains are intact and the projection equals a fresh replay. The long version is
// `tools/dev chaos ROUNDS`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "tests/e2e/cli_runner.h"

namespace piao::e2e {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

TEST(ChaosE2eTest, EveryServiceKilledTwentyTimesLosesNothingAndAppliesNothingTwice) {
  const fs::path dir = fs::temp_directory_path() / ("piao_e2e_chaos_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const CliResult run = RunBinary(BinDir() + "/piao-chaos --rounds 20 --clients-per-service 2 --data " + dir.string());
  std::printf("%s\n", run.out.c_str());  // the figures, in the test log
  json r = json::parse(run.out, nullptr, false);
  ASSERT_TRUE(r.is_object()) << run.out;
  EXPECT_EQ(r["problems"], json::array()) << r["problems"].dump(2);
  EXPECT_EQ(run.exit_code, 0);
  for (const char* service : {"planning", "measurement", "risk", "hr", "projection"}) {
    EXPECT_GE(r["kills"].value(service, 0), 20) << service;
  }
  for (const char* service : {"planning", "measurement", "risk", "hr"}) {
    EXPECT_GT(r["acknowledged_per_service"].value(service, 0), 20) << service << ": the load reached it";
  }
  EXPECT_GT(r["retries"].get<int>(), 0) << "clients saw the services go down";
  EXPECT_EQ(r["lost"], 0);
  EXPECT_EQ(r["written_twice"], 0);
  EXPECT_EQ(r["unexplained_events"], 0);
  EXPECT_TRUE(r["projection_equals_replay"].get<bool>());
  EXPECT_GT(r["view_keys"].get<int>(), 100);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace piao::e2e
