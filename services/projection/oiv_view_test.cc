// The OIV's acts on a map: events in as the planning store numbers them, GetOivStatus and the audit out.
#include "services/projection/oiv_view.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"
#include "services/projection/audit.h"

namespace piao::projection {
namespace {

using ::testing::HasSubstr;

class OivViewTest : public ::testing::Test {
 protected:
  template <typename M>
  void Add(const M& m, const std::string& type, const std::string& actor, const std::string& date,
           const std::string& admin = "CCIAA-TO") {
    v1::EventEnvelope e;
    e.set_source_service("planning");
    e.set_event_type(M::descriptor()->full_name());
    e.set_payload(m.SerializeAsString());
    e.mutable_stream()->set_aggregate_type(type);
    e.mutable_stream()->set_aggregate_id(admin + "/2022");
    e.set_stream_version(++versions_[type + admin]);
    e.set_global_position(++position_);
    e.mutable_actor()->set_id(actor);
    e.set_correlation_id("c" + std::to_string(position_));
    e.mutable_recorded_at()->set_seconds(1700000000 + position_);
    absl::CivilDay day;
    ASSERT_TRUE(absl::ParseCivilTime(date, &day));
    e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(absl::FromCivil(day, absl::UTCTimeZone())));
    e.set_hash("h");
    absl::StatusOr<ViewUpdate> u = ProjectOivEvent(e);
    ASSERT_TRUE(u.ok()) << u.status();
    ASSERT_FALSE(u->unknown_type);
    for (const auto& [k, v] : u->puts) view_[k] = v;
  }

  void Validate(v1::ValidationOutcome outcome, const std::string& motivation, const std::string& date, uint32_t n) {
    v1::RelazioneValidated ev;
    ev.mutable_validation()->set_outcome(outcome);
    ev.mutable_validation()->set_motivation(motivation);
    ev.mutable_validation()->set_date(date);
    ev.mutable_validation()->set_number(n);
    ev.mutable_validation()->set_supersedes(n - 1);
    if (outcome == v1::VALIDATION_OUTCOME_VALIDATED_WITH_REMARKS) {
      v1::ObjectiveRemark* r = ev.mutable_validation()->add_remarks();
      r->set_objective("OS01.1.1");
      r->set_remark("EC07 mancato senza causa");
      r->set_about_deviation(true);
      r->set_deviation_version(1);
    }
    Add(ev, "oiv", "user:oiv", date);
  }

  void Deviation(const std::string& objective, const std::string& causes, const std::string& date) {
    v1::DeviationRecorded ev;
    ev.mutable_deviation()->set_objective(objective);
    ev.mutable_deviation()->set_causes(causes);
    ev.mutable_deviation()->set_measures("misure");
    ev.mutable_deviation()->set_date(date);
    Add(ev, "deviation", "user:planner", date);
  }

  absl::StatusOr<v1::OivStatus> Status(const std::string& as_of = "") {
    v1::GetOivStatusRequest r;
    r.set_administration("CCIAA-TO");
    r.set_year(2022);
    r.set_as_of_date(as_of);
    return QueryOivStatus(MapReader(&view_), r);
  }

  std::map<std::string, std::string> view_;
  std::map<std::string, uint64_t> versions_;
  uint64_t position_ = 0;
};

TEST_F(OivViewTest, TheLatestValidationIsInForceAndTheEarlierOnesStaySuperseded) {
  Deviation("OS01.1.1", "ritardo dei dati", "2023-03-01");
  Validate(v1::VALIDATION_OUTCOME_NOT_VALIDATED, "dati incompleti", "2023-05-10", 1);
  Validate(v1::VALIDATION_OUTCOME_VALIDATED_WITH_REMARKS, "dati integrati", "2023-06-20", 2);
  auto s = Status();
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->validations_size(), 2);
  EXPECT_TRUE(s->validations(0).record().superseded());
  EXPECT_FALSE(s->validations(1).record().superseded());
  EXPECT_EQ(s->validation().validation().outcome(), v1::VALIDATION_OUTCOME_VALIDATED_WITH_REMARKS);
  EXPECT_EQ(s->validation().record().actor(), "user:oiv");
  EXPECT_EQ(s->validation().validation().remarks(0).objective(), "OS01.1.1");
  ASSERT_EQ(s->deviations_size(), 1);
  EXPECT_EQ(s->deviations(0).stream_version(), 1u);
  EXPECT_EQ(s->deviations(0).record().actor(), "user:planner");

  // As of a date before the second act: the first is in force, not superseded.
  auto before = Status("2023-05-31");
  ASSERT_TRUE(before.ok()) << before.status();
  ASSERT_EQ(before->validations_size(), 1);
  EXPECT_FALSE(before->validations(0).record().superseded());
  EXPECT_EQ(before->validation().validation().outcome(), v1::VALIDATION_OUTCOME_NOT_VALIDATED);
  // Before anything: an empty status, no validation.
  auto empty = Status("2023-01-01");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_FALSE(empty->has_validation());
  EXPECT_EQ(empty->deviations_size(), 0);
}

TEST_F(OivViewTest, DeviationsAndMonitoringReportsSupersedePerObjectiveAndPeriod) {
  Deviation("OS01.1.1", "prima", "2023-03-01");
  Deviation("OS02.1.1", "altra", "2023-03-02");
  Deviation("OS01.1.1", "seconda", "2023-03-03");
  for (const char* summary : {"primo", "secondo"}) {
    v1::OivMonitoringReportSubmitted ev;
    ev.mutable_report()->set_period("2022-09-30");
    ev.mutable_report()->set_date("2022-10-15");
    ev.mutable_report()->set_summary(summary);
    Add(ev, "oiv", "user:oiv", "2022-10-15");
  }
  v1::OivMonitoringReportSubmitted other;
  other.mutable_report()->set_period("2022-06-30");
  other.mutable_report()->set_date("2022-07-15");
  other.mutable_report()->set_summary("luglio");
  Add(other, "oiv", "user:oiv", "2022-07-15");
  auto s = Status();
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->deviations_size(), 2);
  EXPECT_EQ(s->deviations(0).deviation().objective(), "OS01.1.1");
  EXPECT_EQ(s->deviations(0).deviation().causes(), "seconda");
  EXPECT_EQ(s->deviations(1).deviation().objective(), "OS02.1.1");
  ASSERT_EQ(s->deviation_history_size(), 3);
  EXPECT_TRUE(s->deviation_history(0).record().superseded());
  EXPECT_FALSE(s->deviation_history(1).record().superseded());
  ASSERT_EQ(s->monitoring_reports_size(), 3);
  EXPECT_TRUE(s->monitoring_reports(0).record().superseded());
  EXPECT_FALSE(s->monitoring_reports(1).record().superseded());
  EXPECT_FALSE(s->monitoring_reports(2).record().superseded());
}

TEST_F(OivViewTest, TheActsAreInTheAuditTrailWithActorDateAndReason) {
  Deviation("OS01.1.1", "ritardo dei dati", "2023-03-01");
  Validate(v1::VALIDATION_OUTCOME_VALIDATED_WITH_REMARKS, "dati integrati", "2023-06-20", 1);
  PlanRecords records;
  records.administration = "CCIAA-TO";
  records.year = 2022;
  auto facts = LoadOivEvents(MapReader(&view_), "CCIAA-TO", 2022);
  ASSERT_TRUE(facts.ok()) << facts.status();
  v1::GetAuditTrailRequest request;
  request.set_year(2022);
  auto trail = AuditRecords(records, request, *facts);
  ASSERT_TRUE(trail.ok()) << trail.status();
  ASSERT_EQ(trail->entries_size(), 2);
  const v1::AuditEntry& deviation = trail->entries(0);
  EXPECT_EQ(deviation.change(), v1::AUDIT_CHANGE_DEVIATION_RECORDED);
  EXPECT_EQ(deviation.objective().code(), "OS01.1.1");
  EXPECT_EQ(deviation.reason(), "ritardo dei dati");
  const v1::AuditEntry& validation = trail->entries(1);
  EXPECT_EQ(validation.change(), v1::AUDIT_CHANGE_OIV_RELAZIONE_VALIDATED);
  EXPECT_EQ(validation.source_service(), v1::SOURCE_SERVICE_PLANNING);
  EXPECT_EQ(validation.actor(), "user:oiv");
  EXPECT_EQ(validation.valid_from(), "2023-06-20");
  EXPECT_EQ(validation.reason(), "dati integrati");
  EXPECT_EQ(validation.subject(), "validation/1");
  v1::RelazioneValidated fact;
  ASSERT_TRUE(validation.fact().UnpackTo(&fact));
  EXPECT_EQ(fact.validation().remarks(0).objective(), "OS01.1.1");
  // Filtered by objective: the deviation only.
  request.set_objective("OS01.1.1");
  trail = AuditRecords(records, request, *facts);
  ASSERT_TRUE(trail.ok()) << trail.status();
  ASSERT_EQ(trail->entries_size(), 1);
  EXPECT_EQ(trail->entries(0).change(), v1::AUDIT_CHANGE_DEVIATION_RECORDED);
}

TEST_F(OivViewTest, ABadStreamIsRefusedAndTheRecordsAreAFunctionOfTheEvent) {
  v1::RelazioneValidated ev;
  v1::EventEnvelope e;
  e.set_source_service("planning");
  e.set_event_type("piao.v1.RelazioneValidated");
  e.set_payload(ev.SerializeAsString());
  e.mutable_stream()->set_aggregate_type("plan");
  e.mutable_stream()->set_aggregate_id("CCIAA-TO/2022");
  EXPECT_EQ(ProjectOivEvent(e).status().code(), absl::StatusCode::kInvalidArgument);
  e.mutable_stream()->set_aggregate_type("oiv");
  e.mutable_stream()->set_aggregate_id("CCIAA-TO");
  EXPECT_EQ(ProjectOivEvent(e).status().code(), absl::StatusCode::kInvalidArgument);
  e.mutable_stream()->set_aggregate_id("CCIAA-TO/2022");
  auto a = ProjectOivEvent(e);
  auto b = ProjectOivEvent(e);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->puts, b->puts);
  e.set_event_type("piao.v1.PlanCreated");
  auto other = ProjectOivEvent(e);
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->unknown_type);

  v1::GetOivStatusRequest r;
  r.set_year(2022);
  EXPECT_EQ(QueryOivStatus(MapReader(&view_), r).status().code(), absl::StatusCode::kNotFound);
  r.set_as_of_date("2023-13-01");
  r.set_administration("CCIAA-TO");
  EXPECT_THAT(QueryOivStatus(MapReader(&view_), r).status().message(), HasSubstr("as_of_date"));
}

}  // namespace
}  // namespace piao::projection
