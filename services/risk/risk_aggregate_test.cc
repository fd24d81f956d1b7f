#include "services/risk/risk_aggregate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libs/risk/test_schemes.h"

namespace piao::risk {
namespace {

using ::testing::HasSubstr;

v1::Principal Who(const std::string& id, const std::string& role) {
  v1::Principal p;
  p.set_id(id);
  p.add_roles(role);
  return p;
}

template <typename R>
R Req() {
  R r;
  r.set_administration("CCIAA-TO");
  r.set_year(2022);
  return r;
}

class RiskAggregateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto areas = Req<v1::DefineAreasRequest>();
    for (const char* c : {"A", "B", "D"}) {
      v1::RiskArea* a = areas.add_areas();
      a->set_code(c);
      a->set_name(std::string("Area ") + c);
    }
    Apply(DecideDefineAreas(state_, rpct_, areas));
    auto scheme = Req<v1::DefineSchemeRequest>();
    *scheme.mutable_scheme() = testing::FourBands();
    scheme.mutable_scheme()->clear_areas();
    for (const char* c : {"A", "B"}) scheme.mutable_scheme()->add_areas(c);
    Apply(DecideDefineScheme(state_, rpct_, scheme));
    Apply(DecideDefineProcess(state_, rpct_, ProcessReq("B.02", "B", "user:m.rossi")));
    Apply(DecideDefineProcess(state_, rpct_, ProcessReq("A.01", "A", "user:l.verdi")));
    auto measure = Req<v1::DefineMeasureRequest>();
    v1::Measure* m = measure.mutable_measure();
    m->set_code("MGU33");
    m->set_measure_kind(v1::MEASURE_KIND_SPECIFIC);
    m->set_title("Verifica a campione delle determine di affidamento");
    m->set_owner("Dirigente Area B");
    m->set_deadline("2022-12-31");
    m->add_processes("B.02");
    m->mutable_indicator()->set_description("determine verificate");
    m->mutable_indicator()->set_target(">= 10%");
    Apply(DecideDefineMeasure(state_, rpct_, measure));
  }

  static v1::DefineProcessRequest ProcessReq(const std::string& code, const std::string& area,
                                             const std::string& owner_principal) {
    auto r = Req<v1::DefineProcessRequest>();
    v1::RiskProcess* p = r.mutable_process();
    p->set_code(code);
    p->set_name("Processo " + code);
    p->set_area(area);
    p->set_unit("Settore " + area);
    p->set_owner("Dirigente Area " + area);
    p->set_owner_principal(owner_principal);
    p->add_phases()->set_code("F1");
    v1::RiskEvent* e = p->add_risk_events();
    e->set_code("E1");
    e->set_description("frazionamento artificioso");
    e->set_phase("F1");
    e->add_enabling_factors("discrezionalita");
    return r;
  }

  static v1::RecordAssessmentRequest AssessReq(const std::string& process, double p, double i) {
    auto r = Req<v1::RecordAssessmentRequest>();
    v1::Assessment* a = r.mutable_assessment();
    a->set_process(process);
    a->set_assessed_on("2022-03-15");
    a->set_rating_method(v1::RATING_METHOD_PRODUCT);
    a->set_scheme("four_bands");
    a->set_motivation("nessun precedente giudiziario");
    v1::EventRating* e = a->add_events();
    e->set_risk_event("E1");
    e->set_probability(p);
    e->set_impact(i);
    return r;
  }

  static v1::RecordMonitoringRequest MonitorReq() {
    auto r = Req<v1::RecordMonitoringRequest>();
    r.mutable_record()->set_measure("MGU33");
    r.mutable_record()->set_date("2022-11-30");
    r.mutable_record()->set_outcome_kind(v1::MONITORING_OUTCOME_IMPLEMENTED);
    r.mutable_record()->set_evidence("verbale di controllo n. 3");
    return r;
  }

  // Applies a decision's events as the store would.
  void Apply(const absl::StatusOr<RiskDecision>& d) {
    ASSERT_TRUE(d.ok()) << d.status();
    for (const eventstore::NewEvent& ne : d->events) {
      v1::EventEnvelope e;
      e.set_event_type(ne.event_type);
      e.set_payload(ne.payload);
      e.set_schema_version(ne.schema_version);
      e.set_stream_version(state_.version.value() + 1);
      ASSERT_TRUE(ApplyEvent(state_, e).ok());
    }
  }

  RegisterState state_;
  const v1::Principal rpct_ = Who("user:segretario", "rpct");
  const v1::Principal owner_ = Who("user:m.rossi", "planner");
  const v1::Principal other_ = Who("user:l.verdi", "planner");
  const v1::Principal oiv_ = Who("user:oiv", "oiv");
};

TEST_F(RiskAggregateTest, OnlyTheRpctDefines) {
  for (const v1::Principal& who : {owner_, oiv_}) {
    absl::StatusOr<RiskDecision> d = DecideDefineProcess(state_, who, ProcessReq("B.03", "B", ""));
    EXPECT_EQ(d.status().code(), absl::StatusCode::kPermissionDenied) << who.id();
    EXPECT_THAT(d.status().message(), HasSubstr("rpct"));
  }
  EXPECT_TRUE(DecideDefineProcess(state_, Who("user:root", "admin"), ProcessReq("B.03", "B", "")).ok());
}

TEST_F(RiskAggregateTest, AnOwnerAssessesAndMonitorsOnlyTheirOwnProcesses) {
  absl::StatusOr<RiskDecision> own = DecideRecordAssessment(state_, owner_, AssessReq("B.02", 2, 3));
  ASSERT_TRUE(own.ok()) << own.status();
  ASSERT_EQ(own->events.size(), 1u);
  v1::AssessmentRecorded rec;
  ASSERT_TRUE(rec.ParseFromString(own->events[0].payload));
  EXPECT_EQ(rec.assessment().level(), "Rischio medio");
  EXPECT_EQ(rec.assessment().scheme_version(), 1u);

  absl::StatusOr<RiskDecision> not_theirs = DecideRecordAssessment(state_, other_, AssessReq("B.02", 2, 3));
  EXPECT_EQ(not_theirs.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(not_theirs.status().message(), HasSubstr("process B.02 is owned by Dirigente Area B (user:m.rossi)"));
  EXPECT_TRUE(DecideRecordAssessment(state_, other_, AssessReq("A.01", 1, 1)).ok());
  EXPECT_TRUE(DecideRecordAssessment(state_, rpct_, AssessReq("B.02", 1, 1)).ok());

  EXPECT_TRUE(DecideRecordMonitoring(state_, owner_, MonitorReq()).ok());
  EXPECT_EQ(DecideRecordMonitoring(state_, other_, MonitorReq()).status().code(),
            absl::StatusCode::kPermissionDenied);

  auto report = Req<v1::SubmitOwnerReportRequest>();
  report.mutable_report()->set_owner("Dirigente Area B");
  report.mutable_report()->set_date("2023-01-20");
  report.mutable_report()->set_summary("misure attuate");
  EXPECT_TRUE(DecideSubmitOwnerReport(state_, owner_, report).ok());
  EXPECT_EQ(DecideSubmitOwnerReport(state_, other_, report).status().code(), absl::StatusCode::kPermissionDenied);
}

TEST_F(RiskAggregateTest, BadInputNamesTheFieldAndWritesNothing) {
  struct Case {
    absl::StatusOr<RiskDecision> decided;
    absl::StatusCode code;
    const char* field;
  };
  auto bad_area = ProcessReq("C.01", "C", "");
  auto bad_event_phase = ProcessReq("B.09", "B", "");
  bad_event_phase.mutable_process()->mutable_risk_events(0)->set_phase("F9");
  auto bad_date = AssessReq("B.02", 2, 2);
  bad_date.mutable_assessment()->set_assessed_on("2022-13-01");
  auto bad_outcome = MonitorReq();  // wave one's text naming no outcome
  bad_outcome.mutable_record()->clear_outcome_kind();
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  bad_outcome.mutable_record()->set_outcome("done");
  auto no_evidence = MonitorReq();
  no_evidence.mutable_record()->set_evidence("");
  auto plan = Req<v1::PlanMonitoringRequest>();
  plan.add_entries()->set_measure("MGU33");
  plan.mutable_entries(0)->set_mode("sometimes");
#pragma GCC diagnostic pop
  auto year = AssessReq("B.02", 2, 2);
  year.set_year(22);
  Case cases[] = {
      {DecideDefineProcess(state_, rpct_, bad_area), absl::StatusCode::kFailedPrecondition, "process.area"},
      {DecideDefineProcess(state_, rpct_, bad_event_phase), absl::StatusCode::kInvalidArgument,
       "process.risk_events[0].phase"},
      {DecideRecordAssessment(state_, rpct_, bad_date), absl::StatusCode::kInvalidArgument, "assessment.assessed_on"},
      {DecideRecordAssessment(state_, rpct_, AssessReq("B.02", 5, 5.2)), absl::StatusCode::kInvalidArgument,
       "assessment.events[0].score: 26 is outside"},
      {DecideRecordMonitoring(state_, rpct_, bad_outcome), absl::StatusCode::kInvalidArgument,
       "record.outcome: must be implemented, partially_implemented or not_implemented, got 'done'"},
      {DecideRecordMonitoring(state_, rpct_, no_evidence), absl::StatusCode::kInvalidArgument, "record.evidence"},
      {DecidePlanMonitoring(state_, rpct_, plan), absl::StatusCode::kInvalidArgument,
       "entries[0].mode: must be every_case or sample, got 'sometimes'"},
      {DecideRecordAssessment(state_, rpct_, year), absl::StatusCode::kInvalidArgument, "year"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.decided.status().code(), c.code) << c.field << ": " << c.decided.status();
    EXPECT_THAT(c.decided.status().message(), HasSubstr(c.field));
  }
}

TEST_F(RiskAggregateTest, SameDefinitionIsANoOpAChangedSchemeANewVersion) {
  EXPECT_TRUE(DecideDefineProcess(state_, rpct_, ProcessReq("B.02", "B", "user:m.rossi"))->events.empty());
  auto scheme = Req<v1::DefineSchemeRequest>();
  *scheme.mutable_scheme() = state_.schemes.at("four_bands").back();
  scheme.mutable_scheme()->set_version(7);  // ignored: the service numbers versions
  absl::StatusOr<RiskDecision> same = DecideDefineScheme(state_, rpct_, scheme);
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->events.empty());
  EXPECT_EQ(same->id, "four_bands@1");
  scheme.mutable_scheme()->mutable_bands(0)->set_upper(5);
  scheme.mutable_scheme()->set_effective_from("2022-07-01");
  absl::StatusOr<RiskDecision> changed = DecideDefineScheme(state_, rpct_, scheme);
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(changed->id, "four_bands@2");
  ASSERT_EQ(changed->events.size(), 1u);
  EXPECT_EQ(changed->events[0].occurred_at, absl::FromCivil(absl::CivilDay(2022, 7, 1), absl::UTCTimeZone()));
}

// Wave one's texts (and a register file's, "kind": "general") are accepted alone; both set and disagreeing is
// refused naming the field; the events carry only the enums; a stored wave-one event folds through its upcaster.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
TEST_F(RiskAggregateTest, KindsAreTheEnumsWaveOnesTextsAreAcceptedAloneAndEventsCarryOnlyTheEnums) {
  auto measure = Req<v1::DefineMeasureRequest>();
  *measure.mutable_measure() = state_.measures.at("MGU33");
  measure.mutable_measure()->set_code("MO4");
  measure.mutable_measure()->clear_measure_kind();
  measure.mutable_measure()->set_kind("general");
  absl::StatusOr<RiskDecision> d = DecideDefineMeasure(state_, rpct_, measure);
  ASSERT_TRUE(d.ok()) << d.status();
  v1::MeasureDefined defined;
  ASSERT_TRUE(defined.ParseFromString(d->events[0].payload));
  EXPECT_EQ(defined.measure().measure_kind(), v1::MEASURE_KIND_GENERAL);
  EXPECT_EQ(defined.measure().kind(), "");
  measure.mutable_measure()->set_measure_kind(v1::MEASURE_KIND_SPECIFIC);
  EXPECT_THAT(DecideDefineMeasure(state_, rpct_, measure).status().message(),
              HasSubstr("measure.kind: 'general' contradicts measure_kind MEASURE_KIND_SPECIFIC"));
  measure.mutable_measure()->clear_kind();
  measure.mutable_measure()->clear_measure_kind();
  EXPECT_THAT(DecideDefineMeasure(state_, rpct_, measure).status().message(),
              HasSubstr("measure.measure_kind: must be MEASURE_KIND_GENERAL or MEASURE_KIND_SPECIFIC"));

  auto plan = Req<v1::PlanMonitoringRequest>();
  plan.add_entries()->set_measure("MGU33");
  plan.mutable_entries(0)->set_mode("sample");
  absl::StatusOr<RiskDecision> planned = DecidePlanMonitoring(state_, rpct_, plan);
  ASSERT_TRUE(planned.ok()) << planned.status();
  v1::MonitoringPlanned entries;
  ASSERT_TRUE(entries.ParseFromString(planned->events[0].payload));
  EXPECT_EQ(entries.entries(0).monitoring_mode(), v1::MONITORING_MODE_SAMPLE);
  EXPECT_EQ(entries.entries(0).mode(), "");
  plan.mutable_entries(0)->set_monitoring_mode(v1::MONITORING_MODE_SAMPLE);  // both, agreeing
  EXPECT_TRUE(DecidePlanMonitoring(state_, rpct_, plan).ok());

  auto record = MonitorReq();
  record.mutable_record()->clear_outcome_kind();
  record.mutable_record()->set_outcome("partially_implemented");
  absl::StatusOr<RiskDecision> monitored = DecideRecordMonitoring(state_, rpct_, record);
  ASSERT_TRUE(monitored.ok()) << monitored.status();
  v1::MonitoringRecorded recorded;
  ASSERT_TRUE(recorded.ParseFromString(monitored->events[0].payload));
  EXPECT_EQ(recorded.record().outcome_kind(), v1::MONITORING_OUTCOME_PARTIALLY_IMPLEMENTED);
  EXPECT_EQ(recorded.record().outcome(), "");
  Apply(monitored);
  // The same record again, typed: unchanged.
  record.mutable_record()->clear_outcome();
  record.mutable_record()->set_outcome_kind(v1::MONITORING_OUTCOME_PARTIALLY_IMPLEMENTED);
  EXPECT_TRUE(DecideRecordMonitoring(state_, rpct_, record)->events.empty());

  auto assess = AssessReq("B.02", 2, 3);
  assess.mutable_assessment()->clear_rating_method();
  assess.mutable_assessment()->set_method("product");
  absl::StatusOr<RiskDecision> rated = DecideRecordAssessment(state_, rpct_, assess);
  ASSERT_TRUE(rated.ok()) << rated.status();
  v1::AssessmentRecorded assessment;
  ASSERT_TRUE(assessment.ParseFromString(rated->events[0].payload));
  EXPECT_EQ(assessment.assessment().rating_method(), v1::RATING_METHOD_PRODUCT);
  EXPECT_EQ(assessment.assessment().method(), "");

  // A wave-one stream (schema version 1, the kinds as text) folds to the enums.
  v1::MeasureDefined old;
  *old.mutable_measure() = defined.measure();
  old.mutable_measure()->clear_measure_kind();
  old.mutable_measure()->set_kind("general");
  v1::EventEnvelope e;
  e.set_event_type("piao.v1.MeasureDefined");
  e.set_schema_version(1);
  e.set_payload(old.SerializeAsString());
  e.set_stream_version(1);
  absl::StatusOr<RegisterState> folded = FoldStoredRegister({e});
  ASSERT_TRUE(folded.ok()) << folded.status();
  EXPECT_EQ(folded->measures.at("MO4").measure_kind(), v1::MEASURE_KIND_GENERAL);
  EXPECT_EQ(folded->measures.at("MO4").kind(), "");
}
#pragma GCC diagnostic pop

}  // namespace
}  // namespace piao::risk
