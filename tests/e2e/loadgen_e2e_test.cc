// The load generator of issue 13 §4 on a small shape (the national one is `tools/dev scale`): four
// administrations on one Apache broker and two projection members, every figure of its report present and
// consistent with the commands it sent.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/e2e/cli_runner.h"

namespace piao::e2e {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

TEST(LoadgenE2eTest, ASmallNationReportsEveryFigure) {
  const fs::path dir = fs::temp_directory_path() / ("piao_e2e_loadgen_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const std::string cmd = BinDir() +
                          "/piao-loadgen --administrations 4 --indicators 20 --months 3 --years 1 --clients 2 "
                          "--brokers 1 --partitions 3 --projections 2 --sample-every 10 --data " + dir.string();
  const CliResult run = RunBinary(cmd);
  std::printf("%s\n", run.out.c_str());
  json r = json::parse(run.out, nullptr, false);
  RunPiao("stack down --data " + dir.string());
  ASSERT_TRUE(r.is_object()) << run.out;
  EXPECT_EQ(r["problems"], json::array()) << r["problems"].dump(2);
  EXPECT_EQ(run.exit_code, 0);
  // 4 administrations × (plan + adoption + 20 indicators × 3 months).
  EXPECT_EQ(r["writes"]["commands"], 4 * (2 + 20 * 3));
  EXPECT_GE(r["writes"]["events"].get<int>(), 4 * (2 + 20 * 3));
  EXPECT_EQ(r["apply"]["events"], r["writes"]["events"]);
  EXPECT_GT(r["apply"]["seconds"].get<double>(), 0);
  // 240 actuals, one sample in ten, from two clients.
  EXPECT_EQ(r["visible"]["samples"], 24);
  EXPECT_GT(r["visible"]["p50_ms"].get<double>(), 0);
  EXPECT_LE(r["visible"]["p50_ms"].get<double>(), r["visible"]["p99_ms"].get<double>());
  EXPECT_EQ(r["catch_up"]["member"], "projection-2");
  EXPECT_GT(r["catch_up"]["seconds"].get<double>(), 0);
  EXPECT_GT(r["catch_up"]["views_bytes"].get<int>(), 0) << "the restarted member rebuilt its views";
  EXPECT_GT(r["disk"]["stores_bytes"].get<int>(), 0);
  EXPECT_GT(r["disk"]["kafka_bytes"].get<int>(), 0);
  EXPECT_GT(r["disk"]["per_administration_bytes"].get<int>(), 0);
  EXPECT_FALSE(fs::exists(dir)) << "a successful run cleans up after itself";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace piao::e2e
