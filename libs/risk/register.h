// The risk register of one administration and year, pure: its events folded into state (FoldRegister), the
// rating of an assessment with the method in force (RateAssessment), and the views answered from the state
// (risk map, a process's rating history, measure statuses, the RPCT report), each as of any date.
//
// Dates are ISO "YYYY-MM-DD" (validated on the way in, so they compare as strings). "As of D" means at the
// end of day D:
//   - a process's rating as of D is its assessment with the latest assessed_on <= D (a later position wins a
//     tie); every assessment keeps the scheme version and levels it was rated with, so a later scheme change
//     never alters it;
//   - a measure is implemented as of D when a monitoring record dated <= D says MONITORING_OUTCOME_IMPLEMENTED;
//     otherwise it is overdue when its deadline <= D (the deadline day is over), else pending;
//   - a planned measure is not monitored as of D when it has no monitoring record dated <= D.
// A process's rating is the highest over its risk events (never a mean): the highest severity, and for the
// numeric methods the highest score, which bands to the same level because bands are monotonic.
#ifndef PIAO_LIBS_RISK_REGISTER_H_
#define PIAO_LIBS_RISK_REGISTER_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/base/strong_types.h"
#include "piao/v1/event.pb.h"
#include "piao/v1/risk.pb.h"

namespace piao::risk {

// Where and by whom a fact was recorded.
struct Origin {
  GlobalPosition position;  // in the risk registry's event store
  std::string actor;
  google::protobuf::Timestamp recorded_at;
};

struct RatingEntry {
  v1::Assessment assessment;  // rated (derived fields set)
  Origin origin;
};
struct MonitoringEntry {
  v1::MonitoringRecord record;
  Origin origin;
};
struct OwnerReportEntry {
  v1::OwnerReport report;
  Origin origin;
};

struct RegisterState {
  std::vector<v1::RiskArea> areas;                                  // the catalogue, latest definition
  std::map<std::string, std::vector<v1::BandingScheme>> schemes;    // id -> versions (version order)
  std::map<std::string, std::vector<v1::QualitativeMethod>> methods;
  std::map<std::string, v1::RiskProcess> processes;                 // code -> latest definition
  std::map<std::string, std::vector<RatingEntry>> ratings;          // process -> record order
  std::map<std::string, v1::Measure> measures;                      // code -> latest definition
  std::vector<v1::MonitoringPlanEntry> plan;                        // the latest monitoring plan
  std::vector<MonitoringEntry> monitoring;                          // record order
  std::vector<OwnerReportEntry> owner_reports;                      // record order
  StreamVersion version;
};

// True for the event types of risk.proto.
bool IsRiskEventType(const std::string& event_type);

// Applies one event (oldest first). FAILED_PRECONDITION for an unknown type (a newer writer), DATA_LOSS for
// an undecodable payload.
absl::Status ApplyEvent(RegisterState& state, const v1::EventEnvelope& event);
absl::StatusOr<RegisterState> FoldRegister(const std::vector<v1::EventEnvelope>& events);

const v1::RiskArea* FindArea(const RegisterState& state, const std::string& code);

// The version of scheme / method `id` in force on `date`: the highest version whose effective_from <= date.
// FAILED_PRECONDITION naming the id when none is defined or none is in force yet.
absl::StatusOr<const v1::BandingScheme*> SchemeInForce(const RegisterState& state, const std::string& id,
                                                       const std::string& date);
absl::StatusOr<const v1::QualitativeMethod*> MethodInForce(const RegisterState& state, const std::string& id,
                                                           const std::string& date);

// Rates `assessment` (as given by the assessor) for its process with the method in force on its date: every
// event's score / level / severity, the scheme version, and the process rating = the highest event.
// INVALID_ARGUMENT naming the field (events[i].probability, events[i].indicators[j].motivation, a score out of
// the scheme's range, ...); FAILED_PRECONDITION for an unknown process, risk event, scheme or a scheme that does
// not rate the process's area.
absl::StatusOr<v1::Assessment> RateAssessment(const RegisterState& state, const v1::Assessment& assessment);

// The highest of rated events: the event with the highest severity (then score); nullptr for none.
const v1::EventRating* HighestEvent(const google::protobuf::RepeatedPtrField<v1::EventRating>& events);

// A process's rating as of `as_of` ("" = the latest); nullptr when not assessed by then.
const RatingEntry* RatingAsOf(const RegisterState& state, const std::string& process, const std::string& as_of);

// A measure's status at the end of `date`.
v1::MeasureStatus StatusOf(const RegisterState& state, const v1::Measure& measure, const std::string& date);

// The views. `as_of` "" = everything recorded; `overdue_on` the day overdue is judged on.
v1::RiskMap BuildRiskMap(const RegisterState& state, const std::string& as_of, const std::string& overdue_on,
                         uint32_t above_severity);
// NOT_FOUND when the process is unknown.
absl::StatusOr<v1::ProcessHistory> BuildProcessHistory(const RegisterState& state, const std::string& process);
v1::RiskReport BuildReport(const RegisterState& state, const std::string& as_of);

}  // namespace piao::risk

#endif  // PIAO_LIBS_RISK_REGISTER_H_
