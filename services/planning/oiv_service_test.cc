// piao.v1.OivActs over gRPC beside piao.v1.Planning: an in-process ServiceHost on 127.0.0.1:0 with a real
// EventStore, the Torino 2022 plan adopted first.
#include "services/planning/oiv_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "google/protobuf/descriptor.h"
#include "libs/base/log.h"
#include "libs/plan/fixture_files.h"
#include "libs/plan/plan_json.h"
#include "libs/plan/plan_proto.h"
#include "libs/service/client.h"
#include "libs/service/host.h"
#include "libs/service/service_test_util.h"
#include "services/planning/planning_service.h"

namespace piao::planning {
namespace {

using ::testing::HasSubstr;

class OivServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetMinLevelWarning(true);
    store_ = service::testing::OpenTestStore(dir_.File("store"));
    ASSERT_NE(store_, nullptr);
    std::string tokens_text;
    for (const char* role : {"oiv", "admin", "planner", "measurer", "feed", "rpct", "hr", "service"}) {
      tokens_text += service::HashToken(std::string(role) + "-token") + " user:" + role + " " + role + " CCIAA-TO\n";
    }
    tokens_text += service::HashToken("oiv-other-token") + " user:oiv-mi oiv CCIAA-MI\n";
    tokens_text += service::HashToken("operator-token") + " user:operator admin,oiv\n";
    auto tokens = service::TokenAuthenticator::Parse(tokens_text, "test");
    ASSERT_TRUE(tokens.ok()) << tokens.status();
    service::RolePolicy policy;
    AllowPlanning(policy);
    AllowOivActs(policy);
    const auto* pool = google::protobuf::DescriptorPool::generated_pool();
    ASSERT_TRUE(policy.CheckCovers({pool->FindServiceByName("piao.v1.Planning"),
                                    pool->FindServiceByName("piao.v1.OivActs")})
                    .ok());
    authorizer_ = std::make_unique<service::Authorizer>(
        std::make_shared<service::TokenAuthenticator>(*std::move(tokens)), policy);
    planning_ = std::make_unique<PlanningService>(store_.get(), authorizer_.get());
    oiv_ = std::make_unique<OivActsService>(store_.get(), authorizer_.get(), &clock_);
    host_ = std::make_unique<service::ServiceHost>(service::HostOptions());
    host_->AddService(planning_.get());
    host_->AddService(oiv_.get());
    ASSERT_TRUE(host_->Start().ok());
    auto channel = service::MakeChannel(service::ChannelOptions::Plaintext(host_->address()));
    ASSERT_TRUE(channel.ok()) << channel.status();
    planning_stub_ = v1::Planning::NewStub(*channel);
    stub_ = v1::OivActs::NewStub(*channel);
  }

  void TearDown() override {
    if (host_) host_->Shutdown();
    log::SetMinLevelWarning(false);
  }

  void AdoptTorinoPlan() {
    auto parsed = plan::ParsePlanJson(plan::testing::ReadFixture("torino-2022/plan-2022.json"));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    v1::AdoptObjectivesRequest r;
    r.mutable_meta()->set_idempotency_key("adopt");
    r.set_administration("CCIAA-TO");
    r.set_year(2022);
    if (parsed->plan.approval.has_value()) *r.mutable_act() = plan::ToProto(*parsed->plan.approval);
    for (const auto& o : parsed->plan.objectives) *r.add_objectives() = plan::ToProto(o);
    grpc::ClientContext ctx;
    service::PrepareContext(&ctx, "planner-token", absl::Seconds(30));
    v1::AdoptObjectivesResponse out;
    grpc::Status s = planning_stub_->AdoptObjectives(&ctx, r, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  template <typename R>
  static R Req(const std::string& key, const std::string& administration = "CCIAA-TO") {
    R r;
    r.mutable_meta()->set_idempotency_key(key);
    r.set_administration(administration);
    r.set_year(2022);
    return r;
  }

  static v1::ValidateRelazioneRequest Validate(const std::string& key) {
    auto r = Req<v1::ValidateRelazioneRequest>(key);
    v1::RelazioneValidation* v = r.mutable_validation();
    v->set_outcome(v1::VALIDATION_OUTCOME_VALIDATED_WITH_REMARKS);
    v->set_motivation("La Relazione è conforme; un obiettivo va motivato meglio");
    v->set_date("2023-06-20");
    v1::ObjectiveRemark* remark = v->add_remarks();
    remark->set_objective("OS01.1.1");
    remark->set_remark("indicatore EC07 mancato senza causa");
    return r;
  }

  template <typename R>
  grpc::Status Call(const std::string& token,
                    grpc::Status (v1::OivActs::Stub::*rpc)(grpc::ClientContext*, const R&, v1::OivCommandResponse*),
                    const R& request, v1::OivCommandResponse* response = nullptr) {
    grpc::ClientContext ctx;
    service::PrepareContext(&ctx, token, absl::Seconds(10));
    v1::OivCommandResponse ignored;
    return (stub_.get()->*rpc)(&ctx, request, response != nullptr ? response : &ignored);
  }

  size_t Stored(const StreamId& stream) {
    auto events = store_->ReadStream(stream, StreamVersion(1));
    return events.ok() ? events->size() : 0;
  }

  FakeClock clock_{absl::FromCivil(absl::CivilSecond(2023, 6, 30, 12, 0, 0), absl::UTCTimeZone())};
  service::testing::TempDir dir_;
  std::unique_ptr<eventstore::EventStore> store_;
  std::unique_ptr<service::Authorizer> authorizer_;
  std::unique_ptr<PlanningService> planning_;
  std::unique_ptr<OivActsService> oiv_;
  std::unique_ptr<service::ServiceHost> host_;
  std::unique_ptr<v1::Planning::Stub> planning_stub_;
  std::unique_ptr<v1::OivActs::Stub> stub_;
};

TEST_F(OivServiceTest, TheOivValidatesAndTheEventRecordsActorDateAndMotivation) {
  AdoptTorinoPlan();
  v1::OivCommandResponse out;
  grpc::Status s = Call("oiv-token", &v1::OivActs::Stub::ValidateRelazione, Validate("v1"), &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.id(), "validation/1");
  EXPECT_EQ(out.ack().stream(), "oiv/CCIAA-TO/2022");
  auto events = store_->ReadStream(OivStream("CCIAA-TO", 2022), StreamVersion(1));
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  const v1::EventEnvelope& e = events->front();
  EXPECT_EQ(e.event_type(), "piao.v1.RelazioneValidated");
  EXPECT_EQ(e.actor().id(), "user:oiv");
  EXPECT_EQ(e.occurred_at().seconds(), absl::ToUnixSeconds(absl::FromCivil(absl::CivilSecond(2023, 6, 20),
                                                                            absl::UTCTimeZone())));
  v1::RelazioneValidated ev;
  ASSERT_TRUE(ev.ParseFromString(e.payload()));
  EXPECT_EQ(ev.validation().motivation(), "La Relazione è conforme; un obiettivo va motivato meglio");

  // A retry with the same key answers the original; a new key with the same content is unchanged.
  v1::OivCommandResponse retry;
  ASSERT_TRUE(Call("oiv-token", &v1::OivActs::Stub::ValidateRelazione, Validate("v1"), &retry).ok());
  EXPECT_TRUE(retry.ack().duplicate());
  EXPECT_EQ(retry.id(), "validation/1");
  v1::OivCommandResponse same;
  ASSERT_TRUE(Call("oiv-token", &v1::OivActs::Stub::ValidateRelazione, Validate("v2"), &same).ok());
  EXPECT_TRUE(same.ack().unchanged());
  EXPECT_EQ(Stored(OivStream("CCIAA-TO", 2022)), 1u);
}

TEST_F(OivServiceTest, OnlyTheOivOfTheAdministrationWritesOivActs) {
  AdoptTorinoPlan();
  for (const char* token : {"admin-token", "planner-token", "measurer-token", "feed-token", "rpct-token", "hr-token",
                            "service-token"}) {
    grpc::Status s = Call(token, &v1::OivActs::Stub::ValidateRelazione, Validate(std::string("k-") + token));
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << token;
  }
  grpc::Status other = Call("oiv-other-token", &v1::OivActs::Stub::ValidateRelazione, Validate("k-mi"));
  EXPECT_EQ(other.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(other.error_message(), HasSubstr("CCIAA-TO"));
  EXPECT_EQ(Stored(OivStream("CCIAA-TO", 2022)), 0u);
  // The local administrator's token holds oiv beside admin: it may.
  EXPECT_TRUE(Call("operator-token", &v1::OivActs::Stub::ValidateRelazione, Validate("k-op")).ok());
  EXPECT_EQ(Stored(OivStream("CCIAA-TO", 2022)), 1u);
}

TEST_F(OivServiceTest, TheOivCannotChangeThePlan) {
  AdoptTorinoPlan();
  grpc::ClientContext ctx;
  service::PrepareContext(&ctx, "oiv-token", absl::Seconds(10));
  v1::CreatePlanRequest create = Req<v1::CreatePlanRequest>("create", "CCIAA-TO");
  create.set_year(2023);
  v1::CommandAck ack;
  EXPECT_EQ(planning_stub_->CreatePlan(&ctx, create, &ack).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  grpc::ClientContext ctx2;
  service::PrepareContext(&ctx2, "oiv-token", absl::Seconds(10));
  v1::ApplyRevisionActRequest revise = Req<v1::ApplyRevisionActRequest>("revise");
  EXPECT_EQ(planning_stub_->ApplyRevisionAct(&ctx2, revise, &ack).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // Nor state a deviation, which is the planning office's.
  auto deviation = Req<v1::RecordDeviationRequest>("dev");
  deviation.mutable_deviation()->set_objective("OS01.1.1");
  deviation.mutable_deviation()->set_causes("c");
  deviation.mutable_deviation()->set_measures("m");
  EXPECT_EQ(Call("oiv-token", &v1::OivActs::Stub::RecordDeviation, deviation).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(Call("planner-token", &v1::OivActs::Stub::RecordDeviation, deviation).ok());
}

TEST_F(OivServiceTest, ReferencesAreCheckedAgainstTheStoreNamingTheField) {
  // No plan yet.
  grpc::Status s = Call("oiv-token", &v1::OivActs::Stub::ValidateRelazione, Validate("v1"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("no plan CCIAA-TO/2022"));
  AdoptTorinoPlan();
  auto r = Validate("v2");
  r.mutable_validation()->mutable_remarks(0)->set_objective("OS99.9.9");
  s = Call("oiv-token", &v1::OivActs::Stub::ValidateRelazione, r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("validation.remarks[0].objective"));
  // A remark about the deviation: refused until the planning office records one, then it points at it.
  r = Validate("v3");
  r.mutable_validation()->mutable_remarks(0)->set_about_deviation(true);
  s = Call("oiv-token", &v1::OivActs::Stub::ValidateRelazione, r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  auto deviation = Req<v1::RecordDeviationRequest>("dev");
  deviation.mutable_deviation()->set_objective("OS01.1.1");
  deviation.mutable_deviation()->set_causes("ritardo dati");
  deviation.mutable_deviation()->set_measures("convenzione");
  ASSERT_TRUE(Call("planner-token", &v1::OivActs::Stub::RecordDeviation, deviation).ok());
  r = Validate("v4");
  r.mutable_validation()->mutable_remarks(0)->set_about_deviation(true);
  ASSERT_TRUE(Call("oiv-token", &v1::OivActs::Stub::ValidateRelazione, r).ok());
  auto events = store_->ReadStream(OivStream("CCIAA-TO", 2022), StreamVersion(1));
  ASSERT_TRUE(events.ok());
  v1::RelazioneValidated ev;
  ASSERT_TRUE(ev.ParseFromString(events->back().payload()));
  EXPECT_EQ(ev.validation().remarks(0).deviation_version(), 1u);
  // A hostile identifier is refused at the door, naming the field.
  r = Validate("v5");
  r.mutable_validation()->mutable_remarks(0)->set_objective(std::string("OS01\x00.1", 7));
  s = Call("oiv-token", &v1::OivActs::Stub::ValidateRelazione, r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("validation.remarks[0].objective"));
}

}  // namespace
}  // namespace piao::planning
