#include "libs/eventstore/command.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "rocksdb/db.h"

namespace piao::eventstore {
namespace {

// A counter aggregate: state = number of events; "decide" refuses to go past a limit.
class CommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("piao_cmd_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    Options o;
    o.source_service = ServiceName("test");
    o.sync = false;
    store_ = std::move(*EventStore::Open(dir_.string(), o));
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  absl::StatusOr<AppendResult> Increment(const std::string& key, int limit) {
    CommandContext ctx;
    ctx.actor.set_id("user:test");
    ctx.idempotency_key = IdempotencyKey(key);
    return ExecuteCommand<size_t>(
        *store_, stream_, ctx,
        [](const std::vector<v1::EventEnvelope>& ev) -> absl::StatusOr<size_t> { return ev.size(); },
        [limit](const size_t& n) -> absl::StatusOr<std::vector<NewEvent>> {
          if (static_cast<int>(n) >= limit) return absl::FailedPreconditionError("limit reached");
          return std::vector<NewEvent>{NewEvent{"piao.v1.Incremented", 1, absl::InfinitePast(), ""}};
        });
  }
  std::filesystem::path dir_;
  std::unique_ptr<EventStore> store_;
  StreamId stream_{"counter", "c1"};
};

TEST_F(CommandTest, RetriedKeyAnswersOriginalResultEvenWhenDecisionWouldNowFail) {
  auto first = Increment("only-once", 1);
  ASSERT_TRUE(first.ok()) << first.status();
  // Deciding again would hit the limit; the key is answered before deciding.
  auto retry = Increment("only-once", 1);
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->last_position, first->last_position);
  EXPECT_EQ(Increment("another", 1).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->head().position, GlobalPosition(1));
}

TEST_F(CommandTest, EmptyDecisionAppendsNothing) {
  ASSERT_TRUE(Increment("a", 5).ok());
  CommandContext ctx;
  ctx.actor.set_id("user:test");
  auto r = ExecuteCommand<size_t>(
      *store_, stream_, ctx,
      [](const std::vector<v1::EventEnvelope>& ev) -> absl::StatusOr<size_t> { return ev.size(); },
      [](const size_t&) -> absl::StatusOr<std::vector<NewEvent>> { return std::vector<NewEvent>{}; });
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->last_version, StreamVersion(1));
  EXPECT_EQ(r->last_position, GlobalPosition(0));
  EXPECT_EQ(store_->head().position, GlobalPosition(1));
}

TEST_F(CommandTest, ConcurrentCommandsRetryOnConflictAndRespectTheRule) {
  std::vector<std::thread> ts;
  std::atomic<int> ok{0}, refused{0};
  for (int t = 0; t < 6; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        auto r = Increment("t" + std::to_string(t) + "-" + std::to_string(i), 40);
        if (r.ok()) {
          ok++;
        } else if (r.status().code() == absl::StatusCode::kFailedPrecondition) {
          refused++;
        } else {
          ASSERT_EQ(r.status().code(), absl::StatusCode::kAborted) << r.status();
        }
      }
    });
  }
  for (auto& th : ts) th.join();
  EXPECT_LE(ok.load(), 40);
  EXPECT_EQ(store_->head().position.value(), static_cast<uint64_t>(ok.load()));
  EXPECT_EQ(*store_->CurrentVersion(stream_), StreamVersion(ok.load()));
}

// The incremental path (StreamFold + StateCache): the state is the list of the stream's event ids, and the fold
// counts the events it is given, so the tests see what was folded.
class CachedCommandTest : public CommandTest {
 protected:
  using Ids = std::vector<std::string>;
  StreamFold<Ids> Fold() {
    return StreamFold<Ids>{[this](Ids& s, const std::vector<v1::EventEnvelope>& ev) -> absl::Status {
                             folded_ += ev.size();
                             for (const auto& e : ev) {
                               if (e.stream_version() != s.size() + 1) {
                                 return absl::InternalError("folded out of order");
                               }
                               s.push_back(e.event_id());
                             }
                             return absl::OkStatus();
                           },
                           &cache_};
  }
  // Appends one event unless the stream has `limit`; `seen` gets the ids the decision was made on.
  absl::StatusOr<AppendResult> Add(const std::string& key, size_t limit, Ids* seen = nullptr) {
    CommandContext ctx;
    ctx.actor.set_id("user:test");
    ctx.idempotency_key = IdempotencyKey(key);
    return ExecuteCommand<Ids>(*store_, stream_, ctx, Fold(), [&](const Ids& s) -> absl::StatusOr<std::vector<NewEvent>> {
      if (seen != nullptr) *seen = s;
      if (s.size() >= limit) return absl::FailedPreconditionError("limit reached");
      return std::vector<NewEvent>{NewEvent{"piao.v1.Incremented", 1, absl::InfinitePast(), ""}};
    });
  }
  Ids StoredIds() {
    Ids ids;
    absl::StatusOr<std::vector<v1::EventEnvelope>> events = store_->ReadStream(stream_, StreamVersion(1));
    EXPECT_TRUE(events.ok()) << events.status();
    if (events.ok()) {
      for (const auto& e : *events) ids.push_back(e.event_id());
    }
    return ids;
  }
  StateCache<Ids> cache_{8};
  size_t folded_ = 0;
};

TEST_F(CachedCommandTest, FoldsOnlyTheEventsAfterTheCachedState) {
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(Add("k" + std::to_string(i), 100).ok());
  // Each command folds what the previous one appended (and the first nothing): 19 events, not 0+1+...+19.
  EXPECT_EQ(folded_, 19u);
  Ids seen;
  ASSERT_TRUE(Add("k20", 100, &seen).ok());
  const Ids stored = StoredIds();
  ASSERT_EQ(stored.size(), 21u);
  EXPECT_EQ(seen, Ids(stored.begin(), stored.begin() + 20));
  EXPECT_EQ(*store_->CurrentVersion(stream_), StreamVersion(21));
  EXPECT_EQ(cache_.size(), 1u);
}

TEST_F(CachedCommandTest, AStaleCacheFoldsTheRestAndDecidesAtTheCurrentVersion) {
  ASSERT_TRUE(Add("a", 100).ok());
  ASSERT_TRUE(Add("b", 100).ok());
  // Another writer (another process, the policy thread) appends behind the cache's back.
  CommandContext other;
  other.actor.set_id("user:other");
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(store_->Append(stream_, ExpectedVersion::Any(),
                               {NewEvent{"piao.v1.Incremented", 1, absl::InfinitePast(), ""}}, other)
                    .ok());
  }
  Ids seen;
  auto r = Add("c", 100, &seen);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->first_version, StreamVersion(6));
  Ids stored = StoredIds();
  ASSERT_EQ(stored.size(), 6u);
  EXPECT_EQ(seen, Ids(stored.begin(), stored.begin() + 5));
  // The limit is decided on the whole stream, cached or not.
  EXPECT_EQ(Add("d", 6).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(CachedCommandTest, ACacheNotMatchingTheStoredStreamIsDiscarded) {
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(Add("k" + std::to_string(i), 100).ok());
  ASSERT_TRUE(Add("k4", 100).ok());  // the cache now holds versions 1-4; version 5 is stored
  // The tail is cut and another event written at the same version (as after a lost write and a reopen).
  store_.reset();
  {
    rocksdb::DB* raw = nullptr;
    rocksdb::Options o;
    ASSERT_TRUE(rocksdb::DB::Open(o, dir_.string(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(RemoveLastEventForTest(db.get()).ok());
    ASSERT_TRUE(RemoveLastEventForTest(db.get()).ok());  // versions 4 and 5 gone: the cached one too
  }
  Options o;
  o.source_service = ServiceName("test");
  o.sync = false;
  store_ = std::move(*EventStore::Open(dir_.string(), o));
  CommandContext other;
  other.actor.set_id("user:other");
  ASSERT_TRUE(store_->Append(stream_, ExpectedVersion::Exactly(StreamVersion(3)),
                             {NewEvent{"piao.v1.Replaced", 1, absl::InfinitePast(), ""}}, other)
                  .ok());
  folded_ = 0;
  Ids seen;
  auto r = Add("k5", 100, &seen);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->first_version, StreamVersion(5));
  EXPECT_EQ(folded_, 4u);  // folded again from the start
  Ids stored = StoredIds();
  ASSERT_EQ(stored.size(), 5u);
  EXPECT_EQ(seen, Ids(stored.begin(), stored.begin() + 4));
}

TEST_F(CachedCommandTest, ConcurrentCommandsRetryOnConflictAndRespectTheRule) {
  std::vector<std::thread> ts;
  std::atomic<int> ok{0}, refused{0};
  for (int t = 0; t < 6; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        auto r = Add("t" + std::to_string(t) + "-" + std::to_string(i), 40);
        if (r.ok()) {
          ok++;
        } else if (r.status().code() == absl::StatusCode::kFailedPrecondition) {
          refused++;
        } else {
          ASSERT_EQ(r.status().code(), absl::StatusCode::kAborted) << r.status();
        }
      }
    });
  }
  for (auto& th : ts) th.join();
  EXPECT_LE(ok.load(), 40);
  EXPECT_EQ(store_->head().position.value(), static_cast<uint64_t>(ok.load()));
  EXPECT_EQ(*store_->CurrentVersion(stream_), StreamVersion(ok.load()));
  Ids seen;
  (void)Add("last", 1000, &seen);
  EXPECT_EQ(seen.size(), static_cast<size_t>(ok.load()));
}

TEST(StateCacheTest, KeepsTheLatestVersionAndDropsTheLeastRecentlyUsed) {
  StateCache<int> cache(2);
  auto entry = [](uint64_t v, int value) {
    return FoldedState<int>{StreamVersion(v), GlobalPosition(v), "h", std::make_unique<int>(value)};
  };
  const StreamId a{"t", "a"}, b{"t", "b"}, c{"t", "c"};
  cache.Put(a, entry(2, 20));
  cache.Put(a, entry(1, 10));  // older than what is there: ignored
  auto got = cache.Take(a);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got->state, 20);
  EXPECT_FALSE(cache.Take(a).has_value());  // taken out
  cache.Put(a, entry(1, 1));
  cache.Put(b, entry(1, 2));
  cache.Put(c, entry(1, 3));  // a is dropped
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_FALSE(cache.Take(a).has_value());
  EXPECT_TRUE(cache.Take(c).has_value());
}

}  // namespace
}  // namespace piao::eventstore
