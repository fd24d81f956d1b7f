// piao-broker: runs librdkafka's in-memory mock Kafka cluster on loopback until SIGTERM/SIGINT.
//
// Usage: piao-broker [--brokers N] [--partitions P] [--topics a,b,c] [--bootstrap-file PATH]
// (each flag also read from PIAO_BROKERS, PIAO_PARTITIONS, ...). Prints `bootstrap.servers=<list>` on
// stdout once the topics exist, and writes the list to --bootstrap-file atomically, so a waiting script
// never reads half a line.
#include <signal.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "libs/base/config.h"
#include "libs/base/log.h"
#include "libs/base/process.h"
#include "libs/kafka/mock_cluster.h"

namespace {

int Fail(const std::string& what) {
  piao::log::Error("piao-broker failed", {{"error", what}});
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  piao::log::SetComponent("broker");
  piao::Config config;
  config.Declare("brokers", "1", "number of mock brokers")
      .Declare("partitions", "3", "partitions of each topic")
      .Declare("topics",
               "piao.planning.events.v1,piao.measurement.events.v1,piao.risk.events.v1,piao.hr.events.v1",
               "comma-separated topics to create")
      .Declare("bootstrap-file", "", "file to write the bootstrap servers to (atomically)");
  if (absl::Status s = config.ParseFromProcess(argc, argv); !s.ok()) {
    std::fprintf(stderr, "%s\nflags:\n%s", s.ToString().c_str(), config.Usage().c_str());
    return 2;
  }
  absl::StatusOr<int64_t> brokers = config.GetInt("brokers");
  absl::StatusOr<int64_t> partitions = config.GetInt("partitions");
  if (!brokers.ok()) return Fail(brokers.status().ToString());
  if (!partitions.ok()) return Fail(partitions.status().ToString());
  if (*brokers < 1 || *brokers > 64 || *partitions < 1 || *partitions > 1024) {
    return Fail("--brokers must be 1..64 and --partitions 1..1024");
  }

  // Block the stop signals before librdkafka starts its threads (they inherit the mask), so that only
  // sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto cluster = piao::kafka::MockKafkaCluster::Create(static_cast<int>(*brokers));
  if (!cluster.ok()) return Fail(cluster.status().ToString());
  const std::vector<std::string> topics = absl::StrSplit(config.Get("topics"), ',', absl::SkipWhitespace());
  for (const std::string& topic : topics) {
    if (absl::Status s = (*cluster)->CreateTopic(topic, static_cast<int>(*partitions)); !s.ok()) {
      return Fail(s.ToString());
    }
  }
  const std::string bootstrap = (*cluster)->bootstrap_servers();
  if (const std::string& file = config.Get("bootstrap-file"); !file.empty()) {
    if (absl::Status s = piao::WriteFileAtomically(file, bootstrap + "\n"); !s.ok()) return Fail(s.ToString());
  }
  std::printf("bootstrap.servers=%s\n", bootstrap.c_str());
  std::fflush(stdout);
  piao::log::Info("broker ready", {{"bootstrap_servers", bootstrap},
                                   {"brokers", std::to_string(*brokers)},
                                   {"topics", config.Get("topics")}});

  int sig = 0;
  sigwait(&stop_signals, &sig);
  piao::log::Info("broker stopping", {{"signal", std::to_string(sig)}});
  cluster->reset();
  return 0;
}
