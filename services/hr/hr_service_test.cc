// piao.v1.HrCapacity over gRPC: an in-process ServiceHost on 127.0.0.1:0 with a real EventStore.
#include "services/hr/hr_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "google/protobuf/descriptor.h"
#include "libs/base/log.h"
#include "libs/service/client.h"
#include "libs/service/host.h"
#include "libs/service/service_test_util.h"
#include "services/hr/hr_aggregate.h"

namespace piao::hr {
namespace {

using ::testing::HasSubstr;

class HrServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetMinLevelWarning(true);
    store_ = service::testing::OpenTestStore(dir_.File("store"));
    ASSERT_NE(store_, nullptr);
    const std::string tokens_text = service::HashToken("hr-token") + " user:ufficio.personale hr\n" +
                                    service::HashToken("oiv-token") + " user:oiv oiv\n" +
                                    service::HashToken("admin-token") + " user:admin admin\n";
    auto tokens = service::TokenAuthenticator::Parse(tokens_text, "test");
    ASSERT_TRUE(tokens.ok()) << tokens.status();
    service::RolePolicy policy;
    AllowHr(policy);
    ASSERT_TRUE(
        policy.CheckCovers({google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("piao.v1.HrCapacity")})
            .ok());
    authorizer_ = std::make_unique<service::Authorizer>(
        std::make_shared<service::TokenAuthenticator>(*std::move(tokens)), policy);
    service_ = std::make_unique<HrCapacityService>(store_.get(), authorizer_.get());
    host_ = std::make_unique<service::ServiceHost>(service::HostOptions());
    host_->AddService(service_.get());
    ASSERT_TRUE(host_->Start().ok());
    auto channel = service::MakeChannel(service::ChannelOptions::Plaintext(host_->address()));
    ASSERT_TRUE(channel.ok()) << channel.status();
    stub_ = v1::HrCapacity::NewStub(*channel);
  }
  void TearDown() override {
    if (host_) host_->Shutdown();
    log::SetMinLevelWarning(false);
  }

  static v1::AdoptEstablishmentRequest Establishment(const std::string& kind, int c_posts, const std::string& key) {
    v1::AdoptEstablishmentRequest r;
    r.mutable_meta()->set_idempotency_key(key);
    r.set_administration("CCIAA-TO");
    r.mutable_body()->set_act(kind == "ceiling" ? "D.M. 16/2/2018" : "delibera 81/2022");
    r.mutable_body()->set_act_date(kind == "ceiling" ? "2018-02-16" : "2022-05-24");
    r.mutable_body()->set_establishment_kind(kind == "ceiling" ? v1::ESTABLISHMENT_KIND_CEILING
                                                               : v1::ESTABLISHMENT_KIND_REDISTRIBUTION);
    v1::EstablishmentPost* p = r.mutable_body()->add_posts();
    p->set_category("C");
    p->set_posts(c_posts);
    p->set_unit_cost_cents(2925655);
    return r;
  }
  grpc::Status Adopt(const v1::AdoptEstablishmentRequest& r, v1::HrCommandResponse* out,
                     const std::string& token = "hr-token") {
    grpc::ClientContext ctx;
    service::PrepareContext(&ctx, token, absl::Seconds(10));
    return stub_->AdoptEstablishment(&ctx, r, out);
  }

  service::testing::TempDir dir_;
  std::unique_ptr<eventstore::EventStore> store_;
  std::unique_ptr<service::Authorizer> authorizer_;
  std::unique_ptr<HrCapacityService> service_;
  std::unique_ptr<service::ServiceHost> host_;
  std::unique_ptr<v1::HrCapacity::Stub> stub_;
};

TEST_F(HrServiceTest, StoresTheFactWithItsActorAndAnswersRetries) {
  v1::HrCommandResponse first, retry;
  grpc::Status s = Adopt(Establishment("ceiling", 169, "k1"), &first);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(first.ack().stream(), "hr/CCIAA-TO");
  EXPECT_EQ(first.ack().stream_version(), 1u);
  ASSERT_TRUE(Adopt(Establishment("ceiling", 169, "k1"), &retry).ok());
  EXPECT_TRUE(retry.ack().duplicate());
  EXPECT_EQ(store_->head().position, GlobalPosition(1));
  auto events = store_->ReadStream(HrStream("CCIAA-TO"), StreamVersion(1));
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].actor().id(), "user:ufficio.personale");
  EXPECT_EQ((*events)[0].event_type(), "piao.v1.EstablishmentAdopted");
}

TEST_F(HrServiceTest, OverTheCeilingIsFailedPreconditionAndWritesNothing) {
  v1::HrCommandResponse out;
  ASSERT_TRUE(Adopt(Establishment("ceiling", 169, "k1"), &out, "admin-token").ok());
  grpc::Status s = Adopt(Establishment("redistribution", 170, "k2"), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("over the spending ceiling 4,944,356.95"));
  EXPECT_EQ(store_->head().position, GlobalPosition(1));
  ASSERT_TRUE(Adopt(Establishment("redistribution", 168, "k3"), &out).ok());
  EXPECT_EQ(store_->head().position, GlobalPosition(2));
}

TEST_F(HrServiceTest, OnlyHrAndAdminWrite) {
  v1::HrCommandResponse out;
  EXPECT_EQ(Adopt(Establishment("ceiling", 169, "k1"), &out, "oiv-token").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Adopt(Establishment("ceiling", 169, "k1"), &out, "nobody").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(store_->head().position, GlobalPosition(0));
}

}  // namespace
}  // namespace piao::hr
