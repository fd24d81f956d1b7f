#include "libs/eventstore/event_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <thread>

#include "rocksdb/db.h"

namespace piao::eventstore {
namespace {

namespace fs = std::filesystem;

class EventStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("piao_es_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  void Reopen() {
    store_.reset();
    Options o;
    o.source_service = ServiceName("planning");
    o.clock = &clock_;
    o.ids = &ids_;
    o.sync = false;
    auto s = EventStore::Open(dir_.string(), o);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }
  static CommandContext Ctx(std::string key = "") {
    CommandContext c;
    c.actor.set_id("user:planner");
    c.actor.add_roles("planner");
    c.correlation_id = "corr-1";
    c.idempotency_key = IdempotencyKey(std::move(key));
    return c;
  }
  static std::vector<NewEvent> Events(int n, std::string tag = "x") {
    std::vector<NewEvent> out;
    for (int i = 0; i < n; ++i) out.push_back(NewEvent{"piao.v1.Test", 1, absl::InfinitePast(), tag + std::to_string(i)});
    return out;
  }

  fs::path dir_;
  FakeClock clock_{absl::FromUnixSeconds(1656288000)};
  RandomIdGenerator ids_{7};
  std::unique_ptr<EventStore> store_;
  const StreamId plan_{"plan", "CCIAA-TO/2022"};
  const StreamId other_{"plan", "CCIAA-TO/2023"};
};

// The writer serialises each envelope once (hash appended as the last field): the stored bytes must be exactly
// the canonical serialisation of the envelope they hold, and its hash the chain hash.
TEST_F(EventStoreTest, StoredBytesAreTheEnvelopesCanonicalSerialization) {
  ASSERT_TRUE(store_->Append(plan_, ExpectedVersion::NoStream(), Events(3), Ctx("k1")).ok());
  ASSERT_TRUE(store_->Append(other_, ExpectedVersion::Any(), Events(1, std::string(300, 'p')), Ctx()).ok());
  for (uint64_t pos = 1; pos <= 4; ++pos) {
    std::string stored;
    ASSERT_TRUE(store_->raw_db()->Get(rocksdb::ReadOptions(), EventKeyForTest(GlobalPosition(pos)), &stored).ok());
    v1::EventEnvelope e;
    ASSERT_TRUE(e.ParseFromString(stored));
    EXPECT_EQ(e.SerializeAsString(), stored) << pos;
    EXPECT_EQ(ChainHash(e), e.hash()) << pos;
    EXPECT_EQ(e.hash().size(), 32u);
  }
}

TEST_F(EventStoreTest, AppendNumbersEventsGapFreeAndRecordsWhoAndWhen) {
  auto r = store_->Append(plan_, ExpectedVersion::NoStream(), Events(3), Ctx());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->first_version, StreamVersion(1));
  EXPECT_EQ(r->last_version, StreamVersion(3));
  EXPECT_EQ(r->first_position, GlobalPosition(1));
  EXPECT_EQ(r->last_position, GlobalPosition(3));
  auto r2 = store_->Append(other_, ExpectedVersion::NoStream(), Events(2), Ctx());
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->first_position, GlobalPosition(4));
  EXPECT_EQ(r2->first_version, StreamVersion(1));

  auto all = store_->ReadAll(GlobalPosition(1));
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 5u);
  for (size_t i = 0; i < all->size(); ++i) EXPECT_EQ((*all)[i].global_position(), i + 1);
  const v1::EventEnvelope& e = (*all)[0];
  EXPECT_EQ(e.actor().id(), "user:planner");
  EXPECT_EQ(e.source_service(), "planning");
  EXPECT_EQ(e.correlation_id(), "corr-1");
  EXPECT_EQ(e.recorded_at().seconds(), 1656288000);
  EXPECT_EQ(e.occurred_at().seconds(), 1656288000);  // defaults to record time
  EXPECT_EQ(e.payload(), "x0");
  EXPECT_EQ(e.event_id().size(), 36u);
  EXPECT_TRUE(e.prev_hash().empty());
  EXPECT_EQ((*all)[1].prev_hash(), e.hash());
  EXPECT_EQ(store_->head().position, GlobalPosition(5));
}

TEST_F(EventStoreTest, ValidTimeIsKeptApartFromRecordTime) {
  std::vector<NewEvent> ev = Events(1);
  ev[0].occurred_at = absl::FromUnixSeconds(1663027200);  // 2022-09-13, the deliberation's date
  ASSERT_TRUE(store_->Append(plan_, ExpectedVersion::Any(), ev, Ctx()).ok());
  auto all = store_->ReadAll(GlobalPosition(1));
  ASSERT_TRUE(all.ok());
  EXPECT_EQ((*all)[0].occurred_at().seconds(), 1663027200);
  EXPECT_EQ((*all)[0].recorded_at().seconds(), 1656288000);
}

// A valid time far from 1970 (an act of 1009, a typo a client may well send) is stored as it is: it used
// to overflow a 64-bit count of nanoseconds (UBSan, found by grpc_request_fuzz).
TEST_F(EventStoreTest, ValidTimesFarFrom1970AreExact) {
  const absl::Time year_1009 = absl::FromCivil(absl::CivilSecond(1009, 2, 16, 0, 0, 0), absl::UTCTimeZone());
  const absl::Time year_2999 = absl::FromCivil(absl::CivilSecond(2999, 12, 31, 23, 59, 59), absl::UTCTimeZone()) +
                               absl::Nanoseconds(5);
  std::vector<NewEvent> ev = Events(2);
  ev[0].occurred_at = year_1009;
  ev[1].occurred_at = year_2999;
  ASSERT_TRUE(store_->Append(plan_, ExpectedVersion::Any(), ev, Ctx()).ok());
  auto all = store_->ReadAll(GlobalPosition(1));
  ASSERT_TRUE(all.ok());
  EXPECT_EQ((*all)[0].occurred_at().seconds(), absl::ToUnixSeconds(year_1009));
  EXPECT_EQ((*all)[0].occurred_at().nanos(), 0);
  EXPECT_EQ((*all)[1].occurred_at().seconds(), absl::ToUnixSeconds(year_2999));
  EXPECT_EQ((*all)[1].occurred_at().nanos(), 5);
}

TEST_F(EventStoreTest, WrongExpectedVersionIsAbortedAndWritesNothing) {
  ASSERT_TRUE(store_->Append(plan_, ExpectedVersion::NoStream(), Events(2), Ctx()).ok());
  auto r = store_->Append(plan_, ExpectedVersion::Exactly(StreamVersion(1)), Events(1), Ctx());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted);
  EXPECT_NE(r.status().message().find("version 2"), std::string::npos);
  EXPECT_EQ(store_->Append(plan_, ExpectedVersion::NoStream(), Events(1), Ctx()).status().code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ(store_->head().position, GlobalPosition(2));
  EXPECT_EQ(store_->ReadAll(GlobalPosition(1))->size(), 2u);
  EXPECT_EQ(*store_->OutboxSize(), 2u);
  auto ok = store_->Append(plan_, ExpectedVersion::Exactly(StreamVersion(2)), Events(1), Ctx());
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->last_version, StreamVersion(3));
}

TEST_F(EventStoreTest, BadInputIsInvalidArgumentNamingTheField) {
  auto no_actor = Ctx();
  no_actor.actor.clear_id();
  EXPECT_EQ(store_->Append(plan_, ExpectedVersion::Any(), Events(1), no_actor).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto r = store_->Append(StreamId{"plan", ""}, ExpectedVersion::Any(), Events(1), Ctx());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("aggregate_id"), std::string::npos);
  EXPECT_EQ(store_->Append(plan_, ExpectedVersion::Any(), {}, Ctx()).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto untyped = Events(1);
  untyped[0].event_type.clear();
  auto r2 = store_->Append(plan_, ExpectedVersion::Any(), untyped, Ctx());
  EXPECT_NE(r2.status().message().find("events[0].event_type"), std::string::npos);
  EXPECT_EQ(store_->head().position, GlobalPosition(0));
}

TEST_F(EventStoreTest, RetriedCommandReturnsOriginalResultAndAppendsNothing) {
  auto first = store_->Append(plan_, ExpectedVersion::NoStream(), Events(2), Ctx("cmd-1"));
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->duplicate);
  // The retry would fail its version check if it were applied again: dedup comes first.
  auto retry = store_->Append(plan_, ExpectedVersion::NoStream(), Events(2), Ctx("cmd-1"));
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->first_position, first->first_position);
  EXPECT_EQ(retry->last_version, first->last_version);
  EXPECT_EQ(store_->head().position, GlobalPosition(2));
  // Survives a reopen.
  Reopen();
  auto again = store_->Append(plan_, ExpectedVersion::NoStream(), Events(2), Ctx("cmd-1"));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(store_->head().position, GlobalPosition(2));
}

// Regression (issue 11 §3): keys were global per store and the lookup ignored the stream, so anyone reusing a
// key (another client, administration or stream) got duplicate=true and nothing was written.
TEST_F(EventStoreTest, KeysAreScopedToThePrincipalAndTheStream) {
  ASSERT_TRUE(store_->Append(plan_, ExpectedVersion::Any(), Events(1), Ctx("k")).ok());
  // The same key on another stream is another command.
  auto other_stream = store_->Append(other_, ExpectedVersion::Any(), Events(1), Ctx("k"));
  ASSERT_TRUE(other_stream.ok()) << other_stream.status();
  EXPECT_FALSE(other_stream->duplicate);
  // The same key from another principal on the same stream is another command too.
  CommandContext someone_else = Ctx("k");
  someone_else.actor.set_id("user:intruder");
  auto intruder = store_->Append(plan_, ExpectedVersion::Any(), Events(1), someone_else);
  ASSERT_TRUE(intruder.ok()) << intruder.status();
  EXPECT_FALSE(intruder->duplicate);
  EXPECT_EQ(store_->head().position, GlobalPosition(3));
  auto seen = store_->LookupIdempotencyKey(plan_, someone_else);
  ASSERT_TRUE(seen.ok() && seen->has_value());
  EXPECT_EQ((*seen)->last_position, GlobalPosition(3));
}

TEST_F(EventStoreTest, AKeyReusedForAnotherRequestIsRefused) {
  CommandContext first = Ctx("k");
  first.request_fingerprint = "fp-A";
  first.reply = "answer-A";
  ASSERT_TRUE(store_->Append(plan_, ExpectedVersion::Any(), Events(1), first).ok());
  CommandContext other = Ctx("k");
  other.request_fingerprint = "fp-B";
  auto r = store_->Append(plan_, ExpectedVersion::Any(), Events(1), other);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("meta.idempotency_key"), std::string::npos) << r.status();
  EXPECT_EQ(store_->LookupIdempotencyKey(plan_, other).status().code(), absl::StatusCode::kInvalidArgument);
  // A true retry gets the original answer, also inside one group and after a reopen.
  auto retry = store_->Append(plan_, ExpectedVersion::Any(), Events(1), first);
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->reply, "answer-A");
  Reopen();
  auto seen = store_->LookupIdempotencyKey(plan_, first);
  ASSERT_TRUE(seen.ok() && seen->has_value());
  EXPECT_EQ((*seen)->reply, "answer-A");
  EXPECT_EQ(store_->head().position, GlobalPosition(1));
}

TEST_F(EventStoreTest, ReadsStreamFromVersionAndAllFromPosition) {
  ASSERT_TRUE(store_->Append(plan_, ExpectedVersion::Any(), Events(3, "a"), Ctx()).ok());
  ASSERT_TRUE(store_->Append(other_, ExpectedVersion::Any(), Events(2, "b"), Ctx()).ok());
  ASSERT_TRUE(store_->Append(plan_, ExpectedVersion::Any(), Events(2, "c"), Ctx()).ok());
  auto s = store_->ReadStream(plan_, StreamVersion(3));
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->size(), 3u);
  EXPECT_EQ((*s)[0].payload(), "a2");
  EXPECT_EQ((*s)[1].payload(), "c0");
  EXPECT_EQ((*s)[2].stream_version(), 5u);
  EXPECT_EQ(store_->ReadStream(other_, StreamVersion(1))->size(), 2u);
  EXPECT_EQ(store_->ReadStream(StreamId{"plan", "none"}, StreamVersion(1))->size(), 0u);
  auto page = store_->ReadAll(GlobalPosition(4), 2);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].payload(), "b0");
  EXPECT_EQ(*store_->CurrentVersion(plan_), StreamVersion(5));
}

TEST_F(EventStoreTest, ConcurrentAppendersNeverLeaveGapsOrDuplicates) {
  constexpr int kThreads = 8, kPerThread = 50;
  std::vector<std::thread> threads;
  std::atomic<int> aborted{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      StreamId mine{"plan", "T" + std::to_string(t)};
      for (int i = 0; i < kPerThread; ++i) {
        // Half the threads race on one shared stream with optimistic concurrency.
        StreamId target = (t % 2 == 0) ? mine : StreamId{"plan", "shared"};
        for (;;) {
          auto v = store_->CurrentVersion(target);
          ASSERT_TRUE(v.ok());
          auto r = store_->Append(target, ExpectedVersion::Exactly(*v), Events(1 + i % 3), Ctx());
          if (r.ok()) break;
          ASSERT_EQ(r.status().code(), absl::StatusCode::kAborted) << r.status();
          aborted++;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  auto all = store_->ReadAll(GlobalPosition(1));
  ASSERT_TRUE(all.ok());
  std::map<std::string, uint64_t> versions;
  for (size_t i = 0; i < all->size(); ++i) {
    ASSERT_EQ((*all)[i].global_position(), i + 1);
    uint64_t& v = versions[(*all)[i].stream().aggregate_id()];
    ASSERT_EQ((*all)[i].stream_version(), v + 1);
    v++;
  }
  int expected_events = 0;
  for (int i = 0; i < kPerThread; ++i) expected_events += 1 + i % 3;
  EXPECT_EQ(all->size(), static_cast<size_t>(expected_events * kThreads));
  EXPECT_TRUE(store_->Verify().intact) << store_->Verify().problem;
}

TEST_F(EventStoreTest, OutboxHoldsEveryEventUntilDelivered) {
  ASSERT_TRUE(store_->Append(plan_, ExpectedVersion::Any(), Events(4), Ctx()).ok());
  auto out = store_->ReadOutbox(GlobalPosition(0), 10);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->size(), 4u);
  ASSERT_TRUE(store_->MarkDelivered({GlobalPosition(1), GlobalPosition(3)}).ok());
  out = store_->ReadOutbox(GlobalPosition(0), 10);
  ASSERT_EQ(out->size(), 2u);
  EXPECT_EQ((*out)[0].global_position(), 2u);
  EXPECT_EQ((*out)[1].global_position(), 4u);
  EXPECT_EQ(*store_->OutboxSize(), 2u);
}

// The relay's read: the stored bytes undecoded, each exactly the envelope ReadOutbox decodes, with its stream.
TEST_F(EventStoreTest, OutboxEntriesAreTheStoredEnvelopesUndecoded) {
  ASSERT_TRUE(store_->Append(plan_, ExpectedVersion::Any(), Events(3), Ctx("k1")).ok());
  ASSERT_TRUE(store_->Append(other_, ExpectedVersion::Any(), Events(2, std::string(300, 'p')), Ctx()).ok());
  ASSERT_TRUE(store_->MarkDelivered({GlobalPosition(2)}).ok());
  auto decoded = store_->ReadOutbox(GlobalPosition(0), 10);
  auto raw = store_->ReadOutboxEntries(GlobalPosition(0), 10);
  ASSERT_TRUE(decoded.ok() && raw.ok());
  ASSERT_EQ(raw->size(), 4u);
  ASSERT_EQ(decoded->size(), raw->size());
  for (size_t i = 0; i < raw->size(); ++i) {
    const v1::EventEnvelope& e = (*decoded)[i];
    EXPECT_EQ((*raw)[i].position.value(), e.global_position());
    EXPECT_EQ((*raw)[i].stream.aggregate_type(), e.stream().aggregate_type());
    EXPECT_EQ((*raw)[i].stream.aggregate_id(), e.stream().aggregate_id());
    EXPECT_EQ((*raw)[i].bytes, e.SerializeAsString());
  }
  auto page = store_->ReadOutboxEntries(GlobalPosition(4), 1);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].position, GlobalPosition(4));
}

TEST_F(EventStoreTest, WaitForAppendWakesOnCommit) {
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(store_->Append(plan_, ExpectedVersion::Any(), Events(1), Ctx()).ok());
  });
  EXPECT_EQ(store_->WaitForAppend(GlobalPosition(0), absl::Seconds(10)), GlobalPosition(1));
  writer.join();
  EXPECT_EQ(store_->WaitForAppend(GlobalPosition(1), absl::Milliseconds(10)), GlobalPosition(1));
}

class TamperTest : public EventStoreTest {
 protected:
  void Fill() {
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(store_->Append(plan_, ExpectedVersion::Any(), Events(2), Ctx()).ok());
    ASSERT_TRUE(store_->Verify().intact) << store_->Verify().problem;
    EXPECT_EQ(store_->Verify().events_checked, 10u);
  }
  std::string Get(uint64_t pos) {
    std::string v;
    EXPECT_TRUE(store_->raw_db()->Get(rocksdb::ReadOptions(), EventKeyForTest(GlobalPosition(pos)), &v).ok());
    return v;
  }
  void Put(uint64_t pos, const std::string& v) {
    ASSERT_TRUE(store_->raw_db()->Put(rocksdb::WriteOptions(), EventKeyForTest(GlobalPosition(pos)), v).ok());
  }
};

TEST_F(TamperTest, FlippedByteIsDetected) {
  Fill();
  std::string v = Get(4);
  size_t at = v.find("x1");  // inside the payload
  ASSERT_NE(at, std::string::npos);
  v[at] ^= 0x01;
  Put(4, v);
  VerifyReport r = store_->Verify();
  EXPECT_FALSE(r.intact);
  EXPECT_NE(r.problem.find("position 4"), std::string::npos) << r.problem;
}

TEST_F(TamperTest, EveryByteFlipOfAnEventIsDetected) {
  Fill();
  const std::string original = Get(6);
  for (size_t i = 0; i < original.size(); ++i) {
    std::string v = original;
    v[i] ^= 0x20;
    Put(6, v);
    EXPECT_FALSE(store_->Verify().intact) << "flip at byte " << i << " went unnoticed";
  }
  Put(6, original);
  EXPECT_TRUE(store_->Verify().intact);
}

TEST_F(TamperTest, RemovedEventIsDetected) {
  Fill();
  ASSERT_TRUE(store_->raw_db()->Delete(rocksdb::WriteOptions(), EventKeyForTest(GlobalPosition(3))).ok());
  VerifyReport r = store_->Verify();
  EXPECT_FALSE(r.intact);
  EXPECT_NE(r.problem.find("position 3 is missing"), std::string::npos) << r.problem;
}

TEST_F(TamperTest, RemovedTailIsDetected) {
  Fill();
  ASSERT_TRUE(store_->raw_db()->Delete(rocksdb::WriteOptions(), EventKeyForTest(GlobalPosition(10))).ok());
  VerifyReport r = store_->Verify();
  EXPECT_FALSE(r.intact);
  EXPECT_NE(r.problem.find("head record"), std::string::npos) << r.problem;
}

TEST_F(TamperTest, SwappedEventsAreDetected) {
  Fill();
  std::string a = Get(2), b = Get(7);
  Put(2, b);
  Put(7, a);
  EXPECT_FALSE(store_->Verify().intact);
}

TEST_F(TamperTest, RewrittenEventWithRecomputedOwnHashBreaksTheChain) {
  Fill();
  v1::EventEnvelope e;
  ASSERT_TRUE(e.ParseFromString(Get(5)));
  e.mutable_actor()->set_id("user:someone-else");
  e.set_hash(ChainHash(e));  // the forger fixes this event's hash, but not its successors'
  Put(5, e.SerializeAsString());
  VerifyReport r = store_->Verify();
  EXPECT_FALSE(r.intact);
  EXPECT_NE(r.problem.find("position 6"), std::string::npos) << r.problem;
}

TEST_F(EventStoreTest, HeadAndChainSurviveReopen) {
  ASSERT_TRUE(store_->Append(plan_, ExpectedVersion::Any(), Events(3), Ctx()).ok());
  Head before = store_->head();
  Reopen();
  EXPECT_EQ(store_->head().position, before.position);
  EXPECT_EQ(store_->head().hash, before.hash);
  auto r = store_->Append(plan_, ExpectedVersion::Exactly(StreamVersion(3)), Events(1), Ctx());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->first_position, GlobalPosition(4));
  EXPECT_TRUE(store_->Verify().intact) << store_->Verify().problem;
}

}  // namespace
}  // namespace piao::eventstore

namespace piao::eventstore {
namespace {

TEST_F(EventStoreTest, LookupIdempotencyKeyFindsOnlyAppendedKeys) {
  EXPECT_FALSE(store_->LookupIdempotencyKey(plan_, Ctx("k"))->has_value());
  ASSERT_TRUE(store_->Append(plan_, ExpectedVersion::Any(), Events(2), Ctx("k")).ok());
  EXPECT_FALSE(store_->LookupIdempotencyKey(other_, Ctx("k"))->has_value());
  auto seen = store_->LookupIdempotencyKey(plan_, Ctx("k"));
  ASSERT_TRUE(seen.ok());
  ASSERT_TRUE(seen->has_value());
  EXPECT_EQ((*seen)->last_position, GlobalPosition(2));
  EXPECT_TRUE((*seen)->duplicate);
}

}  // namespace
}  // namespace piao::eventstore

namespace piao::eventstore {
namespace {

// Regression (issue 11 §2): any size was accepted, so an event larger than Kafka takes blocked the relay.
TEST(EventStoreLimitTest, AnEventAboveTheLimitIsRefusedAndNothingIsWritten) {
  const fs::path dir = fs::temp_directory_path() / ("piao-limit-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  Options o;
  o.source_service = ServiceName("planning");
  o.sync = false;
  o.max_event_bytes = 1000;
  auto store = EventStore::Open(dir.string(), o);
  ASSERT_TRUE(store.ok()) << store.status();
  CommandContext ctx;
  ctx.actor.set_id("user:planner");
  std::vector<NewEvent> events = {NewEvent{"piao.v1.Test", 1, absl::InfinitePast(), "small"},
                                  NewEvent{"piao.v1.Test", 1, absl::InfinitePast(), std::string(2000, 'x')}};
  auto r = (*store)->Append(StreamId{"plan", "A/2022"}, ExpectedVersion::Any(), events, ctx);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("events[1]"), std::string::npos) << r.status();
  EXPECT_NE(r.status().message().find("limit of 1000 bytes"), std::string::npos) << r.status();
  EXPECT_EQ((*store)->head().position, GlobalPosition(0));
  EXPECT_EQ((*store)->max_event_bytes(), 1000u);
  // Just below the limit is fine.
  auto ok = (*store)->Append(StreamId{"plan", "A/2022"}, ExpectedVersion::Any(),
                             {NewEvent{"piao.v1.Test", 1, absl::InfinitePast(), std::string(700, 'x')}}, ctx);
  EXPECT_TRUE(ok.ok()) << ok.status();
  store->reset();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace piao::eventstore
