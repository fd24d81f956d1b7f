// The OIV's acts and the planning office's deviations, pure: events in → state out; command + principal in →
// events out. No I/O here. A separate aggregate family hosted by the planning service (oiv.proto).
//
// Two streams per administration and year, in the planning store:
//   "oiv" / "<administration>/<year>"        RelazioneValidated, OivMonitoringReportSubmitted, TransparencyAttested,
//                                            SgEvaluationProposed — written by a principal holding role oiv only
//   "deviation" / "<administration>/<year>"  DeviationRecorded — written by role planner or admin
// Every act names its date (YYYY-MM-DD, "" = the service's today): the event's valid time; not before the year
// starts and not after today. Each act is numbered per kind (1, 2, ...) and names the act it supersedes; the
// earlier one stays in the stream. Sending again the content of the act in force is a no-op (unchanged).
//
// References outside the streams (PlanFacts, read by the service from the same store): the year's plan must
// exist, every objective named (remarks, deviations) must be one of its objective codes (FAILED_PRECONDITION
// naming the field), and a remark about_deviation needs a deviation recorded for its objective.
#ifndef PIAO_SERVICES_PLANNING_OIV_AGGREGATE_H_
#define PIAO_SERVICES_PLANNING_OIV_AGGREGATE_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "libs/base/strong_types.h"
#include "libs/eventstore/event_store.h"
#include "piao/v1/event.pb.h"
#include "piao/v1/oiv.pb.h"

namespace piao::planning {

StreamId OivStream(const std::string& administration, int year);
StreamId DeviationStream(const std::string& administration, int year);

// True for the event types of both streams.
bool IsOivEventType(const std::string& event_type);

struct OivState {
  std::vector<v1::RelazioneValidation> validations;            // oldest first
  std::vector<v1::OivMonitoringReport> monitoring_reports;
  std::vector<v1::TransparencyAttestation> attestations;
  std::vector<v1::SgEvaluationProposal> sg_proposals;
};

struct DeviationState {
  struct Statement {
    v1::ObjectiveDeviation deviation;
    StreamVersion version;
  };
  std::map<std::string, Statement> current;  // the statement in force per objective code
  StreamVersion version;
};

// What the acts refer to outside their streams: the year's plan (its objective codes) and the deviations
// recorded (the version of the statement in force per objective).
struct PlanFacts {
  bool plan_exists = false;
  std::set<std::string> objectives;
  std::map<std::string, StreamVersion> deviations;
};

absl::StatusOr<OivState> FoldOiv(const std::vector<v1::EventEnvelope>& events);
absl::StatusOr<DeviationState> FoldDeviations(const std::vector<v1::EventEnvelope>& events);

// True when `who` holds role oiv (the only writer of OIV acts).
bool IsOiv(const v1::Principal& who);

struct OivDecision {
  std::vector<eventstore::NewEvent> events;  // none when unchanged
  std::string id;                            // "validation/2", "monitoring-report/1", "deviation/OS01.1.1"
};

// Each: PERMISSION_DENIED for a principal without the role (oiv; planner or admin for deviations),
// INVALID_ARGUMENT naming the field and the rule, FAILED_PRECONDITION for a plan, objective or deviation the
// record does not hold. `today` bounds the act's date and fills an empty one.
absl::StatusOr<OivDecision> DecideValidateRelazione(const OivState& s, const PlanFacts& plan, const v1::Principal& who,
                                                    const v1::ValidateRelazioneRequest& cmd, absl::CivilDay today);
absl::StatusOr<OivDecision> DecideSubmitMonitoringReport(const OivState& s, const PlanFacts& plan,
                                                         const v1::Principal& who,
                                                         const v1::SubmitMonitoringReportRequest& cmd,
                                                         absl::CivilDay today);
absl::StatusOr<OivDecision> DecideAttestTransparency(const OivState& s, const PlanFacts& plan, const v1::Principal& who,
                                                     const v1::AttestTransparencyRequest& cmd, absl::CivilDay today);
absl::StatusOr<OivDecision> DecideProposeSgEvaluation(const OivState& s, const PlanFacts& plan,
                                                      const v1::Principal& who,
                                                      const v1::ProposeSgEvaluationRequest& cmd, absl::CivilDay today);
absl::StatusOr<OivDecision> DecideRecordDeviation(const DeviationState& s, const PlanFacts& plan,
                                                  const v1::Principal& who, const v1::RecordDeviationRequest& cmd,
                                                  absl::CivilDay today);

}  // namespace piao::planning

#endif  // PIAO_SERVICES_PLANNING_OIV_AGGREGATE_H_
