#include "libs/kafka/mock_cluster.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "absl/strings/str_cat.h"

namespace piao::kafka {
namespace {

absl::Status FromErr(rd_kafka_resp_err_t err, const std::string& what) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(what, ": ", rd_kafka_err2str(err)));
}

}  // namespace

absl::StatusOr<std::unique_ptr<MockKafkaCluster>> MockKafkaCluster::Create(int brokers) {
  if (brokers < 1) return absl::InvalidArgumentError("mock cluster needs at least one broker");
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  // The host handle has no bootstrap servers on purpose; silence its warning about that.
  if (rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return absl::InternalError(err);
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return absl::InternalError(absl::StrCat("mock cluster host handle: ", err));
  }
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(rk, brokers);
  if (cluster == nullptr) {
    rd_kafka_destroy(rk);
    return absl::UnavailableError("rd_kafka_mock_cluster_new failed (no loopback port?)");
  }
  return std::unique_ptr<MockKafkaCluster>(new MockKafkaCluster(rk, cluster, brokers));
}

MockKafkaCluster::MockKafkaCluster(rd_kafka_s* handle, rd_kafka_mock_cluster_s* cluster, int brokers)
    : handle_(handle), cluster_(cluster), brokers_(brokers) {}

MockKafkaCluster::~MockKafkaCluster() {
  rd_kafka_mock_cluster_destroy(cluster_);
  rd_kafka_destroy(handle_);
}

absl::Status MockKafkaCluster::CreateTopic(const std::string& topic, int partitions, int replication) {
  if (partitions < 1 || replication < 1 || replication > brokers_) {
    return absl::InvalidArgumentError(absl::StrCat("topic ", topic, ": bad partitions ", partitions,
                                                   " or replication ", replication));
  }
  return FromErr(rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, replication),
                 "create topic " + topic);
}

std::string MockKafkaCluster::bootstrap_servers() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }

absl::Status MockKafkaCluster::SetBrokerDown(int32_t broker_id) {
  if (broker_id < 1 || broker_id > brokers_) return absl::NotFoundError(absl::StrCat("broker ", broker_id));
  return FromErr(rd_kafka_mock_broker_set_down(cluster_, broker_id), absl::StrCat("broker ", broker_id, " down"));
}

absl::Status MockKafkaCluster::SetBrokerUp(int32_t broker_id) {
  if (broker_id < 1 || broker_id > brokers_) return absl::NotFoundError(absl::StrCat("broker ", broker_id));
  return FromErr(rd_kafka_mock_broker_set_up(cluster_, broker_id), absl::StrCat("broker ", broker_id, " up"));
}

}  // namespace piao::kafka
