// The risk register aggregate, pure: events in → state out (libs/risk FoldRegister); command + principal in →
// events out. No I/O here.
//
// One stream per administration and year: "risk" / "<administration>/<year>". Its events: AreasDefined,
// SchemeDefined, QualitativeMethodDefined, ProcessDefined, AssessmentRecorded, MeasureDefined,
// MonitoringPlanned, MonitoringRecorded, OwnerReportSubmitted (risk.proto).
//
// Who may write (beyond the per-RPC role policy of risk_service.h): a principal holding role rpct or admin
// writes everything; any other principal allowed by the policy writes only as a process owner, i.e. when its
// principal id equals the owner_principal recorded on the process:
//   RecordAssessment   for that process;
//   RecordMonitoring   for a measure covering one of its processes;
//   SubmitOwnerReport  for the owner named on its processes.
// Otherwise PERMISSION_DENIED naming the process and its owner.
//
// Kinds (a measure's, a monitoring mode and outcome, an assessment's method) are the enums; wave one's texts are
// read alone and never stored (libs/risk/kinds.h).
//
// Definitions (areas, schemes, methods, processes, measures, the monitoring plan) identical to the current one
// are no-ops; a changed scheme or method is a new version (the old one keeps rating what it rated); a changed
// process, measure or plan replaces the current one. Assessments, monitoring records and owner reports are new
// facts every time, valid from their own date (the event's occurred_at).
#ifndef PIAO_SERVICES_RISK_RISK_AGGREGATE_H_
#define PIAO_SERVICES_RISK_RISK_AGGREGATE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/base/strong_types.h"
#include "libs/eventstore/event_store.h"
#include "libs/risk/register.h"
#include "piao/v1/event.pb.h"
#include "piao/v1/risk.pb.h"

namespace piao::risk {

StreamId RiskStream(const std::string& administration, int year);

// The stream's stored events folded (libs/risk FoldRegister), each read in the current shape of its type
// (services/common/event_schema.h: wave one's kinds as text upcast to the enums).
absl::StatusOr<RegisterState> FoldStoredRegister(const std::vector<v1::EventEnvelope>& events);
// The same, folding `events` (those following the ones already in `s`) into `s`: a left fold, so any split of a
// stream folded in turn gives FoldStoredRegister of the whole (libs/eventstore/command.h, StreamFold). On error `s` is partly
// updated and must be dropped.
absl::Status FoldStoredRegisterInto(RegisterState& s, const std::vector<v1::EventEnvelope>& events);

// True when `who` holds rpct or admin.
bool IsRegisterOfficer(const v1::Principal& who);

struct RiskDecision {
  std::vector<eventstore::NewEvent> events;  // none for a no-op
  std::string id;                            // what the command wrote (or found already there)
};

// Each: INVALID_ARGUMENT naming the field and the rule, FAILED_PRECONDITION for a reference to something the
// register does not hold (an area, a process, a measure, a scheme in force), PERMISSION_DENIED for a principal
// that is neither an officer nor the owner.
absl::StatusOr<RiskDecision> DecideDefineAreas(const RegisterState& s, const v1::Principal& who,
                                               const v1::DefineAreasRequest& cmd);
absl::StatusOr<RiskDecision> DecideDefineScheme(const RegisterState& s, const v1::Principal& who,
                                                const v1::DefineSchemeRequest& cmd);
absl::StatusOr<RiskDecision> DecideDefineQualitativeMethod(const RegisterState& s, const v1::Principal& who,
                                                           const v1::DefineQualitativeMethodRequest& cmd);
absl::StatusOr<RiskDecision> DecideDefineProcess(const RegisterState& s, const v1::Principal& who,
                                                 const v1::DefineProcessRequest& cmd);
absl::StatusOr<RiskDecision> DecideRecordAssessment(const RegisterState& s, const v1::Principal& who,
                                                    const v1::RecordAssessmentRequest& cmd);
absl::StatusOr<RiskDecision> DecideDefineMeasure(const RegisterState& s, const v1::Principal& who,
                                                 const v1::DefineMeasureRequest& cmd);
absl::StatusOr<RiskDecision> DecidePlanMonitoring(const RegisterState& s, const v1::Principal& who,
                                                  const v1::PlanMonitoringRequest& cmd);
absl::StatusOr<RiskDecision> DecideRecordMonitoring(const RegisterState& s, const v1::Principal& who,
                                                    const v1::RecordMonitoringRequest& cmd);
absl::StatusOr<RiskDecision> DecideSubmitOwnerReport(const RegisterState& s, const v1::Principal& who,
                                                     const v1::SubmitOwnerReportRequest& cmd);

// The Decide* of a request, chosen by its type (every request a register file stands for).
absl::StatusOr<RiskDecision> DecideRequest(const RegisterState& s, const v1::Principal& who,
                                           const v1::DefineAreasRequest& cmd);
absl::StatusOr<RiskDecision> DecideRequest(const RegisterState& s, const v1::Principal& who,
                                           const v1::DefineSchemeRequest& cmd);
absl::StatusOr<RiskDecision> DecideRequest(const RegisterState& s, const v1::Principal& who,
                                           const v1::DefineQualitativeMethodRequest& cmd);
absl::StatusOr<RiskDecision> DecideRequest(const RegisterState& s, const v1::Principal& who,
                                           const v1::DefineProcessRequest& cmd);
absl::StatusOr<RiskDecision> DecideRequest(const RegisterState& s, const v1::Principal& who,
                                           const v1::RecordAssessmentRequest& cmd);
absl::StatusOr<RiskDecision> DecideRequest(const RegisterState& s, const v1::Principal& who,
                                           const v1::DefineMeasureRequest& cmd);
absl::StatusOr<RiskDecision> DecideRequest(const RegisterState& s, const v1::Principal& who,
                                           const v1::PlanMonitoringRequest& cmd);
absl::StatusOr<RiskDecision> DecideRequest(const RegisterState& s, const v1::Principal& who,
                                           const v1::RecordMonitoringRequest& cmd);
absl::StatusOr<RiskDecision> DecideRequest(const RegisterState& s, const v1::Principal& who,
                                           const v1::SubmitOwnerReportRequest& cmd);

// A whole register file decided on an empty register, every command's events applied before the next
// (RiskRegistry.ValidateRegister): the number of commands, or the first refusal prefixed with its item
// ("processes[2] A.03: ..."). Pure; writes nothing.
absl::StatusOr<uint32_t> DecideRegisterFile(const v1::RiskRegisterFile& file, const v1::Principal& who);

}  // namespace piao::risk

#endif  // PIAO_SERVICES_RISK_RISK_AGGREGATE_H_
