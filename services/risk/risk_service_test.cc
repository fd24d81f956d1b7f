// piao.v1.RiskRegistry over gRPC: an in-process ServiceHost on 127.0.0.1:0 with a real EventStore.
#include "services/risk/risk_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "google/protobuf/descriptor.h"
#include "libs/base/log.h"
#include "libs/risk/test_schemes.h"
#include "libs/service/client.h"
#include "libs/service/host.h"
#include "libs/service/service_test_util.h"

namespace piao::risk {
namespace {

using ::testing::HasSubstr;

class RiskServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetMinLevelWarning(true);
    store_ = service::testing::OpenTestStore(dir_.File("store"));
    ASSERT_NE(store_, nullptr);
    const std::string tokens_text = service::HashToken("rpct-token") + " user:segretario rpct\n" +
                                    service::HashToken("owner-token") + " user:m.rossi planner\n" +
                                    service::HashToken("other-token") + " user:l.verdi planner\n" +
                                    service::HashToken("oiv-token") + " user:oiv oiv\n";
    auto tokens = service::TokenAuthenticator::Parse(tokens_text, "test");
    ASSERT_TRUE(tokens.ok()) << tokens.status();
    service::RolePolicy policy;
    AllowRiskRegistry(policy);
    ASSERT_TRUE(policy
                    .CheckCovers({google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
                        "piao.v1.RiskRegistry")})
                    .ok());
    authorizer_ = std::make_unique<service::Authorizer>(
        std::make_shared<service::TokenAuthenticator>(*std::move(tokens)), policy);
    service_ = std::make_unique<RiskRegistryService>(store_.get(), authorizer_.get());
    host_ = std::make_unique<service::ServiceHost>(service::HostOptions());
    host_->AddService(service_.get());
    ASSERT_TRUE(host_->Start().ok());
    auto channel = service::MakeChannel(service::ChannelOptions::Plaintext(host_->address()));
    ASSERT_TRUE(channel.ok()) << channel.status();
    stub_ = v1::RiskRegistry::NewStub(*channel);

    v1::DefineAreasRequest areas = Req<v1::DefineAreasRequest>("areas");
    v1::RiskArea* b = areas.add_areas();
    b->set_code("B");
    b->set_name("Contratti pubblici");
    ASSERT_TRUE(Call("rpct-token", &v1::RiskRegistry::Stub::DefineAreas, areas).ok());
    v1::DefineSchemeRequest scheme = Req<v1::DefineSchemeRequest>("scheme");
    *scheme.mutable_scheme() = testing::FourBands();
    scheme.mutable_scheme()->clear_areas();
    ASSERT_TRUE(Call("rpct-token", &v1::RiskRegistry::Stub::DefineScheme, scheme).ok());
    v1::DefineProcessRequest process = Req<v1::DefineProcessRequest>("process");
    v1::RiskProcess* p = process.mutable_process();
    p->set_code("B.02");
    p->set_name("Affidamenti diretti");
    p->set_area("B");
    p->set_unit("Provveditorato");
    p->set_owner("Dirigente Area B");
    p->set_owner_principal("user:m.rossi");
    v1::RiskEvent* e = p->add_risk_events();
    e->set_code("E1");
    e->set_description("frazionamento artificioso");
    ASSERT_TRUE(Call("rpct-token", &v1::RiskRegistry::Stub::DefineProcess, process).ok());
  }

  void TearDown() override {
    if (host_) host_->Shutdown();
    log::SetMinLevelWarning(false);
  }

  template <typename R>
  static R Req(const std::string& key) {
    R r;
    r.mutable_meta()->set_idempotency_key(key);
    r.set_administration("CCIAA-TO");
    r.set_year(2022);
    return r;
  }

  static v1::RecordAssessmentRequest Assess(const std::string& key) {
    auto r = Req<v1::RecordAssessmentRequest>(key);
    v1::Assessment* a = r.mutable_assessment();
    a->set_process("B.02");
    a->set_assessed_on("2022-03-15");
    a->set_rating_method(v1::RATING_METHOD_PRODUCT);
    a->set_scheme("four_bands");
    a->set_motivation("esperienza organizzativa");
    v1::EventRating* e = a->add_events();
    e->set_risk_event("E1");
    e->set_probability(3);
    e->set_impact(4);
    return r;
  }

  template <typename R>
  grpc::Status Call(const std::string& token,
                    grpc::Status (v1::RiskRegistry::Stub::*rpc)(grpc::ClientContext*, const R&,
                                                                v1::RiskCommandResponse*),
                    const R& request, v1::RiskCommandResponse* response = nullptr) {
    grpc::ClientContext ctx;
    service::PrepareContext(&ctx, token, absl::Seconds(10));
    v1::RiskCommandResponse ignored;
    return (stub_.get()->*rpc)(&ctx, request, response != nullptr ? response : &ignored);
  }

  uint64_t StoredEvents() {
    auto events = store_->ReadStream(StreamId{"risk", "CCIAA-TO/2022"}, StreamVersion(1));
    return events.ok() ? events->size() : 0;
  }

  service::testing::TempDir dir_;
  std::unique_ptr<eventstore::EventStore> store_;
  std::unique_ptr<service::Authorizer> authorizer_;
  std::unique_ptr<RiskRegistryService> service_;
  std::unique_ptr<service::ServiceHost> host_;
  std::unique_ptr<v1::RiskRegistry::Stub> stub_;
};

TEST_F(RiskServiceTest, ValidateRegisterDecidesAWholeFileAndWritesNothing) {
  v1::ValidateRegisterRequest req;
  v1::RiskRegisterFile* f = req.mutable_file();
  f->set_administration("CCIAA-TO");
  f->set_year(2023);
  v1::RiskArea* area = f->add_areas();
  area->set_code("B");
  area->set_name("Contratti pubblici");
  v1::RiskProcess* p = f->add_processes();
  p->set_code("B.09");
  p->set_name("Affidamenti diretti");
  p->set_area("B");
  p->set_unit("Provveditorato");
  p->set_owner("Dirigente Area B");
  const GlobalPosition head = store_->head().position;
  auto validate = [&](const std::string& token, v1::ValidateRegisterResponse* out) {
    grpc::ClientContext ctx;
    service::PrepareContext(&ctx, token, absl::Seconds(10));
    return stub_->ValidateRegister(&ctx, req, out);
  };
  v1::ValidateRegisterResponse ok;
  grpc::Status s = validate("rpct-token", &ok);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(ok.commands(), 2u);
  EXPECT_EQ(store_->head().position, head);  // validate-only

  p->set_area("Z");  // an area the file does not define
  s = validate("rpct-token", &ok);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("processes[0] B.09: process.area"));
  EXPECT_EQ(validate("oiv-token", &ok).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(store_->head().position, head);
}

TEST_F(RiskServiceTest, RolesAndOwnership) {
  const uint64_t before = StoredEvents();
  // The OIV reads, never writes; a planner who does not own B.02 may not assess it.
  grpc::Status oiv = Call("oiv-token", &v1::RiskRegistry::Stub::RecordAssessment, Assess("a1"));
  EXPECT_EQ(oiv.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  grpc::Status other = Call("other-token", &v1::RiskRegistry::Stub::RecordAssessment, Assess("a2"));
  EXPECT_EQ(other.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(other.error_message(), HasSubstr("owned by Dirigente Area B"));
  // A process owner may not define the map.
  grpc::Status define = Call("owner-token", &v1::RiskRegistry::Stub::DefineAreas, Req<v1::DefineAreasRequest>("x"));
  EXPECT_EQ(define.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Call("bogus-token", &v1::RiskRegistry::Stub::RecordAssessment, Assess("a3")).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(StoredEvents(), before);

  v1::RiskCommandResponse ok;
  ASSERT_TRUE(Call("owner-token", &v1::RiskRegistry::Stub::RecordAssessment, Assess("a4"), &ok).ok());
  EXPECT_EQ(ok.id(), "B.02@2022-03-15");
  EXPECT_EQ(ok.ack().stream(), "risk/CCIAA-TO/2022");
  EXPECT_FALSE(ok.ack().duplicate());
  auto events = store_->ReadStream(StreamId{"risk", "CCIAA-TO/2022"}, StreamVersion(1));
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->back().actor().id(), "user:m.rossi");
  EXPECT_EQ(events->back().occurred_at().seconds(),
            absl::ToUnixSeconds(absl::FromCivil(absl::CivilDay(2022, 3, 15), absl::UTCTimeZone())));

  // A retry with the same key writes nothing more.
  v1::RiskCommandResponse again;
  ASSERT_TRUE(Call("owner-token", &v1::RiskRegistry::Stub::RecordAssessment, Assess("a4"), &again).ok());
  EXPECT_TRUE(again.ack().duplicate());
  EXPECT_EQ(StoredEvents(), before + 1);
}

TEST_F(RiskServiceTest, OutOfRangeIsInvalidArgumentAndNothingWritten) {
  const uint64_t before = StoredEvents();
  auto r = Assess("big");
  r.mutable_assessment()->mutable_events(0)->set_impact(9);
  grpc::Status s = Call("rpct-token", &v1::RiskRegistry::Stub::RecordAssessment, r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("27 is outside [1, 25]"));
  EXPECT_EQ(StoredEvents(), before);
}

// Regression (issue 11 §3): idempotency keys were global per store, so another principal reusing the owner's
// key got duplicate=true and nothing was checked: the owner check could be bypassed, and a reused key for a
// different request was silently "answered".
TEST_F(RiskServiceTest, AReusedKeyNeitherBypassesTheOwnerCheckNorAnswersAnotherRequest) {
  v1::RiskCommandResponse first;
  ASSERT_TRUE(Call("owner-token", &v1::RiskRegistry::Stub::RecordAssessment, Assess("k-shared"), &first).ok());
  const uint64_t after_first = StoredEvents();
  // Another principal with the same key: decided as its own command, so the owner check refuses it.
  v1::RecordAssessmentRequest other = Assess("k-shared");
  other.mutable_assessment()->set_assessed_on("2022-04-01");
  grpc::Status s = Call("other-token", &v1::RiskRegistry::Stub::RecordAssessment, other);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  // The owner reusing the key for a different request: refused, naming the field.
  grpc::Status reused = Call("owner-token", &v1::RiskRegistry::Stub::RecordAssessment, other);
  EXPECT_EQ(reused.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << reused.error_message();
  EXPECT_THAT(reused.error_message(), HasSubstr("meta.idempotency_key"));
  EXPECT_EQ(StoredEvents(), after_first);
  // A true retry is answered exactly as the original: same ack position and the same id.
  v1::RiskCommandResponse retry;
  ASSERT_TRUE(Call("owner-token", &v1::RiskRegistry::Stub::RecordAssessment, Assess("k-shared"), &retry).ok());
  EXPECT_TRUE(retry.ack().duplicate());
  EXPECT_EQ(retry.id(), first.id());
  EXPECT_EQ(retry.ack().global_position(), first.ack().global_position());
  // The same content with a fresh key is decided against the state: unchanged, nothing written.
  v1::RiskCommandResponse fresh;
  ASSERT_TRUE(Call("owner-token", &v1::RiskRegistry::Stub::RecordAssessment, Assess("k-new"), &fresh).ok());
  EXPECT_TRUE(fresh.ack().unchanged());
  EXPECT_EQ(StoredEvents(), after_first);
}

TEST_F(RiskServiceTest, HostileIdentifiersAreRefusedNamingTheField) {
  const uint64_t before = StoredEvents();
  v1::RecordAssessmentRequest r = Assess("hostile");
  r.mutable_assessment()->set_process(std::string("B.02\0X", 6));
  grpc::Status s = Call("rpct-token", &v1::RiskRegistry::Stub::RecordAssessment, r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("assessment.process"));
  r = Assess("hostile-2");
  r.mutable_assessment()->set_motivation(std::string("free text may hold \0 and \xe2\x80\xae", 28));
  grpc::Status text = Call("rpct-token", &v1::RiskRegistry::Stub::RecordAssessment, r);
  EXPECT_TRUE(text.ok()) << text.error_message();  // free text: any valid UTF-8 is stored as given
  EXPECT_EQ(StoredEvents(), before + 1);
  auto events = store_->ReadStream(StreamId{"risk", "CCIAA-TO/2022"}, StreamVersion(1));
  ASSERT_TRUE(events.ok());
  v1::AssessmentRecorded stored;
  ASSERT_TRUE(stored.ParseFromString(events->back().payload()));
  EXPECT_EQ(stored.assessment().motivation(), r.assessment().motivation());
}

}  // namespace
}  // namespace piao::risk
