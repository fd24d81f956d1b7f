#include "services/hr/hr_aggregate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace piao::hr {
namespace {

using ::testing::HasSubstr;

v1::EventEnvelope Stored(const eventstore::NewEvent& e, uint64_t version) {
  v1::EventEnvelope env;
  env.set_event_type(e.event_type);
  env.set_payload(e.payload);
  env.set_schema_version(e.schema_version);
  env.set_stream_version(version);
  env.set_global_position(version);
  return env;
}

v1::AdoptEstablishmentRequest Ceiling() {
  v1::AdoptEstablishmentRequest r;
  r.set_administration("CCIAA-TO");
  r.mutable_body()->set_act("D.M. 16/2/2018");
  r.mutable_body()->set_act_date("2018-02-16");
  r.mutable_body()->set_kind("ceiling");
  v1::EstablishmentPost* p = r.mutable_body()->add_posts();
  p->set_category("C");
  p->set_posts(2);
  p->set_unit_cost_cents(2925655);
  return r;
}

TEST(HrAggregateTest, DecidesOneEventValidFromTheActAndFoldsIt) {
  auto events = Decide(HrState{}, Ceiling());
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].event_type, "piao.v1.EstablishmentAdopted");
  EXPECT_EQ(absl::FormatTime("%Y-%m-%d", (*events)[0].occurred_at, absl::UTCTimeZone()), "2018-02-16");
  auto state = FoldHr({Stored((*events)[0], 1)});
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->version, StreamVersion(1));
  EXPECT_EQ(state->book.CeilingAt(Date(2022, 1, 1))->Cost().cents(), 5851310);
}

TEST(HrAggregateTest, RefusalsNameTheFieldAndWriteNothing) {
  auto state = FoldHr({Stored((*Decide(HrState{}, Ceiling()))[0], 1)});
  ASSERT_TRUE(state.ok());
  v1::AdoptEstablishmentRequest over = Ceiling();
  over.mutable_body()->set_kind("redistribution");
  over.mutable_body()->set_act_date("2022-05-24");
  over.mutable_body()->mutable_posts(0)->set_posts(3);
  auto refused = Decide(*state, over);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("body.posts"));
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("58,513.10"));

  v1::AdoptEstablishmentRequest no_admin = Ceiling();
  no_admin.set_administration("");
  EXPECT_EQ(Decide(*state, no_admin).status().code(), absl::StatusCode::kInvalidArgument);
  v1::RecordStaffRequest empty;
  empty.set_administration("CCIAA-TO");
  EXPECT_THAT(std::string(Decide(*state, empty).status().message()), HasSubstr("body"));
}

TEST(HrAggregateTest, UnknownEventTypesAreRefusedOnFold) {
  v1::EventEnvelope e;
  e.set_event_type("piao.v1.SomethingNew");
  EXPECT_EQ(FoldHr({e}).status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace piao::hr

namespace piao::hr {
namespace {

v1::SetYearSettingsRequest Settings(double zero_below) {
  v1::SetYearSettingsRequest r;
  r.set_administration("CCIAA-TO");
  r.mutable_body()->set_year(2022);
  r.mutable_body()->mutable_accessory_top_up()->set_zero_below(zero_below);
  r.mutable_body()->mutable_accessory_top_up()->set_full_from(90);
  return r;
}

// Regression (issue 11 §3): the CLI keyed commands by content, so 70 -> 60 -> 70 silently dropped the third
// change. Unchanged is now decided against the latest fact on the same subject.
TEST(HrAggregateTest, AChangeBackIsStoredAndARepeatIsUnchanged) {
  std::vector<v1::EventEnvelope> log;
  auto decide_and_store = [&](const v1::SetYearSettingsRequest& r) -> size_t {
    auto state = FoldHr(log);
    EXPECT_TRUE(state.ok()) << state.status();
    auto events = Decide(*state, r);
    EXPECT_TRUE(events.ok()) << events.status();
    for (const auto& e : *events) log.push_back(Stored(e, log.size() + 1));
    return events->size();
  };
  EXPECT_EQ(decide_and_store(Settings(70)), 1u);
  EXPECT_EQ(decide_and_store(Settings(70)), 0u);  // the same file again: a no-op
  EXPECT_EQ(decide_and_store(Settings(60)), 1u);
  EXPECT_EQ(decide_and_store(Settings(70)), 1u);  // back to 70: stored
  auto state = FoldHr(log);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->book.SettingsOf(2022)->accessory_top_up().zero_below(), 70);
  // Other years are other subjects.
  v1::SetYearSettingsRequest next = Settings(70);
  next.mutable_body()->set_year(2023);
  EXPECT_EQ(decide_and_store(next), 1u);
}

}  // namespace
}  // namespace piao::hr
