#include "services/risk/risk_aggregate.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
#include "libs/base/status_macros.h"
#include "libs/plan/model.h"
#include "libs/risk/banding.h"
#include "libs/risk/kinds.h"
#include "libs/risk/register_file.h"
#include "libs/service/roles.h"
#include "services/common/aggregate_util.h"

namespace piao::risk {
namespace {

using google::protobuf::util::MessageDifferencer;

bool Blank(const std::string& s) { return absl::StripAsciiWhitespace(s).empty(); }

absl::StatusOr<plan::Date> RealDate(const std::string& text, const std::string& field) {
  absl::StatusOr<plan::Date> d = plan::ParseIsoDate(text);
  if (!d.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": must be a real date YYYY-MM-DD, got '", text, "'"));
  }
  return *d;
}

absl::Status Code(const std::string& code, const std::string& field) {
  if (Blank(code)) return absl::InvalidArgumentError(absl::StrCat(field, ": must not be empty"));
  if (code.find('/') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": must not contain '/', got '", code, "'"));
  }
  return absl::OkStatus();
}

absl::Status RequireOfficer(const v1::Principal& who, const std::string& what) {
  if (IsRegisterOfficer(who)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat(what, ": only the RPCT (role rpct) or an admin may do this; ", who.id(), " holds neither"));
}

// Officers may; otherwise `who` must be the process's recorded owner.
absl::Status RequireOwner(const v1::Principal& who, const v1::RiskProcess& p) {
  if (IsRegisterOfficer(who)) return absl::OkStatus();
  if (!p.owner_principal().empty() && p.owner_principal() == who.id()) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "process ", p.code(), " is owned by ", p.owner(),
      p.owner_principal().empty() ? " (no owner principal recorded)" : " (" + p.owner_principal() + ")", "; ",
      who.id(), " is neither its owner nor the RPCT"));
}

// `cmd` with its kinds as the enums only (wave one's texts read), as the events carry them.
template <typename Request>
absl::StatusOr<Request> Typed(const Request& cmd) {
  Request typed = cmd;
  PIAO_RETURN_IF_ERROR(RiskKinds().Normalise(&typed));
  return typed;
}

template <typename M>
RiskDecision One(const M& event, std::optional<absl::CivilDay> valid_from, std::string id) {
  RiskDecision d;
  d.events.push_back(services::MakeEvent(event, valid_from));
  d.id = std::move(id);
  return d;
}

RiskDecision NoOp(std::string id) { return RiskDecision{{}, std::move(id)}; }

absl::Status AreasKnown(const RegisterState& s, const google::protobuf::RepeatedPtrField<std::string>& areas,
                        const std::string& path) {
  for (int i = 0; i < areas.size(); ++i) {
    if (FindArea(s, areas[i]) == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ".areas[", i, "]: no area '", areas[i], "' in the catalogue"));
    }
  }
  return absl::OkStatus();
}

const v1::RiskProcess* FindProcess(const RegisterState& s, const std::string& code) {
  auto it = s.processes.find(code);
  return it == s.processes.end() ? nullptr : &it->second;
}

// Equal ignoring the service-assigned version.
template <typename M>
bool SameDefinition(M a, M b) {
  a.set_version(0);
  b.set_version(0);
  return MessageDifferencer::Equals(a, b);
}

}  // namespace

StreamId RiskStream(const std::string& administration, int year) {
  return StreamId{"risk", absl::StrCat(administration, "/", year)};
}

bool IsRegisterOfficer(const v1::Principal& who) {
  for (const std::string& r : who.roles()) {
    if (r == service::roles::kRpct || r == service::roles::kAdmin) return true;
  }
  return false;
}

absl::StatusOr<RiskDecision> DecideDefineAreas(const RegisterState& s, const v1::Principal& who,
                                               const v1::DefineAreasRequest& cmd) {
  PIAO_RETURN_IF_ERROR(services::ValidateAdministrationYear(cmd.administration(), cmd.year()));
  PIAO_RETURN_IF_ERROR(RequireOfficer(who, "DefineAreas"));
  if (cmd.areas_size() == 0) return absl::InvalidArgumentError("areas: at least one risk area");
  std::set<std::string> codes;
  for (int i = 0; i < cmd.areas_size(); ++i) {
    const std::string at = absl::StrCat("areas[", i, "]");
    PIAO_RETURN_IF_ERROR(Code(cmd.areas(i).code(), at + ".code"));
    if (!codes.insert(cmd.areas(i).code()).second) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".code: '", cmd.areas(i).code(), "' repeated"));
    }
    if (Blank(cmd.areas(i).name())) return absl::InvalidArgumentError(absl::StrCat(at, ".name: must not be empty"));
  }
  for (const auto& [code, p] : s.processes) {
    if (codes.count(p.area()) == 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("areas: area ", p.area(), " is used by process ", code, " and cannot be dropped"));
    }
  }
  bool same = static_cast<int>(s.areas.size()) == cmd.areas_size();
  for (int i = 0; same && i < cmd.areas_size(); ++i) same = MessageDifferencer::Equals(s.areas[i], cmd.areas(i));
  if (same) return NoOp("areas");
  v1::AreasDefined ev;
  *ev.mutable_areas() = cmd.areas();
  return One(ev, std::nullopt, "areas");
}

absl::StatusOr<RiskDecision> DecideDefineScheme(const RegisterState& s, const v1::Principal& who,
                                                const v1::DefineSchemeRequest& cmd) {
  PIAO_RETURN_IF_ERROR(services::ValidateAdministrationYear(cmd.administration(), cmd.year()));
  PIAO_RETURN_IF_ERROR(RequireOfficer(who, "DefineScheme"));
  PIAO_RETURN_IF_ERROR(ValidateScheme(cmd.scheme(), "scheme"));
  PIAO_RETURN_IF_ERROR(AreasKnown(s, cmd.scheme().areas(), "scheme"));
  PIAO_ASSIGN_OR_RETURN(plan::Date from, RealDate(cmd.scheme().effective_from(), "scheme.effective_from"));
  auto it = s.schemes.find(cmd.scheme().id());
  const uint32_t versions = it == s.schemes.end() ? 0 : static_cast<uint32_t>(it->second.size());
  if (versions > 0 && SameDefinition(it->second.back(), cmd.scheme())) {
    return NoOp(SchemeRef(cmd.scheme().id(), versions));
  }
  v1::SchemeDefined ev;
  *ev.mutable_scheme() = cmd.scheme();
  ev.mutable_scheme()->set_version(versions + 1);
  return One(ev, from, SchemeRef(cmd.scheme().id(), versions + 1));
}

absl::StatusOr<RiskDecision> DecideDefineQualitativeMethod(const RegisterState& s, const v1::Principal& who,
                                                           const v1::DefineQualitativeMethodRequest& cmd) {
  PIAO_RETURN_IF_ERROR(services::ValidateAdministrationYear(cmd.administration(), cmd.year()));
  PIAO_RETURN_IF_ERROR(RequireOfficer(who, "DefineQualitativeMethod"));
  PIAO_RETURN_IF_ERROR(ValidateQualitativeMethod(cmd.method(), "method"));
  PIAO_RETURN_IF_ERROR(AreasKnown(s, cmd.method().areas(), "method"));
  PIAO_ASSIGN_OR_RETURN(plan::Date from, RealDate(cmd.method().effective_from(), "method.effective_from"));
  auto it = s.methods.find(cmd.method().id());
  const uint32_t versions = it == s.methods.end() ? 0 : static_cast<uint32_t>(it->second.size());
  if (versions > 0 && SameDefinition(it->second.back(), cmd.method())) {
    return NoOp(SchemeRef(cmd.method().id(), versions));
  }
  v1::QualitativeMethodDefined ev;
  *ev.mutable_method() = cmd.method();
  ev.mutable_method()->set_version(versions + 1);
  return One(ev, from, SchemeRef(cmd.method().id(), versions + 1));
}

absl::StatusOr<RiskDecision> DecideDefineProcess(const RegisterState& s, const v1::Principal& who,
                                                 const v1::DefineProcessRequest& cmd) {
  PIAO_RETURN_IF_ERROR(services::ValidateAdministrationYear(cmd.administration(), cmd.year()));
  PIAO_RETURN_IF_ERROR(RequireOfficer(who, "DefineProcess"));
  const v1::RiskProcess& p = cmd.process();
  PIAO_RETURN_IF_ERROR(Code(p.code(), "process.code"));
  if (Blank(p.name())) return absl::InvalidArgumentError("process.name: must not be empty");
  if (Blank(p.owner())) return absl::InvalidArgumentError("process.owner: the process owner is required");
  if (Blank(p.unit())) return absl::InvalidArgumentError("process.unit: the owning unit is required");
  if (FindArea(s, p.area()) == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("process.area: no area '", p.area(), "' in the catalogue",
                                                      s.areas.empty() ? " (define the areas first)" : ""));
  }
  std::set<std::string> phases;
  for (int i = 0; i < p.phases_size(); ++i) {
    const std::string at = absl::StrCat("process.phases[", i, "].code");
    PIAO_RETURN_IF_ERROR(Code(p.phases(i).code(), at));
    if (!phases.insert(p.phases(i).code()).second) {
      return absl::InvalidArgumentError(absl::StrCat(at, ": '", p.phases(i).code(), "' repeated"));
    }
  }
  std::set<std::string> events;
  for (int i = 0; i < p.risk_events_size(); ++i) {
    const v1::RiskEvent& e = p.risk_events(i);
    const std::string at = absl::StrCat("process.risk_events[", i, "]");
    PIAO_RETURN_IF_ERROR(Code(e.code(), at + ".code"));
    if (!events.insert(e.code()).second) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".code: '", e.code(), "' repeated"));
    }
    if (Blank(e.description())) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".description: say what could go wrong"));
    }
    if (!e.phase().empty() && phases.count(e.phase()) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".phase: '", e.phase(), "' is not a phase of ", p.code()));
    }
  }
  if (const v1::RiskProcess* old = FindProcess(s, p.code())) {
    if (MessageDifferencer::Equals(*old, p)) return NoOp(p.code());
    // Ratings point at risk events: a redefinition may add events, never drop a rated one.
    if (auto r = s.ratings.find(p.code()); r != s.ratings.end()) {
      for (const RatingEntry& entry : r->second) {
        for (const v1::EventRating& er : entry.assessment.events()) {
          if (events.count(er.risk_event()) == 0) {
            return absl::FailedPreconditionError(absl::StrCat("process.risk_events: '", er.risk_event(),
                                                              "' was rated on ", entry.assessment.assessed_on(),
                                                              " and cannot be dropped"));
          }
        }
      }
    }
  }
  v1::ProcessDefined ev;
  *ev.mutable_process() = p;
  return One(ev, std::nullopt, p.code());
}

absl::StatusOr<RiskDecision> DecideRecordAssessment(const RegisterState& s, const v1::Principal& who,
                                                    const v1::RecordAssessmentRequest& cmd) {
  PIAO_RETURN_IF_ERROR(services::ValidateAdministrationYear(cmd.administration(), cmd.year()));
  const v1::Assessment& a = cmd.assessment();
  PIAO_ASSIGN_OR_RETURN(plan::Date on, RealDate(a.assessed_on(), "assessment.assessed_on"));
  const v1::RiskProcess* p = FindProcess(s, a.process());
  if (p == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("assessment.process: no process '", a.process(), "' in the map"));
  }
  PIAO_RETURN_IF_ERROR(RequireOwner(who, *p));
  PIAO_ASSIGN_OR_RETURN(v1::Assessment rated, RateAssessment(s, a));
  // The latest assessment of the process on that date saying the same: unchanged (a re-run of the same file).
  if (auto it = s.ratings.find(a.process()); it != s.ratings.end()) {
    for (auto r = it->second.rbegin(); r != it->second.rend(); ++r) {
      if (r->assessment.assessed_on() != a.assessed_on()) continue;
      if (MessageDifferencer::Equals(r->assessment, rated)) return NoOp(absl::StrCat(a.process(), "@", a.assessed_on()));
      break;
    }
  }
  v1::AssessmentRecorded ev;
  *ev.mutable_assessment() = std::move(rated);
  return One(ev, on, absl::StrCat(a.process(), "@", a.assessed_on()));
}

absl::StatusOr<RiskDecision> DecideDefineMeasure(const RegisterState& s, const v1::Principal& who,
                                                 const v1::DefineMeasureRequest& asked) {
  PIAO_RETURN_IF_ERROR(services::ValidateAdministrationYear(asked.administration(), asked.year()));
  PIAO_RETURN_IF_ERROR(RequireOfficer(who, "DefineMeasure"));
  PIAO_ASSIGN_OR_RETURN(const v1::DefineMeasureRequest cmd, Typed(asked));
  const v1::Measure& m = cmd.measure();
  PIAO_RETURN_IF_ERROR(Code(m.code(), "measure.code"));
  PIAO_ASSIGN_OR_RETURN(const v1::MeasureKind kind, RequestedMeasureKind(m, "measure."));
  if (Blank(m.title())) return absl::InvalidArgumentError("measure.title: must not be empty");
  if (Blank(m.owner())) return absl::InvalidArgumentError("measure.owner: who implements it is required");
  PIAO_RETURN_IF_ERROR(RealDate(m.deadline(), "measure.deadline").status());
  if (Blank(m.indicator().description()) || Blank(m.indicator().target())) {
    return absl::InvalidArgumentError("measure.indicator: a monitoring indicator with description and target");
  }
  if (kind == v1::MEASURE_KIND_SPECIFIC && m.processes_size() == 0) {
    return absl::InvalidArgumentError("measure.processes: a specific measure names the processes it treats");
  }
  for (int i = 0; i < m.processes_size(); ++i) {
    if (FindProcess(s, m.processes(i)) == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("measure.processes[", i, "]: no process '", m.processes(i), "' in the map"));
    }
  }
  for (int i = 0; i < m.phases_size(); ++i) {
    bool found = false;
    for (const std::string& code : m.processes()) {
      for (const v1::ProcessPhase& ph : FindProcess(s, code)->phases()) found |= ph.code() == m.phases(i);
    }
    if (!found) {
      return absl::FailedPreconditionError(
          absl::StrCat("measure.phases[", i, "]: '", m.phases(i), "' is not a phase of the measure's processes"));
    }
  }
  if (auto old = s.measures.find(m.code()); old != s.measures.end() && MessageDifferencer::Equals(old->second, m)) {
    return NoOp(m.code());
  }
  v1::MeasureDefined ev;
  *ev.mutable_measure() = m;
  return One(ev, std::nullopt, m.code());
}

absl::StatusOr<RiskDecision> DecidePlanMonitoring(const RegisterState& s, const v1::Principal& who,
                                                  const v1::PlanMonitoringRequest& asked) {
  PIAO_RETURN_IF_ERROR(services::ValidateAdministrationYear(asked.administration(), asked.year()));
  PIAO_RETURN_IF_ERROR(RequireOfficer(who, "PlanMonitoring"));
  PIAO_ASSIGN_OR_RETURN(const v1::PlanMonitoringRequest cmd, Typed(asked));
  if (cmd.entries_size() == 0) return absl::InvalidArgumentError("entries: at least one monitoring plan entry");
  for (int i = 0; i < cmd.entries_size(); ++i) {
    const v1::MonitoringPlanEntry& e = cmd.entries(i);
    const std::string at = absl::StrCat("entries[", i, "]");
    if (s.measures.count(e.measure()) == 0) {
      return absl::FailedPreconditionError(absl::StrCat(at, ".measure: no measure '", e.measure(), "'"));
    }
    PIAO_RETURN_IF_ERROR(RequestedMonitoringMode(e, at + ".").status());
    if (!e.process().empty() && FindProcess(s, e.process()) == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(at, ".process: no process '", e.process(), "' in the map"));
    }
  }
  bool same = static_cast<int>(s.plan.size()) == cmd.entries_size();
  for (int i = 0; same && i < cmd.entries_size(); ++i) same = MessageDifferencer::Equals(s.plan[i], cmd.entries(i));
  if (same) return NoOp("monitoring-plan");
  v1::MonitoringPlanned ev;
  *ev.mutable_entries() = cmd.entries();
  return One(ev, std::nullopt, "monitoring-plan");
}

absl::StatusOr<RiskDecision> DecideRecordMonitoring(const RegisterState& s, const v1::Principal& who,
                                                    const v1::RecordMonitoringRequest& asked) {
  PIAO_RETURN_IF_ERROR(services::ValidateAdministrationYear(asked.administration(), asked.year()));
  PIAO_ASSIGN_OR_RETURN(const v1::RecordMonitoringRequest cmd, Typed(asked));
  const v1::MonitoringRecord& r = cmd.record();
  auto m = s.measures.find(r.measure());
  if (m == s.measures.end()) {
    return absl::FailedPreconditionError(absl::StrCat("record.measure: no measure '", r.measure(), "'"));
  }
  PIAO_ASSIGN_OR_RETURN(plan::Date on, RealDate(r.date(), "record.date"));
  PIAO_RETURN_IF_ERROR(RequestedOutcome(r, "record.").status());
  if (Blank(r.evidence())) return absl::InvalidArgumentError("record.evidence: what the verification rests on");
  if (!IsRegisterOfficer(who)) {
    absl::Status denied = absl::PermissionDeniedError(absl::StrCat(
        "measure ", r.measure(), ": ", who.id(), " owns none of its processes and is not the RPCT"));
    for (const std::string& code : m->second.processes()) {
      const v1::RiskProcess* p = FindProcess(s, code);
      if (p != nullptr && RequireOwner(who, *p).ok()) denied = absl::OkStatus();
    }
    PIAO_RETURN_IF_ERROR(denied);
  }
  for (auto e = s.monitoring.rbegin(); e != s.monitoring.rend(); ++e) {
    if (e->record.measure() != r.measure() || e->record.date() != r.date()) continue;
    if (MessageDifferencer::Equals(e->record, r)) return NoOp(absl::StrCat(r.measure(), "@", r.date()));
    break;
  }
  v1::MonitoringRecorded ev;
  *ev.mutable_record() = r;
  return One(ev, on, absl::StrCat(r.measure(), "@", r.date()));
}

absl::StatusOr<RiskDecision> DecideSubmitOwnerReport(const RegisterState& s, const v1::Principal& who,
                                                     const v1::SubmitOwnerReportRequest& cmd) {
  PIAO_RETURN_IF_ERROR(services::ValidateAdministrationYear(cmd.administration(), cmd.year()));
  const v1::OwnerReport& r = cmd.report();
  if (Blank(r.owner())) return absl::InvalidArgumentError("report.owner: the reporting dirigente is required");
  PIAO_ASSIGN_OR_RETURN(plan::Date on, RealDate(r.date(), "report.date"));
  if (Blank(r.summary())) return absl::InvalidArgumentError("report.summary: the state of implementation");
  bool owns_any = false;
  bool is_them = false;
  for (const auto& [code, p] : s.processes) {
    if (p.owner() != r.owner()) continue;
    owns_any = true;
    is_them |= !p.owner_principal().empty() && p.owner_principal() == who.id();
  }
  if (!owns_any) {
    return absl::FailedPreconditionError(absl::StrCat("report.owner: '", r.owner(), "' owns no process"));
  }
  if (!IsRegisterOfficer(who) && !is_them) {
    return absl::PermissionDeniedError(
        absl::StrCat("report.owner: ", who.id(), " may report only for themselves, not for ", r.owner()));
  }
  for (auto e = s.owner_reports.rbegin(); e != s.owner_reports.rend(); ++e) {
    if (e->report.owner() != r.owner() || e->report.date() != r.date()) continue;
    if (MessageDifferencer::Equals(e->report, r)) return NoOp(absl::StrCat(r.owner(), "@", r.date()));
    break;
  }
  v1::OwnerReportSubmitted ev;
  *ev.mutable_report() = r;
  return One(ev, on, absl::StrCat(r.owner(), "@", r.date()));
}

#define PIAO_DECIDE_REQUEST(Request, Decide)                                                          \
  absl::StatusOr<RiskDecision> DecideRequest(const RegisterState& s, const v1::Principal& who, \
                                             const v1::Request& cmd) {                          \
    return Decide(s, who, cmd);                                                                 \
  }
PIAO_DECIDE_REQUEST(DefineAreasRequest, DecideDefineAreas)
PIAO_DECIDE_REQUEST(DefineSchemeRequest, DecideDefineScheme)
PIAO_DECIDE_REQUEST(DefineQualitativeMethodRequest, DecideDefineQualitativeMethod)
PIAO_DECIDE_REQUEST(DefineProcessRequest, DecideDefineProcess)
PIAO_DECIDE_REQUEST(RecordAssessmentRequest, DecideRecordAssessment)
PIAO_DECIDE_REQUEST(DefineMeasureRequest, DecideDefineMeasure)
PIAO_DECIDE_REQUEST(PlanMonitoringRequest, DecidePlanMonitoring)
PIAO_DECIDE_REQUEST(RecordMonitoringRequest, DecideRecordMonitoring)
PIAO_DECIDE_REQUEST(SubmitOwnerReportRequest, DecideSubmitOwnerReport)
#undef PIAO_DECIDE_REQUEST

absl::StatusOr<RegisterState> FoldStoredRegister(const std::vector<v1::EventEnvelope>& events) {
  RegisterState s;
  PIAO_RETURN_IF_ERROR(FoldStoredRegisterInto(s, events));
  return s;
}

absl::Status FoldStoredRegisterInto(RegisterState& s, const std::vector<v1::EventEnvelope>& events) {
  for (const v1::EventEnvelope& stored : events) {
    PIAO_ASSIGN_OR_RETURN(const v1::EventEnvelope e, services::ToCurrentSchema(stored));
    PIAO_RETURN_IF_ERROR(ApplyEvent(s, e));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> DecideRegisterFile(const v1::RiskRegisterFile& file, const v1::Principal& who) {
  RegisterState state;
  uint32_t commands = 0;
  PIAO_RETURN_IF_ERROR(ForEachRegisterCommand(
      file, [&](const std::string& what, const std::string&, const auto& request) -> absl::Status {
        absl::StatusOr<RiskDecision> d = DecideRequest(state, who, request);
        if (!d.ok()) return absl::Status(d.status().code(), absl::StrCat(what, ": ", d.status().message()));
        for (const eventstore::NewEvent& ne : d->events) {
          v1::EventEnvelope e;
          e.set_event_type(ne.event_type);
          e.set_payload(ne.payload);
          e.set_schema_version(ne.schema_version);
          e.set_stream_version(state.version.value() + 1);
          PIAO_RETURN_IF_ERROR(ApplyEvent(state, e));
        }
        ++commands;
        return absl::OkStatus();
      }));
  return commands;
}

}  // namespace piao::risk
