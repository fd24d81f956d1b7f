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
  r.mutable_body()->set_establishment_kind(v1::ESTABLISHMENT_KIND_CEILING);
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
  over.mutable_body()->set_establishment_kind(v1::ESTABLISHMENT_KIND_REDISTRIBUTION);
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

// Wave one's texts are set on purpose: accepted alone, refused when they contradict the enum or name nothing.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
TEST(HrAggregateTest, KindsAreTheEnumsWaveOnesTextsAreAcceptedAloneAndEventsCarryOnlyTheEnums) {
  v1::AdoptEstablishmentRequest legacy = Ceiling();
  legacy.mutable_body()->clear_establishment_kind();
  legacy.mutable_body()->set_kind("ceiling");
  auto events = Decide(HrState{}, legacy);
  ASSERT_TRUE(events.ok()) << events.status();
  v1::EstablishmentAdopted stored;
  ASSERT_TRUE(stored.ParseFromString((*events)[0].payload));
  EXPECT_EQ(stored.establishment_kind(), v1::ESTABLISHMENT_KIND_CEILING);
  EXPECT_EQ(stored.kind(), "") << "events carry only the enum";
  // The same fact again, now typed (or with both agreeing): unchanged.
  auto state = FoldHr({Stored((*events)[0], 1)});
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_TRUE(Decide(*state, Ceiling())->empty());
  v1::AdoptEstablishmentRequest agree = Ceiling();
  agree.mutable_body()->set_kind("ceiling");
  EXPECT_TRUE(Decide(*state, agree)->empty());

  v1::AdoptEstablishmentRequest contradiction = Ceiling();
  contradiction.mutable_body()->set_kind("redistribution");
  auto refused = Decide(HrState{}, contradiction);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("body.kind: 'redistribution' contradicts establishment_kind ESTABLISHMENT_KIND_CEILING"));
  legacy.mutable_body()->set_kind("plan");
  EXPECT_THAT(std::string(Decide(HrState{}, legacy).status().message()),
              HasSubstr("body.kind: must be ceiling or redistribution, got 'plan'"));
  legacy.mutable_body()->clear_kind();
  EXPECT_THAT(std::string(Decide(HrState{}, legacy).status().message()),
              HasSubstr("body.establishment_kind: must be ESTABLISHMENT_KIND_CEILING or ESTABLISHMENT_KIND_REDISTRIBUTION"));

  // An employee's movement and a leave's reason, nested in the body: the path names the item.
  auto with_ceiling = FoldHr({Stored((*events)[0], 1)});
  v1::RecordStaffRequest staff;
  staff.set_administration("CCIAA-TO");
  v1::Employee* e = staff.mutable_body()->add_employees();
  e->set_id("e1");
  e->set_category("C");
  e->set_unit("Area A");
  e->set_gender("F");
  e->set_part_time_bp(10000);
  e->set_movement("in_service");
  auto staffed = Decide(*with_ceiling, staff);
  ASSERT_TRUE(staffed.ok()) << staffed.status();
  v1::StaffRecorded recorded;
  ASSERT_TRUE(recorded.ParseFromString((*staffed)[0].payload));
  EXPECT_EQ(recorded.employees(0).movement_kind(), v1::EMPLOYEE_MOVEMENT_IN_SERVICE);
  EXPECT_EQ(recorded.employees(0).movement(), "");
  e->set_movement_kind(v1::EMPLOYEE_MOVEMENT_HIRE);
  EXPECT_THAT(std::string(Decide(*with_ceiling, staff).status().message()),
              HasSubstr("body.employees[0].movement: 'in_service' contradicts movement_kind EMPLOYEE_MOVEMENT_HIRE"));

  auto with_staff = FoldHr({Stored((*events)[0], 1), Stored((*staffed)[0], 2)});
  ASSERT_TRUE(with_staff.ok()) << with_staff.status();
  v1::RecordLeavesRequest leaves;
  leaves.set_administration("CCIAA-TO");
  v1::Leave* l = leaves.mutable_body()->add_leaves();
  l->set_employee("e1");
  l->set_date("2022-03-01");
  l->set_reason("retirement");
  auto left = Decide(*with_staff, leaves);
  ASSERT_TRUE(left.ok()) << left.status();
  v1::LeavesRecorded leave;
  ASSERT_TRUE(leave.ParseFromString((*left)[0].payload));
  EXPECT_EQ(leave.leaves(0).reason_kind(), v1::LEAVE_REASON_RETIREMENT);
  EXPECT_EQ(leave.leaves(0).reason(), "");
  l->set_reason("fired");
  EXPECT_THAT(std::string(Decide(*with_staff, leaves).status().message()),
              HasSubstr("body.leaves[0].reason: must be retirement, resignation, mobility_out or other, got 'fired'"));
}

// A stream written by wave one (the kinds as text, schema version 1) folds to the same book, and the same fact
// sent again typed is unchanged.
TEST(HrAggregateTest, WaveOneEventsFoldThroughTheUpcaster) {
  v1::EstablishmentAdopted old = Ceiling().body();
  old.clear_establishment_kind();
  old.set_kind("ceiling");
  v1::EventEnvelope e;
  e.set_event_type("piao.v1.EstablishmentAdopted");
  e.set_schema_version(1);
  e.set_payload(old.SerializeAsString());
  e.set_stream_version(1);
  e.set_global_position(1);
  auto state = FoldHr({e});
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->book.CeilingAt(Date(2022, 1, 1))->Cost().cents(), 5851310);
  EXPECT_TRUE(Decide(*state, Ceiling())->empty());
}
#pragma GCC diagnostic pop

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
