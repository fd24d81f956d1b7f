// piao.v1.Planning over the planning event store: authorise, decide (pure, plan_aggregate.h), append.
#ifndef PIAO_SERVICES_PLANNING_PLANNING_SERVICE_H_
#define PIAO_SERVICES_PLANNING_PLANNING_SERVICE_H_

#include "libs/eventstore/event_store.h"
#include "libs/eventstore/command.h"
#include "libs/service/auth.h"
#include "piao/v1/planning.grpc.pb.h"
#include "services/planning/plan_aggregate.h"

namespace piao::planning {

// The roles of every Planning method.
void AllowPlanning(service::RolePolicy& policy);

class PlanningService final : public v1::Planning::Service {
 public:
  PlanningService(eventstore::EventStore* store, const service::Authorizer* authorizer)
      : store_(store), authorizer_(authorizer) {}

  grpc::Status CreatePlan(grpc::ServerContext* ctx, const v1::CreatePlanRequest* request,
                          v1::CommandAck* response) override;
  grpc::Status AdoptObjectives(grpc::ServerContext* ctx, const v1::AdoptObjectivesRequest* request,
                               v1::AdoptObjectivesResponse* response) override;
  grpc::Status ApplyRevisionAct(grpc::ServerContext* ctx, const v1::ApplyRevisionActRequest* request,
                                v1::CommandAck* response) override;
  grpc::Status GetPlan(grpc::ServerContext* ctx, const v1::GetPlanRequest* request,
                       v1::GetPlanResponse* response) override;

 private:
  eventstore::EventStore* store_;
  const service::Authorizer* authorizer_;
  eventstore::StateCache<PlanState> plans_{64};  // folded plans per plan year (libs/eventstore/state_cache.h)
  eventstore::StreamFold<PlanState> fold_{FoldPlanInto, &plans_};
};

}  // namespace piao::planning

#endif  // PIAO_SERVICES_PLANNING_PLANNING_SERVICE_H_
