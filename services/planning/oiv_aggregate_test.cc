#include "services/planning/oiv_aggregate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/time.h"

namespace piao::planning {
namespace {

using ::testing::HasSubstr;

const absl::CivilDay kToday(2023, 6, 30);

v1::Principal Who(const std::string& id, std::initializer_list<const char*> roles) {
  v1::Principal p;
  p.set_id(id);
  for (const char* r : roles) p.add_roles(r);
  p.add_administrations("CCIAA-TO");
  return p;
}

const v1::Principal kOiv = Who("user:oiv", {"oiv"});

PlanFacts Plan() {
  PlanFacts f;
  f.plan_exists = true;
  f.objectives = {"OS01.1.1", "OP1.1.1-01"};
  return f;
}

// Decided events folded as the store would number them.
class Stream {
 public:
  void Append(const OivDecision& d) {
    for (const eventstore::NewEvent& ne : d.events) {
      v1::EventEnvelope e;
      e.set_event_type(ne.event_type);
      e.set_payload(ne.payload);
      e.set_schema_version(ne.schema_version);
      e.set_stream_version(events_.size() + 1);
      events_.push_back(e);
    }
  }
  OivState Oiv() const {
    auto s = FoldOiv(events_);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : OivState();
  }
  DeviationState Deviations() const {
    auto s = FoldDeviations(events_);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : DeviationState();
  }
  size_t size() const { return events_.size(); }

 private:
  std::vector<v1::EventEnvelope> events_;
};

template <typename R>
R Req() {
  R r;
  r.set_administration("CCIAA-TO");
  r.set_year(2022);
  return r;
}

v1::ValidateRelazioneRequest Validation(v1::ValidationOutcome outcome, const std::string& motivation) {
  auto r = Req<v1::ValidateRelazioneRequest>();
  r.mutable_validation()->set_outcome(outcome);
  r.mutable_validation()->set_motivation(motivation);
  r.mutable_validation()->set_date("2023-06-20");
  return r;
}

TEST(OivAggregateTest, AValidationIsRecordedWithItsDateAsValidTimeAndNumbered) {
  auto r = Validation(v1::VALIDATION_OUTCOME_VALIDATED, "conforme");
  r.mutable_validation()->mutable_document()->set_reference("relazione-2022.pdf");
  r.mutable_validation()->mutable_document()->set_sha256(std::string(64, 'a'));
  auto d = DecideValidateRelazione(OivState(), Plan(), kOiv, r, kToday);
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ(d->events.size(), 1u);
  EXPECT_EQ(d->id, "validation/1");
  EXPECT_EQ(d->events[0].event_type, "piao.v1.RelazioneValidated");
  EXPECT_EQ(d->events[0].occurred_at, absl::FromCivil(absl::CivilSecond(2023, 6, 20), absl::UTCTimeZone()));
  v1::RelazioneValidated ev;
  ASSERT_TRUE(ev.ParseFromString(d->events[0].payload));
  EXPECT_EQ(ev.validation().number(), 1u);
  EXPECT_EQ(ev.validation().supersedes(), 0u);
  EXPECT_EQ(ev.validation().document().sha256(), std::string(64, 'a'));
}

TEST(OivAggregateTest, AnEmptyDateIsToday) {
  auto r = Validation(v1::VALIDATION_OUTCOME_VALIDATED, "conforme");
  r.mutable_validation()->clear_date();
  auto d = DecideValidateRelazione(OivState(), Plan(), kOiv, r, kToday);
  ASSERT_TRUE(d.ok()) << d.status();
  v1::RelazioneValidated ev;
  ASSERT_TRUE(ev.ParseFromString(d->events[0].payload));
  EXPECT_EQ(ev.validation().date(), "2023-06-30");
}

TEST(OivAggregateTest, ALaterValidationSupersedesAndTheEarlierStays) {
  Stream stream;
  auto first = Validation(v1::VALIDATION_OUTCOME_NOT_VALIDATED, "dati incompleti");
  auto d1 = DecideValidateRelazione(stream.Oiv(), Plan(), kOiv, first, kToday);
  ASSERT_TRUE(d1.ok()) << d1.status();
  stream.Append(*d1);
  auto second = Validation(v1::VALIDATION_OUTCOME_VALIDATED_WITH_REMARKS, "dati integrati");
  v1::ObjectiveRemark* remark = second.mutable_validation()->add_remarks();
  remark->set_objective("OS01.1.1");
  remark->set_remark("scostamento non motivato");
  auto d2 = DecideValidateRelazione(stream.Oiv(), Plan(), kOiv, second, kToday);
  ASSERT_TRUE(d2.ok()) << d2.status();
  EXPECT_EQ(d2->id, "validation/2");
  stream.Append(*d2);
  const OivState s = stream.Oiv();
  ASSERT_EQ(s.validations.size(), 2u);
  EXPECT_EQ(s.validations[0].outcome(), v1::VALIDATION_OUTCOME_NOT_VALIDATED);
  EXPECT_EQ(s.validations[0].motivation(), "dati incompleti");
  EXPECT_EQ(s.validations[1].supersedes(), 1u);
  EXPECT_EQ(s.validations[1].number(), 2u);
  // The same content again: unchanged, nothing written.
  auto again = DecideValidateRelazione(s, Plan(), kOiv, second, kToday);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->events.empty());
  EXPECT_EQ(again->id, "validation/2");
  // Going back to the first judgement is a new fact, not a rewind.
  auto back = DecideValidateRelazione(s, Plan(), kOiv, first, kToday);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->id, "validation/3");
}

TEST(OivAggregateTest, TheOutcomeDecidesWhatRemarksMayBe) {
  auto none = Validation(v1::VALIDATION_OUTCOME_VALIDATED_WITH_REMARKS, "m");
  auto d = DecideValidateRelazione(OivState(), Plan(), kOiv, none, kToday);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(d.status().message(), HasSubstr("validation.remarks"));

  auto plain = Validation(v1::VALIDATION_OUTCOME_VALIDATED, "m");
  plain.mutable_validation()->add_remarks()->set_objective("OS01.1.1");
  plain.mutable_validation()->mutable_remarks(0)->set_remark("x");
  d = DecideValidateRelazione(OivState(), Plan(), kOiv, plain, kToday);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(d.status().message(), HasSubstr("validation.remarks"));

  auto unspecified = Validation(v1::VALIDATION_OUTCOME_UNSPECIFIED, "m");
  d = DecideValidateRelazione(OivState(), Plan(), kOiv, unspecified, kToday);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(d.status().message(), HasSubstr("validation.outcome"));

  auto unmotivated = Validation(v1::VALIDATION_OUTCOME_VALIDATED, "  ");
  d = DecideValidateRelazione(OivState(), Plan(), kOiv, unmotivated, kToday);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(d.status().message(), HasSubstr("validation.motivation"));
}

TEST(OivAggregateTest, ARemarkMustNameAnObjectiveOfThePlanOnce) {
  auto r = Validation(v1::VALIDATION_OUTCOME_VALIDATED_WITH_REMARKS, "m");
  r.mutable_validation()->add_remarks()->set_objective("OS09.9.9");
  r.mutable_validation()->mutable_remarks(0)->set_remark("x");
  auto d = DecideValidateRelazione(OivState(), Plan(), kOiv, r, kToday);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(d.status().message(), HasSubstr("validation.remarks[0].objective: no objective 'OS09.9.9'"));

  r.mutable_validation()->mutable_remarks(0)->set_objective("OS01.1.1");
  *r.mutable_validation()->add_remarks() = r.validation().remarks(0);
  d = DecideValidateRelazione(OivState(), Plan(), kOiv, r, kToday);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(d.status().message(), HasSubstr("validation.remarks[1].objective"));

  PlanFacts no_plan;
  r.mutable_validation()->mutable_remarks()->RemoveLast();
  d = DecideValidateRelazione(OivState(), no_plan, kOiv, r, kToday);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(d.status().message(), HasSubstr("no plan CCIAA-TO/2022"));
}

TEST(OivAggregateTest, ARemarkAboutADeviationPointsAtTheStatementInForce) {
  auto r = Validation(v1::VALIDATION_OUTCOME_VALIDATED_WITH_REMARKS, "m");
  v1::ObjectiveRemark* remark = r.mutable_validation()->add_remarks();
  remark->set_objective("OS01.1.1");
  remark->set_remark("le cause indicate non bastano");
  remark->set_about_deviation(true);
  auto d = DecideValidateRelazione(OivState(), Plan(), kOiv, r, kToday);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(d.status().message(), HasSubstr("validation.remarks[0].about_deviation"));

  PlanFacts plan = Plan();
  plan.deviations["OS01.1.1"] = StreamVersion(3);
  d = DecideValidateRelazione(OivState(), plan, kOiv, r, kToday);
  ASSERT_TRUE(d.ok()) << d.status();
  v1::RelazioneValidated ev;
  ASSERT_TRUE(ev.ParseFromString(d->events[0].payload));
  EXPECT_EQ(ev.validation().remarks(0).deviation_version(), 3u);
}

TEST(OivAggregateTest, DatesAndDocumentsAreChecked) {
  auto r = Validation(v1::VALIDATION_OUTCOME_VALIDATED, "m");
  r.mutable_validation()->set_date("2023-07-01");  // after today
  auto d = DecideValidateRelazione(OivState(), Plan(), kOiv, r, kToday);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(d.status().message(), HasSubstr("validation.date"));
  r.mutable_validation()->set_date("2021-12-31");  // before the year
  d = DecideValidateRelazione(OivState(), Plan(), kOiv, r, kToday);
  EXPECT_THAT(d.status().message(), HasSubstr("validation.date"));
  r.mutable_validation()->set_date("2023-02-30");
  d = DecideValidateRelazione(OivState(), Plan(), kOiv, r, kToday);
  EXPECT_THAT(d.status().message(), HasSubstr("validation.date: must be a real date"));

  r.mutable_validation()->set_date("2023-06-01");
  r.mutable_validation()->mutable_document()->set_reference("r.pdf");
  r.mutable_validation()->mutable_document()->set_sha256(std::string(63, 'a'));
  d = DecideValidateRelazione(OivState(), Plan(), kOiv, r, kToday);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(d.status().message(), HasSubstr("validation.document.sha256"));
  r.mutable_validation()->mutable_document()->set_sha256(std::string(64, 'A'));  // upper case
  d = DecideValidateRelazione(OivState(), Plan(), kOiv, r, kToday);
  EXPECT_THAT(d.status().message(), HasSubstr("validation.document.sha256"));
  r.mutable_validation()->mutable_document()->set_sha256(std::string(64, 'f'));
  r.mutable_validation()->mutable_document()->clear_reference();
  d = DecideValidateRelazione(OivState(), Plan(), kOiv, r, kToday);
  EXPECT_THAT(d.status().message(), HasSubstr("validation.document.reference"));
}

TEST(OivAggregateTest, OnlyTheOivWritesItsActsNotEvenAnAdmin) {
  const v1::Principal others[] = {Who("user:admin", {"admin"}), Who("user:p", {"planner"}),
                                  Who("user:m", {"measurer"}), Who("user:rpct", {"rpct"}), Who("user:hr", {"hr"}),
                                  Who("svc:feed", {"feed"}), Who("svc:projection", {"service"})};
  for (const v1::Principal& who : others) {
    auto v = DecideValidateRelazione(OivState(), Plan(), who, Validation(v1::VALIDATION_OUTCOME_VALIDATED, "m"),
                                     kToday);
    EXPECT_EQ(v.status().code(), absl::StatusCode::kPermissionDenied) << who.id();
    auto report = Req<v1::SubmitMonitoringReportRequest>();
    report.mutable_report()->set_period("2022-09-30");
    report.mutable_report()->set_summary("s");
    EXPECT_EQ(DecideSubmitMonitoringReport(OivState(), Plan(), who, report, kToday).status().code(),
              absl::StatusCode::kPermissionDenied);
    auto attest = Req<v1::AttestTransparencyRequest>();
    attest.mutable_attestation()->add_obligations()->set_obligation("Bandi di gara");
    EXPECT_EQ(DecideAttestTransparency(OivState(), Plan(), who, attest, kToday).status().code(),
              absl::StatusCode::kPermissionDenied);
    auto sg = Req<v1::ProposeSgEvaluationRequest>();
    sg.mutable_proposal()->set_evaluated("Segretario generale");
    sg.mutable_proposal()->set_proposal("p");
    EXPECT_EQ(DecideProposeSgEvaluation(OivState(), Plan(), who, sg, kToday).status().code(),
              absl::StatusCode::kPermissionDenied);
  }
}

TEST(OivAggregateTest, DeviationsAreThePlanningOfficesAndALaterOneSupersedes) {
  auto r = Req<v1::RecordDeviationRequest>();
  r.mutable_deviation()->set_objective("OS01.1.1");
  r.mutable_deviation()->set_causes("ritardo dei dati InfoCamere");
  r.mutable_deviation()->set_measures("nuova convenzione");
  r.mutable_deviation()->set_date("2023-03-01");
  EXPECT_EQ(DecideRecordDeviation(DeviationState(), Plan(), kOiv, r, kToday).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(DecideRecordDeviation(DeviationState(), Plan(), Who("user:rpct", {"rpct"}), r, kToday).status().code(),
            absl::StatusCode::kPermissionDenied);
  const v1::Principal planner = Who("user:p", {"planner"});
  Stream stream;
  auto d = DecideRecordDeviation(stream.Deviations(), Plan(), planner, r, kToday);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->id, "deviation/OS01.1.1");
  stream.Append(*d);
  auto same = DecideRecordDeviation(stream.Deviations(), Plan(), planner, r, kToday);
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_TRUE(same->events.empty());
  r.mutable_deviation()->set_measures("convenzione e controlli trimestrali");
  auto later = DecideRecordDeviation(stream.Deviations(), Plan(), Who("user:admin", {"admin"}), r, kToday);
  ASSERT_TRUE(later.ok()) << later.status();
  ASSERT_EQ(later->events.size(), 1u);
  stream.Append(*later);
  const DeviationState s = stream.Deviations();
  EXPECT_EQ(stream.size(), 2u);  // the earlier statement stays in the stream
  EXPECT_EQ(s.current.at("OS01.1.1").deviation.measures(), "convenzione e controlli trimestrali");
  EXPECT_EQ(s.current.at("OS01.1.1").version, StreamVersion(2));

  r.mutable_deviation()->set_objective("OS09.9.9");
  auto unknown = DecideRecordDeviation(s, Plan(), planner, r, kToday);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(unknown.status().message(), HasSubstr("deviation.objective"));
  r.mutable_deviation()->set_objective("OS01.1.1");
  r.mutable_deviation()->set_causes("");
  EXPECT_THAT(DecideRecordDeviation(s, Plan(), planner, r, kToday).status().message(), HasSubstr("deviation.causes"));
}

TEST(OivAggregateTest, MonitoringReportsAreAttachedToAPeriodOfTheYear) {
  auto r = Req<v1::SubmitMonitoringReportRequest>();
  r.mutable_report()->set_period("2022-09-30");
  r.mutable_report()->set_date("2022-10-15");
  r.mutable_report()->set_summary("avanzamento regolare");
  Stream stream;
  auto d = DecideSubmitMonitoringReport(stream.Oiv(), Plan(), kOiv, r, kToday);
  ASSERT_TRUE(d.ok()) << d.status();
  stream.Append(*d);
  EXPECT_EQ(stream.Oiv().monitoring_reports[0].addressee(), "Giunta");
  r.mutable_report()->set_summary("avanzamento regolare, con una criticità");
  auto d2 = DecideSubmitMonitoringReport(stream.Oiv(), Plan(), kOiv, r, kToday);
  ASSERT_TRUE(d2.ok()) << d2.status();
  stream.Append(*d2);
  EXPECT_EQ(stream.Oiv().monitoring_reports[1].supersedes(), 1u);

  r.mutable_report()->set_period("2023-03-31");
  EXPECT_THAT(DecideSubmitMonitoringReport(stream.Oiv(), Plan(), kOiv, r, kToday).status().message(),
              HasSubstr("report.period"));
  r.mutable_report()->set_period("2022-12-31");
  r.mutable_report()->set_date("2022-11-01");
  EXPECT_THAT(DecideSubmitMonitoringReport(stream.Oiv(), Plan(), kOiv, r, kToday).status().message(),
              HasSubstr("report.date"));
}

TEST(OivAggregateTest, TheTransparencyGridScoresZeroToThree) {
  auto r = Req<v1::AttestTransparencyRequest>();
  v1::TransparencyObligation* o = r.mutable_attestation()->add_obligations();
  o->set_obligation("Consulenti e collaboratori");
  o->set_published(true);
  o->set_completeness(3);
  o->set_update(2);
  o->set_open_format(3);
  auto d = DecideAttestTransparency(OivState(), Plan(), kOiv, r, kToday);
  ASSERT_TRUE(d.ok()) << d.status();
  v1::TransparencyAttested ev;
  ASSERT_TRUE(ev.ParseFromString(d->events[0].payload));
  EXPECT_EQ(ev.attestation().survey_date(), "2023-06-30");

  o->set_update(4);
  auto bad = DecideAttestTransparency(OivState(), Plan(), kOiv, r, kToday);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("attestation.obligations[0].update: a score 0-3, got 4"));
  o->set_update(2);
  o->set_published(false);
  EXPECT_THAT(DecideAttestTransparency(OivState(), Plan(), kOiv, r, kToday).status().message(),
              HasSubstr("not published scores 0"));
  o->set_published(true);
  *r.mutable_attestation()->add_obligations() = *o;
  EXPECT_THAT(DecideAttestTransparency(OivState(), Plan(), kOiv, r, kToday).status().message(),
              HasSubstr("attestation.obligations[1].obligation"));
}

TEST(OivAggregateTest, TheSgProposalIsAPercentageWithAMotivation) {
  auto r = Req<v1::ProposeSgEvaluationRequest>();
  r.mutable_proposal()->set_evaluated("Segretario generale");
  r.mutable_proposal()->set_proposal("obiettivi individuali raggiunti al 96%");
  r.mutable_proposal()->set_proposed_score_pct(96);
  ASSERT_TRUE(DecideProposeSgEvaluation(OivState(), Plan(), kOiv, r, kToday).ok());
  r.mutable_proposal()->set_proposed_score_pct(101);
  EXPECT_THAT(DecideProposeSgEvaluation(OivState(), Plan(), kOiv, r, kToday).status().message(),
              HasSubstr("proposal.proposed_score_pct"));
  r.mutable_proposal()->clear_proposed_score_pct();
  r.mutable_proposal()->set_proposal("");
  EXPECT_THAT(DecideProposeSgEvaluation(OivState(), Plan(), kOiv, r, kToday).status().message(),
              HasSubstr("proposal.proposal"));
}

TEST(OivAggregateTest, AnUnknownEventTypeIsRefusedByTheFold) {
  v1::EventEnvelope e;
  e.set_event_type("piao.v1.Unknown");
  EXPECT_EQ(FoldOiv({e}).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(FoldDeviations({e}).status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace piao::planning
