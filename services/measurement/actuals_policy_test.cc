// Computed actuals as a policy: Feeds over gRPC in-process with a real EventStore, and planning played by an
// in-memory PlanningSource whose plans, events and availability the test controls.
#include "services/measurement/actuals_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "google/protobuf/descriptor.h"
#include "libs/base/log.h"
#include "libs/base/process.h"
#include "libs/service/client.h"
#include "libs/service/host.h"
#include "libs/service/service_test_util.h"
#include "services/measurement/actual_aggregate.h"
#include "services/measurement/feed_aggregate.h"
#include "services/measurement/feeds_service.h"

namespace piao::measurement {
namespace {

using ::testing::HasSubstr;

// Planning as the policy sees it. Thread-safe: the follower reads it while the test changes it.
class FakePlanning final : public PlanningSource {
 public:
  struct State {
    absl::Mutex mu;
    std::map<std::pair<std::string, int>, v1::GetPlanResponse> plans;
    std::vector<v1::EventEnvelope> events;
    bool down = false;
  };
  explicit FakePlanning(std::shared_ptr<State> state) : state_(std::move(state)) {}

  absl::StatusOr<std::optional<v1::GetPlanResponse>> GetPlan(const std::string& administration, int year) override {
    absl::MutexLock l(&state_->mu);
    if (state_->down) return absl::UnavailableError("planning is down");
    auto it = state_->plans.find({administration, year});
    if (it == state_->plans.end()) return std::optional<v1::GetPlanResponse>();
    return std::optional<v1::GetPlanResponse>(it->second);
  }
  absl::StatusOr<std::vector<v1::EventEnvelope>> ReadEvents(GlobalPosition from, GlobalPosition to) override {
    absl::MutexLock l(&state_->mu);
    if (state_->down) return absl::UnavailableError("planning is down");
    std::vector<v1::EventEnvelope> out;
    for (const auto& e : state_->events) {
      if (e.global_position() >= from.value() && e.global_position() <= to.value()) out.push_back(e);
    }
    return out;
  }

 private:
  std::shared_ptr<State> state_;
};

v1::GetPlanResponse RatioPlan(uint64_t version, const std::string& formula) {
  v1::GetPlanResponse plan;
  plan.set_administration("CCIAA-TO");
  plan.set_year(2021);
  plan.set_version(version);
  v1::ObjectiveDefinition* o = plan.add_objectives();
  o->set_level_kind(v1::OBJECTIVE_LEVEL_STRATEGIC);
  o->set_code("RATIOS");
  v1::IndicatorDefinition* i = o->add_indicators();
  i->set_code("EQ_GC");
  i->set_formula(formula);
  i->mutable_target()->mutable_comparison()->set_unit("%");
  o->add_indicators()->set_code("NO_FORMULA");
  return plan;
}

class ActualsPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetMinLevelWarning(true);
    store_ = service::testing::OpenTestStore(dir_.File("store"));
    ASSERT_NE(store_, nullptr);
    authorizer_ = service::testing::TestAuthorizer(
        service::HashToken("feed-token") + " svc:accounting-feed feed\n" + service::HashToken("measurer-token") +
            " user:m.bianchi measurer\n",
        AllowFeeds);
    ASSERT_NE(authorizer_, nullptr);
    planning_ = std::make_shared<FakePlanning::State>();
  }
  void Start(bool with_planning = true) {
    ActualsPolicyOptions options;
    options.checkpoint_file = dir_.File("actuals-policy.position");
    options.poll = absl::Milliseconds(20);
    policy_ = std::make_unique<ActualsPolicy>(
        store_.get(), with_planning ? std::make_unique<FakePlanning>(planning_) : nullptr, options);
    ASSERT_TRUE(policy_->Start().ok());
    service_ = std::make_unique<FeedsService>(store_.get(), authorizer_.get(), policy_.get());
    server_ = service::testing::StartTestServer({service_.get()});
    ASSERT_NE(server_.channel, nullptr);
    stub_ = v1::Feeds::NewStub(server_.channel);
  }
  void TearDown() override {
    if (server_.host) server_.host->Shutdown();
    if (policy_) policy_->Stop();
    log::SetMinLevelWarning(false);
  }
  // Planning adopts or revises (administration, 2021): a new plan version and its event.
  void PlanChanges(uint64_t version, const std::string& formula) {
    absl::MutexLock l(&planning_->mu);
    planning_->plans[{"CCIAA-TO", 2021}] = RatioPlan(version, formula);
    v1::EventEnvelope e;
    e.set_source_service("planning");
    e.mutable_stream()->set_aggregate_type("plan");
    e.mutable_stream()->set_aggregate_id("CCIAA-TO/2021");
    e.set_stream_version(version);
    e.set_global_position(planning_->events.size() + 1);
    e.set_event_type("piao.v1.ObjectivesAdopted");
    planning_->events.push_back(e);
  }
  void PlanningDown(bool down) {
    absl::MutexLock l(&planning_->mu);
    planning_->down = down;
  }
  static v1::SubmitBatchRequest Batch(const std::string& id, char checksum, double oneri) {
    v1::SubmitBatchRequest r;
    r.set_administration("CCIAA-TO");
    r.set_batch_id(id);
    r.set_feed_kind(v1::FEED_KIND_ACCOUNTING);
    r.set_checksum(std::string(64, checksum));
    r.set_source(id + ".csv");
    for (const auto& [name, value, row] :
         {std::tuple("oneri_correnti", oneri, 2), std::tuple("proventi_correnti", 40.0, 3)}) {
      v1::VariableValue* v = r.add_values();
      v->set_variable(name);
      v->set_period("2021");
      v->set_value(value);
      v->set_unit("M€");
      v->set_row(row);
    }
    return r;
  }
  grpc::Status Submit(const v1::SubmitBatchRequest& r, v1::SubmitBatchResponse* out) {
    grpc::ClientContext ctx;
    service::PrepareContext(&ctx, "feed-token", absl::Seconds(10));
    return stub_->SubmitBatch(&ctx, r, out);
  }
  grpc::Status Compute(const v1::ComputeActualsRequest& r, v1::ComputeActualsResponse* out) {
    grpc::ClientContext ctx;
    service::PrepareContext(&ctx, "measurer-token", absl::Seconds(10));
    return stub_->ComputeActuals(&ctx, r, out);
  }
  std::vector<v1::EventEnvelope> Actuals() {
    auto events = store_->ReadStream(ActualsStream("CCIAA-TO", 2021), StreamVersion(1));
    EXPECT_TRUE(events.ok()) << events.status();
    return events.ok() ? *events : std::vector<v1::EventEnvelope>();
  }
  // The follower works in the background: wait (bounded) until the actuals stream holds `n` events.
  bool WaitForActuals(size_t n) {
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (absl::Now() < deadline) {
      if (Actuals().size() >= n) return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }

  service::testing::TempDir dir_;
  std::unique_ptr<eventstore::EventStore> store_;
  std::unique_ptr<service::Authorizer> authorizer_;
  std::shared_ptr<FakePlanning::State> planning_;
  std::unique_ptr<ActualsPolicy> policy_;
  std::unique_ptr<FeedsService> service_;
  service::testing::TestServer server_;
  std::unique_ptr<v1::Feeds::Stub> stub_;
};

TEST(FormulaSpecsOf, IndicatorsWithAFormulaKeyedAsPlanningKeysThem) {
  v1::GetPlanResponse plan;
  plan.set_version(7);
  v1::ObjectiveDefinition* o = plan.add_objectives();
  o->set_level_kind(v1::OBJECTIVE_LEVEL_OPERATIONAL);
  o->set_code("OP1");
  o->add_units("Area A");
  o->add_units("Area B");
  v1::IndicatorDefinition* with = o->add_indicators();
  with->set_code("K1");
  with->set_formula("a / b * 100");
  with->mutable_target()->mutable_comparison()->set_unit("%");
  o->add_indicators()->set_code("K2");  // no formula
  v1::IndicatorDefinition* gone = o->add_indicators();
  gone->set_code("K3");
  gone->set_formula("a");
  gone->set_suppressed(true);
  v1::ObjectiveDefinition* ind = plan.add_objectives();
  ind->set_level_kind(v1::OBJECTIVE_LEVEL_INDIVIDUAL);
  ind->set_code("IND1");
  ind->set_owner("Segretario generale");
  v1::IndicatorDefinition* own = ind->add_indicators();
  own->set_code("K4");
  own->set_formula("c");
  own->set_unit("gg");
  const auto specs = FormulaSpecsOf(plan);
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[0].objective().scope(), "Area A + Area B");
  EXPECT_EQ(specs[0].indicator(), "K1");
  EXPECT_EQ(specs[0].unit(), "%");
  EXPECT_EQ(specs[0].plan_version(), 7u);
  EXPECT_EQ(specs[1].objective().scope(), "Segretario generale");
  EXPECT_EQ(specs[1].unit(), "gg");  // no comparison target: the indicator's own unit
}

TEST(PlanYearsAffectedBy, EachPeriodsYearAndTheNext) {
  v1::SubmitBatchRequest r;
  for (const char* period : {"2017", "2019-06-30", "2019"}) r.add_values()->set_period(period);
  EXPECT_EQ(PlanYearsAffectedBy(r), (std::set<int>{2017, 2018, 2019, 2020}));
}

TEST_F(ActualsPolicyTest, ABatchComputesThePlanYearsItTouchesBeforeAnswering) {
  PlanChanges(2, "oneri_correnti / proventi_correnti * 100");
  Start();
  v1::SubmitBatchResponse r;
  grpc::Status s = Submit(Batch("b1", 'a', 30), &r);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(r.compute_pending().empty()) << r.compute_pending();
  // Plan years 2021 and 2022 are touched; only 2021 has a plan.
  ASSERT_EQ(r.computed_size(), 1);
  EXPECT_EQ(r.computed(0).year(), 2021);
  ASSERT_EQ(r.computed(0).results_size(), 1);
  EXPECT_EQ(r.computed(0).results(0).outcome_kind(), v1::COMPUTE_OUTCOME_RECORDED);
  EXPECT_DOUBLE_EQ(r.computed(0).results(0).value(), 75);
  // Read-your-writes: the actual is in the store when the batch is acknowledged, recorded as the feed.
  std::vector<v1::EventEnvelope> actuals = Actuals();
  ASSERT_GE(actuals.size(), 1u);
  EXPECT_EQ(actuals[0].actor().id(), "svc:accounting-feed");
  v1::ActualRecorded rec;
  ASSERT_TRUE(rec.ParseFromString(actuals[0].payload()));
  EXPECT_EQ(rec.computation().plan_version(), 2u);
  EXPECT_EQ(rec.computation().inputs(0).value().batch_id(), "b1");

  // The same batch again: a duplicate, nothing computed again.
  v1::SubmitBatchResponse again;
  ASSERT_TRUE(Submit(Batch("b1", 'a', 30), &again).ok());
  EXPECT_TRUE(again.duplicate());
  EXPECT_EQ(again.computed_size(), 0);
}

TEST_F(ActualsPolicyTest, APlanWrittenAfterItsFeedGetsItsActualsWithoutAnyoneAsking) {
  Start();
  v1::SubmitBatchResponse r;
  ASSERT_TRUE(Submit(Batch("b1", 'a', 30), &r).ok());
  EXPECT_EQ(r.computed_size(), 0);  // no plan yet
  EXPECT_TRUE(Actuals().empty());

  PlanChanges(1, "oneri_correnti / proventi_correnti * 100");
  ASSERT_TRUE(WaitForActuals(1)) << "the policy did not compute the new plan's formula";
  std::vector<v1::EventEnvelope> actuals = Actuals();
  EXPECT_EQ(actuals[0].actor().id(), "svc:measurement-policy");
  EXPECT_EQ(actuals[0].correlation_id(), "actuals-policy:plan/CCIAA-TO/2021@1");
  v1::ActualRecorded rec;
  ASSERT_TRUE(rec.ParseFromString(actuals[0].payload()));
  EXPECT_DOUBLE_EQ(rec.value().quantity().value(), 75);

  // A revision of the formula (plan version 2): recomputed as a correction, by the policy.
  PlanChanges(2, "proventi_correnti / oneri_correnti * 100");
  ASSERT_TRUE(WaitForActuals(2)) << "the policy did not follow the revised formula";
  actuals = Actuals();
  EXPECT_EQ(actuals[1].event_type(), "piao.v1.ActualCorrected");
  EXPECT_EQ(actuals[1].correlation_id(), "actuals-policy:plan/CCIAA-TO/2021@2");
  // A client that wrote version 2 asks what its computation recorded: the policy's run, not "unchanged".
  v1::ComputeActualsRequest ask;
  ask.set_administration("CCIAA-TO");
  ask.set_year(2021);
  ask.set_covering_plan_version(2);
  v1::ComputeActualsResponse answer;
  grpc::Status s = Compute(ask, &answer);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(answer.results_size(), 1);
  EXPECT_EQ(answer.results(0).outcome_kind(), v1::COMPUTE_OUTCOME_RECOMPUTED);
  // "Recompute now" finds nothing to change, and writes nothing.
  ask.set_covering_plan_version(0);
  ASSERT_TRUE(Compute(ask, &answer).ok());
  EXPECT_EQ(answer.results(0).outcome_kind(), v1::COMPUTE_OUTCOME_UNCHANGED);
  EXPECT_EQ(Actuals().size(), 2u);

  // The follower checkpoints the planning position it handled; a restart starts there.
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (policy_->followed() < GlobalPosition(2) && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(policy_->followed(), GlobalPosition(2));
  absl::StatusOr<std::string> checkpoint = ReadFile(dir_.File("actuals-policy.position"));
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  EXPECT_EQ(*checkpoint, "2\n");
}

TEST_F(ActualsPolicyTest, PlanningDownAtTheBatchIsComputedLaterByThePolicy) {
  PlanChanges(1, "oneri_correnti / proventi_correnti * 100");
  PlanningDown(true);
  Start();
  v1::SubmitBatchResponse r;
  grpc::Status s = Submit(Batch("b1", 'a', 30), &r);
  ASSERT_TRUE(s.ok()) << s.error_message();  // the batch is acknowledged whatever planning does
  EXPECT_EQ(r.values_new(), 2u);
  EXPECT_THAT(r.compute_pending(), HasSubstr("planning is down"));
  EXPECT_TRUE(Actuals().empty());
  PlanningDown(false);
  ASSERT_TRUE(WaitForActuals(1)) << "the deferred computation never ran";
  EXPECT_EQ(Actuals().size(), 1u);
}

TEST_F(ActualsPolicyTest, WithoutPlanningFormulasAreRequired) {
  Start(/*with_planning=*/false);
  v1::ComputeActualsRequest ask;
  ask.set_administration("CCIAA-TO");
  ask.set_year(2021);
  v1::ComputeActualsResponse answer;
  grpc::Status s = Compute(ask, &answer);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("formulas"));
  // A batch is still recorded, with nothing computed.
  v1::SubmitBatchResponse r;
  ASSERT_TRUE(Submit(Batch("b1", 'a', 30), &r).ok());
  EXPECT_EQ(r.computed_size(), 0);
  // covering_plan_version names a run of the policy: not with explicit formulas.
  v1::FormulaSpec* f = ask.add_formulas();
  f->mutable_objective()->set_level_kind(v1::OBJECTIVE_LEVEL_STRATEGIC);
  f->mutable_objective()->set_code("RATIOS");
  f->set_indicator("EQ_GC");
  f->set_formula("oneri_correnti / proventi_correnti * 100");
  f->set_unit("%");
  ask.set_covering_plan_version(3);
  s = Compute(ask, &answer);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("covering_plan_version"));
  EXPECT_TRUE(Actuals().empty());
}

}  // namespace
}  // namespace piao::measurement
