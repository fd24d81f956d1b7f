// A real Apache Kafka cluster for the local stack (`piao stack up --kafka apache`): KRaft brokers on loopback,
// each a JVM running the jars `tools/dev deps` copied from Maven Central (tools/kafka/pom.xml) into
// $PIAO_KAFKA_HOME (default ~/.cache/piao-kafka/<the pom's version>), with its data under DIR/kafka/broker-N.
//
// Every broker is also a controller (process.roles=broker,controller; the quorum is all of them). Ports are
// chosen free on first start and kept: a broker restarted later rejoins on the same ones.
#ifndef PIAO_TOOLS_PIAO_KAFKA_CLUSTER_H_
#define PIAO_TOOLS_PIAO_KAFKA_CLUSTER_H_

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace piao::cli {

struct KafkaBroker {
  int node = 0;             // node.id, 1-based
  int port = 0;             // the PLAINTEXT listener on 127.0.0.1
  int controller_port = 0;  // the CONTROLLER listener
  pid_t pid = 0;
  std::string log;          // the broker's own log file
};

// The Kafka version pinned in tools/kafka/pom.xml (compiled in by tools/piao/CMakeLists.txt).
const char* PinnedKafkaVersion();
// The Kafka jars: $PIAO_KAFKA_HOME, else ~/.cache/piao-kafka/<PinnedKafkaVersion()>; FAILED_PRECONDITION (run
// `tools/dev deps`) when its libs/ is missing. And the java binary: $JAVA_HOME/bin/java, else `java` on PATH.
absl::StatusOr<std::string> KafkaHome();
absl::StatusOr<std::string> JavaBinary();

// Starts the brokers of `brokers` that are not alive (all of them, formatted first, when `brokers` is empty:
// `count` new ones with free ports and a new cluster id), then waits until the cluster answers metadata with
// every broker. `dir` is the stack's data directory.
absl::Status StartKafkaBrokers(const std::string& dir, int count, std::vector<KafkaBroker>& brokers,
                               absl::Time deadline);

// Whether the broker accepts connections on its PLAINTEXT port (loopback: answers at once).
bool Listening(const KafkaBroker& broker);
// Whether something accepts TCP connections on 127.0.0.1:`port`.
bool LoopbackPortOpen(int port);

// "127.0.0.1:p1,127.0.0.1:p2,..."
std::string BootstrapOf(const std::vector<KafkaBroker>& brokers);

// How many brokers the cluster at `bootstrap` has (its metadata), waiting until `deadline` for an answer.
absl::StatusOr<int> CountBrokers(const std::string& bootstrap, absl::Time deadline);

// Creates each topic that does not exist with `partitions` partitions, replication `replication` and `configs`,
// then checks every topic has exactly `partitions` partitions (FAILED_PRECONDITION naming a topic that has
// another count: the services partition by that count).
absl::Status EnsureTopics(const std::string& bootstrap, const std::vector<std::string>& topics, int partitions,
                          int replication, const std::map<std::string, std::string>& configs, absl::Time deadline);

}  // namespace piao::cli

#endif  // PIAO_TOOLS_PIAO_KAFKA_CLUSTER_H_
