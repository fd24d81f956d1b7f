// piao.v1.Measurement over gRPC: an in-process ServiceHost on 127.0.0.1:0 with a real EventStore.
#include "services/measurement/measurement_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "google/protobuf/descriptor.h"
#include "libs/base/log.h"
#include "libs/service/client.h"
#include "libs/service/host.h"
#include "libs/service/service_test_util.h"
#include "services/measurement/actual_aggregate.h"

namespace piao::measurement {
namespace {

using ::testing::HasSubstr;

class MeasurementServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetMinLevelWarning(true);
    store_ = service::testing::OpenTestStore(dir_.File("store"));
    ASSERT_NE(store_, nullptr);
    const std::string tokens_text = service::HashToken("measurer-token") + " user:m.bianchi measurer\n" +
                                    service::HashToken("feed-token") + " svc:infocamere-feed feed\n" +
                                    service::HashToken("oiv-token") + " user:oiv oiv\n" +
                                    service::HashToken("admin-token") + " user:admin admin\n";
    auto tokens = service::TokenAuthenticator::Parse(tokens_text, "test");
    ASSERT_TRUE(tokens.ok()) << tokens.status();
    service::RolePolicy policy;
    AllowMeasurement(policy);
    ASSERT_TRUE(
        policy.CheckCovers({google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("piao.v1.Measurement")})
            .ok());
    authorizer_ = std::make_unique<service::Authorizer>(
        std::make_shared<service::TokenAuthenticator>(*std::move(tokens)), policy);
    service_ = std::make_unique<MeasurementService>(store_.get(), authorizer_.get());
    host_ = std::make_unique<service::ServiceHost>(service::HostOptions());
    host_->AddService(service_.get());
    ASSERT_TRUE(host_->Start().ok());
    auto channel = service::MakeChannel(service::ChannelOptions::Plaintext(host_->address()));
    ASSERT_TRUE(channel.ok()) << channel.status();
    stub_ = v1::Measurement::NewStub(*channel);
  }

  void TearDown() override {
    if (host_) host_->Shutdown();
    log::SetMinLevelWarning(false);
  }

  static v1::RecordActualRequest Record(double value, const std::string& key) {
    v1::RecordActualRequest r;
    r.mutable_meta()->set_idempotency_key(key);
    r.set_administration("CCIAA-TO");
    r.set_year(2022);
    r.mutable_objective()->set_level_kind(v1::OBJECTIVE_LEVEL_STRATEGIC);
    r.mutable_objective()->set_code("OS01.1.1");
    r.set_indicator("EC05.1");
    r.set_period("year-end");
    r.mutable_value()->mutable_quantity()->set_value(value);
    r.mutable_value()->mutable_quantity()->set_unit("%");
    return r;
  }

  grpc::Status Call(const v1::RecordActualRequest& r, v1::RecordActualResponse* out,
                    const std::string& token = "measurer-token") {
    grpc::ClientContext ctx;
    service::PrepareContext(&ctx, token, absl::Seconds(10));
    return stub_->RecordActual(&ctx, r, out);
  }
  grpc::Status Call(const v1::CorrectActualRequest& r, v1::RecordActualResponse* out,
                    const std::string& token = "measurer-token") {
    grpc::ClientContext ctx;
    service::PrepareContext(&ctx, token, absl::Seconds(10));
    return stub_->CorrectActual(&ctx, r, out);
  }

  service::testing::TempDir dir_;
  std::unique_ptr<eventstore::EventStore> store_;
  std::unique_ptr<service::Authorizer> authorizer_;
  std::unique_ptr<MeasurementService> service_;
  std::unique_ptr<service::ServiceHost> host_;
  std::unique_ptr<v1::Measurement::Stub> stub_;
};

TEST_F(MeasurementServiceTest, RecordsAndAnswersRetriesWithTheSameId) {
  v1::RecordActualResponse first;
  grpc::Status s = Call(Record(110.58, "k1"), &first, "feed-token");
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(first.actual_id(), "CCIAA-TO/2022/A1");
  EXPECT_EQ(first.ack().stream(), "actuals/CCIAA-TO/2022");
  EXPECT_EQ(first.ack().stream_version(), 1u);
  EXPECT_EQ(first.ack().global_position(), 1u);
  EXPECT_FALSE(first.ack().duplicate());

  v1::RecordActualResponse retry;
  ASSERT_TRUE(Call(Record(110.58, "k1"), &retry, "feed-token").ok());
  EXPECT_TRUE(retry.ack().duplicate());
  EXPECT_EQ(retry.actual_id(), "CCIAA-TO/2022/A1");
  EXPECT_EQ(store_->head().position, GlobalPosition(1));

  // The stored event says who and when it takes effect.
  auto events = store_->ReadStream(ActualsStream("CCIAA-TO", 2022), StreamVersion(1));
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].actor().id(), "svc:infocamere-feed");
  EXPECT_EQ((*events)[0].occurred_at().seconds(),
            absl::ToUnixSeconds(absl::FromCivil(absl::CivilSecond(2022, 12, 31, 0, 0, 0), absl::UTCTimeZone())));
}

TEST_F(MeasurementServiceTest, SameValueWithoutKeyWritesNothing) {
  v1::RecordActualResponse a, b;
  ASSERT_TRUE(Call(Record(7.75, ""), &a).ok());
  ASSERT_TRUE(Call(Record(7.75, ""), &b).ok());
  EXPECT_EQ(b.actual_id(), a.actual_id());
  EXPECT_EQ(store_->head().position, GlobalPosition(1));
}

TEST_F(MeasurementServiceTest, CorrectionAndItsRules) {
  v1::RecordActualResponse recorded;
  ASSERT_TRUE(Call(Record(7.75, "k1"), &recorded).ok());

  v1::RecordActualResponse conflict;
  grpc::Status s = Call(Record(8.0, "k2"), &conflict);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  v1::CorrectActualRequest c;
  c.mutable_meta()->set_idempotency_key("c1");
  c.set_administration("CCIAA-TO");
  c.set_year(2022);
  c.set_actual_id(recorded.actual_id());
  c.mutable_value()->mutable_quantity()->set_value(8.0);
  c.mutable_value()->mutable_quantity()->set_unit("%");
  c.set_reason("accounting restated");

  v1::RecordActualResponse denied;
  EXPECT_EQ(Call(c, &denied, "feed-token").error_code(), grpc::StatusCode::PERMISSION_DENIED);

  v1::RecordActualResponse corrected;
  s = Call(c, &corrected);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(corrected.actual_id(), "CCIAA-TO/2022/A2");
  v1::RecordActualResponse retried;
  ASSERT_TRUE(Call(c, &retried).ok());
  EXPECT_TRUE(retried.ack().duplicate());
  EXPECT_EQ(retried.actual_id(), "CCIAA-TO/2022/A2");

  c.mutable_meta()->set_idempotency_key("c2");
  s = Call(c, &denied, "admin-token");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("already corrected"));

  c.set_reason("");
  EXPECT_EQ(Call(c, &denied).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(store_->head().position, GlobalPosition(2));
}

TEST_F(MeasurementServiceTest, RolesAndBadInput) {
  v1::RecordActualResponse out;
  EXPECT_EQ(Call(Record(1, ""), &out, "oiv-token").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Call(Record(1, ""), &out, "").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  v1::RecordActualRequest bad = Record(1, "");
  bad.set_period("2022-02-30");
  grpc::Status s = Call(bad, &out, "admin-token");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("period"));
  EXPECT_EQ(store_->head().position, GlobalPosition(0));
}

}  // namespace
}  // namespace piao::measurement
