#include "libs/kafka/event_consumer.h"

#include <chrono>
#include <future>
#include <map>
#include <set>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/base/log.h"
#include "libs/base/status_macros.h"
#include "libs/eventstore/rocksdb_status.h"
#include "libs/kafka/mock_cluster.h"
#include "libs/kafka/outbox_relay.h"
#include "libs/kafka/test_util.h"

namespace piao::kafka {
namespace {

using testing::Append;
using testing::BaseProps;
using testing::Get;
using testing::OpenDb;
using testing::OpenStore;
using testing::ReadTopic;
using testing::TempDir;
using testing::WaitFor;

constexpr int kPartitions = 3;

std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> v;
  for (uint64_t p = first; p <= last; ++p) v.push_back(p);
  return v;
}

class ConsumerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetMinLevelWarning(true);
    auto c = MockKafkaCluster::Create(1);
    ASSERT_TRUE(c.ok()) << c.status();
    cluster_ = std::move(*c);
    ASSERT_TRUE(cluster_->CreateTopic(topic_, kPartitions).ok());
    store_ = OpenStore(dir_.Sub("store"), ServiceName("planning"));
    ASSERT_NE(store_, nullptr);
    reader_ = std::make_shared<testing::CountingReader>(StoreSourceReader(store_.get()));
  }

  // Publishes the store's outbox through a relay and waits for it to empty.
  void Publish(int32_t partitions = 1) {
    RelayOptions o;
    o.partitions = partitions;
    o.kafka = BaseProps(cluster_->bootstrap_servers());
    auto relay = OutboxRelay::Create(store_.get(), o);
    ASSERT_TRUE(relay.ok()) << relay.status();
    absl::Status s = (*relay)->Flush(absl::Seconds(10));
    ASSERT_TRUE(s.ok()) << s;
  }

  // (Re)opens the view DB and a consumer over it in `group`.
  void OpenConsumer(const std::string& group, Clock* clock = Clock::Real(), PartitionShare share = {}) {
    consumer_.reset();
    if (db_ == nullptr) db_ = OpenDb(dir_.Sub("view"));
    ConsumerOptions o;
    o.clock = clock;
    o.kafka = testing::ConsumerProps(cluster_->bootstrap_servers(), group);
    o.topics = {topic_};
    o.applier.sync = false;
    o.applier.share = share;
    auto c = EventConsumer::Create(
        db_.get(), o,
        [this](const v1::EventEnvelope& e, rocksdb::WriteBatch* b) -> absl::Status {
          seen_.push_back(e.global_position());
          uint64_t count = 0;
          (void)absl::SimpleAtoi(Get(db_.get(), "count"), &count);
          PIAO_RETURN_IF_ERROR(eventstore::FromRocksDb(b->Put("count", absl::StrCat(count + 1)), "count"));
          return eventstore::FromRocksDb(b->Put(absl::StrCat("event/", e.global_position()), e.event_id()), "event");
        },
        reader_);
    ASSERT_TRUE(c.ok()) << c.status();
    consumer_ = std::move(*c);
  }

  void CloseConsumerAndDb() {
    consumer_.reset();
    db_.reset();
  }

  // Polls until `cond` holds (20 s at most).
  bool PollUntil(const std::function<bool()>& cond) {
    return WaitFor(cond, absl::Seconds(20), [&] {
      auto r = consumer_->Poll(absl::Milliseconds(100));
      EXPECT_TRUE(r.ok()) << r.status();
    });
  }

  // Polls a little longer, so that a message that should not come has a chance to show up.
  void PollForAWhile() {
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(consumer_->Poll(absl::Milliseconds(100)).ok());
  }

  // Every event of the store is in the view exactly once, with its id.
  void ExpectViewMatchesStore() {
    auto all = store_->ReadAll(GlobalPosition(1));
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(Get(db_.get(), "count"), absl::StrCat(all->size()));
    for (const v1::EventEnvelope& e : *all) {
      EXPECT_EQ(Get(db_.get(), absl::StrCat("event/", e.global_position())), e.event_id());
    }
  }

  // The stored offset of each partition is its end: nothing left to read, nothing skipped.
  void ExpectStoredOffsetsAtTopicEnd(size_t messages) {
    auto got = ReadTopic(cluster_->bootstrap_servers(), topic_, kPartitions, messages, absl::Seconds(10));
    ASSERT_EQ(got.size(), messages);
    std::map<int32_t, KafkaOffset> end;
    for (const auto& r : got) end[r.partition] = std::max(end[r.partition], r.offset.next());
    for (auto [p, e] : end) {
      EXPECT_EQ(consumer_->StoredOffset(topic_, p).value(), std::optional<KafkaOffset>(e)) << "partition " << p;
    }
  }

  const std::string topic_ = EventsTopic(ServiceName("planning"));
  TempDir dir_;
  std::unique_ptr<MockKafkaCluster> cluster_;
  std::unique_ptr<eventstore::EventStore> store_;
  std::shared_ptr<testing::CountingReader> reader_;
  std::unique_ptr<rocksdb::DB> db_;
  std::unique_ptr<EventConsumer> consumer_;
  std::vector<uint64_t> seen_;
};

TEST_F(ConsumerTest, RequiresGroupAndTopics) {
  db_ = OpenDb(dir_.Sub("view"));
  auto handler = [](const v1::EventEnvelope&, rocksdb::WriteBatch*) { return absl::OkStatus(); };
  ConsumerOptions o;
  o.kafka = testing::ConsumerProps(cluster_->bootstrap_servers(), "g");
  o.kafka.erase("group.id");
  o.topics = {topic_};
  EXPECT_TRUE(absl::IsInvalidArgument(EventConsumer::Create(db_.get(), o, handler, reader_).status()));
  o.kafka["group.id"] = "g";
  o.kafka["enable.auto.commit"] = "true";
  EXPECT_TRUE(absl::IsInvalidArgument(EventConsumer::Create(db_.get(), o, handler, reader_).status()));
  o.kafka.erase("enable.auto.commit");
  o.topics.clear();
  EXPECT_TRUE(absl::IsInvalidArgument(EventConsumer::Create(db_.get(), o, handler, reader_).status()));
}

// Poll's deadline is read from the injected clock: with nothing to consume it keeps waiting, however long in
// real time, until the fake clock passes the timeout.
TEST_F(ConsumerTest, PollWaitsUntilTheInjectedClockPassesItsTimeout) {
  FakeClock clock(absl::FromUnixSeconds(1656288000));
  OpenConsumer("idle", &clock);
  std::future<absl::StatusOr<size_t>> polled =
      std::async(std::launch::async, [&] { return consumer_->Poll(absl::Milliseconds(100)); });
  EXPECT_EQ(polled.wait_for(std::chrono::milliseconds(800)), std::future_status::timeout)
      << "Poll returned before the injected clock passed its timeout";
  clock.Advance(absl::Milliseconds(101));
  ASSERT_EQ(polled.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  absl::StatusOr<size_t> handled = polled.get();
  ASSERT_TRUE(handled.ok()) << handled.status();
  EXPECT_EQ(*handled, 0u);  // the topic is empty
}

TEST_F(ConsumerTest, AppliesExactlyOnceAcrossARestartWithDuplicates) {
  Append(store_.get(), {"plan", "A"}, 4);
  Append(store_.get(), {"plan", "B"}, 3);
  Append(store_.get(), {"indicator", "I-1"}, 3);
  Publish();
  OpenConsumer("views");
  // Applied through 10 may come from gap fills before Kafka delivered every partition: wait for the 10
  // messages too, so the stored offsets are at the topic's end before the restart (under load they were not).
  ASSERT_TRUE(PollUntil([&] {
    return consumer_->LastApplied(ServiceName("planning")) == GlobalPosition(10) && consumer_->stats().messages >= 10;
  }));
  ExpectViewMatchesStore();
  CloseConsumerAndDb();

  Append(store_.get(), {"plan", "A"}, 2);
  Append(store_.get(), {"indicator", "I-2"}, 3);
  Publish();
  // Copies of events already applied (3, 7) and of one not yet applied (12), as a retrying relay makes.
  auto old = store_->ReadAll(GlobalPosition(1)).value();
  testing::Produce(cluster_->bootstrap_servers(), topic_,
                   {{0, old[2].SerializeAsString()}, {1, old[6].SerializeAsString()},
                    {2, old[11].SerializeAsString()}});

  OpenConsumer("views");
  ASSERT_TRUE(PollUntil([&] {
    return consumer_->LastApplied(ServiceName("planning")) == GlobalPosition(15) && consumer_->stats().messages >= 8;
  }));
  PollForAWhile();
  // Only what came after the stored offsets was read: 5 new events and the 3 copies.
  EXPECT_EQ(consumer_->stats().messages, 8u);
  EXPECT_GE(consumer_->stats().applier.duplicates, 3u);
  EXPECT_THAT(seen_, ::testing::ElementsAreArray(Range(1, 15)));
  ExpectViewMatchesStore();
  ExpectStoredOffsetsAtTopicEnd(18);

  // The applied position is durable with the view.
  CloseConsumerAndDb();
  OpenConsumer("views");
  EXPECT_EQ(consumer_->LastApplied(ServiceName("planning")), GlobalPosition(15));
}

TEST_F(ConsumerTest, FillsGapsWhenPartitionsDeliverOutOfGlobalOrder) {
  // Six streams, interleaved: positions 1..18. Stream i travels in partition i % 3.
  for (int round = 0; round < 3; ++round) {
    for (int s = 0; s < 6; ++s) Append(store_.get(), {"plan", absl::StrCat("S", s)}, 1);
  }
  auto all = store_->ReadAll(GlobalPosition(1)).value();
  ASSERT_EQ(all.size(), 18u);
  auto partition_of = [](const v1::EventEnvelope& e) { return (e.stream().aggregate_id()[1] - '0') % 3; };
  std::vector<std::pair<int32_t, std::string>> late, early;
  for (const auto& e : all) (partition_of(e) == 0 ? late : early).push_back({partition_of(e), e.SerializeAsString()});
  ASSERT_EQ(late.size(), 6u);

  // Partitions 1 and 2 first: partition 0's events (1, 4, 7, ...) are missing and must come from the store.
  testing::Produce(cluster_->bootstrap_servers(), topic_, early);
  OpenConsumer("gaps");
  ASSERT_TRUE(PollUntil([&] { return consumer_->stats().messages == 12; }));
  EXPECT_EQ(consumer_->LastApplied(ServiceName("planning")), GlobalPosition(18));
  EXPECT_GT(reader_->partition_reads.load(), 0);
  testing::Produce(cluster_->bootstrap_servers(), topic_, late);
  ASSERT_TRUE(PollUntil([&] { return consumer_->stats().messages == 18; }));

  EXPECT_THAT(seen_, ::testing::ElementsAreArray(Range(1, 18)));  // once each, in global order
  const ApplierStats st = consumer_->stats().applier;
  EXPECT_EQ(st.applied, 18u);
  EXPECT_GE(st.filled, 6u);
  EXPECT_EQ(st.duplicates, st.filled);  // every filled event later arrived from Kafka and was ignored
  ExpectViewMatchesStore();
  ExpectStoredOffsetsAtTopicEnd(18);
}

TEST_F(ConsumerTest, HonoursStoredOffsetsOnReassignment) {
  for (int s = 0; s < 9; ++s) Append(store_.get(), {"plan", absl::StrCat("P", s)}, 1);
  Publish();
  OpenConsumer("first-group");
  ASSERT_TRUE(PollUntil([&] { return consumer_->stats().messages == 9; }));
  EXPECT_EQ(consumer_->LastApplied(ServiceName("planning")), GlobalPosition(9));
  consumer_.reset();  // keeps the view DB

  for (int s = 0; s < 6; ++s) Append(store_.get(), {"plan", absl::StrCat("P", s)}, 1);
  Publish();
  // A group Kafka has never seen: only the offsets stored with the view can place it past the first 9.
  OpenConsumer("second-group");
  ASSERT_TRUE(PollUntil([&] { return consumer_->LastApplied(ServiceName("planning")) == GlobalPosition(15); }));
  PollForAWhile();
  // Only the 6 new messages were read (from the beginning it would be 15). Arrivals out of global order
  // across partitions may be filled first and then ignored, but nothing of the first 9 comes back.
  EXPECT_EQ(consumer_->stats().messages, 6u);
  EXPECT_EQ(consumer_->stats().applier.duplicates, consumer_->stats().applier.filled);
  EXPECT_GT(consumer_->stats().assigned_partitions, 0);
  EXPECT_THAT(seen_, ::testing::ElementsAreArray(Range(1, 15)));
  ExpectStoredOffsetsAtTopicEnd(15);
}

TEST_F(ConsumerTest, CatchesUpFromTheStoreThenFollowsKafka) {
  Append(store_.get(), {"plan", "A"}, 5);
  Append(store_.get(), {"plan", "B"}, 3);
  OpenConsumer("catch-up");
  auto n = consumer_->CatchUp(ServiceName("planning"));
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 8u);
  EXPECT_EQ(consumer_->LastApplied(ServiceName("planning")), GlobalPosition(8));
  EXPECT_EQ(consumer_->stats().messages, 0u);

  Append(store_.get(), {"plan", "C"}, 4);
  Publish();  // all 12, including the 8 already applied
  ASSERT_TRUE(PollUntil([&] { return consumer_->stats().messages == 12; }));
  EXPECT_EQ(consumer_->LastApplied(ServiceName("planning")), GlobalPosition(12));
  EXPECT_EQ(consumer_->stats().applier.duplicates, 8u);
  EXPECT_THAT(seen_, ::testing::ElementsAreArray(Range(1, 12)));
  ExpectViewMatchesStore();
}

// Co-partitioned (issue 13 §2): the relay puts each administration in its partition with lane headers; a consumer
// of the three partitions applies every event exactly once, in order per stream, without reading the store.
TEST_F(ConsumerTest, APartitionedConsumerFollowsItsLanesWithoutReadingTheStore) {
  const std::vector<std::string> admins = {"CCIAA-TO", "CCIAA-MI", "CCIAA-RM", "CCIAA-NA", "A", "F"};
  for (int round = 0; round < 3; ++round) {
    for (const std::string& a : admins) Append(store_.get(), {"plan", a + "/2022"}, 1);
  }
  Publish(kPartitions);
  OpenConsumer("lanes", Clock::Real(), PartitionShare::All(kPartitions));
  ASSERT_TRUE(PollUntil([&] { return consumer_->stats().messages == 18; }));
  EXPECT_EQ(reader_->partition_reads.load() + reader_->stream_reads.load(), 0) << "every lane header continued its lane";
  EXPECT_EQ(consumer_->stats().applier.applied, 18u);
  EXPECT_EQ(consumer_->stats().applier.duplicates, 0u);
  ExpectViewMatchesStore();
  // Each administration's lane is applied up to its own last event; the least lane is what "every
  // administration" means.
  auto all = store_->ReadAll(GlobalPosition(1)).value();
  for (const std::string& a : admins) {
    uint64_t last = 0;
    for (const auto& e : all) {
      if (PartitionOf(AdministrationOfStream(e.stream()), kPartitions) == PartitionOf(a, kPartitions)) {
        last = e.global_position();
      }
    }
    EXPECT_EQ(consumer_->applier().Applied(ServiceName("planning"), a), GlobalPosition(last)) << a;
  }
  ExpectStoredOffsetsAtTopicEnd(18);
}

// Scale-out (issue 13 §2): two members of one group split the partition numbers (cooperative-sticky); each applies
// whole administrations, exactly once; when one leaves, the other takes its partitions over, catches their
// lanes up from the store and ends with every event, once.
TEST_F(ConsumerTest, MembersSplitThePartitionsAndTakeOverWhenOneLeaves) {
  const std::vector<std::string> admins = {"CCIAA-TO", "CCIAA-MI", "CCIAA-RM", "CCIAA-NA", "A", "F", "B", "D"};
  for (int round = 0; round < 2; ++round) {
    for (const std::string& a : admins) Append(store_.get(), {"plan", a + "/2022"}, 1);
  }
  Publish(kPartitions);
  struct Member {
    std::unique_ptr<rocksdb::DB> db;
    std::unique_ptr<EventConsumer> consumer;
    std::set<std::string> applied_admins;
    std::vector<uint64_t> seen;
  };
  auto open_member = [&](const std::string& name) {
    auto m = std::make_unique<Member>();
    m->db = OpenDb(dir_.Sub("member-" + name));
    ConsumerOptions o;
    o.kafka = testing::ConsumerProps(cluster_->bootstrap_servers(), "members");
    o.kafka["client.id"] = name;
    o.topics = {topic_};
    o.membership_topic = topic_;
    o.applier.sync = false;
    o.applier.share = PartitionShare::All(kPartitions);
    Member* raw = m.get();
    auto c = EventConsumer::Create(
        m->db.get(), o,
        [raw](const v1::EventEnvelope& e, rocksdb::WriteBatch*) {
          raw->seen.push_back(e.global_position());
          raw->applied_admins.insert(AdministrationOfStream(e.stream()));
          return absl::OkStatus();
        },
        reader_);
    EXPECT_TRUE(c.ok()) << c.status();
    if (c.ok()) m->consumer = std::move(*c);
    return m;
  };
  auto a = open_member("a");
  auto b = open_member("b");
  ASSERT_NE(a->consumer, nullptr);
  ASSERT_NE(b->consumer, nullptr);
  auto poll_both = [&] {
    EXPECT_TRUE(a->consumer->Poll(absl::Milliseconds(50)).ok());
    if (b->consumer != nullptr) {
      EXPECT_TRUE(b->consumer->Poll(absl::Milliseconds(50)).ok());
    }
  };
  ASSERT_TRUE(WaitFor([&] { return a->seen.size() + b->seen.size() == 16 &&
                                   a->consumer->stats().owned.owned.size() + b->consumer->stats().owned.owned.size() ==
                                       static_cast<size_t>(kPartitions); },
                      absl::Seconds(30), poll_both))
      << a->seen.size() << " + " << b->seen.size();
  const PartitionShare a_owns = a->consumer->stats().owned, b_owns = b->consumer->stats().owned;
  EXPECT_FALSE(a_owns.owned.empty());
  EXPECT_FALSE(b_owns.owned.empty()) << "both members got partitions";
  for (const std::string& admin : a->applied_admins) EXPECT_TRUE(a_owns.OwnsAdministration(admin)) << admin;
  for (const std::string& admin : b->applied_admins) EXPECT_TRUE(b_owns.OwnsAdministration(admin)) << admin;
  std::set<uint64_t> union_seen(a->seen.begin(), a->seen.end());
  union_seen.insert(b->seen.begin(), b->seen.end());
  EXPECT_EQ(union_seen.size(), 16u) << "every event applied by one member";
  EXPECT_EQ(a->seen.size() + b->seen.size(), 16u) << "and by one only";

  // b leaves the group: a takes every partition over and catches b's administrations up.
  b->consumer.reset();
  ASSERT_TRUE(WaitFor([&] { return a->seen.size() == 16; }, absl::Seconds(60), poll_both)) << a->seen.size();
  EXPECT_EQ(a->consumer->stats().owned.owned.size(), static_cast<size_t>(kPartitions));
  std::set<uint64_t> a_seen(a->seen.begin(), a->seen.end());
  EXPECT_EQ(a_seen.size(), 16u) << "each event once";
  EXPECT_EQ(a->applied_admins.size(), admins.size());
  // New events of b's former administrations now reach a through Kafka.
  for (const std::string& adm : admins) Append(store_.get(), {"plan", adm + "/2022"}, 1);
  Publish(kPartitions);
  ASSERT_TRUE(WaitFor([&] { return a->seen.size() == 24; }, absl::Seconds(30), poll_both)) << a->seen.size();
}

TEST_F(ConsumerTest, BackgroundThreadFollowsTheRelay) {
  OpenConsumer("live");
  ASSERT_TRUE(consumer_->Start().ok());
  RelayOptions o;
  o.kafka = BaseProps(cluster_->bootstrap_servers());
  auto relay = OutboxRelay::Create(store_.get(), o);
  ASSERT_TRUE(relay.ok()) << relay.status();
  ASSERT_TRUE((*relay)->Start().ok());
  Append(store_.get(), {"plan", "A"}, 6);
  Append(store_.get(), {"plan", "B"}, 6);
  ASSERT_TRUE(WaitFor([&] { return consumer_->LastApplied(ServiceName("planning")) == GlobalPosition(12); }, absl::Seconds(20)));
  (*relay)->Stop();
  consumer_->Stop();
  ExpectViewMatchesStore();
}

}  // namespace
}  // namespace piao::kafka
