// Feeds and computed actuals, pure: events in → state out; command in → events out. No I/O here.
//
// Stream "variables" / "<administration>": one VariableBatchRecorded per feed batch, every row in it. The
// current value of a variable for a period is the one of the latest batch that gives it; an earlier value
// stays in its batch (a later batch correcting a value is a new fact, never an overwrite).
//
// Computed actuals go to the plan year's actuals stream (actual_aggregate.h) as ActualRecorded /
// ActualCorrected carrying a Computation: the formula, the plan version its definition was read at, and each
// variable value read with its batch id and row. For plan year Y a formula is evaluated for period "year-end"
// on the variables of period "Y" (prev(x): "Y-1"), and for every monitoring date D of year Y that some
// variable it reads has a value for (prev(x): the same day a year earlier).
#ifndef PIAO_SERVICES_MEASUREMENT_FEED_AGGREGATE_H_
#define PIAO_SERVICES_MEASUREMENT_FEED_AGGREGATE_H_

#include <compare>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/base/strong_types.h"
#include "libs/eventstore/event_store.h"
#include "piao/v1/event.pb.h"
#include "piao/v1/feeds.pb.h"
#include "services/measurement/actual_aggregate.h"

namespace piao::measurement {

struct VariableKey {
  std::string variable;
  std::string period;
  auto operator<=>(const VariableKey&) const = default;
};

struct VariablesState {
  std::map<VariableKey, v1::VariableValue> current;  // the latest value per variable and period
  std::map<std::string, std::string> units;           // variable -> the unit it was first recorded with
  std::map<std::string, v1::BatchSummary> batches;    // by batch id
  std::vector<std::string> batch_order;               // recording order
  StreamVersion version;
};

StreamId VariablesStream(const std::string& administration);

absl::StatusOr<VariablesState> FoldVariables(const std::vector<v1::EventEnvelope>& events);
// The same, folding `events` (those following the ones already in `s`) into `s`: a left fold, so any split of a
// stream folded in turn gives FoldVariables of the whole (libs/eventstore/command.h, StreamFold). On error `s` is partly
// updated and must be dropped.
absl::Status FoldVariablesInto(VariablesState& s, const std::vector<v1::EventEnvelope>& events);

struct BatchDecision {
  std::vector<eventstore::NewEvent> events;  // empty: the same batch was recorded before
  v1::SubmitBatchResponse response;          // counts (ack left to the adapter)
};

// INVALID_ARGUMENT naming the field (values[i].<field>, with the row): administration, batch_id, kind
// (accounting | infocamere), checksum (64 hex digits), values (at least one), each value's variable (a formula
// variable name), period ("YYYY" or a real date), value (finite), unit (%, N., gg, €, M€), one value per
// variable and period. FAILED_PRECONDITION when the batch id is known with another checksum, or a variable's
// unit differs from the unit it was recorded with before.
absl::StatusOr<BatchDecision> DecideSubmitBatch(const VariablesState& state, const v1::SubmitBatchRequest& cmd);

struct ComputeDecision {
  std::vector<eventstore::NewEvent> events;  // for the actuals stream of the plan year
  std::vector<v1::ComputedActualResult> results;
};

// INVALID_ARGUMENT for administration, year, or a formula spec (objective, indicator, a formula that parses,
// a duplicate indicator). Per spec and period: recorded (no actual before), recomputed (the current actual's
// value differs: an ActualCorrected saying which inputs changed), unchanged, not_computable (division by zero,
// a missing previous period...: nothing recorded, the reason returned) or waiting (a variable of the period
// itself has no value yet).
absl::StatusOr<ComputeDecision> DecideComputeActuals(const ActualsState& actuals, const VariablesState& variables,
                                                     const v1::ComputeActualsRequest& cmd);

}  // namespace piao::measurement

#endif  // PIAO_SERVICES_MEASUREMENT_FEED_AGGREGATE_H_
