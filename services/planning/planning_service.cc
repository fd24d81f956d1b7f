#include "services/planning/planning_service.h"

#include "libs/eventstore/command.h"
#include "libs/service/grpc_status.h"
#include "libs/service/roles.h"
#include "services/planning/plan_aggregate.h"

namespace piao::planning {
namespace {
constexpr char kCreatePlan[] = "/piao.v1.Planning/CreatePlan";
constexpr char kAdoptObjectives[] = "/piao.v1.Planning/AdoptObjectives";
constexpr char kApplyRevisionAct[] = "/piao.v1.Planning/ApplyRevisionAct";
constexpr char kGetPlan[] = "/piao.v1.Planning/GetPlan";

eventstore::CommandContext ContextOf(const v1::Principal& who, const v1::CommandMeta& meta) {
  eventstore::CommandContext c;
  c.actor = who;
  c.idempotency_key = IdempotencyKey(meta.idempotency_key());
  c.correlation_id = meta.correlation_id();
  c.causation_id = meta.causation_id();
  return c;
}

void FillAck(const StreamId& stream, const eventstore::AppendResult& r, v1::CommandAck* ack) {
  ack->set_stream(stream.Key());
  ack->set_stream_version(r.last_version.value());
  ack->set_global_position(r.last_position.value());
  ack->set_duplicate(r.duplicate);
}
}  // namespace

void AllowPlanning(service::RolePolicy& policy) {
  using namespace service::roles;
  policy.Allow(kCreatePlan, {kPlanner, kAdmin});
  policy.Allow(kAdoptObjectives, {kPlanner, kAdmin});
  policy.Allow(kApplyRevisionAct, {kPlanner, kAdmin});
  policy.Allow(kGetPlan, {kPlanner, kAdmin, kOiv, kMeasurer, kFeed, kService});
}

grpc::Status PlanningService::CreatePlan(grpc::ServerContext* ctx, const v1::CreatePlanRequest* request,
                                         v1::CommandAck* response) {
  PIAO_GRPC_ASSIGN_OR_RETURN(v1::Principal who, authorizer_->Authorize(ctx, kCreatePlan));
  const StreamId stream = PlanStream(request->administration(), request->year());
  PIAO_GRPC_ASSIGN_OR_RETURN(
      eventstore::AppendResult r,
      eventstore::ExecuteCommand<PlanState>(
          *store_, stream, ContextOf(who, request->meta()), FoldPlan,
          [&](const PlanState& s) { return DecideCreatePlan(s, *request); }));
  FillAck(stream, r, response);
  return grpc::Status::OK;
}

}  // namespace piao::planning
