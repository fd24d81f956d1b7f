#include "libs/kafka/event_applier.h"

#include <functional>
#include <memory>
#include <thread>
#include <type_traits>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/base/status_macros.h"
#include "libs/eventstore/rocksdb_status.h"
#include "libs/kafka/kafka_conf.h"
#include "libs/kafka/test_util.h"
#include "libs/base/sha256.h"

namespace piao::kafka {
namespace {

// Offsets and positions are typed end to end: a raw integer is not accepted where a Kafka offset or a global
// position is meant (the protobuf and librdkafka integers are converted where they enter).
static_assert(std::is_same_v<decltype(InputPosition::offset), KafkaOffset>);
static_assert(!std::is_convertible_v<int64_t, KafkaOffset>);
static_assert(std::is_same_v<decltype(std::declval<const EventApplier&>().StoredOffset("", 0)),
                             absl::StatusOr<std::optional<KafkaOffset>>>);
static_assert(std::is_same_v<decltype(RefusedSource::position), GlobalPosition>);
static_assert(std::is_same_v<decltype(testing::Received::offset), KafkaOffset>);

using ::testing::ElementsAre;
using testing::Get;
using testing::OpenDb;
using testing::TempDir;

// Each event arrives on its own source's topic (the applier refuses it elsewhere).
const std::string kPlanningTopic = EventsTopic("planning");
const std::string kHrTopic = EventsTopic("hr");

std::pair<uint64_t, uint64_t> Fill(uint64_t from, uint64_t to) { return {from, to}; }

v1::EventEnvelope Event(const std::string& source, uint64_t pos) {
  v1::EventEnvelope e;
  e.set_source_service(source);
  e.set_global_position(pos);
  e.set_event_id(absl::StrCat(source, "-", pos));
  return e;
}

// A view that records, per source, each applied event and a read-modify-write count, so a double
// application shows up as a wrong count.
class ApplierTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    applier_.reset();
    db_.reset();
    db_ = OpenDb(dir_.Sub("view"));
    ApplierOptions o;
    o.sync = false;
    o.catch_up_chunk = chunk_;
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
        [this](const std::string& source, GlobalPosition from,
               GlobalPosition to) -> absl::StatusOr<std::vector<v1::EventEnvelope>> {
          fills_.push_back({from.value(), to.value()});
          if (on_fill_) on_fill_(from.value());
          std::vector<v1::EventEnvelope> out;
          if (auto h = history_.find(source); h != history_.end()) {  // a chained history, when set
            for (uint64_t p = from.value(); p <= std::min<uint64_t>(to.value(), h->second.size()); ++p) {
              out.push_back(h->second[p - 1]);
            }
            return out;
          }
          for (uint64_t p = from.value(); p <= std::min(to.value(), source_head_); ++p) out.push_back(Event(source, p));
          return out;
        },
        o);
    ASSERT_TRUE(a.ok()) << a.status();
    applier_ = std::move(*a);
  }

  std::string Count(const std::string& source) { return Get(db_.get(), "count/" + source); }

  TempDir dir_;
  std::unique_ptr<rocksdb::DB> db_;
  std::unique_ptr<EventApplier> applier_;
  std::vector<uint64_t> seen_;
  std::vector<std::pair<uint64_t, uint64_t>> fills_;  // (from, to) of each filler call
  uint64_t source_head_ = 1'000'000;  // what the filler can serve
  uint64_t fail_at_ = 0;
  uint64_t chunk_ = 1000;
  std::map<std::string, std::vector<v1::EventEnvelope>> history_;  // what the filler serves, per source
  std::function<void(uint64_t from)> on_fill_;  // called in the filler, outside the fixture's lock
};

TEST_F(ApplierTest, AppliesInOrderAndIgnoresDuplicates) {
  for (uint64_t p : {1, 2, 2, 1, 3}) ASSERT_TRUE(applier_->Apply(Event("planning", p), std::nullopt).ok());
  EXPECT_THAT(seen_, ElementsAre(1, 2, 3));
  EXPECT_EQ(Count("planning"), "3");
  EXPECT_EQ(applier_->LastApplied("planning"), GlobalPosition(3));
  EXPECT_EQ(applier_->stats().duplicates, 2u);
  EXPECT_TRUE(fills_.empty());
}

TEST_F(ApplierTest, FillsAGapFromTheFillerFirst) {
  ASSERT_TRUE(applier_->Apply(Event("planning", 4), std::nullopt).ok());
  EXPECT_THAT(fills_, ElementsAre(Fill(1, 3)));
  EXPECT_THAT(seen_, ElementsAre(1, 2, 3, 4));
  // The late arrivals of the filled positions are ignored.
  for (uint64_t p : {2, 3, 1}) ASSERT_TRUE(applier_->Apply(Event("planning", p), std::nullopt).ok());
  EXPECT_THAT(seen_, ElementsAre(1, 2, 3, 4));
  EXPECT_EQ(Count("planning"), "4");
  EXPECT_EQ(applier_->stats().filled, 3u);
}

TEST_F(ApplierTest, ShortFillIsUnavailableAndResumesLater) {
  source_head_ = 2;  // the store is behind what Kafka delivered
  absl::Status s = applier_->Apply(Event("planning", 5), std::nullopt);
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_EQ(applier_->LastApplied("planning"), GlobalPosition(2));
  source_head_ = 10;
  ASSERT_TRUE(applier_->Apply(Event("planning", 5), std::nullopt).ok());
  EXPECT_THAT(seen_, ElementsAre(1, 2, 3, 4, 5));
  EXPECT_EQ(fills_.back(), Fill(3, 4));
}

TEST_F(ApplierTest, HandlerErrorWritesNothing) {
  ASSERT_TRUE(applier_->Apply(Event("planning", 1), InputPosition{kPlanningTopic, 0, KafkaOffset(10)}).ok());
  fail_at_ = 2;
  EXPECT_FALSE(applier_->Apply(Event("planning", 2), InputPosition{kPlanningTopic, 0, KafkaOffset(11)}).ok());
  EXPECT_EQ(applier_->LastApplied("planning"), GlobalPosition(1));
  EXPECT_EQ(applier_->StoredOffset(kPlanningTopic, 0).value(), std::optional<KafkaOffset>(KafkaOffset(11)));
  EXPECT_EQ(Get(db_.get(), "event/planning/2"), "");
  fail_at_ = 0;
  ASSERT_TRUE(applier_->Apply(Event("planning", 2), InputPosition{kPlanningTopic, 0, KafkaOffset(11)}).ok());
  EXPECT_EQ(applier_->StoredOffset(kPlanningTopic, 0).value(), std::optional<KafkaOffset>(KafkaOffset(12)));
  EXPECT_EQ(Count("planning"), "2");
}

TEST_F(ApplierTest, PositionsAndOffsetsSurviveReopen) {
  ASSERT_TRUE(applier_->Apply(Event("planning", 1), InputPosition{kPlanningTopic, 1, KafkaOffset(40)}).ok());
  ASSERT_TRUE(applier_->Apply(Event("hr", 1), InputPosition{kHrTopic, 0, KafkaOffset(7)}).ok());
  ASSERT_TRUE(applier_->Apply(Event("planning", 2), InputPosition{kPlanningTopic, 2, KafkaOffset(3)}).ok());
  Reopen();
  EXPECT_EQ(applier_->LastApplied("planning"), GlobalPosition(2));
  EXPECT_EQ(applier_->LastApplied("hr"), GlobalPosition(1));
  EXPECT_EQ(applier_->LastApplied("risk"), GlobalPosition(0));
  EXPECT_EQ(applier_->StoredOffset(kPlanningTopic, 1).value(), std::optional<KafkaOffset>(KafkaOffset(41)));
  EXPECT_EQ(applier_->StoredOffset(kPlanningTopic, 2).value(), std::optional<KafkaOffset>(KafkaOffset(4)));
  EXPECT_EQ(applier_->StoredOffset(kHrTopic, 0).value(), std::optional<KafkaOffset>(KafkaOffset(8)));
  EXPECT_EQ(applier_->StoredOffset(kPlanningTopic, 0).value(), std::nullopt);
  // A duplicate after the restart is ignored but still moves its partition's offset.
  ASSERT_TRUE(applier_->Apply(Event("planning", 2), InputPosition{kPlanningTopic, 2, KafkaOffset(9)}).ok());
  EXPECT_TRUE(seen_.size() == 3u);
  EXPECT_EQ(Count("planning"), "2");
  EXPECT_EQ(applier_->StoredOffset(kPlanningTopic, 2).value(), std::optional<KafkaOffset>(KafkaOffset(10)));
}

TEST_F(ApplierTest, CatchUpAppliesUpToTheHeadInChunks) {
  chunk_ = 100;
  Reopen();
  source_head_ = 250;
  auto n = applier_->CatchUp("planning");
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 250u);
  EXPECT_EQ(fills_.size(), 3u);
  EXPECT_EQ(applier_->LastApplied("planning"), GlobalPosition(250));
  EXPECT_EQ(Count("planning"), "250");
  source_head_ = 260;
  EXPECT_EQ(applier_->CatchUp("planning").value(), 10u);
  EXPECT_EQ(applier_->CatchUp("planning").value(), 0u);
  EXPECT_EQ(Count("planning"), "260");
}

// The reported failure: `piao rebuild` of ~9,000 events ended in DEADLINE_EXCEEDED because catch-up held the
// applier's lock while fetching and applying everything, so position checks (queries, progress, health) waited.
// Here the filler blocks while serving catch-up's second chunk; meanwhile readers and another source's events
// must go through.
TEST_F(ApplierTest, CatchUpNeverHoldsTheLockWhileFetching) {
  chunk_ = 100;
  Reopen();
  source_head_ = 250;
  absl::Notification fetching, release;
  on_fill_ = [&](uint64_t from) {
    if (from == 101) {
      fetching.Notify();
      release.WaitForNotification();
    }
  };
  std::thread catch_up([&] {
    auto n = applier_->CatchUp("planning");
    EXPECT_TRUE(n.ok()) << n.status();
    EXPECT_EQ(n.value_or(0), 250u);
  });
  ASSERT_TRUE(fetching.WaitForNotificationWithTimeout(absl::Seconds(30)));
  absl::Notification probed;
  GlobalPosition seen_during;
  absl::Status other_source;
  std::thread probe([&] {
    seen_during = applier_->LastApplied("planning");
    (void)applier_->stats();
    (void)applier_->SourceProblems();
    other_source = applier_->Apply(Event("hr", 1), InputPosition{kHrTopic, 0, KafkaOffset(0)});
    probed.Notify();
  });
  const bool answered = probed.WaitForNotificationWithTimeout(absl::Seconds(30));
  release.Notify();
  probe.join();
  catch_up.join();
  ASSERT_TRUE(answered) << "readers waited for the catch-up's fetch";
  EXPECT_EQ(seen_during, GlobalPosition(100)) << "the first chunk is visible while the second is fetched";
  EXPECT_TRUE(other_source.ok()) << other_source;
  EXPECT_EQ(applier_->LastApplied("planning"), GlobalPosition(250));
  EXPECT_EQ(Count("planning"), "250");
  EXPECT_EQ(Count("hr"), "1");
}

// Kafka delivers event 500 first: the gap 1..499 is filled chunk by chunk without the lock, and events that
// arrive (or are caught up) meanwhile are not applied twice.
TEST_F(ApplierTest, GapFillFetchesWithoutTheLockAndNeverAppliesTwice) {
  chunk_ = 100;
  Reopen();
  absl::Notification fetching, release;
  on_fill_ = [&](uint64_t from) {
    if (from == 201 && !fetching.HasBeenNotified()) {
      fetching.Notify();
      release.WaitForNotification();
    }
  };
  std::thread kafka([&] {
    absl::Status s = applier_->Apply(Event("planning", 500), InputPosition{kPlanningTopic, 0, KafkaOffset(7)});
    EXPECT_TRUE(s.ok()) << s;
  });
  ASSERT_TRUE(fetching.WaitForNotificationWithTimeout(absl::Seconds(30)));
  absl::Notification probed;
  GlobalPosition seen_during;
  absl::Status redelivered;
  std::thread probe([&] {
    seen_during = applier_->LastApplied("planning");
    redelivered = applier_->Apply(Event("planning", 150), InputPosition{kPlanningTopic, 0, KafkaOffset(3)});  // a duplicate now
    probed.Notify();
  });
  const bool answered = probed.WaitForNotificationWithTimeout(absl::Seconds(30));
  release.Notify();
  probe.join();
  kafka.join();
  ASSERT_TRUE(answered) << "readers waited for the gap fill's fetch";
  EXPECT_EQ(seen_during, GlobalPosition(200));
  EXPECT_TRUE(redelivered.ok()) << redelivered;
  EXPECT_EQ(applier_->LastApplied("planning"), GlobalPosition(500));
  EXPECT_EQ(Count("planning"), "500");
  EXPECT_EQ(applier_->stats().duplicates, 1u);
}

TEST_F(ApplierTest, RejectsEnvelopesWithoutSourceOrPosition) {
  EXPECT_TRUE(absl::IsInvalidArgument(applier_->Apply(Event("", 1), std::nullopt)));
  EXPECT_TRUE(absl::IsInvalidArgument(applier_->Apply(Event("planning", 0), std::nullopt)));
  EXPECT_TRUE(seen_.empty());
}

TEST_F(ApplierTest, FillerReturningWrongEventsIsDataLoss) {
  auto a = EventApplier::Open(
      db_.get(), [](const v1::EventEnvelope&, rocksdb::WriteBatch*) { return absl::OkStatus(); },
      [](const std::string& source, GlobalPosition, GlobalPosition) -> absl::StatusOr<std::vector<v1::EventEnvelope>> {
        return std::vector<v1::EventEnvelope>{Event(source, 2)};  // skips position 1
      });
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(absl::IsDataLoss((*a)->Apply(Event("risk", 3), std::nullopt)));
  EXPECT_EQ((*a)->LastApplied("risk"), GlobalPosition(0));
}

// A hash-chained history of `n` events of `source`; `tag` makes a different history from `fork_at` on.
std::vector<v1::EventEnvelope> History(const std::string& source, uint64_t n, uint64_t fork_at = 0,
                                       const std::string& tag = "") {
  std::vector<v1::EventEnvelope> out;
  std::string prev;
  for (uint64_t p = 1; p <= n; ++p) {
    v1::EventEnvelope e = Event(source, p);
    if (fork_at != 0 && p >= fork_at) e.set_event_id(absl::StrCat(e.event_id(), tag));
    e.set_prev_hash(prev);
    e.set_hash(Sha256({prev, e.event_id()}));
    prev = e.hash();
    out.push_back(e);
  }
  return out;
}

InputPosition At(const std::string& source, uint64_t offset) {
  return InputPosition{EventsTopic(source), 0, KafkaOffset(offset)};
}

// The reproduction: the source's last event deleted and its head rewritten, then the position reused
// by a new event. The redelivered position with another hash is refused, and so is everything after it.
TEST_F(ApplierTest, RefusesASourceWhoseHistoryForkedAndKeepsServingTheOthers) {
  const auto original = History("planning", 4);
  const auto forked = History("planning", 5, /*fork_at=*/4, "-forged");
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(applier_->Apply(original[i], At("planning", i)).ok());
  EXPECT_FALSE(applier_->SourceProblem("planning").has_value());

  EXPECT_TRUE(applier_->Apply(forked[3], At("planning", 4)).ok()) << "consumed: the others must go on";
  auto problem = applier_->SourceProblem("planning");
  ASSERT_TRUE(problem.has_value()) << "the reused position was silently dropped as a duplicate";
  EXPECT_EQ(problem->position, GlobalPosition(4));
  EXPECT_THAT(problem->reason, ::testing::HasSubstr("forked"));
  ASSERT_TRUE(applier_->Apply(forked[4], At("planning", 5)).ok());
  EXPECT_THAT(seen_, ElementsAre(1, 2, 3, 4)) << "nothing of the refused source is applied";
  EXPECT_EQ(applier_->LastApplied("planning"), GlobalPosition(4));
  EXPECT_EQ(applier_->StoredOffset(kPlanningTopic, 0).value(), std::optional<KafkaOffset>(KafkaOffset(6)));
  EXPECT_EQ(applier_->stats().refused, 2u);

  const auto hr = History("hr", 1);
  ASSERT_TRUE(applier_->Apply(hr[0], At("hr", 0)).ok());
  EXPECT_EQ(applier_->LastApplied("hr"), GlobalPosition(1));

  // The refusal survives a restart; catch-up does not merge the forked history either.
  Reopen();
  history_["planning"] = forked;
  ASSERT_TRUE(applier_->SourceProblem("planning").has_value());
  EXPECT_EQ(applier_->SourceProblem("planning")->position, GlobalPosition(4));
  EXPECT_EQ(applier_->CatchUp("planning").value(), 0u);
  EXPECT_EQ(applier_->LastApplied("planning"), GlobalPosition(4));
  EXPECT_EQ(applier_->SourceProblems().size(), 1u);
}

TEST_F(ApplierTest, RefusesAnEventThatDoesNotChainToTheLastApplied) {
  const auto original = History("planning", 3);
  const auto other = History("planning", 3, /*fork_at=*/2, "-other");
  ASSERT_TRUE(applier_->Apply(original[0], At("planning", 0)).ok());
  ASSERT_TRUE(applier_->Apply(original[1], At("planning", 1)).ok());
  // Position 3 of a history that differs from position 2 on: its prev_hash is not what was applied at 2.
  ASSERT_TRUE(applier_->Apply(other[2], At("planning", 2)).ok());
  auto problem = applier_->SourceProblem("planning");
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->position, GlobalPosition(3));
  EXPECT_THAT(problem->reason, ::testing::HasSubstr("does not chain to the event applied at 2"));
  EXPECT_EQ(applier_->LastApplied("planning"), GlobalPosition(2));
  // The genuine event 3 is refused too: once a source is refused, nothing more of it is merged.
  ASSERT_TRUE(applier_->Apply(original[2], At("planning", 3)).ok());
  EXPECT_THAT(seen_, ElementsAre(1, 2));
}

TEST_F(ApplierTest, RefusesAGapFillThatDoesNotChain) {
  const auto original = History("planning", 5);
  ASSERT_TRUE(applier_->Apply(original[0], At("planning", 0)).ok());
  ASSERT_TRUE(applier_->Apply(original[1], At("planning", 1)).ok());
  history_["planning"] = History("planning", 5, /*fork_at=*/2, "-rewritten");  // the store was rewritten
  ASSERT_TRUE(applier_->Apply(original[4], At("planning", 4)).ok());
  ASSERT_TRUE(applier_->SourceProblem("planning").has_value());
  EXPECT_EQ(applier_->SourceProblem("planning")->position, GlobalPosition(3));
  EXPECT_THAT(seen_, ElementsAre(1, 2));
}

TEST_F(ApplierTest, AcceptsAChainedHistoryDeliveredOutOfOrderWithDuplicates) {
  const auto original = History("planning", 5);
  history_["planning"] = original;
  ASSERT_TRUE(applier_->Apply(original[2], At("planning", 0)).ok());  // fills 1..2 first
  ASSERT_TRUE(applier_->Apply(original[2], At("planning", 1)).ok());  // redelivered, same hash
  ASSERT_TRUE(applier_->Apply(original[0], At("planning", 2)).ok());
  ASSERT_TRUE(applier_->Apply(original[3], At("planning", 3)).ok());
  ASSERT_EQ(applier_->CatchUp("planning").value(), 1u);
  EXPECT_THAT(seen_, ElementsAre(1, 2, 3, 4, 5));
  EXPECT_FALSE(applier_->SourceProblem("planning").has_value());
  EXPECT_EQ(applier_->stats().refused, 0u);
}

TEST_F(ApplierTest, RefusesAnEventOnAnotherSourcesTopic) {
  const auto planning = History("planning", 2);
  ASSERT_TRUE(applier_->Apply(planning[0], At("planning", 0)).ok());
  // A planning event published on the HR topic (a misconfigured or hostile producer).
  ASSERT_TRUE(applier_->Apply(planning[1], InputPosition{kHrTopic, 0, KafkaOffset(0)}).ok());
  auto problem = applier_->SourceProblem("planning");
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->position, GlobalPosition(2));
  EXPECT_THAT(problem->reason, ::testing::HasSubstr("arrived on topic piao.hr.events.v1"));
  EXPECT_THAT(seen_, ElementsAre(1));
  EXPECT_EQ(applier_->StoredOffset(kHrTopic, 0).value(), std::optional<KafkaOffset>(KafkaOffset(1))) << "consumed";
  const auto hr = History("hr", 1);
  ASSERT_TRUE(applier_->Apply(hr[0], At("hr", 1)).ok());
  EXPECT_FALSE(applier_->SourceProblem("hr").has_value());
  EXPECT_EQ(applier_->LastApplied("hr"), GlobalPosition(1));
}

}  // namespace
}  // namespace piao::kafka
