// The plan aggregate, pure: events in → state out; command in → events out. No I/O here.
#ifndef PIAO_SERVICES_PLANNING_PLAN_AGGREGATE_H_
#define PIAO_SERVICES_PLANNING_PLAN_AGGREGATE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/base/strong_types.h"
#include "libs/eventstore/event_store.h"
#include "piao/v1/event.pb.h"
#include "piao/v1/planning.pb.h"

namespace piao::planning {

struct PlanState {
  bool exists = false;
  std::string administration;
  int year = 0;
  std::string title;
  StreamVersion version;
};

// The stream of a plan: "plan" / "<administration>/<year>".
StreamId PlanStream(const std::string& administration, int year);

// Folds a plan's events, oldest first. Unknown event types are an error: a newer writer than this reader.
absl::StatusOr<PlanState> FoldPlan(const std::vector<v1::EventEnvelope>& events);

// Validates a CreatePlan command against the current state and decides its events.
// INVALID_ARGUMENT names the field; FAILED_PRECONDITION when the plan already exists.
absl::StatusOr<std::vector<eventstore::NewEvent>> DecideCreatePlan(const PlanState& state,
                                                                   const v1::CreatePlanRequest& cmd);

}  // namespace piao::planning

#endif  // PIAO_SERVICES_PLANNING_PLAN_AGGREGATE_H_
