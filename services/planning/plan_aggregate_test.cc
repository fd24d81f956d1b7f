#include "services/planning/plan_aggregate.h"

#include <gtest/gtest.h>

namespace piao::planning {
namespace {

v1::CreatePlanRequest Create(std::string admin, int year) {
  v1::CreatePlanRequest r;
  r.set_administration(std::move(admin));
  r.set_year(year);
  return r;
}

v1::EventEnvelope AsEnvelope(const eventstore::NewEvent& ne, uint64_t version) {
  v1::EventEnvelope e;
  e.set_event_type(ne.event_type);
  e.set_payload(ne.payload);
  e.set_stream_version(version);
  return e;
}

TEST(PlanAggregate, CreateThenFoldThenRejectSecondCreate) {
  auto events = DecideCreatePlan(PlanState{}, Create("CCIAA-TO", 2022));
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  auto state = FoldPlan({AsEnvelope((*events)[0], 1)});
  ASSERT_TRUE(state.ok());
  EXPECT_TRUE(state->exists);
  EXPECT_EQ(state->year, 2022);
  EXPECT_EQ(state->title, "PIAO 2022-2024");
  EXPECT_EQ(state->version, StreamVersion(1));
  EXPECT_EQ(DecideCreatePlan(*state, Create("CCIAA-TO", 2022)).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(PlanAggregate, BadFieldsAreNamed) {
  auto r = DecideCreatePlan(PlanState{}, Create("", 2022));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("administration"), std::string::npos);
  r = DecideCreatePlan(PlanState{}, Create("CCIAA-TO", 22));
  EXPECT_NE(r.status().message().find("year"), std::string::npos);
  EXPECT_EQ(PlanStream("CCIAA-TO", 2022).Key(), "plan/CCIAA-TO/2022");
}

TEST(PlanAggregate, UnknownEventTypeIsNotSilentlySkipped) {
  v1::EventEnvelope e;
  e.set_event_type("piao.v1.FromTheFuture");
  EXPECT_EQ(FoldPlan({e}).status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace piao::planning
