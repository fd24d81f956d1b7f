#include "libs/kafka/mock_cluster.h"

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "libs/kafka/test_util.h"

namespace piao::kafka {
namespace {

using testing::Produce;
using testing::ReadTopic;

TEST(MockKafkaClusterTest, ServesTopicsOnLoopback) {
  auto cluster = MockKafkaCluster::Create(2);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  const std::vector<std::string> servers = absl::StrSplit((*cluster)->bootstrap_servers(), ',');
  ASSERT_EQ(servers.size(), 2u);
  for (const std::string& s : servers) EXPECT_EQ(s.rfind("127.0.0.1:", 0), 0u) << s;

  ASSERT_TRUE((*cluster)->CreateTopic("t", 3, 2).ok());
  v1::EventEnvelope e;
  e.set_source_service("planning");
  e.set_global_position(7);
  Produce((*cluster)->bootstrap_servers(), "t", {{2, e.SerializeAsString()}});
  auto got = ReadTopic((*cluster)->bootstrap_servers(), "t", 3, 1, absl::Seconds(10));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].partition, 2);
  EXPECT_EQ(got[0].envelope.global_position(), 7u);
}

TEST(MockKafkaClusterTest, RejectsBadArguments) {
  EXPECT_FALSE(MockKafkaCluster::Create(0).ok());
  auto cluster = MockKafkaCluster::Create(1);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  EXPECT_TRUE(absl::IsInvalidArgument((*cluster)->CreateTopic("t", 0)));
  EXPECT_TRUE(absl::IsInvalidArgument((*cluster)->CreateTopic("t", 3, 2)));  // only one broker
  EXPECT_TRUE(absl::IsNotFound((*cluster)->SetBrokerDown(2)));
  EXPECT_TRUE(absl::IsNotFound((*cluster)->SetBrokerUp(0)));
  EXPECT_TRUE((*cluster)->SetBrokerDown(1).ok());
  EXPECT_TRUE((*cluster)->SetBrokerUp(1).ok());
}

}  // namespace
}  // namespace piao::kafka
