// Issue 13 §3: the faults of the real engine, short versions of `tools/dev soak FAULT ROUNDS` (tools/chaos).
// Each runs a bounded concurrent load against the four write services on Apache Kafka while it breaks the
// cluster, then proves that every acknowledged command is in its store once (none lost, none written twice),
// that every probe write became visible through the projection (read-your-writes held during the fault), and
// that each projection member's views equal a replay of the stores for the partitions it owns.
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

// Runs piao-chaos with `flags` on a fresh data directory; its JSON report.
json RunChaos(const std::string& name, const std::string& flags) {
  const fs::path dir = fs::temp_directory_path() / ("piao_e2e_faults_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const std::string cmd = BinDir() + "/piao-chaos --kafka apache --clients-per-service 2 --rate 20 " + flags +
                          " --data " + dir.string();
  const CliResult run = RunBinary(cmd);
  std::printf("%s\n", run.out.c_str());  // the figures, in the test log
  json r = json::parse(run.out, nullptr, false);
  if (r.is_object()) r["exit_ok"] = run.exit_code == 0;
  RunPiao("stack down --data " + dir.string());  // after a failure, nothing is left running
  fs::remove_all(dir);
  return r;
}

// What every fault must leave true.
void ExpectNothingLostOrDoubled(const json& r) {
  ASSERT_TRUE(r.is_object());
  EXPECT_EQ(r["problems"], json::array()) << r["problems"].dump(2);
  EXPECT_TRUE(r.value("exit_ok", false));
  for (const char* service : {"planning", "measurement", "risk", "hr"}) {
    EXPECT_GT(r["acknowledged_per_service"].value(service, 0), 10) << service << ": the load reached it";
  }
  EXPECT_EQ(r["lost"], 0);
  EXPECT_EQ(r["written_twice"], 0);
  EXPECT_EQ(r["unexplained_events"], 0);
  EXPECT_TRUE(r["projection_equals_replay"].get<bool>());
  const json& during = r["write_to_visible"]["during_faults"];
  EXPECT_GT(during.value("probes", 0), 0) << "no write was probed while the fault lasted";
  EXPECT_EQ(during.value("never_visible", -1), 0);
  EXPECT_EQ(r["write_to_visible"]["outside_faults"].value("never_visible", -1), 0);
}

// 3 brokers, replication 3, min.insync.replicas 2: one broker killed -9 under load, restarted 5 s later, twice.
TEST(KafkaFaultsE2eTest, ABrokerKilledUnderLoadLosesNothingAndAppliesNothingTwice) {
  json r = RunChaos("broker", "--brokers 3 --partitions 3 --fault broker --rounds 2 --fault-seconds 5");
  ExpectNothingLostOrDoubled(r);
  int kills = 0;
  for (const auto& [name, n] : r["kills"].items()) kills += name.rfind("broker-", 0) == 0 ? n.get<int>() : 0;
  EXPECT_EQ(kills, 2);
}

// Three members: one (not the first, the stack's address) killed -9 under load, restarted 5 s later, twice; its
// partitions move to the others and back, and each member's views match the replay of its partitions.
TEST(KafkaFaultsE2eTest, AMemberKilledUnderLoadHandsOverItsPartitions) {
  json r = RunChaos("member", "--brokers 1 --partitions 3 --projections 3 --fault member --rounds 2 --fault-seconds 5");
  ExpectNothingLostOrDoubled(r);
  int kills = 0;
  for (const auto& [name, n] : r["kills"].items()) kills += name.rfind("projection-", 0) == 0 ? n.get<int>() : 0;
  EXPECT_EQ(kills, 2);
  EXPECT_EQ(r["members_compared"].size(), 3u) << r["members_compared"].dump();
}

// The whole cluster down for 60 s: writes keep being acknowledged (the outboxes hold them), reads stay fresh
// (the projection follows the stores), and afterwards the outboxes drain with nothing lost or doubled.
TEST(KafkaFaultsE2eTest, TheWholeClusterDownForSixtySeconds) {
  json r = RunChaos("outage", "--brokers 1 --partitions 3 --fault outage --rounds 1 --fault-seconds 60");
  ExpectNothingLostOrDoubled(r);
  const json& during = r["write_to_visible"]["during_faults"];
  EXPECT_GT(during.value("probes", 0), 10) << "probes kept running for 60 s";
  // Read back while no broker ran: the projection read them from the stores' EventLogs.
  EXPECT_GT(during.value("visible_while_cluster_down", 0), 5);
}

// The brokers' data deleted (retention, a new cluster): the topics come back empty, the consumers refill from
// the stores, and the answers are identical.
TEST(KafkaFaultsE2eTest, BrokerDataDeletedRefillsFromTheStores) {
  json r = RunChaos("data", "--brokers 1 --partitions 3 --fault broker-data --rounds 1 --fault-seconds 2");
  ExpectNothingLostOrDoubled(r);
}

}  // namespace
}  // namespace piao::e2e
