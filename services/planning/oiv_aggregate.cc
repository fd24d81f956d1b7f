#include "services/planning/oiv_aggregate.h"

#include <cmath>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
#include "libs/base/status_macros.h"
#include "libs/plan/model.h"
#include "libs/service/roles.h"
#include "services/common/aggregate_util.h"

namespace piao::planning {
namespace {

using google::protobuf::util::MessageDifferencer;

bool Blank(const std::string& s) { return absl::StripAsciiWhitespace(s).empty(); }

bool Holds(const v1::Principal& who, absl::string_view role) {
  for (const std::string& r : who.roles()) {
    if (r == role) return true;
  }
  return false;
}

absl::Status RequireOiv(const v1::Principal& who, absl::string_view what) {
  if (IsOiv(who)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat(what, ": only the OIV (role oiv) records its acts; ", who.id(), " does not hold it"));
}

absl::Status RequirePlanningOffice(const v1::Principal& who) {
  if (Holds(who, service::roles::kPlanner) || Holds(who, service::roles::kAdmin)) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "RecordDeviation: only the planning office (role planner) or an admin states deviations; ", who.id(),
      " holds neither"));
}

absl::Status RequirePlan(const PlanFacts& plan, const std::string& administration, int year) {
  if (plan.plan_exists) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat("year: there is no plan ", administration, "/", year,
                                                    " to refer to (import the plan first)"));
}

// `text` as the act's date: "" = today; a real date, not before the year starts, not after today.
absl::StatusOr<absl::CivilDay> ActDate(const std::string& text, const std::string& field, int year,
                                       absl::CivilDay today) {
  if (text.empty()) return today;
  absl::StatusOr<plan::Date> d = plan::ParseIsoDate(text);
  if (!d.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": must be a real date YYYY-MM-DD, got '", text, "'"));
  }
  if (d->year() < year) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", text, " is before the year ", year, " the act is about"));
  }
  if (*d > today) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", text, " is in the future (today is ", plan::FormatIsoDate(today), ")"));
  }
  return *d;
}

absl::Status CheckDocument(const v1::DocumentRef& d, const std::string& field) {
  if (d.reference().empty() && d.sha256().empty()) return absl::OkStatus();  // no document
  if (Blank(d.reference())) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".reference: must name the document its hash is of"));
  }
  if (d.sha256().size() != 64) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".sha256: must be 64 lower-case hex digits, got ",
                                                   d.sha256().size(), " characters"));
  }
  for (char c : d.sha256()) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".sha256: must be 64 lower-case hex digits"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckObjective(const PlanFacts& plan, const std::string& code, const std::string& field) {
  if (Blank(code)) return absl::InvalidArgumentError(absl::StrCat(field, ": must name an objective"));
  if (plan.objectives.count(code) == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(field, ": no objective '", code, "' in the year's plan"));
  }
  return absl::OkStatus();
}

// Checks the remarks and sets each deviation_version.
absl::Status CheckRemarks(const PlanFacts& plan, google::protobuf::RepeatedPtrField<v1::ObjectiveRemark>* remarks,
                          const std::string& path) {
  std::set<std::string> seen;
  for (int i = 0; i < remarks->size(); ++i) {
    v1::ObjectiveRemark& r = (*remarks)[i];
    const std::string at = absl::StrCat(path, "[", i, "]");
    PIAO_RETURN_IF_ERROR(CheckObjective(plan, r.objective(), at + ".objective"));
    if (!seen.insert(r.objective()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(at, ".objective: '", r.objective(), "' has a remark already (one remark per objective)"));
    }
    if (Blank(r.remark())) return absl::InvalidArgumentError(absl::StrCat(at, ".remark: must not be empty"));
    r.set_deviation_version(0);
    if (r.about_deviation()) {
      auto it = plan.deviations.find(r.objective());
      if (it == plan.deviations.end()) {
        return absl::FailedPreconditionError(absl::StrCat(at, ".about_deviation: no deviation recorded for objective '",
                                                          r.objective(), "' (piao deviation record)"));
      }
      r.set_deviation_version(it->second.value());
    }
  }
  return absl::OkStatus();
}

// Equal ignoring the service-assigned numbering.
template <typename M>
bool SameAct(M a, M b) {
  a.set_number(0);
  a.set_supersedes(0);
  b.set_number(0);
  b.set_supersedes(0);
  return MessageDifferencer::Equals(a, b);
}

template <typename M>
OivDecision One(const M& event, absl::CivilDay valid_from, std::string id) {
  OivDecision d;
  d.events.push_back(services::MakeEvent(event, valid_from));
  d.id = std::move(id);
  return d;
}

template <typename M>
absl::StatusOr<M> Decode(const v1::EventEnvelope& e) {
  return services::DecodePayload<M>(e);
}

template <typename M>
bool Is(const std::string& type) {
  return type == M::descriptor()->full_name();
}

}  // namespace

StreamId OivStream(const std::string& administration, int year) {
  return StreamId{"oiv", absl::StrCat(administration, "/", year)};
}

StreamId DeviationStream(const std::string& administration, int year) {
  return StreamId{"deviation", absl::StrCat(administration, "/", year)};
}

bool IsOivEventType(const std::string& t) {
  return Is<v1::RelazioneValidated>(t) || Is<v1::OivMonitoringReportSubmitted>(t) || Is<v1::TransparencyAttested>(t) ||
         Is<v1::SgEvaluationProposed>(t) || Is<v1::DeviationRecorded>(t);
}

bool IsOiv(const v1::Principal& who) { return Holds(who, service::roles::kOiv); }

absl::StatusOr<OivState> FoldOiv(const std::vector<v1::EventEnvelope>& events) {
  OivState s;
  for (const v1::EventEnvelope& e : events) {
    const std::string& t = e.event_type();
    if (Is<v1::RelazioneValidated>(t)) {
      PIAO_ASSIGN_OR_RETURN(auto m, Decode<v1::RelazioneValidated>(e));
      s.validations.push_back(m.validation());
    } else if (Is<v1::OivMonitoringReportSubmitted>(t)) {
      PIAO_ASSIGN_OR_RETURN(auto m, Decode<v1::OivMonitoringReportSubmitted>(e));
      s.monitoring_reports.push_back(m.report());
    } else if (Is<v1::TransparencyAttested>(t)) {
      PIAO_ASSIGN_OR_RETURN(auto m, Decode<v1::TransparencyAttested>(e));
      s.attestations.push_back(m.attestation());
    } else if (Is<v1::SgEvaluationProposed>(t)) {
      PIAO_ASSIGN_OR_RETURN(auto m, Decode<v1::SgEvaluationProposed>(e));
      s.sg_proposals.push_back(m.proposal());
    } else {
      return absl::FailedPreconditionError(absl::StrCat("unknown event type ", t, " in stream oiv/",
                                                        e.stream().aggregate_id(), " at version ",
                                                        e.stream_version(), " (written by a newer release?)"));
    }
  }
  return s;
}

absl::StatusOr<DeviationState> FoldDeviations(const std::vector<v1::EventEnvelope>& events) {
  DeviationState s;
  for (const v1::EventEnvelope& e : events) {
    if (!Is<v1::DeviationRecorded>(e.event_type())) {
      return absl::FailedPreconditionError(absl::StrCat("unknown event type ", e.event_type(), " in stream deviation/",
                                                        e.stream().aggregate_id(), " at version ",
                                                        e.stream_version(), " (written by a newer release?)"));
    }
    PIAO_ASSIGN_OR_RETURN(auto m, Decode<v1::DeviationRecorded>(e));
    s.current[m.deviation().objective()] = {m.deviation(), StreamVersion(e.stream_version())};
    s.version = StreamVersion(e.stream_version());
  }
  return s;
}

absl::StatusOr<OivDecision> DecideValidateRelazione(const OivState& s, const PlanFacts& plan, const v1::Principal& who,
                                                    const v1::ValidateRelazioneRequest& cmd, absl::CivilDay today) {
  PIAO_RETURN_IF_ERROR(services::ValidateAdministrationYear(cmd.administration(), cmd.year()));
  PIAO_RETURN_IF_ERROR(RequireOiv(who, "ValidateRelazione"));
  v1::RelazioneValidation v = cmd.validation();
  const v1::ValidationOutcome outcome = v.outcome();
  if (outcome == v1::VALIDATION_OUTCOME_UNSPECIFIED || !v1::ValidationOutcome_IsValid(outcome)) {
    return absl::InvalidArgumentError(
        "validation.outcome: must be VALIDATED, VALIDATED_WITH_REMARKS or NOT_VALIDATED");
  }
  if (Blank(v.motivation())) return absl::InvalidArgumentError("validation.motivation: must not be empty");
  if (outcome == v1::VALIDATION_OUTCOME_VALIDATED_WITH_REMARKS && v.remarks_size() == 0) {
    return absl::InvalidArgumentError("validation.remarks: VALIDATED_WITH_REMARKS needs at least one remark");
  }
  if (outcome == v1::VALIDATION_OUTCOME_VALIDATED && v.remarks_size() > 0) {
    return absl::InvalidArgumentError(
        "validation.remarks: VALIDATED takes no remarks (use VALIDATED_WITH_REMARKS)");
  }
  PIAO_ASSIGN_OR_RETURN(absl::CivilDay date, ActDate(v.date(), "validation.date", cmd.year(), today));
  v.set_date(plan::FormatIsoDate(date));
  PIAO_RETURN_IF_ERROR(CheckDocument(v.document(), "validation.document"));
  PIAO_RETURN_IF_ERROR(RequirePlan(plan, cmd.administration(), cmd.year()));
  PIAO_RETURN_IF_ERROR(CheckRemarks(plan, v.mutable_remarks(), "validation.remarks"));
  const uint32_t n = static_cast<uint32_t>(s.validations.size());
  if (n > 0 && SameAct(s.validations.back(), v)) return OivDecision{{}, absl::StrCat("validation/", n)};
  v.set_number(n + 1);
  v.set_supersedes(n);
  v1::RelazioneValidated ev;
  *ev.mutable_validation() = std::move(v);
  return One(ev, date, absl::StrCat("validation/", n + 1));
}

absl::StatusOr<OivDecision> DecideSubmitMonitoringReport(const OivState& s, const PlanFacts& plan,
                                                         const v1::Principal& who,
                                                         const v1::SubmitMonitoringReportRequest& cmd,
                                                         absl::CivilDay today) {
  PIAO_RETURN_IF_ERROR(services::ValidateAdministrationYear(cmd.administration(), cmd.year()));
  PIAO_RETURN_IF_ERROR(RequireOiv(who, "SubmitMonitoringReport"));
  v1::OivMonitoringReport r = cmd.report();
  absl::StatusOr<plan::Date> period = plan::ParseIsoDate(r.period());
  if (!period.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("report.period: must be the monitoring date YYYY-MM-DD, got '", r.period(), "'"));
  }
  if (period->year() != cmd.year()) {
    return absl::InvalidArgumentError(
        absl::StrCat("report.period: ", r.period(), " is not a date of the year ", cmd.year()));
  }
  if (Blank(r.summary())) return absl::InvalidArgumentError("report.summary: must not be empty");
  PIAO_ASSIGN_OR_RETURN(absl::CivilDay date, ActDate(r.date(), "report.date", cmd.year(), today));
  if (date < *period) {
    return absl::InvalidArgumentError(
        absl::StrCat("report.date: ", plan::FormatIsoDate(date), " is before its period ", r.period()));
  }
  r.set_date(plan::FormatIsoDate(date));
  if (Blank(r.addressee())) r.set_addressee("Giunta");
  PIAO_RETURN_IF_ERROR(CheckDocument(r.document(), "report.document"));
  PIAO_RETURN_IF_ERROR(RequirePlan(plan, cmd.administration(), cmd.year()));
  PIAO_RETURN_IF_ERROR(CheckRemarks(plan, r.mutable_remarks(), "report.remarks"));
  uint32_t same_period = 0;  // the latest report of the same period
  for (const v1::OivMonitoringReport& earlier : s.monitoring_reports) {
    if (earlier.period() == r.period()) same_period = earlier.number();
  }
  if (same_period > 0 && SameAct(s.monitoring_reports[same_period - 1], r)) {
    return OivDecision{{}, absl::StrCat("monitoring-report/", same_period)};
  }
  const uint32_t n = static_cast<uint32_t>(s.monitoring_reports.size());
  r.set_number(n + 1);
  r.set_supersedes(same_period);
  v1::OivMonitoringReportSubmitted ev;
  *ev.mutable_report() = std::move(r);
  return One(ev, date, absl::StrCat("monitoring-report/", n + 1));
}

absl::StatusOr<OivDecision> DecideAttestTransparency(const OivState& s, const PlanFacts& plan, const v1::Principal& who,
                                                     const v1::AttestTransparencyRequest& cmd, absl::CivilDay today) {
  PIAO_RETURN_IF_ERROR(services::ValidateAdministrationYear(cmd.administration(), cmd.year()));
  PIAO_RETURN_IF_ERROR(RequireOiv(who, "AttestTransparency"));
  (void)plan;  // the grid is about the administration's site, not its plan
  v1::TransparencyAttestation a = cmd.attestation();
  if (a.obligations_size() == 0) {
    return absl::InvalidArgumentError("attestation.obligations: the grid needs at least one obligation");
  }
  std::set<std::string> seen;
  for (int i = 0; i < a.obligations_size(); ++i) {
    const v1::TransparencyObligation& o = a.obligations(i);
    const std::string at = absl::StrCat("attestation.obligations[", i, "]");
    if (Blank(o.obligation())) return absl::InvalidArgumentError(at + ".obligation: must not be empty");
    if (!seen.insert(o.obligation()).second) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".obligation: '", o.obligation(), "' repeated in the grid"));
    }
    const std::pair<const char*, uint32_t> scores[] = {
        {"completeness", o.completeness()}, {"update", o.update()}, {"open_format", o.open_format()}};
    for (const auto& [name, value] : scores) {
      if (value > 3) {
        return absl::InvalidArgumentError(absl::StrCat(at, ".", name, ": a score 0-3, got ", value));
      }
      if (!o.published() && value != 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(at, ".", name, ": an obligation not published scores 0, got ", value));
      }
    }
  }
  PIAO_ASSIGN_OR_RETURN(absl::CivilDay date, ActDate(a.date(), "attestation.date", cmd.year(), today));
  a.set_date(plan::FormatIsoDate(date));
  if (a.survey_date().empty()) {
    a.set_survey_date(a.date());
  } else {
    absl::StatusOr<plan::Date> survey = plan::ParseIsoDate(a.survey_date());
    if (!survey.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("attestation.survey_date: must be a real date YYYY-MM-DD, got '", a.survey_date(), "'"));
    }
    if (*survey > date) {
      return absl::InvalidArgumentError(absl::StrCat("attestation.survey_date: ", a.survey_date(),
                                                     " is after the attestation's date ", a.date()));
    }
  }
  PIAO_RETURN_IF_ERROR(CheckDocument(a.document(), "attestation.document"));
  const uint32_t n = static_cast<uint32_t>(s.attestations.size());
  if (n > 0 && SameAct(s.attestations.back(), a)) return OivDecision{{}, absl::StrCat("attestation/", n)};
  a.set_number(n + 1);
  a.set_supersedes(n);
  v1::TransparencyAttested ev;
  *ev.mutable_attestation() = std::move(a);
  return One(ev, date, absl::StrCat("attestation/", n + 1));
}

absl::StatusOr<OivDecision> DecideProposeSgEvaluation(const OivState& s, const PlanFacts& plan,
                                                      const v1::Principal& who,
                                                      const v1::ProposeSgEvaluationRequest& cmd,
                                                      absl::CivilDay today) {
  PIAO_RETURN_IF_ERROR(services::ValidateAdministrationYear(cmd.administration(), cmd.year()));
  PIAO_RETURN_IF_ERROR(RequireOiv(who, "ProposeSgEvaluation"));
  v1::SgEvaluationProposal p = cmd.proposal();
  if (Blank(p.evaluated())) return absl::InvalidArgumentError("proposal.evaluated: must name the Segretario generale");
  if (Blank(p.proposal())) return absl::InvalidArgumentError("proposal.proposal: must not be empty");
  if (p.has_proposed_score_pct() &&
      !(std::isfinite(p.proposed_score_pct()) && p.proposed_score_pct() >= 0 && p.proposed_score_pct() <= 100)) {
    return absl::InvalidArgumentError(
        absl::StrCat("proposal.proposed_score_pct: a percentage 0-100, got ", p.proposed_score_pct()));
  }
  PIAO_ASSIGN_OR_RETURN(absl::CivilDay date, ActDate(p.date(), "proposal.date", cmd.year(), today));
  p.set_date(plan::FormatIsoDate(date));
  PIAO_RETURN_IF_ERROR(CheckDocument(p.document(), "proposal.document"));
  PIAO_RETURN_IF_ERROR(RequirePlan(plan, cmd.administration(), cmd.year()));
  const uint32_t n = static_cast<uint32_t>(s.sg_proposals.size());
  if (n > 0 && SameAct(s.sg_proposals.back(), p)) return OivDecision{{}, absl::StrCat("sg-proposal/", n)};
  p.set_number(n + 1);
  p.set_supersedes(n);
  v1::SgEvaluationProposed ev;
  *ev.mutable_proposal() = std::move(p);
  return One(ev, date, absl::StrCat("sg-proposal/", n + 1));
}

absl::StatusOr<OivDecision> DecideRecordDeviation(const DeviationState& s, const PlanFacts& plan,
                                                  const v1::Principal& who, const v1::RecordDeviationRequest& cmd,
                                                  absl::CivilDay today) {
  PIAO_RETURN_IF_ERROR(services::ValidateAdministrationYear(cmd.administration(), cmd.year()));
  PIAO_RETURN_IF_ERROR(RequirePlanningOffice(who));
  v1::ObjectiveDeviation d = cmd.deviation();
  if (Blank(d.causes())) return absl::InvalidArgumentError("deviation.causes: must not be empty");
  if (Blank(d.measures())) return absl::InvalidArgumentError("deviation.measures: must not be empty");
  PIAO_ASSIGN_OR_RETURN(absl::CivilDay date, ActDate(d.date(), "deviation.date", cmd.year(), today));
  d.set_date(plan::FormatIsoDate(date));
  PIAO_RETURN_IF_ERROR(RequirePlan(plan, cmd.administration(), cmd.year()));
  PIAO_RETURN_IF_ERROR(CheckObjective(plan, d.objective(), "deviation.objective"));
  const std::string id = absl::StrCat("deviation/", d.objective());
  if (auto it = s.current.find(d.objective());
      it != s.current.end() && MessageDifferencer::Equals(it->second.deviation, d)) {
    return OivDecision{{}, id};
  }
  v1::DeviationRecorded ev;
  *ev.mutable_deviation() = std::move(d);
  return One(ev, date, id);
}

}  // namespace piao::planning
