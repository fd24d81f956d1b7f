// The gRPC service in-process on a loopback port: roles, read-your-writes waits, progress.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <thread>
#include <type_traits>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "libs/service/auth.h"
#include "libs/service/client.h"
#include "libs/service/host.h"
#include "piao/v1/projection.grpc.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "services/projection/projection_service.h"
#include "services/projection/torino_events_test_util.h"
#include "services/projection/view.h"

namespace piao::projection {
namespace {

using ::testing::HasSubstr;

// What the projection has applied is a global position, not a bare integer.
static_assert(std::is_same_v<AppliedFn::result_type, GlobalPosition>);

class ProjectionServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "piao-projection-svc-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, dir_ + "/views", &db).ok());
    db_.reset(db);

    auto tokens = service::TokenAuthenticator::Parse(
        service::HashToken("oiv-token") + " user:oiv oiv\n" + service::HashToken("svc-token") + " svc:x service\n" +
            service::HashToken("oiv-xx-token") + " user:oiv-xx oiv CCIAA-XX\n",
        "test tokens");
    ASSERT_TRUE(tokens.ok()) << tokens.status();
    service::RolePolicy policy;
    AllowProjection(policy);
    ASSERT_TRUE(policy.CheckCovers({google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("piao.v1.Projection")}).ok());
    authorizer_ = std::make_unique<service::Authorizer>(
        std::make_shared<const service::TokenAuthenticator>(std::move(*tokens)), std::move(policy));
    service_ = std::make_unique<ProjectionService>(
        db_.get(), authorizer_.get(), std::vector<std::string>{"measurement", "planning"},
        [this](const std::string& s, const std::string&) { return GlobalPosition(s == "planning" ? planning_.load() : 0); },
        absl::Milliseconds(300));
    host_ = std::make_unique<service::ServiceHost>(service::HostOptions());
    host_->AddService(service_.get());
    ASSERT_TRUE(host_->Start().ok());
    auto channel = service::MakeChannel(service::ChannelOptions::Plaintext(host_->address()));
    ASSERT_TRUE(channel.ok());
    stub_ = v1::Projection::NewStub(*channel);
  }
  void TearDown() override {
    host_->Shutdown();
    host_.reset();
    service_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Applies the first planning events of a small plan straight into the DB, then bumps the position.
  void ApplyPlan() {
    testing::SourceLog log("planning", "plan");
    v1::PlanCreated created;
    created.set_administration("CCIAA-XX");
    created.set_year(2022);
    created.set_title("PIAO");
    const v1::EventEnvelope& e = log.Add("CCIAA-XX", 2022, created, testing::At("2022-01-10T09:00:00"));
    auto handler = MakeViewHandler(db_.get());
    rocksdb::WriteBatch batch;
    ASSERT_TRUE(handler(e, &batch).ok());
    ASSERT_TRUE(db_->Write(rocksdb::WriteOptions(), &batch).ok());
    planning_ = 1;
  }

  std::string dir_;
  std::atomic<uint64_t> planning_{0};
  std::unique_ptr<rocksdb::DB> db_;
  std::unique_ptr<service::Authorizer> authorizer_;
  std::unique_ptr<ProjectionService> service_;
  std::unique_ptr<service::ServiceHost> host_;
  std::unique_ptr<v1::Projection::Stub> stub_;
};

TEST_F(ProjectionServiceTest, EveryCallIsAuthenticated) {
  grpc::ClientContext ctx;
  service::PrepareContext(&ctx, "", absl::Seconds(5));
  v1::Progress p;
  EXPECT_EQ(stub_->GetProgress(&ctx, v1::GetProgressRequest(), &p).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(ProjectionServiceTest, ProgressListsEverySource) {
  planning_ = 7;
  grpc::ClientContext ctx;
  service::PrepareContext(&ctx, "oiv-token", absl::Seconds(5));
  v1::Progress p;
  ASSERT_TRUE(stub_->GetProgress(&ctx, v1::GetProgressRequest(), &p).ok());
  EXPECT_EQ(p.applied().at("planning"), 7u);
  EXPECT_EQ(p.applied().at("measurement"), 0u);
}

TEST_F(ProjectionServiceTest, ProgressShowsOnlyTheCallersAdministrationsHeldEvents) {
  // Two poison events (undecodable payloads), one per administration: each is quarantined.
  auto handler = MakeViewHandler(db_.get());
  uint64_t position = 0;
  for (const char* admin : {"CCIAA-XX", "CCIAA-YY"}) {
    v1::EventEnvelope e;
    e.set_source_service("planning");
    e.set_global_position(++position);
    e.set_stream_version(1);
    e.mutable_stream()->set_aggregate_type("plan");
    e.mutable_stream()->set_aggregate_id(absl::StrCat(admin, "/2022"));
    e.set_event_type("piao.v1.PlanCreated");
    e.set_payload("\xff\xff\xff");
    rocksdb::WriteBatch batch;
    ASSERT_TRUE(handler(e, &batch).ok());
    ASSERT_TRUE(db_->Write(rocksdb::WriteOptions(), &batch).ok());
  }
  auto progress = [&](const std::string& token) {
    grpc::ClientContext ctx;
    service::PrepareContext(&ctx, token, absl::Seconds(5));
    v1::Progress p;
    EXPECT_TRUE(stub_->GetProgress(&ctx, v1::GetProgressRequest(), &p).ok());
    std::vector<std::string> admins;
    for (const v1::QuarantinedEvent& q : p.quarantined()) admins.push_back(q.administration());
    std::sort(admins.begin(), admins.end());
    return std::make_pair(admins, p.state());
  };
  const auto [all, all_state] = progress("oiv-token");
  EXPECT_EQ(all, (std::vector<std::string>{"CCIAA-XX", "CCIAA-YY"}));
  const auto [own, own_state] = progress("oiv-xx-token");
  EXPECT_EQ(own, (std::vector<std::string>{"CCIAA-XX"}));  // CCIAA-YY's held event is not its business
  EXPECT_EQ(own_state, all_state);                           // but the service's state is the same for all
  EXPECT_EQ(all_state, v1::Progress::DEGRADED);
}

TEST_F(ProjectionServiceTest, QueriesFollowTheTextRulesOfEveryRequest) {
  v1::GetScoresRequest req;
  req.set_year(2022);
  req.set_administration("CCIAA\x01TO");
  grpc::ClientContext ctx;
  service::PrepareContext(&ctx, "oiv-token", absl::Seconds(5));
  v1::ScoresView view;
  grpc::Status s = stub_->GetScores(&ctx, req, &view);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("administration"));
}

TEST_F(ProjectionServiceTest, ReadYourWritesWaitsForThePositionAsked) {
  v1::GetScoresRequest req;
  req.set_year(2022);
  (*req.mutable_consistency()->mutable_min_positions())["planning"] = 1;
  {
    // Never reached within the call's deadline: DEADLINE_EXCEEDED naming the source and positions.
    grpc::ClientContext ctx;
    service::PrepareContext(&ctx, "oiv-token", absl::Milliseconds(150));
    v1::ScoresView v;
    grpc::Status s = stub_->GetScores(&ctx, req, &v);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  {
    // Within the service's cap (300 ms here) but the call allows longer: UNAVAILABLE naming them.
    grpc::ClientContext ctx;
    service::PrepareContext(&ctx, "svc-token", absl::Seconds(10));
    v1::ScoresView v;
    grpc::Status s = stub_->GetScores(&ctx, req, &v);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_THAT(s.error_message(), HasSubstr("planning at 0, asked 1"));
  }
  {
    // The position arrives while the call waits: it answers with the event applied.
    std::thread later([this] {
      absl::SleepFor(absl::Milliseconds(100));
      ApplyPlan();
    });
    grpc::ClientContext ctx;
    service::PrepareContext(&ctx, "oiv-token", absl::Seconds(5));
    v1::ScoresView v;
    grpc::Status s = stub_->GetScores(&ctx, req, &v);
    later.join();
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(v.administration(), "CCIAA-XX");
  }
  {
    grpc::ClientContext ctx;
    service::PrepareContext(&ctx, "oiv-token", absl::Seconds(5));
    (*req.mutable_consistency()->mutable_min_positions())["risk"] = 1;
    v1::ScoresView v;
    EXPECT_EQ(stub_->GetScores(&ctx, req, &v).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  }
}

// Scale-out (issue 13 §2): a member that does not serve an administration forwards the query to the member that
// does, with the caller's token and deadline: the owner checks the caller's rights and waits for its
// read-your-writes positions itself, so a client needs one address.
TEST_F(ProjectionServiceTest, AMemberForwardsQueriesAboutAdministrationsItDoesNotServe) {
  // The front member: empty views, serves nothing; the fixture's service (host_) serves CCIAA-XX.
  rocksdb::Options o;
  o.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(o, dir_ + "/front-views", &raw).ok());
  std::unique_ptr<rocksdb::DB> front_db(raw);
  std::atomic<int> asked{0};
  Router router([](const std::string&) { return false; },
                [&](const std::string& administration) -> absl::StatusOr<std::string> {
                  ++asked;
                  if (administration != "CCIAA-XX") return absl::NotFoundError("nobody");
                  return host_->address();
                },
                service::ChannelOptions());
  ProjectionService front(front_db.get(), authorizer_.get(), std::vector<std::string>{"measurement", "planning"},
                          [](const std::string&, const std::string&) { return GlobalPosition(0); },
                          absl::Milliseconds(300));
  front.SetRouter(&router);
  service::ServiceHost front_host{service::HostOptions()};
  front_host.AddService(&front);
  ASSERT_TRUE(front_host.Start().ok());
  auto channel = service::MakeChannel(service::ChannelOptions::Plaintext(front_host.address()));
  ASSERT_TRUE(channel.ok());
  auto front_stub = v1::Projection::NewStub(*channel);

  v1::GetScoresRequest req;
  req.set_year(2022);
  req.set_administration("CCIAA-XX");
  (*req.mutable_consistency()->mutable_min_positions())["planning"] = 1;  // written, not yet applied by the owner
  std::thread later([this] {
    absl::SleepFor(absl::Milliseconds(100));
    ApplyPlan();
  });
  grpc::ClientContext ctx;
  service::PrepareContext(&ctx, "oiv-xx-token", absl::Seconds(5));
  v1::ScoresView v;
  grpc::Status s = front_stub->GetScores(&ctx, req, &v);
  later.join();
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(v.administration(), "CCIAA-XX") << "answered by the owner after its read-your-writes wait";
  EXPECT_EQ(asked.load(), 1);

  // The caller's rights are its own: a token of another administration is refused before any forwarding.
  req.set_administration("CCIAA-YY");
  grpc::ClientContext denied;
  service::PrepareContext(&denied, "oiv-xx-token", absl::Seconds(5));
  EXPECT_EQ(front_stub->GetScores(&denied, req, &v).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(asked.load(), 1);
  // Nobody serves it (yet): UNAVAILABLE, retry.
  grpc::ClientContext unknown;
  service::PrepareContext(&unknown, "oiv-token", absl::Seconds(5));
  grpc::Status u = front_stub->GetScores(&unknown, req, &v);
  EXPECT_EQ(u.error_code(), grpc::StatusCode::UNAVAILABLE) << u.error_message();
  // A forwarded call that reaches a member which does not serve it is never forwarded again.
  req.set_administration("CCIAA-XX");
  grpc::ClientContext forwarded;
  service::PrepareContext(&forwarded, "oiv-token", absl::Seconds(5));
  forwarded.AddMetadata(kForwardedHeader, "1");
  EXPECT_EQ(front_stub->GetScores(&forwarded, req, &v).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(asked.load(), 2);
  front_host.Shutdown();
}

// The wait's deadline is a time of the injected clock: standing still, the fake clock keeps the wait going however
// long it really takes, and advancing it past the deadline ends the wait.
TEST(WaitForPositionsTest, TheDeadlineIsReadFromTheInjectedClock) {
  FakeClock clock(absl::FromUnixSeconds(1656288000));  // 2022: on the real clock this deadline is long past
  v1::Consistency consistency;
  (*consistency.mutable_min_positions())["planning"] = 1;
  const AppliedFn applied = [](const std::string&, const std::string&) { return GlobalPosition(0); };
  const absl::Time deadline = clock.Now() + absl::Milliseconds(100);
  auto waited = std::async(std::launch::async, [&] {
    return WaitForPositions(consistency, "CCIAA-TO", {"planning"}, applied, deadline, /*deadline_is_callers=*/false, {}, &clock);
  });
  EXPECT_EQ(waited.wait_for(std::chrono::milliseconds(800)), std::future_status::timeout)
      << "the wait ended before the injected clock reached its deadline";
  clock.Advance(absl::Milliseconds(101));
  ASSERT_EQ(waited.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  absl::Status s = waited.get();
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("planning at 0, asked 1"));
}

// Wave one's text of each level is read on purpose below.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
// Events carry the level as the enum only; every answer carries the enum and, for wave-one clients, the text;
// the level filter of a request is accepted as the text alone.
TEST_F(ProjectionServiceTest, AnswersCarryTheLevelEnumAndWaveOnesText) {
  testing::SourceLog log("planning", "plan");
  v1::PlanCreated created;
  created.set_administration("CCIAA-XX");
  created.set_year(2022);
  v1::ObjectivesAdopted adopted;
  adopted.mutable_act()->set_text("Deliberazione di Giunta n. 1 del 31/01/2022");
  adopted.set_effective_date("2022-01-31");
  v1::ObjectiveDefinition* o = adopted.add_objectives();
  o->set_code("OP1");
  o->set_level_kind(v1::OBJECTIVE_LEVEL_OPERATIONAL);
  o->add_units("Area Anagrafe");
  v1::IndicatorDefinition* k = o->add_indicators();
  k->set_code("K1");
  k->set_unit("N.");
  k->set_weight_pct(100);
  k->mutable_target()->mutable_comparison()->set_op(">=");
  k->mutable_target()->mutable_comparison()->set_value(1);
  k->mutable_target()->mutable_comparison()->set_unit("N.");
  auto handler = MakeViewHandler(db_.get());
  log.Add("CCIAA-XX", 2022, created, testing::At("2022-01-10T09:00:00"));
  log.Add("CCIAA-XX", 2022, adopted, testing::At("2022-01-31T09:00:00"));
  for (const v1::EventEnvelope& e : log.events()) {
    rocksdb::WriteBatch batch;
    ASSERT_TRUE(handler(e, &batch).ok());
    ASSERT_TRUE(db_->Write(rocksdb::WriteOptions(), &batch).ok());
  }
  planning_ = 2;

  grpc::ClientContext ctx;
  service::PrepareContext(&ctx, "oiv-token", absl::Seconds(5));
  v1::GetScoresRequest req;
  req.set_year(2022);
  v1::ScoresView v;
  ASSERT_TRUE(stub_->GetScores(&ctx, req, &v).ok());
  ASSERT_EQ(v.objectives_size(), 1);
  EXPECT_EQ(v.objectives(0).level_kind(), v1::OBJECTIVE_LEVEL_OPERATIONAL);
  EXPECT_EQ(v.objectives(0).level(), "operational");

  grpc::ClientContext hctx;
  service::PrepareContext(&hctx, "oiv-token", absl::Seconds(5));
  v1::GetIndicatorHistoryRequest h;
  h.set_year(2022);
  h.set_objective("OP1");
  h.set_indicator("K1");
  h.set_level("operational");  // wave one's text alone
  v1::IndicatorHistory history;
  grpc::Status s = stub_->GetIndicatorHistory(&hctx, h, &history);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(history.objective().level_kind(), v1::OBJECTIVE_LEVEL_OPERATIONAL);
  EXPECT_EQ(history.objective().level(), "operational");
  EXPECT_EQ(history.objective().scope(), "Area Anagrafe");

  grpc::ClientContext bad;
  service::PrepareContext(&bad, "oiv-token", absl::Seconds(5));
  h.set_level_kind(v1::OBJECTIVE_LEVEL_STRATEGIC);
  s = stub_->GetIndicatorHistory(&bad, h, &history);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("level: 'operational' contradicts level_kind OBJECTIVE_LEVEL_STRATEGIC"));
}
#pragma GCC diagnostic pop

TEST_F(ProjectionServiceTest, UnknownYearIsNotFound) {
  grpc::ClientContext ctx;
  service::PrepareContext(&ctx, "oiv-token", absl::Seconds(5));
  v1::GetScoresRequest req;
  req.set_year(2040);
  v1::ScoresView v;
  EXPECT_EQ(stub_->GetScores(&ctx, req, &v).error_code(), grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace piao::projection
