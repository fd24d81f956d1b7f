// piao.v1.Feeds over gRPC: an in-process ServiceHost on 127.0.0.1:0 with a real EventStore.
#include "services/measurement/feeds_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "google/protobuf/descriptor.h"
#include "libs/base/log.h"
#include "libs/service/client.h"
#include "libs/service/host.h"
#include "libs/service/service_test_util.h"
#include "services/measurement/actual_aggregate.h"
#include "services/measurement/feed_aggregate.h"

namespace piao::measurement {
namespace {

using ::testing::HasSubstr;

class FeedsServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetMinLevelWarning(true);
    store_ = service::testing::OpenTestStore(dir_.File("store"));
    ASSERT_NE(store_, nullptr);
    service::RolePolicy policy;
    AllowFeeds(policy);
    ASSERT_TRUE(
        policy.CheckCovers({google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("piao.v1.Feeds")})
            .ok());
    authorizer_ = service::testing::TestAuthorizer(
        service::HashToken("feed-token") + " svc:accounting-feed feed\n" + service::HashToken("measurer-token") +
            " user:m.bianchi measurer\n" + service::HashToken("oiv-token") + " user:oiv oiv\n",
        AllowFeeds);
    ASSERT_NE(authorizer_, nullptr);
    service_ = std::make_unique<FeedsService>(store_.get(), authorizer_.get());
    server_ = service::testing::StartTestServer({service_.get()});
    ASSERT_NE(server_.channel, nullptr);
    stub_ = v1::Feeds::NewStub(server_.channel);
  }
  void TearDown() override {
    if (server_.host) server_.host->Shutdown();
    log::SetMinLevelWarning(false);
  }

  static v1::SubmitBatchRequest Batch(const std::string& id, char checksum, double oneri) {
    v1::SubmitBatchRequest r;
    r.mutable_meta()->set_idempotency_key("feed:" + id + std::string(1, checksum));
    r.set_administration("CCIAA-TO");
    r.set_batch_id(id);
    r.set_feed_kind(v1::FEED_KIND_ACCOUNTING);
    r.set_checksum(std::string(64, checksum));
    r.set_source(id + ".csv");
    for (const auto& [name, value, row] : {std::tuple("oneri_correnti", oneri, 2), std::tuple("proventi_correnti", 38.21, 3)}) {
      v1::VariableValue* v = r.add_values();
      v->set_variable(name);
      v->set_period("2021");
      v->set_value(value);
      v->set_unit("M€");
      v->set_row(row);
    }
    return r;
  }
  static v1::ComputeActualsRequest Compute() {
    v1::ComputeActualsRequest r;
    r.set_administration("CCIAA-TO");
    r.set_year(2021);
    v1::FormulaSpec* f = r.add_formulas();
    f->mutable_objective()->set_level_kind(v1::OBJECTIVE_LEVEL_STRATEGIC);
    f->mutable_objective()->set_code("RATIOS");
    f->set_indicator("EQ_GC");
    f->set_formula("oneri_correnti / proventi_correnti * 100");
    f->set_unit("%");
    f->set_plan_version(2);
    return r;
  }
  grpc::Status Submit(const v1::SubmitBatchRequest& r, v1::SubmitBatchResponse* out, const std::string& token = "feed-token") {
    grpc::ClientContext ctx;
    service::PrepareContext(&ctx, token, absl::Seconds(10));
    return stub_->SubmitBatch(&ctx, r, out);
  }
  grpc::Status Run(const v1::ComputeActualsRequest& r, v1::ComputeActualsResponse* out,
                   const std::string& token = "feed-token") {
    grpc::ClientContext ctx;
    service::PrepareContext(&ctx, token, absl::Seconds(10));
    return stub_->ComputeActuals(&ctx, r, out);
  }

  service::testing::TempDir dir_;
  std::unique_ptr<eventstore::EventStore> store_;
  std::unique_ptr<service::Authorizer> authorizer_;
  std::unique_ptr<FeedsService> service_;
  service::testing::TestServer server_;
  std::unique_ptr<v1::Feeds::Stub> stub_;
};

TEST_F(FeedsServiceTest, BatchComputeCorrectRecompute) {
  v1::SubmitBatchResponse first;
  grpc::Status s = Submit(Batch("b1", 'a', 48.42), &first);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(first.ack().stream(), "variables/CCIAA-TO");
  EXPECT_EQ(first.values_new(), 2u);
  EXPECT_FALSE(first.duplicate());

  // Retried with its key, or resent without one: nothing new.
  v1::SubmitBatchResponse retry, resent;
  ASSERT_TRUE(Submit(Batch("b1", 'a', 48.42), &retry).ok());
  EXPECT_TRUE(retry.duplicate());
  v1::SubmitBatchRequest no_key = Batch("b1", 'a', 48.42);
  no_key.mutable_meta()->clear_idempotency_key();
  ASSERT_TRUE(Submit(no_key, &resent).ok());
  EXPECT_TRUE(resent.duplicate());
  EXPECT_EQ(store_->head().position, GlobalPosition(1));

  v1::ComputeActualsResponse computed;
  s = Run(Compute(), &computed);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(computed.results_size(), 1);
  EXPECT_EQ(computed.results(0).outcome_kind(), v1::COMPUTE_OUTCOME_RECORDED);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  EXPECT_EQ(computed.results(0).outcome(), "recorded");  // wave one's text, still in the answer
  EXPECT_EQ(computed.results(0).objective().level(), "strategic");
#pragma GCC diagnostic pop
  EXPECT_EQ(computed.ack().stream(), "actuals/CCIAA-TO/2021");

  // The stored actual carries its lineage and who computed it.
  auto events = store_->ReadStream(ActualsStream("CCIAA-TO", 2021), StreamVersion(1));
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].actor().id(), "svc:accounting-feed");
  v1::ActualRecorded rec;
  ASSERT_TRUE(rec.ParseFromString((*events)[0].payload()));
  EXPECT_EQ(rec.computation().inputs(1).value().batch_id(), "b1");
  EXPECT_EQ(rec.computation().inputs(1).value().row(), 3u);

  // A correcting batch, then the same computation: a new fact.
  v1::SubmitBatchResponse fix;
  ASSERT_TRUE(Submit(Batch("b2", 'b', 50), &fix).ok());
  EXPECT_EQ(fix.values_corrected(), 1u);
  v1::ComputeActualsResponse again;
  ASSERT_TRUE(Run(Compute(), &again, "measurer-token").ok());
  EXPECT_EQ(again.results(0).outcome_kind(), v1::COMPUTE_OUTCOME_RECOMPUTED);
  EXPECT_THAT(again.results(0).reason(), HasSubstr("(batch b1) -> 50 (batch b2)"));

  // GetVariables: the latest value per variable and period, and the batches in order.
  v1::GetVariablesRequest gv;
  gv.set_administration("CCIAA-TO");
  v1::GetVariablesResponse vars;
  grpc::ClientContext ctx;
  service::PrepareContext(&ctx, "oiv-token", absl::Seconds(10));
  ASSERT_TRUE(stub_->GetVariables(&ctx, gv, &vars).ok());
  ASSERT_EQ(vars.values_size(), 2);
  EXPECT_EQ(vars.values(0).variable(), "oneri_correnti");
  EXPECT_EQ(vars.values(0).batch_id(), "b2");
  ASSERT_EQ(vars.batches_size(), 2);
  EXPECT_EQ(vars.batches(0).actor(), "svc:accounting-feed");
}

TEST_F(FeedsServiceTest, RolesAndBadInput) {
  v1::SubmitBatchResponse out;
  EXPECT_EQ(Submit(Batch("b1", 'a', 1), &out, "oiv-token").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Submit(Batch("b1", 'a', 1), &out, "measurer-token").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Submit(Batch("b1", 'a', 1), &out, "").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  v1::SubmitBatchRequest bad = Batch("b1", 'a', 1);
  bad.mutable_values(1)->set_unit("lire");
  grpc::Status s = Submit(bad, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("values[1] (row 3).unit"));
  EXPECT_EQ(store_->head().position, GlobalPosition(0));

  ASSERT_TRUE(Submit(Batch("b1", 'a', 1), &out).ok());
  s = Submit(Batch("b1", 'c', 2), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("a corrected batch needs a new batch id"));

  v1::ComputeActualsResponse computed;
  EXPECT_EQ(Run(Compute(), &computed, "oiv-token").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  v1::ComputeActualsRequest broken = Compute();
  broken.mutable_formulas(0)->set_formula("oneri_correnti /");
  s = Run(broken, &computed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("formulas[0].formula"));
  EXPECT_EQ(store_->head().position, GlobalPosition(1));
}

}  // namespace
}  // namespace piao::measurement
