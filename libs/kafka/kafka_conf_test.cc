// The broker security settings (`security.protocol`, `ssl.*`) reach librdkafka on both the producer (outbox
// relay) and the consumer path, from the one `--kafka-properties` text the services read. The mock broker
// speaks no TLS, so these tests check that the clients are built with the settings (a missing CA file is
// refused by librdkafka itself, naming the property), not a TLS handshake.
#include "libs/kafka/kafka_conf.h"

#include <cstdlib>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/base/log.h"
#include "libs/kafka/event_consumer.h"
#include "libs/kafka/outbox_relay.h"
#include "libs/kafka/test_util.h"

namespace piao::kafka {
namespace {

using ::testing::HasSubstr;
using testing::OpenDb;
using testing::OpenStore;
using testing::TempDir;

TEST(ParseKafkaPropertiesTest, ParsesNameValuePairs) {
  auto p = ParseKafkaProperties(
      " security.protocol=SSL ; ssl.ca.location=/etc/piao/kafka-ca.pem;sasl.password=a=b;;", "kafka-properties");
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->size(), 3u);
  EXPECT_EQ(p->at("security.protocol"), "SSL");
  EXPECT_EQ(p->at("ssl.ca.location"), "/etc/piao/kafka-ca.pem");
  EXPECT_EQ(p->at("sasl.password"), "a=b") << "a value may contain '='";
  auto empty = ParseKafkaProperties("", "kafka-properties");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(ParseKafkaPropertiesTest, RefusesMalformedEntriesNamingTheSetting) {
  auto no_eq = ParseKafkaProperties("security.protocol=SSL;ssl.ca.location", "kafka-properties");
  EXPECT_EQ(no_eq.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(no_eq.status().message(), HasSubstr("kafka-properties: 'ssl.ca.location' is not name=value"));
  EXPECT_EQ(ParseKafkaProperties("=SSL", "kafka-properties").status().code(), absl::StatusCode::kInvalidArgument);
  auto twice = ParseKafkaProperties("acks=all;acks=1", "kafka-properties");
  EXPECT_EQ(twice.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(twice.status().message(), HasSubstr("acks is given twice"));
}

TEST(MakeConfTest, AcceptsTlsPropertiesAndNamesAnUnknownOne) {
  EXPECT_TRUE(MakeConf({{"security.protocol", "SSL"},
                        {"ssl.ca.location", "/etc/piao/kafka-ca.pem"},
                        {"ssl.certificate.location", "/etc/piao/kafka-client.pem"},
                        {"ssl.key.location", "/etc/piao/kafka-client.key"},
                        {"ssl.endpoint.identification.algorithm", "https"}})
                  .ok())
      << "librdkafka built without SSL?";
  auto bad = MakeConf({{"security.protocol", "TLS-please"}});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("security.protocol"));
}

class KafkaTlsClientsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetMinLevelWarning(true);
    store_ = OpenStore(dir_.Sub("store"), ServiceName("planning"));
    ASSERT_NE(store_, nullptr);
    db_ = OpenDb(dir_.Sub("views"));
    ASSERT_NE(db_, nullptr);
  }
  void TearDown() override { log::SetMinLevelWarning(false); }

  // A self-signed CA certificate made by the openssl CLI; "" (and the test skipped) without it.
  std::string MakeCa() {
    if (std::system("command -v openssl >/dev/null 2>&1") != 0) return "";
    const std::string ca = dir_.Sub("kafka-ca.pem");
    const std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " +
                            dir_.Sub("kafka-ca.key") + " -out " + ca + " -days 1 -subj /CN=kafka-ca >/dev/null 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
    return ca;
  }

  KafkaProperties Tls(const std::string& ca) {
    // Nothing listens on port 1: the clients are only built, no connection is needed.
    return {{"bootstrap.servers", "127.0.0.1:1"}, {"security.protocol", "SSL"}, {"ssl.ca.location", ca}};
  }

  absl::Status Relay(const KafkaProperties& props) {
    RelayOptions o;
    o.kafka = props;
    return OutboxRelay::Create(store_.get(), o).status();
  }
  absl::Status Consumer(KafkaProperties props) {
    ConsumerOptions o;
    o.kafka = std::move(props);
    o.kafka["group.id"] = "tls-test";
    o.topics = {EventsTopic(ServiceName("planning"))};
    auto handler = [](const v1::EventEnvelope&, rocksdb::WriteBatch*) { return absl::OkStatus(); };
    return EventConsumer::Create(db_.get(), o, handler, StoreSourceReader(store_.get())).status();
  }

  TempDir dir_;
  std::unique_ptr<eventstore::EventStore> store_;
  std::unique_ptr<rocksdb::DB> db_;
};

TEST_F(KafkaTlsClientsTest, ProducerAndConsumerTakeTheSslSettings) {
  const std::string ca = MakeCa();
  if (ca.empty()) GTEST_SKIP() << "openssl binary not found";
  absl::Status relay = Relay(Tls(ca));
  EXPECT_TRUE(relay.ok()) << relay;
  absl::Status consumer = Consumer(Tls(ca));
  EXPECT_TRUE(consumer.ok()) << consumer;
}

TEST_F(KafkaTlsClientsTest, AMissingCaFileIsRefusedOnBothPaths) {
  const KafkaProperties props = Tls(dir_.Sub("no-such-ca.pem"));
  absl::Status relay = Relay(props);
  EXPECT_EQ(relay.code(), absl::StatusCode::kInvalidArgument) << relay;
  EXPECT_THAT(relay.message(), HasSubstr("ssl.ca.location")) << "the setting really reached the producer";
  absl::Status consumer = Consumer(props);
  EXPECT_EQ(consumer.code(), absl::StatusCode::kInvalidArgument) << consumer;
  EXPECT_THAT(consumer.message(), HasSubstr("ssl.ca.location")) << "the setting really reached the consumer";
}

}  // namespace
}  // namespace piao::kafka
