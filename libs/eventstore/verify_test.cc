// Verify() under concurrent appends, and anchored verification against an attacker who can write the
// database: a truncated tail with a rewritten head record, a self-consistent forged chain, reordered events.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <type_traits>

#include "libs/eventstore/event_store.h"
#include "rocksdb/db.h"

namespace piao::eventstore {
namespace {

namespace fs = std::filesystem;

static_assert(std::is_same_v<decltype(VerifyReport::problem_position), GlobalPosition>);

class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("piao_verify_" + std::to_string(::getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
    store_ = Open("store");
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(root_);
  }
  // Every store opened here numbers, stamps and identifies events alike (same fake clock, same id seed), so
  // the same appends give the same hashes: a forger can rebuild a whole store that chains perfectly.
  std::unique_ptr<EventStore> Open(const std::string& name) {
    Options o;
    o.source_service = ServiceName("planning");
    o.clock = &clock_;
    ids_.push_back(std::make_unique<RandomIdGenerator>(7));
    o.ids = ids_.back().get();
    o.sync = false;
    auto s = EventStore::Open((root_ / name).string(), o);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? std::move(*s) : nullptr;
  }
  static CommandContext Ctx(const std::string& key) {
    CommandContext c;
    c.actor.set_id("user:planner");
    c.idempotency_key = IdempotencyKey(key);
    return c;
  }
  static std::vector<NewEvent> One(const std::string& payload) {
    return {NewEvent{"piao.v1.Test", 1, absl::InfinitePast(), payload}};
  }
  // Appends `payloads` one event per append, alternating two streams, each with the idempotency key "k-<payload>".
  static void Write(EventStore& store, const std::vector<std::string>& payloads) {
    int n = 0;
    for (const std::string& p : payloads) {
      StreamId s{"plan", n++ % 2 == 0 ? "A/2022" : "B/2022"};
      auto r = store.Append(s, ExpectedVersion::Any(), One(p), Ctx("k-" + p));
      ASSERT_TRUE(r.ok()) << r.status();
    }
  }
  Anchor AnchorOf(const EventStore& store) { return Anchor{store.head().position, store.head().hash}; }

  fs::path root_;
  FakeClock clock_{absl::FromUnixSeconds(1656288000)};
  std::vector<std::unique_ptr<RandomIdGenerator>> ids_;
  std::unique_ptr<EventStore> store_;
};

// Regression: Verify() compared its scan with the live in-memory head, so it reported BROKEN whenever an
// append committed while it was scanning.
TEST_F(VerifyTest, ExactWhileSeveralThreadsAppend) {
  constexpr int kWriters = 4, kPerWriter = 400;
  std::atomic<int> writers_done{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&, t] {
      StreamId s{"plan", "T" + std::to_string(t)};
      for (int i = 0; i < kPerWriter; ++i) {
        auto r = store_->Append(s, ExpectedVersion::Any(), One("p" + std::to_string(i)), Ctx(""));
        ASSERT_TRUE(r.ok()) << r.status();
      }
      writers_done++;
    });
  }
  int runs = 0, broken = 0, during_writes = 0;
  std::string first_problem;
  while (writers_done.load() < kWriters || runs < 20) {
    const bool writing = writers_done.load() < kWriters;
    VerifyReport r = store_->Verify();
    ++runs;
    during_writes += writing ? 1 : 0;
    if (!r.intact) {
      if (broken++ == 0) first_problem = r.problem;
    }
  }
  for (auto& w : writers) w.join();
  EXPECT_EQ(broken, 0) << broken << " of " << runs << " runs reported BROKEN, first: " << first_problem;
  EXPECT_GT(during_writes, 5) << "too few runs overlapped the appends to prove anything";
  VerifyReport last = store_->Verify();
  EXPECT_TRUE(last.intact) << last.problem;
  EXPECT_EQ(last.events_checked, static_cast<uint64_t>(kWriters * kPerWriter));
}

TEST_F(VerifyTest, AnchorOfTheCurrentHeadVerifies) {
  Write(*store_, {"a", "b", "c"});
  VerifyReport r = store_->Verify(AnchorOf(*store_));
  EXPECT_TRUE(r.intact) << r.problem;
  // An older anchor too: the store only grew since.
  Anchor old = AnchorOf(*store_);
  Write(*store_, {"d"});
  r = store_->Verify(old);
  EXPECT_TRUE(r.intact) << r.problem;
  EXPECT_EQ(r.events_checked, 4u);
  // An anchor of an empty store checks nothing beyond the chain.
  EXPECT_TRUE(store_->Verify(Anchor{GlobalPosition(0), ""}).intact);
}

// The reproduction: the last event and its index, outbox and idempotency records deleted, the head
// record rewritten. Plain verification cannot tell; the anchor taken before can.
TEST_F(VerifyTest, TruncatedTailWithRewrittenHeadFailsOnlyAgainstTheAnchor) {
  Write(*store_, {"a", "b", "c", "d"});
  const Anchor anchor = AnchorOf(*store_);
  ASSERT_EQ(anchor.position, GlobalPosition(4));
  store_.reset();
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), (root_ / "store").string(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    auto removed = RemoveLastEventForTest(db.get());
    ASSERT_TRUE(removed.ok()) << removed.status();
    EXPECT_EQ(*removed, GlobalPosition(4));
  }
  store_ = Open("store");
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(store_->head().position, GlobalPosition(3));
  EXPECT_FALSE(store_->LookupIdempotencyKey(StreamId{"plan", "B/2022"}, Ctx("k-d"))->has_value()) << "no trace left";
  EXPECT_EQ(*store_->OutboxSize(), 3u);
  VerifyReport plain = store_->Verify();
  EXPECT_TRUE(plain.intact) << "without an anchor the truncation is invisible: " << plain.problem;

  VerifyReport anchored = store_->Verify(anchor);
  EXPECT_FALSE(anchored.intact);
  EXPECT_EQ(anchored.problem_position, GlobalPosition(4));
  EXPECT_NE(anchored.problem.find("anchored event at position 4 is missing"), std::string::npos)
      << anchored.problem;

  // The next append reuses position 4 with other content: the chain is intact, the anchor still fails.
  Write(*store_, {"forged"});
  EXPECT_TRUE(store_->Verify().intact);
  anchored = store_->Verify(anchor);
  EXPECT_FALSE(anchored.intact);
  EXPECT_EQ(anchored.problem_position, GlobalPosition(4));
  EXPECT_NE(anchored.problem.find("anchored event at position 4 has hash"), std::string::npos) << anchored.problem;
}

// A forger who rebuilds the whole store so that it chains (every hash recomputed, head record consistent).
TEST_F(VerifyTest, SelfConsistentForgeryFailsAgainstTheAnchor) {
  Write(*store_, {"a", "b", "c", "d", "e"});
  const Anchor anchor = AnchorOf(*store_);

  // Control: the same appends in a fresh store give the same chain, so the anchor holds there.
  std::unique_ptr<EventStore> same = Open("same");
  Write(*same, {"a", "b", "c", "d", "e"});
  EXPECT_TRUE(same->Verify(anchor).intact) << same->Verify(anchor).problem;

  // Altered: one early payload changed, everything after re-chained.
  std::unique_ptr<EventStore> altered = Open("altered");
  Write(*altered, {"a", "B", "c", "d", "e"});
  ASSERT_TRUE(altered->Verify().intact);
  VerifyReport r = altered->Verify(anchor);
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.problem_position, GlobalPosition(5));
  EXPECT_NE(r.problem.find("altered, replaced or reordered"), std::string::npos) << r.problem;

  // Reordered: the same events, two of them swapped.
  std::unique_ptr<EventStore> reordered = Open("reordered");
  Write(*reordered, {"a", "b", "d", "c", "e"});
  ASSERT_TRUE(reordered->Verify().intact);
  r = reordered->Verify(anchor);
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.problem_position, GlobalPosition(5));

  // Missing: a forgery one event short, however consistent.
  std::unique_ptr<EventStore> shorter = Open("shorter");
  Write(*shorter, {"a", "b", "c", "d"});
  r = shorter->Verify(anchor);
  EXPECT_FALSE(r.intact);
  EXPECT_NE(r.problem.find("position 5 is missing"), std::string::npos) << r.problem;
}

// An altered event that is not re-chained is reported at its own position, before the anchor is reached.
TEST_F(VerifyTest, AlteredEventBeforeTheAnchorIsNamed) {
  Write(*store_, {"a", "b", "c"});
  const Anchor anchor = AnchorOf(*store_);
  std::string v;
  ASSERT_TRUE(store_->raw_db()->Get(rocksdb::ReadOptions(), EventKeyForTest(GlobalPosition(2)), &v).ok());
  v1::EventEnvelope e;
  ASSERT_TRUE(e.ParseFromString(v));
  e.set_payload("B");
  ASSERT_TRUE(store_->raw_db()->Put(rocksdb::WriteOptions(), EventKeyForTest(GlobalPosition(2)),
                                    e.SerializeAsString()).ok());
  VerifyReport r = store_->Verify(anchor);
  EXPECT_FALSE(r.intact);
  EXPECT_EQ(r.problem_position, GlobalPosition(2));
}

}  // namespace
}  // namespace piao::eventstore
