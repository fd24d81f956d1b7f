#include "services/measurement/actual_aggregate.h"

#include <cmath>
#include <limits>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"

namespace piao::measurement {
namespace {

using ::testing::HasSubstr;

// An in-memory stream: decided events are numbered and folded as the store would.
class ActualsSim {
 public:
  absl::StatusOr<ActualsState> Append(const std::vector<eventstore::NewEvent>& decided) {
    for (const auto& ne : decided) {
      v1::EventEnvelope e;
      e.set_event_type(ne.event_type);
      e.set_payload(ne.payload);
      e.set_schema_version(ne.schema_version);
      e.set_stream_version(events_.size() + 1);
      e.set_global_position(events_.size() + 1);
      events_.push_back(e);
      occurred_.push_back(ne.occurred_at);
    }
    return FoldActuals(events_);
  }
  const std::vector<v1::EventEnvelope>& events() const { return events_; }
  const std::vector<absl::Time>& occurred() const { return occurred_; }

 private:
  std::vector<v1::EventEnvelope> events_;
  std::vector<absl::Time> occurred_;
};

v1::RecordActualRequest Record(double value, const std::string& period = "year-end") {
  v1::RecordActualRequest r;
  r.set_administration("CCIAA-TO");
  r.set_year(2022);
  r.mutable_objective()->set_level_kind(v1::OBJECTIVE_LEVEL_STRATEGIC);
  r.mutable_objective()->set_code("OS01.1.1");
  r.set_indicator("EC05.1");
  r.set_period(period);
  r.mutable_value()->mutable_quantity()->set_value(value);
  r.mutable_value()->mutable_quantity()->set_unit("%");
  r.set_source("import:results-2022-strategic.json");
  return r;
}

v1::CorrectActualRequest Correct(const std::string& id, double value, const std::string& reason = "typo in feed") {
  v1::CorrectActualRequest c;
  c.set_administration("CCIAA-TO");
  c.set_year(2022);
  c.set_actual_id(id);
  c.mutable_value()->mutable_quantity()->set_value(value);
  c.mutable_value()->mutable_quantity()->set_unit("%");
  c.set_reason(reason);
  return c;
}

absl::Time Day(int y, int m, int d) { return absl::FromCivil(absl::CivilSecond(y, m, d, 0, 0, 0), absl::UTCTimeZone()); }

void ExpectInvalid(const absl::StatusOr<ActualDecision>& d, const std::string& field) {
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << d.status();
  EXPECT_THAT(std::string(d.status().message()), HasSubstr(field)) << d.status();
}

TEST(ActualAggregate, StreamAndIds) {
  EXPECT_EQ(ActualsStream("CCIAA-TO", 2022).Key(), "actuals/CCIAA-TO/2022");
  EXPECT_EQ(ActualIdAt("CCIAA-TO", 2022, StreamVersion(7)), "CCIAA-TO/2022/A7");
}

TEST(ActualAggregate, RecordYearEndActual) {
  ActualsSim sim;
  auto d = DecideRecordActual(ActualsState(), Record(110.58));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->actual_id, "CCIAA-TO/2022/A1");
  ASSERT_EQ(d->events.size(), 1u);
  EXPECT_EQ(d->events[0].event_type, "piao.v1.ActualRecorded");
  EXPECT_EQ(d->events[0].occurred_at, Day(2022, 12, 31));  // year-end: Dec 31 of the plan year
  v1::ActualRecorded ev;
  ASSERT_TRUE(ev.ParseFromString(d->events[0].payload));
  EXPECT_EQ(ev.actual_id(), "CCIAA-TO/2022/A1");
  EXPECT_EQ(ev.objective().code(), "OS01.1.1");
  EXPECT_EQ(ev.indicator(), "EC05.1");
  EXPECT_EQ(ev.period(), "year-end");
  EXPECT_DOUBLE_EQ(ev.value().quantity().value(), 110.58);
  EXPECT_EQ(ev.source(), "import:results-2022-strategic.json");

  auto s = sim.Append(d->events);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->version, StreamVersion(1));
  ASSERT_EQ(s->actuals.count("CCIAA-TO/2022/A1"), 1u);
  EXPECT_EQ(s->current.size(), 1u);
  EXPECT_EQ(s->current.begin()->second, "CCIAA-TO/2022/A1");
}

TEST(ActualAggregate, MonitoringDateIsTheValidTime) {
  auto d = DecideRecordActual(ActualsState(), Record(50, "2022-07-31"));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->events[0].occurred_at, Day(2022, 7, 31));
}

TEST(ActualAggregate, IdsFollowTheStreamVersion) {
  ActualsSim sim;
  auto first = DecideRecordActual(ActualsState(), Record(1, "2022-07-31"));
  ASSERT_TRUE(first.ok());
  auto s = sim.Append(first->events);
  ASSERT_TRUE(s.ok());
  auto second = DecideRecordActual(*s, Record(2));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->actual_id, "CCIAA-TO/2022/A2");
  s = sim.Append(second->events);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->current.size(), 2u);  // two periods of one indicator
}

TEST(ActualAggregate, SameValueAgainIsANoOpAnsweringTheExistingId) {
  ActualsSim sim;
  auto s = sim.Append(DecideRecordActual(ActualsState(), Record(110.58))->events);
  ASSERT_TRUE(s.ok());
  auto again = DecideRecordActual(*s, Record(110.58));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->events.empty());
  EXPECT_EQ(again->actual_id, "CCIAA-TO/2022/A1");
}

TEST(ActualAggregate, DifferentValueForARecordedPeriodNeedsACorrection) {
  ActualsSim sim;
  auto s = sim.Append(DecideRecordActual(ActualsState(), Record(110.58))->events);
  ASSERT_TRUE(s.ok());
  auto other = DecideRecordActual(*s, Record(99));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(other.status().message()), HasSubstr("CorrectActual"));
  EXPECT_THAT(std::string(other.status().message()), HasSubstr("CCIAA-TO/2022/A1"));
}

TEST(ActualAggregate, SameCodesInAnotherObjectiveOrScopeAreDifferentActuals) {
  ActualsSim sim;
  auto s = sim.Append(DecideRecordActual(ActualsState(), Record(1))->events);
  ASSERT_TRUE(s.ok());
  v1::RecordActualRequest r = Record(2);
  r.mutable_objective()->set_level_kind(v1::OBJECTIVE_LEVEL_INDIVIDUAL);
  r.mutable_objective()->set_scope("Segretario Generale");
  auto d = DecideRecordActual(*s, r);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->events.size(), 1u);
}

// Wave one's text `objective.level` is read here on purpose.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
TEST(ActualAggregate, TheLevelIsTheEnumWaveOnesTextIsAcceptedAloneAndTheEventCarriesOnlyTheEnum) {
  auto decided_key = [](const v1::RecordActualRequest& r) -> absl::StatusOr<v1::ObjectiveKey> {
    absl::StatusOr<ActualDecision> d = DecideRecordActual(ActualsState(), r);
    if (!d.ok()) return d.status();
    v1::ActualRecorded ev;
    if (d->events.size() != 1 || !ev.ParseFromString(d->events[0].payload)) return absl::InternalError("no event");
    return ev.objective();
  };
  v1::RecordActualRequest legacy = Record(1);
  legacy.mutable_objective()->clear_level_kind();
  legacy.mutable_objective()->set_level("individual");  // wave one's text alone
  legacy.mutable_objective()->set_scope("Segretario Generale");
  absl::StatusOr<v1::ObjectiveKey> k = decided_key(legacy);
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_EQ(k->level_kind(), v1::OBJECTIVE_LEVEL_INDIVIDUAL);
  EXPECT_EQ(k->level(), "") << "events carry only the enum";

  v1::RecordActualRequest agree = Record(1);
  agree.mutable_objective()->set_level("strategic");
  k = decided_key(agree);
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_EQ(k->level_kind(), v1::OBJECTIVE_LEVEL_STRATEGIC);
  EXPECT_EQ(k->level(), "");

  v1::RecordActualRequest contradict = Record(1);
  contradict.mutable_objective()->set_level("operational");
  ExpectInvalid(DecideRecordActual(ActualsState(), contradict),
                "objective.level: 'operational' contradicts level_kind OBJECTIVE_LEVEL_STRATEGIC");

  legacy.mutable_objective()->set_level("tactical");
  ExpectInvalid(DecideRecordActual(ActualsState(), legacy),
                "objective.level: must be strategic, operational or individual, got 'tactical'");
}
#pragma GCC diagnostic pop

TEST(ActualAggregate, RecordValidationNamesTheField) {
  ActualsState s;
  auto with = [](auto mutate) {
    v1::RecordActualRequest r = Record(1);
    mutate(r);
    return r;
  };
  ExpectInvalid(DecideRecordActual(s, with([](auto& r) { r.set_administration(""); })), "administration");
  ExpectInvalid(DecideRecordActual(s, with([](auto& r) { r.set_administration("A/B"); })), "administration");
  ExpectInvalid(DecideRecordActual(s, with([](auto& r) { r.set_year(22); })), "year");
  ExpectInvalid(DecideRecordActual(s, with([](auto& r) { r.set_year(3000); })), "year");
  ExpectInvalid(DecideRecordActual(s, with([](auto& r) { r.clear_objective(); })), "objective");
  ExpectInvalid(DecideRecordActual(s, with([](auto& r) { r.mutable_objective()->clear_level_kind(); })),
                "objective.level_kind");
  ExpectInvalid(DecideRecordActual(s, with([](auto& r) { r.mutable_objective()->set_code(""); })),
                "objective.code");
  ExpectInvalid(DecideRecordActual(s, with([](auto& r) { r.set_indicator(""); })), "indicator");
  ExpectInvalid(DecideRecordActual(s, with([](auto& r) { r.set_period(""); })), "period");
  ExpectInvalid(DecideRecordActual(s, with([](auto& r) { r.set_period("2022-02-30"); })), "period");
  ExpectInvalid(DecideRecordActual(s, with([](auto& r) { r.set_period("Q3"); })), "period");
  ExpectInvalid(DecideRecordActual(s, with([](auto& r) { r.clear_value(); })), "value");
  ExpectInvalid(DecideRecordActual(
                    s, with([](auto& r) { r.mutable_value()->mutable_quantity()->set_value(std::nan("")); })),
                "value");
  ExpectInvalid(DecideRecordActual(s, with([](auto& r) {
                  r.mutable_value()->mutable_quantity()->set_value(std::numeric_limits<double>::infinity());
                })),
                "value");
  ExpectInvalid(DecideRecordActual(s, with([](auto& r) { r.mutable_value()->set_date("2022-13-01"); })),
                "value.date");
  ExpectInvalid(DecideRecordActual(s, with([](auto& r) { r.mutable_value()->set_text("  "); })), "value.text");
}

TEST(ActualAggregate, DateAndTextValuesAreAccepted) {
  v1::RecordActualRequest r = Record(0);
  r.mutable_value()->set_date("2022-02-21");
  EXPECT_TRUE(DecideRecordActual(ActualsState(), r).ok());
  r.mutable_value()->set_text("Nei termini");
  EXPECT_TRUE(DecideRecordActual(ActualsState(), r).ok());
}

TEST(ActualAggregate, CorrectionPointsAtTheCurrentActual) {
  ActualsSim sim;
  auto s = sim.Append(DecideRecordActual(ActualsState(), Record(50, "2022-07-31"))->events);
  ASSERT_TRUE(s.ok());
  auto c = DecideCorrectActual(*s, Correct("CCIAA-TO/2022/A1", 55));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->actual_id, "CCIAA-TO/2022/A2");
  ASSERT_EQ(c->events.size(), 1u);
  EXPECT_EQ(c->events[0].event_type, "piao.v1.ActualCorrected");
  EXPECT_EQ(c->events[0].occurred_at, Day(2022, 7, 31));  // the corrected actual's period
  v1::ActualCorrected ev;
  ASSERT_TRUE(ev.ParseFromString(c->events[0].payload));
  EXPECT_EQ(ev.corrects(), "CCIAA-TO/2022/A1");
  EXPECT_EQ(ev.objective().code(), "OS01.1.1");
  EXPECT_EQ(ev.indicator(), "EC05.1");
  EXPECT_EQ(ev.period(), "2022-07-31");
  EXPECT_EQ(ev.reason(), "typo in feed");
  EXPECT_DOUBLE_EQ(ev.value().quantity().value(), 55);

  s = sim.Append(c->events);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->actuals.size(), 2u);  // the corrected value stays in the history
  EXPECT_EQ(s->actuals.at("CCIAA-TO/2022/A1").corrected_by, "CCIAA-TO/2022/A2");
  EXPECT_EQ(s->actuals.at("CCIAA-TO/2022/A2").corrects, "CCIAA-TO/2022/A1");
  EXPECT_EQ(s->current.begin()->second, "CCIAA-TO/2022/A2");

  // The replaced one cannot be corrected again; the current one can.
  auto stale = DecideCorrectActual(*s, Correct("CCIAA-TO/2022/A1", 56));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(stale.status().message()), HasSubstr("CCIAA-TO/2022/A2"));
  EXPECT_TRUE(DecideCorrectActual(*s, Correct("CCIAA-TO/2022/A2", 56)).ok());

  // After a correction, recording the current value again is a no-op; recording the old one is refused.
  auto same = DecideRecordActual(*s, Record(55, "2022-07-31"));
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_TRUE(same->events.empty());
  EXPECT_EQ(same->actual_id, "CCIAA-TO/2022/A2");
  EXPECT_EQ(DecideRecordActual(*s, Record(50, "2022-07-31")).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ActualAggregate, CorrectionOfAnUnknownActualIsRefused) {
  auto c = DecideCorrectActual(ActualsState(), Correct("CCIAA-TO/2022/A9", 1));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(c.status().message()), HasSubstr("actual_id"));
}

TEST(ActualAggregate, CorrectionValidationNamesTheField) {
  ActualsSim sim;
  auto s = sim.Append(DecideRecordActual(ActualsState(), Record(1))->events);
  ASSERT_TRUE(s.ok());
  const std::string id = "CCIAA-TO/2022/A1";
  ExpectInvalid(DecideCorrectActual(*s, Correct(id, 2, "")), "reason");
  ExpectInvalid(DecideCorrectActual(*s, Correct(id, 2, "   ")), "reason");
  ExpectInvalid(DecideCorrectActual(*s, Correct("", 2)), "actual_id");
  v1::CorrectActualRequest c = Correct(id, 2);
  c.clear_value();
  ExpectInvalid(DecideCorrectActual(*s, c), "value");
  c = Correct(id, 2);
  c.set_year(1999);
  ExpectInvalid(DecideCorrectActual(*s, c), "year");
  c = Correct(id, 2);
  c.set_administration("");
  ExpectInvalid(DecideCorrectActual(*s, c), "administration");
}

TEST(ActualAggregate, FoldRejectsUnknownEventsAndDanglingCorrections) {
  v1::EventEnvelope e;
  e.set_event_type("piao.v1.Unknown");
  e.set_stream_version(1);
  EXPECT_EQ(FoldActuals({e}).status().code(), absl::StatusCode::kFailedPrecondition);

  v1::ActualCorrected c;
  c.set_actual_id("X/2022/A1");
  c.set_corrects("X/2022/A0");
  e.set_event_type("piao.v1.ActualCorrected");
  e.set_payload(c.SerializeAsString());
  EXPECT_EQ(FoldActuals({e}).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace piao::measurement
