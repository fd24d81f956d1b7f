// The actuals aggregate, pure: events in → state out; command in → events out. No I/O here.
//
// One stream per administration and plan year ("actuals" / "<administration>/<year>"). Its events:
//   ActualRecorded   an actual (consuntivo) of one indicator for one period ("year-end" or a monitoring date)
//   ActualCorrected  a new actual replacing the current one of the same indicator and period, with a reason;
//                    the corrected one stays in the history
//
// Actual ids are "<administration>/<year>/A<stream version of the event>" (e.g. "CCIAA-TO/2022/A17"): unique
// across administrations and years, and a function of the stored event alone, so a command retried with its
// idempotency key (answered from the store's record, which knows the version) reports the same id.
//
// Per (objective key, indicator, period) there is one current actual. Recording a period that already has one
// is a no-op answering its id when the value is the same, and FAILED_PRECONDITION pointing to CorrectActual
// when it differs (a changed figure needs a correction with a reason, never a silent overwrite).
#ifndef PIAO_SERVICES_MEASUREMENT_ACTUAL_AGGREGATE_H_
#define PIAO_SERVICES_MEASUREMENT_ACTUAL_AGGREGATE_H_

#include <compare>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/measurement/rules.h"
#include "libs/base/strong_types.h"
#include "libs/eventstore/event_store.h"
#include "piao/v1/event.pb.h"
#include "piao/v1/measurement.pb.h"

namespace piao::measurement {

// What an actual measures: an indicator of an objective, for one period.
struct MeasureKey {
  v1::ObjectiveLevel level = v1::OBJECTIVE_LEVEL_UNSPECIFIED;
  std::string code;
  std::string scope;
  std::string indicator;
  std::string period;
  auto operator<=>(const MeasureKey&) const = default;
};

struct ActualRecord {
  std::string id;
  MeasureKey key;
  v1::MeasuredValue value;
  std::string corrects;      // the id this one replaced, for a correction
  std::string corrected_by;  // the id that replaced it; empty while it is the current one
  bool computed = false;     // computed from a formula (feed_aggregate.h); then `computation` is its lineage
  v1::Computation computation;
};

struct ActualsState {
  std::map<std::string, ActualRecord> actuals;  // by id, every actual ever recorded
  std::map<MeasureKey, std::string> current;     // the current actual's id per indicator and period
  StreamVersion version;
};

// The stream of a plan year's actuals: "actuals" / "<administration>/<year>".
StreamId ActualsStream(const std::string& administration, int year);
// The id of the actual stored at `version` of that stream.
std::string ActualIdAt(const std::string& administration, int year, StreamVersion version);

// Folds a stream's events, oldest first. Unknown event types are an error: a newer writer than this reader.
absl::StatusOr<ActualsState> FoldActuals(const std::vector<v1::EventEnvelope>& events);
// Folds `events`, the ones following those already in `s`, into it (a left fold: FoldActuals of a whole stream
// equals FoldActualsInto of any split of it in turn). On error `s` is partly updated and must be dropped.
absl::Status FoldActualsInto(ActualsState& s, const std::vector<v1::EventEnvelope>& events);

// A decision: the events to append (none for a no-op) and the id of the actual the command resulted in.
struct ActualDecision {
  std::vector<eventstore::NewEvent> events;
  std::string actual_id;
};

// INVALID_ARGUMENT naming the field: administration (non-empty, no '/'), year (2000-2999), the objective's level
// (objective.level_kind, or wave one's text objective.level alone: plan::RequestedLevel), objective.code, indicator, period ("year-end" or a real ISO date),
// value (set; a finite number, a real date or a non-empty text). FAILED_PRECONDITION when the period already
// has a different current actual. The event's valid time is the monitoring date, or Dec 31 for "year-end".
absl::StatusOr<ActualDecision> DecideRecordActual(const ActualsState& state, const v1::RecordActualRequest& cmd);

// INVALID_ARGUMENT for administration, year, actual_id, value or reason (required); FAILED_PRECONDITION when
// `actual_id` is unknown or already corrected (a correction must point at the current actual).
absl::StatusOr<ActualDecision> DecideCorrectActual(const ActualsState& state, const v1::CorrectActualRequest& cmd);

}  // namespace piao::measurement

#endif  // PIAO_SERVICES_MEASUREMENT_ACTUAL_AGGREGATE_H_
