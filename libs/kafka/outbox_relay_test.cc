#include "libs/kafka/outbox_relay.h"

#include <map>
#include <set>

#include "gtest/gtest.h"
#include "libs/base/log.h"
#include "libs/kafka/mock_cluster.h"
#include "libs/kafka/test_util.h"

namespace piao::kafka {
namespace {

using testing::Append;
using testing::BaseProps;
using testing::OpenStore;
using testing::ReadTopic;
using testing::TempDir;
using testing::WaitFor;

using testing::Received;

constexpr int kPartitions = 3;

class RelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetMinLevelWarning(true);
    auto c = MockKafkaCluster::Create(1);
    ASSERT_TRUE(c.ok()) << c.status();
    cluster_ = std::move(*c);
    ASSERT_TRUE(cluster_->CreateTopic(EventsTopic(ServiceName("planning")), kPartitions).ok());
    store_ = OpenStore(dir_.Sub("store"), ServiceName("planning"));
    ASSERT_NE(store_, nullptr);
  }

  std::unique_ptr<OutboxRelay> NewRelay(KafkaProperties extra = {}, Clock* clock = Clock::Real()) {
    RelayOptions o;
    o.clock = clock;
    o.partitions = kPartitions;
    o.kafka = BaseProps(cluster_->bootstrap_servers());
    for (auto& [k, v] : extra) o.kafka[k] = v;
    auto r = OutboxRelay::Create(store_.get(), o);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? std::move(*r) : nullptr;
  }

  uint64_t Outbox() { return store_->OutboxSize().value(); }

  // Every event of the store is in the topic under its administration, in the administration's partition,
  // each position exactly once after deduplication, every lane header naming the previous event of its
  // partition; returns how many copies were read in all.
  size_t ExpectTopicHoldsStore(uint64_t n) {
    auto got = ReadTopic(cluster_->bootstrap_servers(), EventsTopic(ServiceName("planning")), kPartitions, n, absl::Seconds(10));
    auto all = store_->ReadAll(GlobalPosition(1));
    EXPECT_TRUE(all.ok());
    EXPECT_EQ(all->size(), n);
    std::map<uint64_t, Received> by_pos;
    for (const Received& r : got) by_pos.emplace(r.envelope.global_position(), r);
    EXPECT_EQ(by_pos.size(), n);
    std::map<int32_t, uint64_t> lane_last;  // partition -> the last position seen in it, in the store's order
    for (const v1::EventEnvelope& e : *all) {
      auto it = by_pos.find(e.global_position());
      if (it == by_pos.end()) {
        ADD_FAILURE() << "position " << e.global_position() << " never reached Kafka";
        continue;
      }
      EXPECT_EQ(it->second.key, AdministrationOfStream(e.stream()));
      EXPECT_EQ(it->second.envelope.SerializeAsString(), e.SerializeAsString());
      // One administration, one partition, the same number in every topic: its order survives.
      EXPECT_EQ(it->second.partition, PartitionOf(it->second.key, kPartitions)) << it->second.key;
      // This relay started from the store's first event: every lane predecessor is known.
      EXPECT_EQ(it->second.lane_prev, std::optional<uint64_t>(lane_last[it->second.partition]))
          << "position " << e.global_position();
      lane_last[it->second.partition] = e.global_position();
    }
    return got.size();
  }

  TempDir dir_;
  std::unique_ptr<MockKafkaCluster> cluster_;
  std::unique_ptr<eventstore::EventStore> store_;
};

TEST_F(RelayTest, RejectsConfigurationThatWeakensDelivery) {
  RelayOptions o;
  EXPECT_TRUE(absl::IsInvalidArgument(OutboxRelay::Create(store_.get(), o).status()));  // no bootstrap.servers
  o.kafka = BaseProps(cluster_->bootstrap_servers());
  o.kafka["acks"] = "1";
  EXPECT_TRUE(absl::IsInvalidArgument(OutboxRelay::Create(store_.get(), o).status()));
  o.kafka.erase("acks");
  o.kafka["enable.idempotence"] = "false";
  EXPECT_TRUE(absl::IsInvalidArgument(OutboxRelay::Create(store_.get(), o).status()));
}

TEST_F(RelayTest, PublishesEveryOutboxEventOnceInItsAdministrationsPartition) {
  Append(store_.get(), {"plan", "A"}, 5);
  Append(store_.get(), {"plan", "B"}, 5);
  auto relay = NewRelay();
  ASSERT_NE(relay, nullptr);
  EXPECT_EQ(relay->topic(), "piao.planning.events.v1");
  ASSERT_TRUE(relay->Start().ok());
  // Appends while running are picked up too (woken by the store).
  Append(store_.get(), {"indicator", "I-9"}, 6);  // "I-9" is in another partition than "A" and "B"
  Append(store_.get(), {"plan", "A"}, 4);
  ASSERT_TRUE(WaitFor([&] { return Outbox() == 0; }, absl::Seconds(15))) << Outbox();
  ASSERT_TRUE(relay->Flush(absl::Seconds(5)).ok());
  relay->Stop();
  EXPECT_EQ(relay->stats().published, 20u);
  EXPECT_EQ(relay->stats().delivered, 20u);
  EXPECT_EQ(relay->stats().failed, 0u);
  EXPECT_EQ(ExpectTopicHoldsStore(20), 20u);  // no copy beyond the one per event
  EXPECT_NE(PartitionOf("I-9", kPartitions), PartitionOf("A", kPartitions)) << "two lanes were exercised";
}

TEST_F(RelayTest, FlushWithoutStartDrivesTheRelayAndTimesOutWhileBrokerIsDown) {
  Append(store_.get(), {"plan", "A"}, 3);
  auto relay = NewRelay();
  ASSERT_NE(relay, nullptr);
  ASSERT_TRUE(cluster_->SetBrokerDown(1).ok());
  absl::Status s = relay->Flush(absl::Seconds(1));
  EXPECT_TRUE(absl::IsDeadlineExceeded(s)) << s;
  EXPECT_EQ(Outbox(), 3u);  // nothing marked without a delivery report
  ASSERT_TRUE(cluster_->SetBrokerUp(1).ok());
  s = relay->Flush(absl::Seconds(15));
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(Outbox(), 0u);
  ExpectTopicHoldsStore(3);
}

TEST_F(RelayTest, DeliversEverythingAfterABrokerOutage) {
  // Short message timeout: messages fail while the broker is down and the relay must produce them again.
  auto relay = NewRelay({{"message.timeout.ms", "1500"}});
  ASSERT_NE(relay, nullptr);
  ASSERT_TRUE(relay->Start().ok());
  Append(store_.get(), {"plan", "A"}, 5);
  ASSERT_TRUE(WaitFor([&] { return Outbox() == 0; }, absl::Seconds(10)));

  ASSERT_TRUE(cluster_->SetBrokerDown(1).ok());
  Append(store_.get(), {"plan", "B"}, 10);
  Append(store_.get(), {"indicator", "I-9"}, 10);
  ASSERT_TRUE(WaitFor([&] { return relay->stats().failed > 0; }, absl::Seconds(10)));
  Append(store_.get(), {"plan", "A"}, 5);
  EXPECT_GT(Outbox(), 0u);
  ASSERT_TRUE(cluster_->SetBrokerUp(1).ok());

  ASSERT_TRUE(WaitFor([&] { return Outbox() == 0; }, absl::Seconds(15))) << Outbox();
  absl::Status s = relay->Flush(absl::Seconds(5));
  ASSERT_TRUE(s.ok()) << s;
  relay->Stop();
  const RelayStats st = relay->stats();
  EXPECT_GE(st.delivered, 30u);
  EXPECT_EQ(st.published, st.delivered + st.failed);  // every produce got exactly one report
  ExpectTopicHoldsStore(30);
}

TEST_F(RelayTest, ANewRelayPublishesWhatTheOldOneLeftInTheOutbox) {
  Append(store_.get(), {"plan", "A"}, 4);
  {
    auto relay = NewRelay();
    ASSERT_NE(relay, nullptr);
    ASSERT_TRUE(cluster_->SetBrokerDown(1).ok());
    ASSERT_TRUE(relay->Start().ok());
    ASSERT_TRUE(WaitFor([&] { return relay->stats().published == 4; }, absl::Seconds(5)));
  }  // destroyed with everything in flight
  EXPECT_EQ(Outbox(), 4u);
  ASSERT_TRUE(cluster_->SetBrokerUp(1).ok());
  auto relay = NewRelay();
  ASSERT_NE(relay, nullptr);
  ASSERT_TRUE(relay->Start().ok());
  ASSERT_TRUE(relay->Flush(absl::Seconds(15)).ok());
  EXPECT_EQ(Outbox(), 0u);
  ExpectTopicHoldsStore(4);
}

// A relay that starts after others delivered part of the store does not know its lanes' predecessors: its
// first message to each partition has no lane header, the following ones name their predecessor.
TEST_F(RelayTest, ARelayStartingMidStoreLeavesTheFirstLaneHeaderOfEachPartitionUnknown) {
  Append(store_.get(), {"plan", "A"}, 2);  // partition 1
  {
    auto relay = NewRelay();
    ASSERT_NE(relay, nullptr);
    ASSERT_TRUE(relay->Flush(absl::Seconds(10)).ok());
  }
  Append(store_.get(), {"plan", "A"}, 2);         // 3, 4
  Append(store_.get(), {"indicator", "I-9"}, 2);  // 5, 6: partition 2
  auto relay = NewRelay();
  ASSERT_NE(relay, nullptr);
  ASSERT_TRUE(relay->Flush(absl::Seconds(10)).ok());
  std::map<uint64_t, Received> by_pos;
  for (Received& r : ReadTopic(cluster_->bootstrap_servers(), EventsTopic(ServiceName("planning")), kPartitions, 6, absl::Seconds(10))) {
    by_pos.emplace(r.envelope.global_position(), std::move(r));
  }
  ASSERT_EQ(by_pos.size(), 6u);
  EXPECT_EQ(by_pos[1].lane_prev, std::optional<uint64_t>(0));
  EXPECT_EQ(by_pos[2].lane_prev, std::optional<uint64_t>(1));
  EXPECT_EQ(by_pos[3].lane_prev, std::nullopt) << "the second relay does not know what came before 3";
  EXPECT_EQ(by_pos[4].lane_prev, std::optional<uint64_t>(3));
  EXPECT_EQ(by_pos[5].lane_prev, std::nullopt);
  EXPECT_EQ(by_pos[6].lane_prev, std::optional<uint64_t>(5));
  EXPECT_EQ(by_pos[5].partition, PartitionOf("I-9", kPartitions));
  EXPECT_NE(by_pos[5].partition, by_pos[3].partition);
}

// The retry backoff is measured on the injected clock: after failed deliveries nothing is produced again, however
// long the test really waits, until the fake clock passes retry_backoff.
TEST_F(RelayTest, RetriesOnlyOnceTheInjectedClockPassesTheBackoff) {
  FakeClock clock(absl::FromUnixSeconds(1656288000));
  auto relay = NewRelay({{"message.timeout.ms", "1500"}}, &clock);  // RelayOptions' retry_backoff: 200 ms
  ASSERT_NE(relay, nullptr);
  ASSERT_TRUE(cluster_->SetBrokerDown(1).ok());
  Append(store_.get(), {"plan", "A"}, 3);
  ASSERT_TRUE(relay->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return relay->stats().failed >= 3; }, absl::Seconds(15))) << relay->stats().failed;
  ASSERT_EQ(relay->stats().published, 3u);
  ASSERT_TRUE(cluster_->SetBrokerUp(1).ok());
  // Five times the backoff in real time: the fake clock has not moved, so the relay is still backing off.
  EXPECT_FALSE(WaitFor([&] { return relay->stats().published > 3; }, absl::Seconds(1)))
      << "produced again before the injected clock passed the backoff";
  EXPECT_EQ(Outbox(), 3u);
  clock.Advance(absl::Milliseconds(201));
  ASSERT_TRUE(WaitFor([&] { return Outbox() == 0; }, absl::Seconds(15))) << Outbox();
  relay->Stop();
  const RelayStats st = relay->stats();
  EXPECT_EQ(st.delivered, 3u);
  EXPECT_EQ(st.published, st.delivered + st.failed);
  ExpectTopicHoldsStore(3);
}

// Regression (issue 11 §2): Kafka refused an oversized message, the relay retried that position forever and
// no later event ever reached Kafka. Now the refused entry is parked with its reason and the rest flows.
TEST_F(RelayTest, AnEntryKafkaRefusesForGoodIsParkedAndLaterEntriesFlow) {
  // The producer accepts at most 3000 bytes here: the big event can never travel.
  auto relay = NewRelay({{"message.max.bytes", "3000"}});
  ASSERT_NE(relay, nullptr);
  ASSERT_TRUE(relay->Start().ok());
  Append(store_.get(), {"plan", "A"}, 2);
  eventstore::CommandContext ctx;
  ctx.actor.set_id("user:test");
  eventstore::NewEvent big{"piao.v1.Test", 1, absl::InfinitePast(), std::string(20000, 'x')};
  auto r = store_->Append(StreamId{"plan", "B"}, eventstore::ExpectedVersion::Any(), {big}, ctx);
  ASSERT_TRUE(r.ok()) << r.status();
  const uint64_t big_pos = r->last_position.value();
  Append(store_.get(), {"plan", "C"}, 3);
  ASSERT_TRUE(WaitFor([&] { return Outbox() == 0; }, absl::Seconds(10))) << Outbox();
  ASSERT_TRUE(relay->Flush(absl::Seconds(5)).ok());
  relay->Stop();
  EXPECT_EQ(relay->stats().parked, 1u);
  auto parked = store_->ParkedEntries();
  ASSERT_TRUE(parked.ok());
  ASSERT_EQ(parked->size(), 1u);
  EXPECT_EQ((*parked)[0].position.value(), big_pos);
  EXPECT_NE((*parked)[0].reason.find("produce refused"), std::string::npos) << (*parked)[0].reason;
  // Every other event reached the topic; the parked one is still in the store for gap filling.
  auto got = ReadTopic(cluster_->bootstrap_servers(), EventsTopic(ServiceName("planning")), kPartitions, 5, absl::Seconds(10));
  std::set<uint64_t> positions;
  for (const Received& m : got) positions.insert(m.envelope.global_position());
  EXPECT_EQ(positions, (std::set<uint64_t>{1, 2, 4, 5, 6}));
  auto stored = store_->ReadAll(GlobalPosition(big_pos), 1);
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ(stored->front().payload().size(), 20000u);
}

}  // namespace
}  // namespace piao::kafka
