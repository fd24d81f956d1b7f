#include "libs/kafka/event_applier.h"

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/kafka/test_util.h"

namespace piao::kafka {
namespace {

using ::testing::ElementsAre;
using testing::Get;
using testing::OpenDb;
using testing::TempDir;

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
          b->Put("count/" + e.source_service(), absl::StrCat(count + 1));
          b->Put(absl::StrCat("event/", e.source_service(), "/", e.global_position()), e.event_id());
          return absl::OkStatus();
        },
        [this](const std::string& source, GlobalPosition from,
               GlobalPosition to) -> absl::StatusOr<std::vector<v1::EventEnvelope>> {
          fills_.push_back({from.value(), to.value()});
          std::vector<v1::EventEnvelope> out;
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
  ASSERT_TRUE(applier_->Apply(Event("planning", 1), InputPosition{"t", 0, 10}).ok());
  fail_at_ = 2;
  EXPECT_FALSE(applier_->Apply(Event("planning", 2), InputPosition{"t", 0, 11}).ok());
  EXPECT_EQ(applier_->LastApplied("planning"), GlobalPosition(1));
  EXPECT_EQ(applier_->StoredOffset("t", 0).value(), std::optional<int64_t>(11));
  EXPECT_EQ(Get(db_.get(), "event/planning/2"), "");
  fail_at_ = 0;
  ASSERT_TRUE(applier_->Apply(Event("planning", 2), InputPosition{"t", 0, 11}).ok());
  EXPECT_EQ(applier_->StoredOffset("t", 0).value(), std::optional<int64_t>(12));
  EXPECT_EQ(Count("planning"), "2");
}

TEST_F(ApplierTest, PositionsAndOffsetsSurviveReopen) {
  ASSERT_TRUE(applier_->Apply(Event("planning", 1), InputPosition{"t", 1, 40}).ok());
  ASSERT_TRUE(applier_->Apply(Event("hr", 1), InputPosition{"u", 0, 7}).ok());
  ASSERT_TRUE(applier_->Apply(Event("planning", 2), InputPosition{"t", 2, 3}).ok());
  Reopen();
  EXPECT_EQ(applier_->LastApplied("planning"), GlobalPosition(2));
  EXPECT_EQ(applier_->LastApplied("hr"), GlobalPosition(1));
  EXPECT_EQ(applier_->LastApplied("risk"), GlobalPosition(0));
  EXPECT_EQ(applier_->StoredOffset("t", 1).value(), std::optional<int64_t>(41));
  EXPECT_EQ(applier_->StoredOffset("t", 2).value(), std::optional<int64_t>(4));
  EXPECT_EQ(applier_->StoredOffset("u", 0).value(), std::optional<int64_t>(8));
  EXPECT_EQ(applier_->StoredOffset("t", 0).value(), std::nullopt);
  // A duplicate after the restart is ignored but still moves its partition's offset.
  ASSERT_TRUE(applier_->Apply(Event("planning", 2), InputPosition{"t", 2, 9}).ok());
  EXPECT_TRUE(seen_.size() == 3u);
  EXPECT_EQ(Count("planning"), "2");
  EXPECT_EQ(applier_->StoredOffset("t", 2).value(), std::optional<int64_t>(10));
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

}  // namespace
}  // namespace piao::kafka
