#include "services/planning/planning_service.h"

#include "absl/strings/str_cat.h"
#include "services/common/command_path.h"
#include "libs/plan/objective_level.h"
#include "libs/service/grpc_status.h"
#include "libs/service/roles.h"
#include "services/common/aggregate_util.h"
#include "services/planning/plan_aggregate.h"

namespace piao::planning {
namespace {
constexpr char kCreatePlan[] = "/piao.v1.Planning/CreatePlan";
constexpr char kAdoptObjectives[] = "/piao.v1.Planning/AdoptObjectives";
constexpr char kApplyRevisionAct[] = "/piao.v1.Planning/ApplyRevisionAct";
constexpr char kGetPlan[] = "/piao.v1.Planning/GetPlan";

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
  PIAO_GRPC_ASSIGN_OR_RETURN(v1::Principal who, authorizer_->Authorize(ctx, kCreatePlan, request->administration()));
  const StreamId stream = PlanStream(request->administration(), request->year());
  PIAO_GRPC_ASSIGN_OR_RETURN(
      eventstore::AppendResult r,
      services::RunCommand<PlanState>(*store_, who, *request, stream, fold_,
          [&](const PlanState& s) { return DecideCreatePlan(s, *request); }));
  services::FillAck(stream, r, response);
  return grpc::Status::OK;
}

}  // namespace piao::planning

namespace piao::planning {

grpc::Status PlanningService::AdoptObjectives(grpc::ServerContext* ctx, const v1::AdoptObjectivesRequest* request,
                                              v1::AdoptObjectivesResponse* response) {
  PIAO_GRPC_ASSIGN_OR_RETURN(v1::Principal who, authorizer_->Authorize(ctx, kAdoptObjectives, request->administration()));
  const StreamId stream = PlanStream(request->administration(), request->year());
  // A retried command answers what the original adopted, stored with its idempotency key.
  PIAO_GRPC_ASSIGN_OR_RETURN(
      *response,
      (services::RunAnsweredCommand<PlanState, v1::AdoptObjectivesRequest, v1::AdoptObjectivesResponse>(
          *store_, who, *request, stream, fold_,
          [&](const PlanState& s, v1::AdoptObjectivesResponse* answer)
              -> absl::StatusOr<std::vector<eventstore::NewEvent>> {
            const size_t limit = store_->max_event_bytes() > kPlanEnvelopeReserve
                                     ? store_->max_event_bytes() - kPlanEnvelopeReserve
                                     : store_->max_event_bytes();
            AdoptionSummary summary;
            PIAO_ASSIGN_OR_RETURN(std::vector<eventstore::NewEvent> events,
                                  DecideAdoptObjectives(s, *request, &summary, limit));
            answer->set_objectives_added(summary.objectives_added);
            answer->set_indicators_added(summary.indicators_added);
            answer->set_descriptions_updated(summary.descriptions_updated);
            answer->set_unchanged(summary.unchanged);
            return events;
          })));
  return grpc::Status::OK;
}

grpc::Status PlanningService::ApplyRevisionAct(grpc::ServerContext* ctx, const v1::ApplyRevisionActRequest* request,
                                               v1::CommandAck* response) {
  PIAO_GRPC_ASSIGN_OR_RETURN(v1::Principal who, authorizer_->Authorize(ctx, kApplyRevisionAct, request->administration()));
  const StreamId stream = PlanStream(request->administration(), request->year());
  PIAO_GRPC_ASSIGN_OR_RETURN(
      eventstore::AppendResult r,
      services::RunCommand<PlanState>(*store_, who, *request, stream, fold_,
          [&](const PlanState& s) { return DecideApplyRevisionAct(s, *request); }));
  services::FillAck(stream, r, response);
  return grpc::Status::OK;
}

grpc::Status PlanningService::GetPlan(grpc::ServerContext* ctx, const v1::GetPlanRequest* request,
                                      v1::GetPlanResponse* response) {
  PIAO_GRPC_ASSIGN_OR_RETURN(v1::Principal who, authorizer_->Authorize(ctx, kGetPlan, request->administration()));
  const StreamId stream = PlanStream(request->administration(), request->year());
  PIAO_GRPC_ASSIGN_OR_RETURN(std::vector<v1::EventEnvelope> events, store_->ReadStream(stream, StreamVersion(1)));
  PIAO_GRPC_ASSIGN_OR_RETURN(PlanState state, FoldPlan(events));
  if (!state.exists) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        absl::StrCat("no plan ", request->administration(), "/", request->year()));
  }
  *response = DescribePlan(state);
  plan::ObjectiveLevels().FillTexts(response);  // wave one's text beside each level, for older clients
  return grpc::Status::OK;
}

}  // namespace piao::planning
