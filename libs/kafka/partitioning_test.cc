#include "libs/kafka/partitioning.h"

#include <librdkafka/rdkafkacpp.h>

#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/kafka/kafka_conf.h"
#include "libs/kafka/mock_cluster.h"

namespace piao::kafka {
namespace {

// Kafka's own test vectors (clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java, testMurmur2).
TEST(Murmur2Test, MatchesKafkasTestVectors) {
  EXPECT_EQ(Murmur2("21"), -973932308);
  EXPECT_EQ(Murmur2("foobar"), -790332482);
  EXPECT_EQ(Murmur2("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(Murmur2("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(Murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  EXPECT_EQ(Murmur2("abc"), 479470107);
}

TEST(PartitionOfTest, OnePartitionIsZeroAndEveryPartitionIsInRange) {
  EXPECT_EQ(PartitionOf("CCIAA-TO", 1), 0);
  EXPECT_EQ(PartitionOf("CCIAA-TO", 0), 0);
  std::map<int32_t, int> used;
  for (int i = 0; i < 200; ++i) {
    const int32_t p = PartitionOf(absl::StrCat("CCIAA-", i), 6);
    ASSERT_GE(p, 0);
    ASSERT_LT(p, 6);
    ++used[p];
  }
  EXPECT_EQ(used.size(), 6u) << "200 administrations spread over every partition";
}

TEST(PartitionOfTest, AdministrationOfStreamIsTheIdUpToTheFirstSlash) {
  v1::StreamRef s;
  s.set_aggregate_type("plan");
  s.set_aggregate_id("CCIAA-TO/2022");
  EXPECT_EQ(AdministrationOfStream(s), "CCIAA-TO");
  s.set_aggregate_id("CCIAA-TO");
  EXPECT_EQ(AdministrationOfStream(s), "CCIAA-TO");
}

TEST(PartitionShareTest, OwnsOnlyItsPartitions) {
  PartitionShare all = PartitionShare::All(4);
  EXPECT_EQ(all.owned, (std::vector<int32_t>{0, 1, 2, 3}));
  PartitionShare some{4, {1, 3}};
  EXPECT_TRUE(some.Owns(3));
  EXPECT_FALSE(some.Owns(0));
  int owned = 0;
  for (int i = 0; i < 100; ++i) owned += some.OwnsAdministration(absl::StrCat("A", i)) ? 1 : 0;
  EXPECT_GT(owned, 0);
  EXPECT_LT(owned, 100);
}

// librdkafka's Java-compatible partitioner puts a record keyed by the administration where PartitionOf says:
// any producer keyed by administration co-partitions with the relay.
class Reports : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& m) override {
    if (m.err() == RdKafka::ERR_NO_ERROR) partitions[std::string(static_cast<const char*>(m.key_pointer()), m.key_len())] = m.partition();
  }
  std::map<std::string, int32_t> partitions;
};

TEST(PartitionOfTest, AgreesWithLibrdkafkasMurmur2Partitioner) {
  auto cluster = MockKafkaCluster::Create(1);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  ASSERT_TRUE((*cluster)->CreateTopic("co", 7).ok());
  auto conf = MakeConf({{"bootstrap.servers", (*cluster)->bootstrap_servers()}, {"partitioner", "murmur2_random"}});
  ASSERT_TRUE(conf.ok()) << conf.status();
  Reports reports;
  std::string err;
  ASSERT_EQ((*conf)->set("dr_cb", &reports, err), RdKafka::Conf::CONF_OK) << err;
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf->get(), err));
  ASSERT_NE(producer, nullptr) << err;
  for (int i = 0; i < 50; ++i) {
    const std::string key = absl::StrCat("CCIAA-", i);
    ASSERT_EQ(producer->produce("co", RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                                const_cast<char*>("x"), 1, key.data(), key.size(), 0, nullptr),
              RdKafka::ERR_NO_ERROR);
  }
  ASSERT_EQ(producer->flush(10000), RdKafka::ERR_NO_ERROR);
  ASSERT_EQ(reports.partitions.size(), 50u);
  for (const auto& [key, partition] : reports.partitions) EXPECT_EQ(partition, PartitionOf(key, 7)) << key;
}

}  // namespace
}  // namespace piao::kafka
