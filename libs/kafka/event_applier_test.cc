#include "libs/kafka/event_applier.h"

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/base/sha256.h"
#include "libs/base/status_macros.h"
#include "libs/eventstore/rocksdb_status.h"
#include "libs/kafka/kafka_conf.h"
#include "libs/kafka/test_util.h"

namespace piao::kafka {
namespace {

// Offsets and positions are typed end to end: a raw integer is not accepted where a Kafka offset or a global
// position is meant (the protobuf and librdkafka integers are converted where they enter).
static_assert(std::is_same_v<decltype(InputPosition::offset), KafkaOffset>);
static_assert(std::is_same_v<decltype(InputPosition::lane_prev), std::optional<GlobalPosition>>);
static_assert(!std::is_convertible_v<int64_t, KafkaOffset>);
static_assert(std::is_same_v<decltype(std::declval<const EventApplier&>().StoredOffset("", 0)),
                             absl::StatusOr<std::optional<KafkaOffset>>>);
static_assert(std::is_same_v<decltype(RefusedSource::position), GlobalPosition>);
static_assert(std::is_same_v<decltype(testing::Received::offset), KafkaOffset>);

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::Get;
using testing::OpenDb;
using testing::TempDir;

const std::string kPlanningTopic = EventsTopic(ServiceName("planning"));
const std::string kHrTopic = EventsTopic(ServiceName("hr"));

// A source's store as the tests write it: hash-chained events, each in its stream at the next version.
class Log {
 public:
  explicit Log(std::string source) : source_(std::move(source)) {}
  // Appends an event of the administration's stream "plan/<administration>".
  const v1::EventEnvelope& Add(const std::string& administration, const std::string& tag = "") {
    v1::EventEnvelope e;
    e.set_source_service(source_);
    e.set_global_position(events_.size() + 1);
    e.mutable_stream()->set_aggregate_type("plan");
    e.mutable_stream()->set_aggregate_id(administration);
    e.set_stream_version(++versions_[administration]);
    e.set_event_id(absl::StrCat(source_, "-", e.global_position(), tag));
    e.set_prev_hash(events_.empty() ? "" : events_.back().hash());
    e.set_hash(Sha256({e.prev_hash(), e.event_id()}));
    events_.push_back(e);
    return events_.back();
  }
  void AddN(const std::string& administration, int n) {
    for (int i = 0; i < n; ++i) Add(administration);
  }
  const v1::EventEnvelope& at(uint64_t pos) const { return events_.at(pos - 1); }
  std::vector<v1::EventEnvelope>& events() { return events_; }
  // The lane predecessor of `pos` among `count` partitions (what the relay stamps).
  GlobalPosition LanePrev(uint64_t pos, int32_t count) const {
    const int32_t p = PartitionOf(AdministrationOfStream(at(pos).stream()), count);
    for (uint64_t q = pos - 1; q >= 1; --q) {
      if (PartitionOf(AdministrationOfStream(at(q).stream()), count) == p) return GlobalPosition(q);
    }
    return GlobalPosition(0);
  }

 private:
  std::string source_;
  std::vector<v1::EventEnvelope> events_;
  std::map<std::string, uint64_t> versions_;
};

// A view that records each applied event and a read-modify-write count per source, so a double application
// shows up as a wrong count.
class ApplierTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen(PartitionShare share = {}) {
    applier_.reset();
    db_.reset();
    db_ = OpenDb(dir_.Sub("view"));
    reader_ = std::make_shared<testing::LogReader>(
        [this](const std::string& source) -> const std::vector<v1::EventEnvelope>* {
          auto it = logs_.find(source);
          return it == logs_.end() ? nullptr : &it->second.events();
        },
        page_);
    ApplierOptions o;
    o.sync = sync_;
    o.catch_up_chunk = page_;
    o.share = share;
    auto a = EventApplier::Open(
        db_.get(),
        [this](const v1::EventEnvelope& e, rocksdb::WriteBatch* b) -> absl::Status {
          if (e.global_position() == fail_at_) return absl::InternalError("handler refuses");
          seen_.push_back(e.global_position());
          uint64_t count = 0;
          (void)absl::SimpleAtoi(Get(db_.get(), "count/" + e.source_service()), &count);
          PIAO_RETURN_IF_ERROR(eventstore::FromRocksDb(
              b->Put("count/" + e.source_service(), absl::StrCat(count + 1)), "count"));
          return eventstore::FromRocksDb(
              b->Put(absl::StrCat("event/", e.source_service(), "/", e.global_position()), e.event_id()), "event");
        },
        reader_, o);
    ASSERT_TRUE(a.ok()) << a.status();
    applier_ = std::move(*a);
  }

  Log& L(const std::string& source) { return logs_.try_emplace(source, source).first->second; }
  std::string Count(const std::string& source) { return Get(db_.get(), "count/" + source); }
  absl::Status Deliver(const std::string& source, uint64_t pos, uint64_t offset = 0) {
    return applier_->Apply(L(source).at(pos), InputPosition{EventsTopic(ServiceName(source)), 0, KafkaOffset(offset), std::nullopt});
  }

  TempDir dir_;
  std::map<std::string, Log> logs_;
  size_t page_ = 1000;
  std::unique_ptr<rocksdb::DB> db_;
  std::shared_ptr<testing::LogReader> reader_;
  std::unique_ptr<EventApplier> applier_;
  std::vector<uint64_t> seen_;
  uint64_t fail_at_ = 0;
  bool sync_ = false;
};

TEST_F(ApplierTest, AppliesInOrderAndIgnoresDuplicates) {
  L("planning").AddN("A", 3);
  for (uint64_t p : {1, 2, 2, 1, 3}) ASSERT_TRUE(applier_->Apply(L("planning").at(p), std::nullopt).ok());
  EXPECT_THAT(seen_, ElementsAre(1, 2, 3));
  EXPECT_EQ(Count("planning"), "3");
  EXPECT_EQ(applier_->LastApplied(ServiceName("planning")), GlobalPosition(3));
  EXPECT_EQ(applier_->stats().duplicates, 2u);
  EXPECT_EQ(reader_->partition_reads + reader_->stream_reads, 0) << "nothing read from the store";
}

TEST_F(ApplierTest, FillsAGapFromTheStoreFirst) {
  L("planning").AddN("A", 2);
  L("planning").AddN("B", 2);
  ASSERT_TRUE(applier_->Apply(L("planning").at(4), std::nullopt).ok());
  EXPECT_THAT(seen_, ElementsAre(1, 2, 3, 4));
  // The late arrivals of the filled positions are ignored.
  for (uint64_t p : {2, 3, 1}) ASSERT_TRUE(applier_->Apply(L("planning").at(p), std::nullopt).ok());
  EXPECT_THAT(seen_, ElementsAre(1, 2, 3, 4));
  EXPECT_EQ(Count("planning"), "4");
  EXPECT_EQ(applier_->stats().filled, 3u);
}

TEST_F(ApplierTest, ShortFillIsUnavailableAndResumesLater) {
  L("planning").AddN("A", 5);
  auto all = L("planning").events();
  L("planning").events().resize(2);  // the store is behind what Kafka delivered
  absl::Status s = applier_->Apply(all[4], std::nullopt);
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_EQ(applier_->LastApplied(ServiceName("planning")), GlobalPosition(2));
  L("planning").events() = all;
  ASSERT_TRUE(applier_->Apply(all[4], std::nullopt).ok());
  EXPECT_THAT(seen_, ElementsAre(1, 2, 3, 4, 5));
}

TEST_F(ApplierTest, HandlerErrorWritesNothing) {
  L("planning").AddN("A", 2);
  ASSERT_TRUE(Deliver("planning", 1, 10).ok());
  fail_at_ = 2;
  EXPECT_FALSE(Deliver("planning", 2, 11).ok());
  EXPECT_EQ(applier_->LastApplied(ServiceName("planning")), GlobalPosition(1));
  EXPECT_EQ(applier_->StoredOffset(kPlanningTopic, 0).value(), std::optional<KafkaOffset>(KafkaOffset(11)));
  EXPECT_EQ(Get(db_.get(), "event/planning/2"), "");
  fail_at_ = 0;
  ASSERT_TRUE(Deliver("planning", 2, 11).ok());
  EXPECT_EQ(applier_->StoredOffset(kPlanningTopic, 0).value(), std::optional<KafkaOffset>(KafkaOffset(12)));
  EXPECT_EQ(Count("planning"), "2");
}

TEST_F(ApplierTest, PositionsAndOffsetsSurviveReopen) {
  L("planning").AddN("A", 2);
  L("hr").AddN("A", 1);
  ASSERT_TRUE(applier_->Apply(L("planning").at(1), InputPosition{kPlanningTopic, 1, KafkaOffset(40), std::nullopt}).ok());
  ASSERT_TRUE(applier_->Apply(L("hr").at(1), InputPosition{kHrTopic, 0, KafkaOffset(7), std::nullopt}).ok());
  ASSERT_TRUE(applier_->Apply(L("planning").at(2), InputPosition{kPlanningTopic, 2, KafkaOffset(3), std::nullopt}).ok());
  Reopen();
  EXPECT_EQ(applier_->LastApplied(ServiceName("planning")), GlobalPosition(2));
  EXPECT_EQ(applier_->LastApplied(ServiceName("hr")), GlobalPosition(1));
  EXPECT_EQ(applier_->LastApplied(ServiceName("risk")), GlobalPosition(0));
  EXPECT_EQ(applier_->StoredOffset(kPlanningTopic, 1).value(), std::optional<KafkaOffset>(KafkaOffset(41)));
  EXPECT_EQ(applier_->StoredOffset(kPlanningTopic, 2).value(), std::optional<KafkaOffset>(KafkaOffset(4)));
  EXPECT_EQ(applier_->StoredOffset(kHrTopic, 0).value(), std::optional<KafkaOffset>(KafkaOffset(8)));
  EXPECT_EQ(applier_->StoredOffset(kPlanningTopic, 0).value(), std::nullopt);
  // A duplicate after the restart is ignored (its stream's version is known) but still moves its offset.
  ASSERT_TRUE(applier_->Apply(L("planning").at(2), InputPosition{kPlanningTopic, 2, KafkaOffset(9), std::nullopt}).ok());
  EXPECT_EQ(seen_.size(), 3u);
  EXPECT_EQ(Count("planning"), "2");
  EXPECT_EQ(applier_->StoredOffset(kPlanningTopic, 2).value(), std::optional<KafkaOffset>(KafkaOffset(10)));
}

TEST_F(ApplierTest, EventsAppliedUnsyncedThenSyncedAsAGroupAreAppliedAlike) {
  sync_ = true;  // as in production: SyncApplied has a WAL to sync
  Reopen();
  L("planning").AddN("A", 3);
  L("hr").AddN("A", 1);
  ASSERT_TRUE(applier_->ApplyUnsynced(L("planning").at(1), InputPosition{kPlanningTopic, 0, KafkaOffset(10), std::nullopt}).ok());
  ASSERT_TRUE(applier_->ApplyUnsynced(L("hr").at(1), InputPosition{kHrTopic, 0, KafkaOffset(4), std::nullopt}).ok());
  ASSERT_TRUE(applier_->ApplyUnsynced(L("planning").at(3), InputPosition{kPlanningTopic, 0, KafkaOffset(12), std::nullopt}).ok());
  // The gap (2) was filled from the store first, as Apply does.
  EXPECT_EQ(seen_, (std::vector<uint64_t>{1, 1, 2, 3}));
  ASSERT_TRUE(applier_->SyncApplied().ok());
  ASSERT_TRUE(applier_->SyncApplied().ok());  // nothing left to sync
  // A duplicate is still ignored and the positions and offsets are those Apply would have stored.
  ASSERT_TRUE(applier_->ApplyUnsynced(L("planning").at(3), InputPosition{kPlanningTopic, 0, KafkaOffset(13), std::nullopt}).ok());
  ASSERT_TRUE(applier_->SyncApplied().ok());
  Reopen();
  EXPECT_EQ(Count("planning"), "3");
  EXPECT_EQ(Count("hr"), "1");
  EXPECT_EQ(applier_->LastApplied(ServiceName("planning")), GlobalPosition(3));
  EXPECT_EQ(applier_->StoredOffset(kPlanningTopic, 0).value(), std::optional<KafkaOffset>(KafkaOffset(14)));
  EXPECT_EQ(applier_->StoredOffset(kHrTopic, 0).value(), std::optional<KafkaOffset>(KafkaOffset(5)));
}

TEST_F(ApplierTest, CatchUpAppliesUpToTheHeadInPages) {
  page_ = 100;
  Reopen();
  L("planning").AddN("A", 150);
  L("planning").AddN("B", 100);
  auto n = applier_->CatchUp(ServiceName("planning"));
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 250u);
  EXPECT_EQ(reader_->partition_reads, 4) << "three pages of events and one that finds the head";
  EXPECT_EQ(applier_->LastApplied(ServiceName("planning")), GlobalPosition(250));
  EXPECT_EQ(Count("planning"), "250");
  L("planning").AddN("C", 10);
  EXPECT_EQ(applier_->CatchUp(ServiceName("planning")).value(), 10u);
  EXPECT_EQ(applier_->CatchUp(ServiceName("planning")).value(), 0u);
  EXPECT_EQ(Count("planning"), "260");
}

// The reported failure: `piao rebuild` of ~9,000 events ended in DEADLINE_EXCEEDED because catch-up held the
// applier's lock while fetching and applying everything, so position checks (queries, progress, health) waited.
// Here the reader blocks while serving catch-up's second page; meanwhile readers and another source's events
// must go through.
TEST_F(ApplierTest, CatchUpNeverHoldsTheLockWhileFetching) {
  page_ = 100;
  Reopen();
  L("planning").AddN("A", 250);
  L("hr").AddN("A", 1);
  absl::Notification fetching, release;
  reader_->on_read = [&](const std::string& source, uint64_t from) {
    if (source == "planning" && from == 101) {
      fetching.Notify();
      release.WaitForNotification();
    }
  };
  std::thread catch_up([&] {
    auto n = applier_->CatchUp(ServiceName("planning"));
    EXPECT_TRUE(n.ok()) << n.status();
    EXPECT_EQ(n.value_or(0), 250u);
  });
  ASSERT_TRUE(fetching.WaitForNotificationWithTimeout(absl::Seconds(30)));
  absl::Notification probed;
  GlobalPosition seen_during;
  absl::Status other_source;
  std::thread probe([&] {
    seen_during = applier_->LastApplied(ServiceName("planning"));
    (void)applier_->stats();
    (void)applier_->AdministrationProblems();
    other_source = applier_->Apply(L("hr").at(1), InputPosition{kHrTopic, 0, KafkaOffset(0), std::nullopt});
    probed.Notify();
  });
  const bool answered = probed.WaitForNotificationWithTimeout(absl::Seconds(30));
  release.Notify();
  probe.join();
  catch_up.join();
  ASSERT_TRUE(answered) << "readers waited for the catch-up's fetch";
  EXPECT_EQ(seen_during, GlobalPosition(100)) << "the first page is visible while the second is fetched";
  EXPECT_TRUE(other_source.ok()) << other_source;
  EXPECT_EQ(applier_->LastApplied(ServiceName("planning")), GlobalPosition(250));
  EXPECT_EQ(Count("planning"), "250");
  EXPECT_EQ(Count("hr"), "1");
}

// Kafka delivers event 500 first: the gap 1..499 is filled page by page without the lock, and events that
// arrive meanwhile are not applied twice.
TEST_F(ApplierTest, GapFillFetchesWithoutTheLockAndNeverAppliesTwice) {
  page_ = 100;
  Reopen();
  L("planning").AddN("A", 500);
  absl::Notification fetching, release;
  reader_->on_read = [&](const std::string&, uint64_t from) {
    if (from == 201 && !fetching.HasBeenNotified()) {
      fetching.Notify();
      release.WaitForNotification();
    }
  };
  std::thread kafka([&] {
    absl::Status s = Deliver("planning", 500, 7);
    EXPECT_TRUE(s.ok()) << s;
  });
  ASSERT_TRUE(fetching.WaitForNotificationWithTimeout(absl::Seconds(30)));
  absl::Notification probed;
  GlobalPosition seen_during;
  absl::Status redelivered;
  std::thread probe([&] {
    seen_during = applier_->LastApplied(ServiceName("planning"));
    redelivered = Deliver("planning", 150, 3);  // a duplicate now
    probed.Notify();
  });
  const bool answered = probed.WaitForNotificationWithTimeout(absl::Seconds(30));
  release.Notify();
  probe.join();
  kafka.join();
  ASSERT_TRUE(answered) << "readers waited for the gap fill's fetch";
  EXPECT_EQ(seen_during, GlobalPosition(200));
  EXPECT_TRUE(redelivered.ok()) << redelivered;
  EXPECT_EQ(applier_->LastApplied(ServiceName("planning")), GlobalPosition(500));
  EXPECT_EQ(Count("planning"), "500");
  EXPECT_EQ(applier_->stats().duplicates, 1u);
}

TEST_F(ApplierTest, RejectsEnvelopesWithoutSourcePositionStreamOrVersion) {
  L("planning").AddN("A", 1);
  v1::EventEnvelope e = L("planning").at(1);
  e.set_source_service("");
  EXPECT_TRUE(absl::IsInvalidArgument(applier_->Apply(e, std::nullopt)));
  e = L("planning").at(1);
  e.set_global_position(0);
  EXPECT_TRUE(absl::IsInvalidArgument(applier_->Apply(e, std::nullopt)));
  e = L("planning").at(1);
  e.clear_stream();
  EXPECT_TRUE(absl::IsInvalidArgument(applier_->Apply(e, std::nullopt)));
  e = L("planning").at(1);
  e.set_stream_version(0);
  EXPECT_TRUE(absl::IsInvalidArgument(applier_->Apply(e, std::nullopt)));
  EXPECT_TRUE(seen_.empty());
}

TEST_F(ApplierTest, AReaderReturningWrongEventsIsDataLoss) {
  L("risk").AddN("A", 3);
  L("risk").events().erase(L("risk").events().begin());  // the reader skips position 1... and serves 2 for it
  class Wrong : public SourceReader {
   public:
    explicit Wrong(std::vector<v1::EventEnvelope> events) : events_(std::move(events)) {}
    absl::StatusOr<Page> ReadPartitions(const ServiceName&, const PartitionShare&, GlobalPosition from,
                                        GlobalPosition) override {
      Page p;
      p.events = events_;  // whatever was asked
      p.scanned_to = GlobalPosition(9);
      (void)from;
      return p;
    }
    absl::StatusOr<std::vector<v1::EventEnvelope>> ReadStream(const ServiceName&, const v1::StreamRef&,
                                                              StreamVersion) override {
      return events_;
    }

   private:
    std::vector<v1::EventEnvelope> events_;
  };
  Log other("hr");
  other.AddN("A", 2);
  auto a = EventApplier::Open(
      db_.get(), [](const v1::EventEnvelope&, rocksdb::WriteBatch*) { return absl::OkStatus(); },
      std::make_shared<Wrong>(other.events()));
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(absl::IsDataLoss((*a)->Apply(L("risk").at(2), std::nullopt)));  // position 3, a gap before it
  EXPECT_EQ((*a)->LastApplied(ServiceName("risk")), GlobalPosition(0));
}

InputPosition At(const std::string& source, uint64_t offset) {
  return InputPosition{EventsTopic(ServiceName(source)), 0, KafkaOffset(offset), std::nullopt};
}

// The reproduction: the source's last event deleted and its head rewritten, then the position reused
// by a new event. The redelivered version with another hash is refused, and so is everything after it — of that
// administration: another administration's events of the same source go on.
TEST_F(ApplierTest, RefusesAnAdministrationWhoseHistoryForkedAndKeepsServingTheOthers) {
  Log original("planning");
  original.AddN("A", 4);
  Log forked("planning");
  forked.AddN("A", 3);
  forked.Add("A", "-forged");
  forked.Add("A", "-forged");
  for (uint64_t p = 1; p <= 4; ++p) ASSERT_TRUE(applier_->Apply(original.at(p), At("planning", p)).ok());
  EXPECT_FALSE(applier_->Problem(ServiceName("planning"), "A").has_value());

  EXPECT_TRUE(applier_->Apply(forked.at(4), At("planning", 5)).ok()) << "consumed: the others must go on";
  auto problem = applier_->Problem(ServiceName("planning"), "A");
  ASSERT_TRUE(problem.has_value()) << "the reused position was silently dropped as a duplicate";
  EXPECT_EQ(problem->position, GlobalPosition(4));
  EXPECT_THAT(problem->reason, HasSubstr("forked"));
  ASSERT_TRUE(applier_->Apply(forked.at(5), At("planning", 6)).ok());
  EXPECT_THAT(seen_, ElementsAre(1, 2, 3, 4)) << "nothing more of the refused administration is applied";
  EXPECT_EQ(applier_->StoredOffset(kPlanningTopic, 0).value(), std::optional<KafkaOffset>(KafkaOffset(7)));
  EXPECT_EQ(applier_->stats().refused, 2u);

  // Administration B of the same source: its own stream, applied (its position continues the store's history).
  v1::EventEnvelope b = forked.Add("B");
  b.set_prev_hash(original.at(4).hash());
  b.set_hash(Sha256({b.prev_hash(), b.event_id()}));
  b.set_global_position(5);
  ASSERT_TRUE(applier_->Apply(b, At("planning", 8)).ok());
  EXPECT_THAT(seen_, ElementsAre(1, 2, 3, 4, 5));
  EXPECT_FALSE(applier_->Problem(ServiceName("planning"), "B").has_value());

  // The refusal survives a restart; catch-up does not merge the forked history either.
  Reopen();
  logs_.emplace("planning", forked);
  ASSERT_TRUE(applier_->Problem(ServiceName("planning"), "A").has_value());
  EXPECT_EQ(applier_->Problem(ServiceName("planning"), "A")->position, GlobalPosition(4));
  EXPECT_EQ(applier_->AdministrationProblems().size(), 1u);
}

// The anchor e2e's case: the last event removed from the store and its position reused by another
// administration's new stream (version 1, nothing applied for it yet): not a duplicate, not new either.
TEST_F(ApplierTest, RefusesANewStreamAtAPositionTheLaneAlreadyApplied) {
  Log original("planning");
  original.AddN("A", 4);
  Log reused("planning");
  reused.AddN("A", 3);
  reused.Add("B");
  reused.Add("B");
  for (uint64_t p = 1; p <= 4; ++p) ASSERT_TRUE(applier_->Apply(original.at(p), At("planning", p)).ok());
  ASSERT_TRUE(applier_->Apply(reused.at(4), At("planning", 5)).ok()) << "consumed: the others must go on";
  auto problem = applier_->Problem(ServiceName("planning"), "B");
  ASSERT_TRUE(problem.has_value()) << "the reused position was applied as if new";
  EXPECT_EQ(problem->position, GlobalPosition(4));
  EXPECT_THAT(problem->reason, HasSubstr("reuses a position its lane already applied up to 4"));
  ASSERT_TRUE(applier_->Apply(reused.at(5), At("planning", 6)).ok());
  EXPECT_THAT(seen_, ElementsAre(1, 2, 3, 4));
}

TEST_F(ApplierTest, RefusesAnEventThatDoesNotChainToTheLastApplied) {
  Log original("planning");
  original.AddN("A", 3);
  Log other("planning");
  other.AddN("A", 1);
  other.Add("A", "-other");
  other.Add("A", "-other");
  ASSERT_TRUE(applier_->Apply(original.at(1), At("planning", 0)).ok());
  ASSERT_TRUE(applier_->Apply(original.at(2), At("planning", 1)).ok());
  // Position 3 of a history that differs from position 2 on: its prev_hash is not what was applied at 2.
  ASSERT_TRUE(applier_->Apply(other.at(3), At("planning", 2)).ok());
  auto problem = applier_->Problem(ServiceName("planning"), "A");
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->position, GlobalPosition(3));
  EXPECT_THAT(problem->reason, HasSubstr("does not chain to the event applied at 2"));
  EXPECT_EQ(applier_->LastApplied(ServiceName("planning")), GlobalPosition(2));
  // The genuine event 3 is refused too: once refused, nothing more of that administration is merged.
  ASSERT_TRUE(applier_->Apply(original.at(3), At("planning", 3)).ok());
  EXPECT_THAT(seen_, ElementsAre(1, 2));
}

TEST_F(ApplierTest, RefusesAGapFillThatDoesNotChain) {
  Log original("planning");
  original.AddN("A", 5);
  ASSERT_TRUE(applier_->Apply(original.at(1), At("planning", 0)).ok());
  ASSERT_TRUE(applier_->Apply(original.at(2), At("planning", 1)).ok());
  Log& rewritten = L("planning");  // the store was rewritten from position 2 on
  rewritten.AddN("A", 1);
  for (int i = 0; i < 4; ++i) rewritten.Add("A", "-rewritten");
  ASSERT_TRUE(applier_->Apply(original.at(5), At("planning", 4)).ok());
  ASSERT_TRUE(applier_->Problem(ServiceName("planning"), "A").has_value());
  EXPECT_EQ(applier_->Problem(ServiceName("planning"), "A")->position, GlobalPosition(3)) << "3 does not chain to the 2 applied";
  EXPECT_THAT(seen_, ElementsAre(1, 2));
}

TEST_F(ApplierTest, AcceptsAChainedHistoryDeliveredOutOfOrderWithDuplicates) {
  L("planning").AddN("A", 5);
  ASSERT_TRUE(applier_->Apply(L("planning").at(3), At("planning", 0)).ok());  // fills 1..2 first
  ASSERT_TRUE(applier_->Apply(L("planning").at(3), At("planning", 1)).ok());  // redelivered, same hash
  ASSERT_TRUE(applier_->Apply(L("planning").at(1), At("planning", 2)).ok());
  ASSERT_TRUE(applier_->Apply(L("planning").at(4), At("planning", 3)).ok());
  ASSERT_EQ(applier_->CatchUp(ServiceName("planning")).value(), 1u);
  EXPECT_THAT(seen_, ElementsAre(1, 2, 3, 4, 5));
  EXPECT_TRUE(applier_->AdministrationProblems().empty());
  EXPECT_EQ(applier_->stats().refused, 0u);
}

TEST_F(ApplierTest, RefusesAnEventOnAnotherSourcesTopic) {
  L("planning").AddN("A", 2);
  L("hr").AddN("A", 1);
  ASSERT_TRUE(applier_->Apply(L("planning").at(1), At("planning", 0)).ok());
  // A planning event published on the HR topic (a misconfigured or hostile producer).
  ASSERT_TRUE(applier_->Apply(L("planning").at(2), InputPosition{kHrTopic, 0, KafkaOffset(0), std::nullopt}).ok());
  auto problem = applier_->Problem(ServiceName("planning"), "A");
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->position, GlobalPosition(2));
  EXPECT_THAT(problem->reason, HasSubstr("arrived on topic piao.hr.events.v1"));
  EXPECT_THAT(seen_, ElementsAre(1));
  EXPECT_EQ(applier_->StoredOffset(kHrTopic, 0).value(), std::optional<KafkaOffset>(KafkaOffset(1))) << "consumed";
  ASSERT_TRUE(applier_->Apply(L("hr").at(1), At("hr", 1)).ok());
  EXPECT_FALSE(applier_->Problem(ServiceName("hr"), "A").has_value());
  EXPECT_EQ(applier_->LastApplied(ServiceName("hr")), GlobalPosition(1));
}

// --- Partitions (issue 13 §2): a consumer of some partitions needs only its own lanes. ---

constexpr int32_t kCount = 3;
// PartitionOf(x, 3): "CCIAA-TO" 0, "F" 2, "A" 1.
class LaneTest : public ApplierTest {
 protected:
  void SetUp() override {
    ASSERT_EQ(PartitionOf("CCIAA-TO", kCount), 0);
    ASSERT_EQ(PartitionOf("A", kCount), 1);
    ASSERT_EQ(PartitionOf("F", kCount), 2);
  }
  // The Kafka message of `pos` as the relay sends it: in its administration's partition, with its lane header.
  InputPosition Message(uint64_t pos, uint64_t offset) {
    const v1::EventEnvelope& e = L("planning").at(pos);
    return InputPosition{kPlanningTopic, PartitionOf(AdministrationOfStream(e.stream()), kCount), KafkaOffset(offset),
                         L("planning").LanePrev(pos, kCount)};
  }
};

TEST_F(LaneTest, MessagesThatContinueTheirLaneAreAppliedWithoutReadingTheStore) {
  Reopen(PartitionShare::All(kCount));
  for (const char* admin : {"CCIAA-TO", "A", "CCIAA-TO", "F", "A", "A"}) L("planning").Add(admin);
  // Delivered partition by partition, as a consumer of three partitions sees them (not in global order).
  for (uint64_t p : {2, 5, 6, 1, 3, 4}) ASSERT_TRUE(applier_->Apply(L("planning").at(p), Message(p, p)).ok()) << p;
  EXPECT_EQ(reader_->partition_reads + reader_->stream_reads, 0) << "every lane header continued its lane";
  EXPECT_EQ(Count("planning"), "6");
  EXPECT_EQ(applier_->Applied(ServiceName("planning"), "CCIAA-TO"), GlobalPosition(3));
  EXPECT_EQ(applier_->Applied(ServiceName("planning"), "A"), GlobalPosition(6));
  EXPECT_EQ(applier_->Applied(ServiceName("planning"), "F"), GlobalPosition(4));
  EXPECT_EQ(applier_->Applied(ServiceName("planning"), ""), GlobalPosition(3)) << "the least applied lane";
  EXPECT_EQ(applier_->Lanes().size(), 3u);
}

// An event the relay parked never travels: the next message of its partition names it as predecessor, and the
// consumer reads that lane's gap, and only that lane's, from the store.
TEST_F(LaneTest, AParkedEventIsReadFromItsLaneOnly) {
  Reopen(PartitionShare::All(kCount));
  for (const char* admin : {"A", "F", "A", "A"}) L("planning").Add(admin);  // 1 A, 2 F, 3 A (parked), 4 A
  std::vector<std::pair<uint64_t, std::vector<int32_t>>> reads;
  class Spy : public SourceReader {
   public:
    Spy(std::shared_ptr<SourceReader> inner, std::vector<std::pair<uint64_t, std::vector<int32_t>>>* reads)
        : inner_(std::move(inner)), reads_(reads) {}
    absl::StatusOr<Page> ReadPartitions(const ServiceName& s, const PartitionShare& p, GlobalPosition from,
                                        GlobalPosition to) override {
      reads_->push_back({from.value(), p.owned});
      return inner_->ReadPartitions(s, p, from, to);
    }
    absl::StatusOr<std::vector<v1::EventEnvelope>> ReadStream(const ServiceName& s, const v1::StreamRef& r,
                                                              StreamVersion v) override {
      return inner_->ReadStream(s, r, v);
    }

   private:
    std::shared_ptr<SourceReader> inner_;
    std::vector<std::pair<uint64_t, std::vector<int32_t>>>* reads_;
  };
  ApplierOptions o;
  o.sync = false;
  o.share = PartitionShare::All(kCount);
  auto a = EventApplier::Open(
      db_.get(), [this](const v1::EventEnvelope& e, rocksdb::WriteBatch*) {
        seen_.push_back(e.global_position());
        return absl::OkStatus();
      },
      std::make_shared<Spy>(reader_, &reads), o);
  ASSERT_TRUE(a.ok()) << a.status();
  for (uint64_t p : {1, 2, 4}) ASSERT_TRUE((*a)->Apply(L("planning").at(p), Message(p, p)).ok()) << p;
  EXPECT_THAT(seen_, ElementsAre(1, 2, 3, 4));
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_EQ(reads[0].first, 2u) << "from the lane's position + 1";
  EXPECT_THAT(reads[0].second, ElementsAre(1)) << "only partition 1 is read";
  EXPECT_EQ((*a)->Applied(ServiceName("planning"), "A"), GlobalPosition(4));
}

// A message whose lane predecessor is unknown (the relay restarted) makes the consumer read its lane's gap.
TEST_F(LaneTest, AnUnknownLanePredecessorIsReadFromTheStore) {
  Reopen(PartitionShare::All(kCount));
  for (const char* admin : {"A", "A", "A"}) L("planning").Add(admin);
  ASSERT_TRUE(applier_->Apply(L("planning").at(1), Message(1, 0)).ok());
  InputPosition unknown = Message(3, 2);
  unknown.lane_prev.reset();
  ASSERT_TRUE(applier_->Apply(L("planning").at(3), unknown).ok());
  EXPECT_THAT(seen_, ElementsAre(1, 2, 3));
  EXPECT_EQ(reader_->partition_reads, 1);
  EXPECT_EQ(applier_->Applied(ServiceName("planning"), "A"), GlobalPosition(3));
}

// A member of a consumer group owns some partitions: it applies only their events, catches up only their lanes,
// and the stream of an administration it owns stays exactly once across the reassignment.
TEST_F(LaneTest, AMemberAppliesAndCatchesUpOnlyItsPartitions) {
  Reopen(PartitionShare{kCount, {1}});
  for (const char* admin : {"CCIAA-TO", "A", "F", "A", "CCIAA-TO", "A"}) L("planning").Add(admin);
  auto n = applier_->CatchUp(ServiceName("planning"));
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 3u);
  EXPECT_THAT(seen_, ElementsAre(2, 4, 6)) << "administration A only";
  // A message of a partition it does not own (a rebalance race) is consumed, not applied.
  ASSERT_TRUE(applier_->Apply(L("planning").at(5), Message(5, 1)).ok());
  EXPECT_EQ(applier_->stats().foreign, 1u);
  EXPECT_THAT(seen_, ElementsAre(2, 4, 6));
  // Partition 0 is assigned to it: its lane is caught up from the store; A's events are not applied again.
  applier_->SetShare(PartitionShare{kCount, {0, 1}});
  ASSERT_EQ(applier_->CatchUp(ServiceName("planning")).value(), 2u);
  EXPECT_THAT(seen_, ElementsAre(2, 4, 6, 1, 5));
  EXPECT_EQ(applier_->Applied(ServiceName("planning"), "CCIAA-TO"), GlobalPosition(6)) << "scanned up to the head";
  EXPECT_EQ(Count("planning"), "5");
}

// Exactly once by stream version: a stream's missing versions are read by version when its lane is whole
// (e.g. events applied from another lane history, here a lane position moved past them by a scan).
TEST_F(LaneTest, AStreamGapIsFilledByVersion) {
  Reopen(PartitionShare::All(kCount));
  for (const char* admin : {"A", "A", "A"}) L("planning").Add(admin);
  // The lane says everything up to 3 is there, but only version 1 of A's stream was applied: the stream read
  // by version closes the gap before version 3.
  ASSERT_TRUE(applier_->Apply(L("planning").at(1), Message(1, 0)).ok());
  InputPosition claims_whole = Message(3, 2);
  claims_whole.lane_prev = GlobalPosition(1);  // a producer that skipped 2 in its lane headers
  ASSERT_TRUE(applier_->Apply(L("planning").at(3), claims_whole).ok());
  EXPECT_THAT(seen_, ElementsAre(1, 2, 3));
  EXPECT_EQ(reader_->stream_reads, 1);
  EXPECT_EQ(reader_->partition_reads, 0);
  EXPECT_EQ(applier_->stats().filled, 1u);
}

}  // namespace
}  // namespace piao::kafka
