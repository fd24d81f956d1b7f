#include "libs/eventstore/command.h"

#include <gtest/gtest.h>

#include <filesystem>

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

}  // namespace
}  // namespace piao::eventstore
