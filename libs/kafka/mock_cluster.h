// An in-process Kafka cluster (librdkafka's mock broker) on loopback ports: for tests, the bench and the
// local stack (tools/broker). Clients reach it through bootstrap_servers() like any real cluster.
//
// It keeps everything in memory and supports what PIAO uses: produce (idempotent), fetch, consumer groups,
// several brokers and brokers going down and up.
#ifndef PIAO_LIBS_KAFKA_MOCK_CLUSTER_H_
#define PIAO_LIBS_KAFKA_MOCK_CLUSTER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace piao::kafka {

class MockKafkaCluster {
 public:
  // Starts `brokers` brokers (ids 1..brokers) on 127.0.0.1 ephemeral ports.
  static absl::StatusOr<std::unique_ptr<MockKafkaCluster>> Create(int brokers = 1);
  ~MockKafkaCluster();
  MockKafkaCluster(const MockKafkaCluster&) = delete;
  MockKafkaCluster& operator=(const MockKafkaCluster&) = delete;

  // Creates `topic` with `partitions` partitions, each replicated on `replication` brokers (<= brokers).
  absl::Status CreateTopic(const std::string& topic, int partitions, int replication = 1);

  // "127.0.0.1:port,..." for `bootstrap.servers`.
  std::string bootstrap_servers() const;
  int broker_count() const { return brokers_; }

  // Closes the broker's connections and refuses new ones until SetBrokerUp. NOT_FOUND for an unknown id.
  absl::Status SetBrokerDown(int32_t broker_id);
  absl::Status SetBrokerUp(int32_t broker_id);

 private:
  MockKafkaCluster(rd_kafka_s* handle, rd_kafka_mock_cluster_s* cluster, int brokers);
  rd_kafka_s* handle_;               // a producer that never connects: it only hosts the cluster's threads
  rd_kafka_mock_cluster_s* cluster_;
  int brokers_;
};

}  // namespace piao::kafka

#endif  // PIAO_LIBS_KAFKA_MOCK_CLUSTER_H_
