// `piao stack up --kafka apache` end to end (issue 13 §1): a real KRaft broker from the jars `tools/dev deps`
// fetched, the topics it creates (partitions, settings), the stack's record of its Kafka, an external cluster
// (`--bootstrap-servers`), the clear errors, and `stack down` leaving no JVM behind.
// Java or the Kafka jars missing is a failure naming `tools/dev deps`, never a skip.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/e2e/cli_runner.h"
#include "tests/e2e/stack_status.h"

namespace piao::e2e {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

// A librdkafka client for the checks below (the test asks the broker itself, not the CLI).
struct Kafka {
  explicit Kafka(const std::string& bootstrap) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof(err));
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
  }
  ~Kafka() {
    if (rk != nullptr) rd_kafka_destroy(rk);
  }
  // Topic -> partition count, and the brokers the metadata lists.
  std::map<std::string, int> Topics(int* brokers) {
    std::map<std::string, int> out;
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(rk, 1, nullptr, &md, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
    *brokers = md->broker_cnt;
    for (int i = 0; i < md->topic_cnt; ++i) out[md->topics[i].topic] = md->topics[i].partition_cnt;
    rd_kafka_metadata_destroy(md);
    return out;
  }
  // The topic's configuration as the broker reports it (DescribeConfigs).
  std::map<std::string, std::string> Config(const std::string& topic) {
    std::map<std::string, std::string> out;
    rd_kafka_ConfigResource_t* res = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
    rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
    rd_kafka_DescribeConfigs(rk, &res, 1, nullptr, q);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 10000);
    if (const rd_kafka_DescribeConfigs_result_t* r = ev ? rd_kafka_event_DescribeConfigs_result(ev) : nullptr) {
      size_t n = 0;
      const rd_kafka_ConfigResource_t** rs = rd_kafka_DescribeConfigs_result_resources(r, &n);
      for (size_t i = 0; i < n; ++i) {
        size_t m = 0;
        const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(rs[i], &m);
        for (size_t j = 0; j < m; ++j) {
          const char* v = rd_kafka_ConfigEntry_value(entries[j]);
          out[rd_kafka_ConfigEntry_name(entries[j])] = v != nullptr ? v : "";
        }
      }
    }
    if (ev != nullptr) rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_ConfigResource_destroy(res);
    return out;
  }
  // Messages the topic holds: the sum of its partitions' high watermarks.
  int64_t Messages(const std::string& topic, int partitions) {
    int64_t sum = 0;
    for (int p = 0; p < partitions; ++p) {
      int64_t low = 0, high = 0;
      if (rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &low, &high, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        sum += high;
      }
    }
    return sum;
  }
  rd_kafka_t* rk = nullptr;
};

bool IsJava(int pid) {
  return ReadText("/proc/" + std::to_string(pid) + "/cmdline").find("java") != std::string::npos;
}

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

const std::vector<std::string> kEventTopics = {"piao.planning.events.v1", "piao.measurement.events.v1",
                                               "piao.risk.events.v1", "piao.hr.events.v1"};

class KafkaStackE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string base = "piao_e2e_kstack_" + std::to_string(::getpid());
    for (const char* suffix : {"", "_ext", "_nojava"}) dirs_.push_back(fs::temp_directory_path() / (base + suffix));
    for (const fs::path& d : dirs_) fs::remove_all(d);
  }
  void TearDown() override {
    for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {  // the external stack before the cluster it uses
      RunPiao("stack down --data " + it->string());
      fs::remove_all(*it);
    }
  }
  std::vector<fs::path> dirs_;
};

TEST_F(KafkaStackE2eTest, ApacheBrokerTopicsExternalClusterAndDown) {
  const std::string data = " --data " + dirs_[0].string();
  const auto t0 = std::chrono::steady_clock::now();
  CliResult up = RunPiao("stack up --kafka apache --brokers 1 --partitions 2" + data + " 2>&1");
  ASSERT_EQ(up.exit_code, 0) << "stack up on Apache Kafka failed (Java and the Kafka jars come from tools/dev deps):\n"
                             << up.out;
  std::printf("stack up --kafka apache --brokers 1: %.1f s\n", SecondsSince(t0));

  // The broker as status shows it: a live JVM on loopback, accepting connections; no mock broker.
  const json broker = StackComponent(data, "broker-1");
  ASSERT_TRUE(broker.contains("pid")) << StackStatusJson(data).dump();
  const int broker_pid = broker["pid"].get<int>();
  EXPECT_TRUE(broker["alive"].get<bool>());
  EXPECT_TRUE(broker["healthy"].get<bool>());
  EXPECT_EQ(broker["state"], "healthy");
  EXPECT_TRUE(IsJava(broker_pid)) << ReadText("/proc/" + std::to_string(broker_pid) + "/cmdline");
  const std::string address = broker["address"].get<std::string>();
  EXPECT_EQ(address.rfind("127.0.0.1:", 0), 0u) << address;
  EXPECT_TRUE(StackComponent(data, "broker").empty()) << "no mock broker in Apache mode";
  for (const char* service : {"planning", "measurement", "risk", "hr", "projection"}) {
    EXPECT_TRUE(StackComponent(data, service).value("healthy", false)) << service;
  }
  const json recorded = json::parse(ReadText((dirs_[0] / "stack.json").string()), nullptr, false);
  ASSERT_TRUE(recorded.is_object());
  EXPECT_EQ(recorded["kafka"]["kafka"], "apache");
  EXPECT_EQ(recorded["kafka"]["partitions"], 2);

  // The topics, asked from the broker: 2 partitions each, the stack's settings.
  Kafka kafka(address);
  ASSERT_NE(kafka.rk, nullptr);
  int brokers = 0;
  std::map<std::string, int> topics = kafka.Topics(&brokers);
  EXPECT_EQ(brokers, 1);
  for (const std::string& t : kEventTopics) EXPECT_EQ(topics[t], 2) << t;
  EXPECT_EQ(topics["piao.projection.members.v1"], 1);
  std::map<std::string, std::string> config = kafka.Config("piao.planning.events.v1");
  EXPECT_EQ(config["max.message.bytes"], "1048576");
  EXPECT_EQ(config["min.insync.replicas"], "1") << "one broker: replication 1";

  // A later `stack up` keeps the recorded Kafka (same broker); a contradicting one is refused.
  ASSERT_EQ(RunPiao("stack up" + data).exit_code, 0);
  EXPECT_EQ(StackComponent(data, "broker-1").value("pid", 0), broker_pid);
  CliResult mock = RunPiao("stack up --kafka mock" + data + " 2>&1");
  EXPECT_NE(mock.exit_code, 0);
  EXPECT_NE(mock.out.find("--kafka"), std::string::npos) << mock.out;

  // The same cluster as an external one: no broker started, the partition count checked against its topics.
  const std::string ext = " --data " + dirs_[1].string();
  CliResult mismatch = RunPiao("stack up --bootstrap-servers " + address + " --partitions 3" + ext + " 2>&1");
  EXPECT_NE(mismatch.exit_code, 0);
  EXPECT_NE(mismatch.out.find("has 2 partitions, not 3"), std::string::npos) << mismatch.out;
  EXPECT_NE(RunPiao("stack up --kafka apache --bootstrap-servers " + address + ext).exit_code, 0);
  const auto t1 = std::chrono::steady_clock::now();
  CliResult external = RunPiao("stack up --bootstrap-servers " + address + " --partitions 2" + ext + " 2>&1");
  ASSERT_EQ(external.exit_code, 0) << external.out;
  std::printf("stack up --bootstrap-servers (no broker to start): %.1f s\n", SecondsSince(t1));
  const json ext_broker = StackComponent(ext, "broker");
  EXPECT_EQ(ext_broker.value("address", ""), address);
  EXPECT_TRUE(StackComponent(ext, "broker-1").empty());
  EXPECT_TRUE(StackComponent(ext, "projection").value("healthy", false));
  for (int pid : ProcessesMentioning(dirs_[1].string())) EXPECT_FALSE(IsJava(pid)) << "a JVM started for " << pid;
  ASSERT_EQ(RunPiao("stack down" + ext).exit_code, 0);
  EXPECT_TRUE(ProcessesMentioning(dirs_[1].string()).empty());

  // Events go through the real broker: a fresh consumer reads them from Kafka.
  CliResult smoke = RunPiao("smoke --plans 10 --json" + data);
  ASSERT_EQ(smoke.exit_code, 0) << smoke.out;
  const json s = json::parse(smoke.out, nullptr, false);
  ASSERT_TRUE(s.is_object()) << smoke.out;
  EXPECT_EQ(s["consumer_applied"], 10);
  EXPECT_GT(s["consumer_via_kafka"].get<int>(), 0) << smoke.out;
  EXPECT_GE(kafka.Messages("piao.planning.events.v1", 2), 10);

  // No Java or no jars: a clear error naming the fix, and nothing left running.
  const std::string nojava = " --data " + dirs_[2].string();
  CliResult no_jars = RunPiao("stack up --kafka apache" + nojava + " 2>&1", "PIAO_KAFKA_HOME=/nonexistent ");
  EXPECT_NE(no_jars.exit_code, 0);
  EXPECT_NE(no_jars.out.find("run tools/dev deps"), std::string::npos) << no_jars.out;
  CliResult no_java = RunPiao("stack up --kafka apache" + nojava + " 2>&1", "JAVA_HOME= PATH=/nonexistent ");
  EXPECT_NE(no_java.exit_code, 0);
  EXPECT_NE(no_java.out.find("no java"), std::string::npos) << no_java.out;
  EXPECT_TRUE(ProcessesMentioning(dirs_[2].string()).empty());

  // Down: services, then the broker; no JVM (or anything else) of the stack left.
  const auto t2 = std::chrono::steady_clock::now();
  ASSERT_EQ(RunPiao("stack down" + data).exit_code, 0);
  std::printf("stack down: %.1f s\n", SecondsSince(t2));
  EXPECT_FALSE(IsJava(broker_pid)) << "the broker's JVM still runs";
  const std::vector<int> left = ProcessesMentioning(dirs_[0].string());
  EXPECT_TRUE(left.empty()) << left.size() << " process(es) left, e.g. pid " << (left.empty() ? 0 : left[0]);
  const json after = StackComponent(data, "broker-1");
  EXPECT_FALSE(after.value("alive", true));
  EXPECT_EQ(after.value("state", ""), "DOWN") << after.dump();
}

}  // namespace
}  // namespace piao::e2e
