// The plan aggregate, pure: events in → state out; command in → events out. No I/O here.
//
// One stream per administration and plan year ("plan" / "<administration>/<year>"). Its events:
//   PlanCreated          the plan exists
//   ObjectivesAdopted    objectives and indicators adopted under an act (approval or extension), valid from
//                        the act's effective date
//   DescriptionsUpdated  descriptive fields (name, algorithm text, type, source, flags) changed by an import
//   RevisionActApplied   every change of one act, applied together, with each changed indicator's whole
//                        definition after the act
#ifndef PIAO_SERVICES_PLANNING_PLAN_AGGREGATE_H_
#define PIAO_SERVICES_PLANNING_PLAN_AGGREGATE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/base/strong_types.h"
#include "libs/eventstore/event_store.h"
#include "libs/plan/model.h"
#include "piao/v1/event.pb.h"
#include "piao/v1/planning.pb.h"

namespace piao::planning {

struct PlanState {
  bool exists = false;
  std::string title;
  plan::Plan plan;  // the definitions in force after every event folded (administration and year set)
  StreamVersion version;
  // Every revision act applied, by its text and effective date: the same act sent again is unchanged.
  std::map<std::string, v1::RevisionActApplied> revision_acts;
  // Each indicator as it was adopted (before any revision or description update), by AdoptedKey: importing
  // the approved plan file again, under the same act, after revisions or later descriptions is unchanged.
  struct Adopted {
    plan::Indicator indicator;
    std::string act;  // the text of the act it was adopted under
  };
  std::map<std::string, Adopted> adopted;
};

// The largest payload of one planning event the aggregate decides: a larger adoption (or set of description
// updates) is split into several events of the same act, appended atomically in one append. Leaves room for
// the envelope under the store's limit (eventstore::kDefaultMaxEventBytes).
inline constexpr size_t kPlanEnvelopeReserve = 16 * 1024;
inline constexpr size_t kMaxPlanPayloadBytes = eventstore::kDefaultMaxEventBytes - kPlanEnvelopeReserve;

// Splits `whole` into adoptions of the same act whose serialized size is at most `max_bytes` each, keeping
// the order of objectives and indicators. INVALID_ARGUMENT naming the objective when one alone is larger.
absl::StatusOr<std::vector<v1::ObjectivesAdopted>> SplitAdoption(const v1::ObjectivesAdopted& whole, size_t max_bytes);

// The key of PlanState::adopted: the objective (as DescribeKey says it) and the indicator code.
std::string AdoptedKey(const plan::ObjectiveKey& objective, const std::string& indicator);

// The stream of a plan: "plan" / "<administration>/<year>".
StreamId PlanStream(const std::string& administration, int year);

// Folds a plan's events, oldest first. Unknown event types are an error: a newer writer than this reader.
absl::StatusOr<PlanState> FoldPlan(const std::vector<v1::EventEnvelope>& events);
// The same, folding `events` (those following the ones already in `s`) into `s`: a left fold, so any split of a
// stream folded in turn gives FoldPlan of the whole (libs/eventstore/command.h, StreamFold). On error `s` is partly
// updated and must be dropped.
absl::Status FoldPlanInto(PlanState& s, const std::vector<v1::EventEnvelope>& events);

// INVALID_ARGUMENT names the field; FAILED_PRECONDITION when the plan already exists.
absl::StatusOr<std::vector<eventstore::NewEvent>> DecideCreatePlan(const PlanState& state,
                                                                   const v1::CreatePlanRequest& cmd);

struct AdoptionSummary {
  uint32_t objectives_added = 0;
  uint32_t indicators_added = 0;
  uint32_t descriptions_updated = 0;
  uint32_t unchanged = 0;
};

// Adopts the request's objectives: new objectives and indicators are adopted under the act; an indicator
// already in the plan must keep its scoring definition (comparison, target, threshold, weight), else
// FAILED_PRECONDITION pointing to `piao revise`; differing descriptive fields become a description update.
// Creates the plan when it does not exist. The whole plan must validate afterwards. No events when nothing
// changes.
absl::StatusOr<std::vector<eventstore::NewEvent>> DecideAdoptObjectives(const PlanState& state,
                                                                        const v1::AdoptObjectivesRequest& cmd,
                                                                        AdoptionSummary* summary,
                                                                        size_t max_payload_bytes = kMaxPlanPayloadBytes);

// Applies every change of one act together (libs/plan ApplyRevisionAct): all or nothing.
absl::StatusOr<std::vector<eventstore::NewEvent>> DecideApplyRevisionAct(const PlanState& state,
                                                                         const v1::ApplyRevisionActRequest& cmd);

// The plan's definitions as GetPlan answers them.
v1::GetPlanResponse DescribePlan(const PlanState& state);

}  // namespace piao::planning

#endif  // PIAO_SERVICES_PLANNING_PLAN_AGGREGATE_H_
