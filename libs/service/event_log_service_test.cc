#include "libs/service/event_log_service.h"

#include <chrono>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/base/log.h"
#include "libs/service/client.h"
#include "libs/service/event_log_client.h"
#include "libs/service/host.h"
#include "libs/service/service_test_util.h"

namespace piao::service {
namespace {

using ::testing::HasSubstr;

// An in-process server on 127.0.0.1:0 with a real EventStore serving EventLog.
class EventLogServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetMinLevelWarning(true);
    store_ = testing::OpenTestStore(dir_.File("store"));
    ASSERT_NE(store_, nullptr);
    auto tokens = TokenAuthenticator::Parse(testing::TestTokensText(), "test");
    ASSERT_TRUE(tokens.ok()) << tokens.status();
    RolePolicy policy;
    AllowEventLog(policy);
    authorizer_ = std::make_unique<Authorizer>(std::make_shared<TokenAuthenticator>(*std::move(tokens)), policy);
    EventLogOptions options;
    options.page_size = 2;  // several pages even for a handful of events
    service_ = std::make_unique<EventLogService>(store_.get(), authorizer_.get(), options);
  }

  void StartHost(absl::Duration drain, bool stop_followers_on_drain) {
    HostOptions options;
    options.drain_deadline = drain;
    host_ = std::make_unique<ServiceHost>(options);
    host_->AddService(service_.get());
    if (stop_followers_on_drain) host_->AddDrainHook("stop followers", [this] { service_->StopFollowing(); });
    ASSERT_TRUE(host_->Start().ok());
    auto channel = MakeChannel(ChannelOptions::Plaintext(host_->address()));
    ASSERT_TRUE(channel.ok()) << channel.status();
    stub_ = v1::EventLog::NewStub(*channel);
  }

  void TearDown() override {
    if (host_) host_->Shutdown();
    log::SetMinLevelWarning(false);
  }

  // Reads a non-follow stream to its end; returns the positions and sets *status.
  std::vector<uint64_t> Read(uint64_t from, uint64_t max, grpc::Status* status,
                             const std::string& token = "svc-token") {
    grpc::ClientContext ctx;
    PrepareContext(&ctx, token, absl::Seconds(10));
    v1::ReadEventsRequest req;
    req.set_from_global_position(from);
    req.set_max_events(max);
    auto reader = stub_->ReadEvents(&ctx, req);
    std::vector<uint64_t> positions;
    v1::EventEnvelope e;
    while (reader->Read(&e)) {
      positions.push_back(e.global_position());
      payloads_.push_back(e.payload());
    }
    *status = reader->Finish();
    return positions;
  }

  void AppendN(int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_GT(testing::AppendTestEvent(*store_, "s" + std::to_string(i % 2), "p" + std::to_string(++appended_)),
                GlobalPosition(0));
    }
  }

  testing::TempDir dir_;
  std::unique_ptr<eventstore::EventStore> store_;
  std::unique_ptr<Authorizer> authorizer_;
  std::unique_ptr<EventLogService> service_;
  std::unique_ptr<ServiceHost> host_;
  std::unique_ptr<v1::EventLog::Stub> stub_;
  std::vector<std::string> payloads_;
  int appended_ = 0;
};

TEST_F(EventLogServiceTest, ReadEventsFromStartAndFromTheMiddleInOrder) {
  StartHost(absl::Seconds(5), true);
  AppendN(5);
  grpc::Status status;
  EXPECT_EQ(Read(1, 0, &status), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(payloads_, (std::vector<std::string>{"p1", "p2", "p3", "p4", "p5"}));

  EXPECT_EQ(Read(3, 0, &status), (std::vector<uint64_t>{3, 4, 5}));
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(Read(0, 0, &status), (std::vector<uint64_t>{1, 2, 3, 4, 5})) << "0 reads from the start";
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(Read(2, 3, &status), (std::vector<uint64_t>{2, 3, 4})) << "max_events";
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(Read(2, 1, &status), (std::vector<uint64_t>{2}));
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(Read(6, 0, &status).empty()) << "beyond the head: empty, not an error";
  ASSERT_TRUE(status.ok());
}

TEST_F(EventLogServiceTest, ClientReadsRangesHeadAndChainAndFillsGaps) {
  StartHost(absl::Seconds(5), true);
  AppendN(5);
  auto channel = MakeChannel(ChannelOptions::Plaintext(host_->address()));
  ASSERT_TRUE(channel.ok());
  EventLogEndpoint endpoint{*channel, "svc-token", absl::Seconds(10)};
  auto range = ReadEventRange(endpoint, GlobalPosition(2), GlobalPosition(4));
  ASSERT_TRUE(range.ok()) << range.status();
  ASSERT_EQ(range->size(), 3u);
  EXPECT_EQ((*range)[0].global_position(), 2u);
  EXPECT_EQ((*range)[2].global_position(), 4u);
  auto head = GetHead(endpoint);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->global_position(), 5u);
  auto verify = VerifyChain(endpoint);
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->intact());
  auto reader = RemoteSourceReader({{store_->source_service().value(), endpoint}});
  // Streams plan/s0 (positions 1, 3, 5) and plan/s1 (2, 4): administrations s0 and s1.
  const int32_t p0 = kafka::PartitionOf("s0", 4);
  ASSERT_NE(p0, kafka::PartitionOf("s1", 4)) << "the test needs the two administrations in two partitions";
  auto page = reader->ReadPartitions(store_->source_service(), kafka::PartitionShare{4, {p0}}, GlobalPosition(2),
                                     GlobalPosition(0));
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->events.size(), 2u);
  EXPECT_EQ(page->events[0].global_position(), 3u);
  EXPECT_EQ(page->events[1].global_position(), 5u);
  EXPECT_EQ(page->scanned_to, GlobalPosition(5)) << "examined up to the head";
  auto bounded = reader->ReadPartitions(store_->source_service(), kafka::PartitionShare{4, {p0}}, GlobalPosition(1),
                                        GlobalPosition(4));
  ASSERT_TRUE(bounded.ok()) << bounded.status();
  EXPECT_EQ(bounded->events.size(), 2u);
  EXPECT_EQ(bounded->scanned_to, GlobalPosition(4));
  v1::ReadPartitionsRequest one_page;
  one_page.set_partition_count(4);
  one_page.add_partitions(p0);
  one_page.set_max_events(1);
  auto first = ReadPartitions(endpoint, one_page);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->events_size(), 1);
  EXPECT_EQ(first->scanned_to(), 1u) << "a full page stops at its last event";
  EXPECT_EQ(first->head(), 5u);
  one_page.add_partitions(4);
  EXPECT_EQ(ReadPartitions(endpoint, one_page).status().code(), absl::StatusCode::kInvalidArgument);
  v1::StreamRef s0;
  s0.set_aggregate_type("plan");
  s0.set_aggregate_id("s0");
  auto stream = reader->ReadStream(store_->source_service(), s0, StreamVersion(2));
  ASSERT_TRUE(stream.ok()) << stream.status();
  ASSERT_EQ(stream->size(), 2u);
  EXPECT_EQ((*stream)[0].global_position(), 3u);
  EXPECT_EQ((*stream)[1].stream_version(), 3u);
  EXPECT_EQ(reader->ReadStream(ServiceName("elsewhere"), s0, StreamVersion(1)).status().code(),
            absl::StatusCode::kUnavailable);
  EventLogEndpoint bad{*channel, "unknown-token", absl::Seconds(10)};
  EXPECT_EQ(GetHead(bad).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(EventLogServiceTest, ReadEventsOnEmptyStoreIsEmpty) {
  StartHost(absl::Seconds(5), true);
  grpc::Status status;
  EXPECT_TRUE(Read(1, 0, &status).empty());
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(EventLogServiceTest, CallsWithoutTokenOrWithWrongRoleAreRejectedOverTheWire) {
  StartHost(absl::Seconds(5), true);
  AppendN(1);
  grpc::Status status;
  EXPECT_TRUE(Read(1, 0, &status, /*token=*/"").empty());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
  EXPECT_TRUE(Read(1, 0, &status, "forged").empty());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Read(1, 0, &status, "planner-token").empty());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("admin, oiv, service"));

  grpc::ClientContext ctx;
  PrepareContext(&ctx, "", absl::Seconds(5));
  v1::GetHeadResponse head;
  grpc::Status s = stub_->GetHead(&ctx, v1::GetHeadRequest(), &head);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);

  grpc::ClientContext ctx2;
  PrepareContext(&ctx2, "planner-token", absl::Seconds(5));
  v1::VerifyChainResponse verify;
  s = stub_->VerifyChain(&ctx2, v1::VerifyChainRequest(), &verify);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(EventLogServiceTest, GetHeadAndVerifyChain) {
  StartHost(absl::Seconds(5), true);
  AppendN(3);
  grpc::ClientContext ctx;
  PrepareContext(&ctx, "oiv-token", absl::Seconds(5));
  v1::GetHeadResponse head;
  grpc::Status s = stub_->GetHead(&ctx, v1::GetHeadRequest(), &head);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(head.source_service(), "test");
  EXPECT_EQ(head.global_position(), 3u);
  EXPECT_EQ(head.hash(), store_->head().hash);
  EXPECT_EQ(head.hash().size(), 32u);

  grpc::ClientContext ctx2;
  PrepareContext(&ctx2, "admin-token", absl::Seconds(5));
  v1::VerifyChainResponse verify;
  s = stub_->VerifyChain(&ctx2, v1::VerifyChainRequest(), &verify);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(verify.source_service(), "test");
  EXPECT_TRUE(verify.intact()) << verify.problem();
  EXPECT_EQ(verify.events_checked(), 3u);
  EXPECT_EQ(verify.problem(), "");
}

TEST_F(EventLogServiceTest, VerifyChainChecksTheAnchorOverTheWire) {
  StartHost(absl::Seconds(5), true);
  AppendN(3);
  auto channel = MakeChannel(ChannelOptions::Plaintext(host_->address()));
  ASSERT_TRUE(channel.ok());
  EventLogEndpoint endpoint{*channel, "admin-token", absl::Seconds(10)};
  v1::VerifyChainRequest request;
  request.mutable_anchor()->set_global_position(3);
  request.mutable_anchor()->set_hash(store_->head().hash);
  auto ok = VerifyChain(endpoint, request);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_TRUE(ok->intact()) << ok->problem();
  EXPECT_TRUE(ok->anchor_checked());
  EXPECT_FALSE(VerifyChain(endpoint)->anchor_checked()) << "no anchor asked, none checked";

  request.mutable_anchor()->set_global_position(4);  // beyond the chain: as if the tail had been cut
  auto missing = VerifyChain(endpoint, request);
  ASSERT_TRUE(missing.ok()) << missing.status();
  EXPECT_FALSE(missing->intact());
  EXPECT_EQ(missing->problem_position(), 4u);
  EXPECT_THAT(missing->problem(), HasSubstr("anchored event at position 4 is missing"));

  request.mutable_anchor()->set_global_position(2);  // exists, but with another hash
  auto altered = VerifyChain(endpoint, request);
  ASSERT_TRUE(altered.ok()) << altered.status();
  EXPECT_FALSE(altered->intact());
  EXPECT_EQ(altered->problem_position(), 2u);
}

TEST_F(EventLogServiceTest, FollowDeliversEventsAppendedAfterTheCallStarted) {
  StartHost(absl::Seconds(5), true);
  AppendN(2);
  grpc::ClientContext ctx;
  PrepareContext(&ctx, "svc-token", absl::Seconds(30));
  v1::ReadEventsRequest req;
  req.set_from_global_position(2);
  req.set_follow(true);
  auto reader = stub_->ReadEvents(&ctx, req);
  v1::EventEnvelope e;
  ASSERT_TRUE(reader->Read(&e));
  EXPECT_EQ(e.global_position(), 2u);

  // Caught up: the next Read blocks until we append.
  std::thread appender([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    AppendN(3);
  });
  for (uint64_t want = 3; want <= 5; ++want) {
    ASSERT_TRUE(reader->Read(&e)) << "stream ended before position " << want;
    EXPECT_EQ(e.global_position(), want);
    EXPECT_EQ(e.payload(), "p" + std::to_string(want));
  }
  appender.join();
  ctx.TryCancel();
  while (reader->Read(&e)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(EventLogServiceTest, FollowFromBeyondTheHeadWaitsForThatPosition) {
  StartHost(absl::Seconds(5), true);
  AppendN(1);
  grpc::ClientContext ctx;
  PrepareContext(&ctx, "svc-token", absl::Seconds(30));
  v1::ReadEventsRequest req;
  req.set_from_global_position(3);
  req.set_follow(true);
  req.set_max_events(1);
  auto reader = stub_->ReadEvents(&ctx, req);
  std::thread appender([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    AppendN(3);  // positions 2, 3, 4
  });
  v1::EventEnvelope e;
  ASSERT_TRUE(reader->Read(&e));
  EXPECT_EQ(e.global_position(), 3u);
  EXPECT_FALSE(reader->Read(&e)) << "max_events=1 ends the follow stream";
  grpc::Status s = reader->Finish();
  EXPECT_TRUE(s.ok()) << s.error_message();
  appender.join();
}

TEST_F(EventLogServiceTest, FollowEndsAtTheDeadline) {
  StartHost(absl::Seconds(5), true);
  AppendN(1);
  grpc::ClientContext ctx;
  PrepareContext(&ctx, "svc-token", absl::Milliseconds(500));
  v1::ReadEventsRequest req;
  req.set_follow(true);
  auto reader = stub_->ReadEvents(&ctx, req);
  v1::EventEnvelope e;
  ASSERT_TRUE(reader->Read(&e));
  EXPECT_FALSE(reader->Read(&e));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
}

// Opens a follow stream, waits until it is caught up, then shuts the host down while it is open.
absl::Duration ShutdownDurationWithOpenFollower(ServiceHost& host, v1::EventLog::Stub& stub,
                                               grpc::Status* stream_status) {
  grpc::ClientContext ctx;
  PrepareContext(&ctx, "svc-token", absl::Seconds(60));
  v1::ReadEventsRequest req;
  req.set_follow(true);
  auto reader = stub.ReadEvents(&ctx, req);
  v1::EventEnvelope e;
  EXPECT_TRUE(reader->Read(&e));  // the one event: the handler is now in its follow loop
  absl::Time begin = absl::Now();
  host.Shutdown();
  absl::Duration took = absl::Now() - begin;
  while (reader->Read(&e)) {
  }
  *stream_status = reader->Finish();
  return took;
}

TEST_F(EventLogServiceTest, ShutdownReturnsPromptlyWithOpenFollowStream) {
  StartHost(/*drain=*/absl::Seconds(30), /*stop_followers_on_drain=*/true);
  AppendN(1);
  grpc::Status stream_status;
  absl::Duration took = ShutdownDurationWithOpenFollower(*host_, *stub_, &stream_status);
  EXPECT_LT(took, absl::Seconds(3)) << "the drain hook must end follow streams, not the 30 s drain deadline";
  EXPECT_EQ(stream_status.error_code(), grpc::StatusCode::UNAVAILABLE) << stream_status.error_message();
  EXPECT_THAT(stream_status.error_message(), HasSubstr("resume from position 2"));
}

TEST_F(EventLogServiceTest, WithoutDrainHookShutdownCancelsFollowersAtTheDrainDeadline) {
  StartHost(/*drain=*/absl::Milliseconds(500), /*stop_followers_on_drain=*/false);
  AppendN(1);
  grpc::Status stream_status;
  absl::Duration took = ShutdownDurationWithOpenFollower(*host_, *stub_, &stream_status);
  EXPECT_GE(took, absl::Milliseconds(400));
  EXPECT_LT(took, absl::Seconds(5));
  EXPECT_FALSE(stream_status.ok());
}

}  // namespace
}  // namespace piao::service
