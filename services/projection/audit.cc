#include "services/projection/audit.h"

#include "libs/base/timestamp.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>
#include <tuple>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/base/legacy_enum.h"
#include "libs/base/status_macros.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "services/projection/hr_view.h"
#include "services/projection/oiv_view.h"
#include "services/projection/quarantine.h"
#include "services/projection/query.h"
#include "services/projection/risk_view.h"

// The audit entries still fill wave one's JSON text (from_json/to_json, deprecated) beside the typed from/to.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace piao::projection {
namespace {


std::tuple<int64_t, int32_t> TimeOf(const google::protobuf::Timestamp& t) { return {t.seconds(), t.nanos()}; }

v1::ObjectiveKey KeyOfDefinition(const v1::ObjectiveDefinition& d) {
  v1::ObjectiveKey k;
  k.set_level_kind(d.level_kind());
  k.set_code(d.code());
  if (d.level_kind() == v1::OBJECTIVE_LEVEL_INDIVIDUAL) k.set_scope(d.owner());
  if (d.level_kind() == v1::OBJECTIVE_LEVEL_OPERATIONAL) k.set_scope(absl::StrJoin(d.units(), " + "));
  return k;
}

// Year-end actuals are valid at the end of the plan year; monitoring actuals at their date.
std::string PeriodEnd(const std::string& period, int year) {
  return period == "year-end" ? absl::StrCat(year, "-12-31") : period;
}

struct Filter {
  const v1::GetAuditTrailRequest& request;
  bool Keeps(const v1::AuditEntry& e) const {
    if (!request.actor().empty() && e.actor() != request.actor()) return false;
    if (!request.objective().empty() && e.objective().code() != request.objective()) return false;
    if (!request.indicator().empty() && e.indicator() != request.indicator()) return false;
    if (!request.process().empty() &&
        std::find(e.processes().begin(), e.processes().end(), request.process()) == e.processes().end()) {
      return false;
    }
    if (request.source_services_size() > 0 &&
        std::find(request.source_services().begin(), request.source_services().end(), e.source_service()) ==
            request.source_services().end()) {
      return false;
    }
    if (request.changes_size() > 0 &&
        std::find(request.changes().begin(), request.changes().end(), e.change()) == request.changes().end()) {
      return false;
    }
    // Dates "YYYY-MM-DD" compare as text.
    if (!request.valid_from().empty() && (e.valid_from().empty() || e.valid_from() < request.valid_from())) return false;
    if (!request.valid_to().empty() && (e.valid_from().empty() || e.valid_from() > request.valid_to())) return false;
    if (IsSet(request.from_record_time()) && TimeOf(e.recorded_at()) < TimeOf(request.from_record_time())) {
      return false;
    }
    if (IsSet(request.to_record_time()) && TimeOf(e.recorded_at()) > TimeOf(request.to_record_time())) return false;
    return true;
  }
};

std::string DateOf(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%d", FromTimestamp(t), absl::UTCTimeZone());
}

// What an event of the risk register or the workforce plan changed: its kind, the processes and the subject it
// names. UNSPECIFIED for an event type the audit does not know (it is still listed, so nothing is hidden).
struct FactDescription {
  v1::AuditChange change = v1::AUDIT_CHANGE_UNSPECIFIED;
  std::vector<std::string> processes;
  std::string subject;
  std::string objective;  // a deviation's objective code
  std::string reason;     // an OIV act's motivation, summary, notes or proposal; a deviation's causes
};

template <typename M>
absl::StatusOr<M> Payload(const v1::EventEnvelope& e) {
  M m;
  if (!m.ParseFromString(e.payload())) {
    return absl::DataLossError(absl::StrCat("undecodable ", e.event_type(), " at ", e.source_service(), " position ",
                                            e.global_position()));
  }
  return m;
}

absl::StatusOr<FactDescription> DescribeFact(const v1::EventEnvelope& e) {
  FactDescription d;
  const std::string& t = e.event_type();
  if (t == "piao.v1.AreasDefined") {
    d.change = v1::AUDIT_CHANGE_RISK_AREAS_DEFINED;
  } else if (t == "piao.v1.SchemeDefined") {
    d.change = v1::AUDIT_CHANGE_RISK_SCHEME_DEFINED;
  } else if (t == "piao.v1.QualitativeMethodDefined") {
    d.change = v1::AUDIT_CHANGE_RISK_METHOD_DEFINED;
  } else if (t == "piao.v1.ProcessDefined") {
    PIAO_ASSIGN_OR_RETURN(auto m, Payload<v1::ProcessDefined>(e));
    d.change = v1::AUDIT_CHANGE_RISK_PROCESS_DEFINED;
    d.processes.push_back(m.process().code());
  } else if (t == "piao.v1.AssessmentRecorded") {
    PIAO_ASSIGN_OR_RETURN(auto m, Payload<v1::AssessmentRecorded>(e));
    d.change = v1::AUDIT_CHANGE_RISK_ASSESSMENT_RECORDED;
    d.processes.push_back(m.assessment().process());
  } else if (t == "piao.v1.MeasureDefined") {
    PIAO_ASSIGN_OR_RETURN(auto m, Payload<v1::MeasureDefined>(e));
    d.change = v1::AUDIT_CHANGE_RISK_MEASURE_DEFINED;
    d.processes.assign(m.measure().processes().begin(), m.measure().processes().end());
    d.subject = m.measure().code();
  } else if (t == "piao.v1.MonitoringPlanned") {
    PIAO_ASSIGN_OR_RETURN(auto m, Payload<v1::MonitoringPlanned>(e));
    d.change = v1::AUDIT_CHANGE_RISK_MONITORING_PLANNED;
    std::set<std::string> processes;
    for (const v1::MonitoringPlanEntry& entry : m.entries()) {
      if (!entry.process().empty()) processes.insert(entry.process());
    }
    d.processes.assign(processes.begin(), processes.end());
  } else if (t == "piao.v1.MonitoringRecorded") {
    PIAO_ASSIGN_OR_RETURN(auto m, Payload<v1::MonitoringRecorded>(e));
    d.change = v1::AUDIT_CHANGE_RISK_MONITORING_RECORDED;
    d.subject = m.record().measure();
  } else if (t == "piao.v1.OwnerReportSubmitted") {
    PIAO_ASSIGN_OR_RETURN(auto m, Payload<v1::OwnerReportSubmitted>(e));
    d.change = v1::AUDIT_CHANGE_RISK_OWNER_REPORT_SUBMITTED;
    d.subject = m.report().owner();
  } else if (t == "piao.v1.RelazioneValidated") {
    PIAO_ASSIGN_OR_RETURN(auto m, Payload<v1::RelazioneValidated>(e));
    d.change = v1::AUDIT_CHANGE_OIV_RELAZIONE_VALIDATED;
    d.subject = absl::StrCat("validation/", m.validation().number());
    d.reason = m.validation().motivation();
  } else if (t == "piao.v1.OivMonitoringReportSubmitted") {
    PIAO_ASSIGN_OR_RETURN(auto m, Payload<v1::OivMonitoringReportSubmitted>(e));
    d.change = v1::AUDIT_CHANGE_OIV_MONITORING_REPORT_SUBMITTED;
    d.subject = absl::StrCat("monitoring-report/", m.report().number());
    d.reason = m.report().summary();
  } else if (t == "piao.v1.TransparencyAttested") {
    PIAO_ASSIGN_OR_RETURN(auto m, Payload<v1::TransparencyAttested>(e));
    d.change = v1::AUDIT_CHANGE_OIV_TRANSPARENCY_ATTESTED;
    d.subject = absl::StrCat("attestation/", m.attestation().number());
    d.reason = m.attestation().notes();
  } else if (t == "piao.v1.SgEvaluationProposed") {
    PIAO_ASSIGN_OR_RETURN(auto m, Payload<v1::SgEvaluationProposed>(e));
    d.change = v1::AUDIT_CHANGE_OIV_SG_EVALUATION_PROPOSED;
    d.subject = absl::StrCat("sg-proposal/", m.proposal().number());
    d.reason = m.proposal().proposal();
  } else if (t == "piao.v1.DeviationRecorded") {
    PIAO_ASSIGN_OR_RETURN(auto m, Payload<v1::DeviationRecorded>(e));
    d.change = v1::AUDIT_CHANGE_DEVIATION_RECORDED;
    d.objective = m.deviation().objective();
    d.reason = m.deviation().causes();
  } else {
    static const auto* hr = new std::map<std::string, v1::AuditChange>{
        {"piao.v1.EstablishmentAdopted", v1::AUDIT_CHANGE_HR_ESTABLISHMENT_ADOPTED},
        {"piao.v1.StaffRecorded", v1::AUDIT_CHANGE_HR_STAFF_RECORDED},
        {"piao.v1.LeavesRecorded", v1::AUDIT_CHANGE_HR_LEAVES_RECORDED},
        {"piao.v1.SelectionsOpened", v1::AUDIT_CHANGE_HR_SELECTIONS_OPENED},
        {"piao.v1.HiringRemaindersRecorded", v1::AUDIT_CHANGE_HR_HIRING_REMAINDERS_RECORDED},
        {"piao.v1.ProtectedQuotaRecorded", v1::AUDIT_CHANGE_HR_PROTECTED_QUOTA_RECORDED},
        {"piao.v1.HiresPlanned", v1::AUDIT_CHANGE_HR_HIRES_PLANNED},
        {"piao.v1.RemotabilityAssessed", v1::AUDIT_CHANGE_HR_REMOTABILITY_ASSESSED},
        {"piao.v1.AgileAgreementsSigned", v1::AUDIT_CHANGE_HR_AGILE_AGREEMENTS_SIGNED},
        {"piao.v1.YearSettingsSet", v1::AUDIT_CHANGE_HR_YEAR_SETTINGS_SET},
    };
    if (auto it = hr->find(t); it != hr->end()) d.change = it->second;
  }
  return d;
}

// One entry per stored fact of the risk register, the workforce plan or the OIV's acts, with the fact itself.
absl::StatusOr<v1::AuditEntry> FactEntry(const v1::EventEnvelope& e) {
  PIAO_ASSIGN_OR_RETURN(FactDescription d, DescribeFact(e));
  v1::AuditEntry out;
  PIAO_ASSIGN_OR_RETURN(const v1::SourceService source, EnumOfText<v1::SourceService>(e.source_service(), "source_service"));
  out.set_source_service(source);
  out.set_global_position(e.global_position());
  *out.mutable_recorded_at() = e.recorded_at();
  out.set_valid_from(DateOf(e.occurred_at()));
  out.set_actor(e.actor().id());
  out.set_change(d.change);
  for (std::string& p : d.processes) out.add_processes(std::move(p));
  out.set_subject(d.subject);
  if (!d.objective.empty()) out.mutable_objective()->set_code(d.objective);
  out.set_reason(d.reason);
  out.mutable_fact()->set_type_url("type.googleapis.com/" + e.event_type());
  out.mutable_fact()->set_value(e.payload());
  out.set_correlation_id(e.correlation_id());
  return out;
}

}  // namespace

// The one reader of wave one's text `services`.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
absl::StatusOr<std::vector<v1::SourceService>> RequestedServices(const v1::GetAuditTrailRequest& request) {
  std::vector<v1::SourceService> typed;
  for (int i = 0; i < request.source_services_size(); ++i) {
    PIAO_ASSIGN_OR_RETURN(const v1::SourceService s,
                          RequiredEnum(request.source_services(i), "", absl::StrCat("source_services[", i, "]"), ""));
    typed.push_back(s);
  }
  std::vector<v1::SourceService> legacy;
  for (int i = 0; i < request.services_size(); ++i) {
    PIAO_ASSIGN_OR_RETURN(const v1::SourceService s,
                          EnumOfText<v1::SourceService>(request.services(i), absl::StrCat("services[", i, "]")));
    legacy.push_back(s);
  }
  if (typed.empty()) return legacy;
  if (!legacy.empty() && std::set<v1::SourceService>(legacy.begin(), legacy.end()) !=
                             std::set<v1::SourceService>(typed.begin(), typed.end())) {
    return absl::InvalidArgumentError("services: names other services than source_services (set one, or both alike)");
  }
  return typed;
}
#pragma GCC diagnostic pop

void FillAuditTexts(google::protobuf::Message* answer) {
  static const LegacyEnumField kFields[] = {{"source", "source_service", v1::SourceService_descriptor()}};
  FillLegacyEnumTexts(answer, kFields);
}

absl::Status CheckAuditRequest(const v1::GetAuditTrailRequest& request) {
  if (IsSet(request.from_record_time()) && IsSet(request.to_record_time()) &&
      TimeOf(request.to_record_time()) < TimeOf(request.from_record_time())) {
    return absl::InvalidArgumentError("to_record_time: must not be before from_record_time");
  }
  for (const char* field : {"valid_from", "valid_to"}) {
    const std::string& d = std::string(field) == "valid_from" ? request.valid_from() : request.valid_to();
    if (!d.empty() && !plan::ParseIsoDate(d).ok()) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": '", d, "' is not a date YYYY-MM-DD"));
    }
  }
  if (!request.valid_from().empty() && !request.valid_to().empty() && request.valid_to() < request.valid_from()) {
    return absl::InvalidArgumentError("valid_to: must not be before valid_from");
  }
  PIAO_RETURN_IF_ERROR(RequestedServices(request).status());
  for (int i = 0; i < request.changes_size(); ++i) {
    if (request.changes(i) == v1::AUDIT_CHANGE_UNSPECIFIED || !v1::AuditChange_IsValid(request.changes(i))) {
      return absl::InvalidArgumentError(absl::StrCat("changes[", i, "]: not a kind of change"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::AuditTrail> AuditRecords(const PlanRecords& records, const v1::GetAuditTrailRequest& asked,
                                            const std::vector<v1::EventEnvelope>& facts) {
  PIAO_RETURN_IF_ERROR(CheckAuditRequest(asked));
  v1::GetAuditTrailRequest request = asked;  // the service filter as the enums only
  PIAO_ASSIGN_OR_RETURN(std::vector<v1::SourceService> services, RequestedServices(asked));
  request.mutable_source_services()->Assign(services.begin(), services.end());
  const Filter filter{request};
  std::vector<v1::AuditEntry> entries;
  auto keep = [&](v1::AuditEntry e) {
    if (filter.Keeps(e)) entries.push_back(std::move(e));
  };
  for (const ObjectiveRecord& o : records.objectives) {
    v1::AuditEntry e;
    e.set_source_service(v1::SOURCE_SERVICE_PLANNING);
    e.set_global_position(o.origin().global_position());
    *e.mutable_recorded_at() = o.origin().recorded_at();
    e.set_valid_from(o.effective_date());
    e.set_actor(o.origin().actor());
    e.set_change(v1::AUDIT_CHANGE_OBJECTIVE_ADOPTED);
    *e.mutable_objective() = KeyOfDefinition(o.definition());
    e.mutable_to_value()->set_title(o.definition().title());
    e.set_to_json(nlohmann::json(o.definition().title()).dump());  // deprecated: a JSON string, like every *_json
    *e.mutable_act() = o.act();
    e.set_correlation_id(o.origin().correlation_id());
    keep(std::move(e));
  }
  for (const IndicatorRecords& ir : records.indicators) {
    for (const VersionRecord& v : ir.versions) {
      const v1::IndicatorVersion& iv = v.version();
      v1::AuditEntry e;
      e.set_source_service(v1::SOURCE_SERVICE_PLANNING);
      e.set_global_position(iv.global_position());
      *e.mutable_recorded_at() = iv.recorded_at();
      e.set_valid_from(iv.effective_date());
      e.set_actor(iv.actor());
      e.set_change(iv.change_kind());
      *e.mutable_objective() = ir.objective;
      e.set_indicator(ir.code);
      if (iv.has_from_value()) *e.mutable_from_value() = iv.from_value();
      if (iv.has_to_value()) *e.mutable_to_value() = iv.to_value();
      e.set_from_json(iv.from_json());  // deprecated
      e.set_to_json(iv.to_json());
      *e.mutable_act() = iv.act();
      e.set_reason(iv.reason());
      e.set_correlation_id(iv.correlation_id());
      keep(std::move(e));
    }
  }
  std::map<std::string, const ActualRecord*> by_id;
  for (const ActualRecord& a : records.actuals) by_id[a.actual().actual_id()] = &a;
  for (const ActualRecord& a : records.actuals) {
    const v1::ActualVersion& av = a.actual();
    v1::AuditEntry e;
    e.set_source_service(v1::SOURCE_SERVICE_MEASUREMENT);
    e.set_global_position(av.global_position());
    *e.mutable_recorded_at() = av.recorded_at();
    e.set_valid_from(PeriodEnd(av.period(), records.year));
    e.set_actor(av.actor());
    e.set_change(av.corrects().empty() ? v1::AUDIT_CHANGE_ACTUAL : v1::AUDIT_CHANGE_ACTUAL_CORRECTED);
    *e.mutable_objective() = a.objective();
    e.set_indicator(a.indicator());
    if (auto it = by_id.find(av.corrects()); !av.corrects().empty() && it != by_id.end()) {
      *e.mutable_from_value()->mutable_actual() = it->second->actual().value();
      e.set_from_json(it->second->actual().value_json());  // deprecated
    }
    *e.mutable_to_value()->mutable_actual() = av.value();
    e.set_to_json(av.value_json());
    e.set_reason(av.reason());
    e.set_correlation_id(a.correlation_id());
    keep(std::move(e));
  }
  for (const v1::EventEnvelope& f : facts) {
    PIAO_ASSIGN_OR_RETURN(v1::AuditEntry e, FactEntry(f));
    keep(std::move(e));
  }
  // Record-time order; within one instant the source (by name) and its position order (both sources' clocks are
  // the same machine's in the stack, but positions alone are not comparable across sources).
  std::stable_sort(entries.begin(), entries.end(), [](const v1::AuditEntry& a, const v1::AuditEntry& b) {
    return std::make_tuple(TimeOf(a.recorded_at()), EnumText(a.source_service()), a.global_position()) <
           std::make_tuple(TimeOf(b.recorded_at()), EnumText(b.source_service()), b.global_position());
  });
  v1::AuditTrail out;
  out.set_administration(records.administration);
  out.set_year(records.year);
  // One page: page_size 0 = everything on page 1.
  const size_t total = entries.size();
  const size_t size = request.page_size() == 0 ? std::max<size_t>(total, 1) : request.page_size();
  const size_t page = std::max<uint32_t>(request.page(), 1);
  out.set_total(static_cast<uint32_t>(total));
  out.set_page(static_cast<uint32_t>(page));
  out.set_pages(static_cast<uint32_t>((total + size - 1) / size));
  for (size_t i = (page - 1) * size; i < total && i < page * size; ++i) *out.add_entries() = std::move(entries[i]);
  return out;
}

absl::StatusOr<v1::AuditTrail> QueryAuditTrail(const ViewReader& view, const v1::GetAuditTrailRequest& request) {
  PIAO_RETURN_IF_ERROR(CheckAuditRequest(request));
  // The administration: named, else the year's only plan, else the year's only risk register.
  std::string admin = request.administration();
  if (admin.empty()) {
    absl::StatusOr<std::string> from_plans = ResolveAdministration(view, "", request.year());
    if (from_plans.ok()) {
      admin = *from_plans;
    } else if (absl::IsNotFound(from_plans.status())) {
      PIAO_ASSIGN_OR_RETURN(admin, ResolveRiskAdministration(view, "", request.year()));
    } else {
      return from_plans.status();
    }
  }
  PIAO_ASSIGN_OR_RETURN(const std::vector<v1::SourceService> services, RequestedServices(request));
  auto wanted = [&](v1::SourceService source) {
    return services.empty() || std::find(services.begin(), services.end(), source) != services.end();
  };
  // Each source's part, when that source is asked for and its views of this administration are served.
  PlanRecords records;
  records.administration = admin;
  records.year = request.year();
  bool found = false;
  if (wanted(v1::SOURCE_SERVICE_PLANNING) || wanted(v1::SOURCE_SERVICE_MEASUREMENT)) {
    absl::StatusOr<PlanRecords> plan = LoadPlan(view, admin, request.year());
    if (plan.ok()) {
      PIAO_RETURN_IF_ERROR(CheckServed(view, admin, {"planning", "measurement"}));
      records = std::move(*plan);
      found = true;
    } else if (!absl::IsNotFound(plan.status())) {
      return plan.status();
    }
  }
  std::vector<v1::EventEnvelope> facts;
  if (wanted(v1::SOURCE_SERVICE_PLANNING)) {  // the OIV's acts and the deviations (planning events)
    PIAO_ASSIGN_OR_RETURN(std::vector<v1::EventEnvelope> oiv, LoadOivEvents(view, admin, request.year()));
    if (!oiv.empty()) PIAO_RETURN_IF_ERROR(CheckServed(view, admin, {"planning"}));
    found |= !oiv.empty();
    facts.insert(facts.end(), oiv.begin(), oiv.end());
  }
  if (wanted(v1::SOURCE_SERVICE_RISK)) {
    PIAO_ASSIGN_OR_RETURN(std::vector<v1::EventEnvelope> risk, LoadRiskEvents(view, admin, request.year()));
    if (!risk.empty()) PIAO_RETURN_IF_ERROR(CheckServed(view, admin, {kRiskSource}));
    found |= !risk.empty();
    facts.insert(facts.end(), risk.begin(), risk.end());
  }
  if (wanted(v1::SOURCE_SERVICE_HR)) {
    PIAO_ASSIGN_OR_RETURN(std::vector<v1::EventEnvelope> hr, LoadHrEvents(view, admin));
    if (!hr.empty()) PIAO_RETURN_IF_ERROR(CheckServed(view, admin, {kHrSource}));
    found |= !hr.empty();
    facts.insert(facts.end(), hr.begin(), hr.end());
  }
  if (!found) {
    return absl::NotFoundError(absl::StrCat("nothing recorded for ", admin, " ", request.year(),
                                            " (no plan, risk register or HR data)"));
  }
  return AuditRecords(records, request, facts);
}

}  // namespace piao::projection
