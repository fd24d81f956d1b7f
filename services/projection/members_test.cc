#include "services/projection/members.h"

#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/base/log.h"
#include "libs/kafka/mock_cluster.h"
#include "libs/kafka/test_util.h"

namespace piao::projection {
namespace {

// Two members publish where they answer and what they serve; each finds the other's administrations there, a
// member that left or went silent past the expiry is no longer named.
TEST(MemberDirectoryTest, MembersFindEachOthersAdministrations) {
  log::SetMinLevelWarning(true);
  auto cluster = kafka::MockKafkaCluster::Create(1);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  ASSERT_TRUE((*cluster)->CreateTopic(kMembersTopic, 1).ok());
  constexpr int32_t kCount = 3;  // PartitionOf: "CCIAA-TO" 0, "A" 1, "F" 2
  FakeClock clock(absl::Now());
  auto open = [&](const std::string& name, kafka::PartitionShare share) {
    MemberDirectoryOptions o;
    o.kafka["bootstrap.servers"] = (*cluster)->bootstrap_servers();
    o.member = name;
    o.address = "127.0.0.1:" + name;
    o.share = [share] { return share; };
    o.clock = &clock;
    auto d = MemberDirectory::Create(o);
    EXPECT_TRUE(d.ok()) << d.status();
    return d.ok() ? std::move(*d) : nullptr;
  };
  auto a = open("4001", kafka::PartitionShare{kCount, {0}});
  auto b = open("4002", kafka::PartitionShare{kCount, {1, 2}});
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  a->Start();
  b->Start();
  ASSERT_TRUE(kafka::testing::WaitFor([&] { return a->OwnerOf("F").ok() && b->OwnerOf("CCIAA-TO").ok(); },
                                      absl::Seconds(20)));
  EXPECT_EQ(a->OwnerOf("F").value(), "127.0.0.1:4002");
  EXPECT_EQ(a->OwnerOf("A").value(), "127.0.0.1:4002");
  EXPECT_EQ(b->OwnerOf("CCIAA-TO").value(), "127.0.0.1:4001");
  EXPECT_TRUE(absl::IsNotFound(a->OwnerOf("CCIAA-TO").status())) << "a member never names itself";

  // b leaves: it says so, and a no longer names it.
  b.reset();
  ASSERT_TRUE(kafka::testing::WaitFor([&] { return !a->OwnerOf("F").ok(); }, absl::Seconds(20)));

  // A member that goes silent (killed) stops being named once its record is older than the expiry.
  auto c = open("4003", kafka::PartitionShare{kCount, {1, 2}});
  ASSERT_NE(c, nullptr);
  c->Start();
  ASSERT_TRUE(kafka::testing::WaitFor([&] { return a->OwnerOf("F").ok(); }, absl::Seconds(20)));
  c->Stop();  // no more heartbeats (its destructor would publish that it left)
  clock.Advance(absl::Seconds(16));
  EXPECT_TRUE(absl::IsNotFound(a->OwnerOf("F").status()));
  a->Stop();
}

}  // namespace
}  // namespace piao::projection
