#include "services/measurement/feeds_service.h"

#include "libs/eventstore/command.h"
#include "libs/service/grpc_status.h"
#include "libs/service/roles.h"
#include "services/common/aggregate_util.h"
#include "services/measurement/feed_aggregate.h"

namespace piao::measurement {
namespace {
constexpr char kSubmitBatch[] = "/piao.v1.Feeds/SubmitBatch";
constexpr char kComputeActuals[] = "/piao.v1.Feeds/ComputeActuals";
constexpr char kGetVariables[] = "/piao.v1.Feeds/GetVariables";

void FillAck(const StreamId& stream, const eventstore::AppendResult& r, v1::CommandAck* ack) {
  ack->set_stream(stream.Key());
  ack->set_stream_version(r.last_version.value());
  ack->set_global_position(r.last_position.value());
  ack->set_duplicate(r.duplicate);
}
}  // namespace

void AllowFeeds(service::RolePolicy& policy) {
  using namespace service::roles;
  policy.Allow(kSubmitBatch, {kFeed, kAdmin});
  policy.Allow(kComputeActuals, {kFeed, kMeasurer, kAdmin});
  policy.Allow(kGetVariables, {kAdmin, kPlanner, kMeasurer, kFeed, kOiv, kRpct, kHr, kService});
}

grpc::Status FeedsService::SubmitBatch(grpc::ServerContext* ctx, const v1::SubmitBatchRequest* request,
                                       v1::SubmitBatchResponse* response) {
  PIAO_GRPC_ASSIGN_OR_RETURN(v1::Principal who, authorizer_->Authorize(ctx, kSubmitBatch, request->administration()));
  const StreamId stream = VariablesStream(request->administration());
  v1::SubmitBatchResponse decided;
  PIAO_GRPC_ASSIGN_OR_RETURN(
      eventstore::AppendResult r,
      eventstore::ExecuteCommand<VariablesState>(
          *store_, stream, services::ContextOf(who, request->meta()), FoldVariables,
          [&](const VariablesState& s) -> absl::StatusOr<std::vector<eventstore::NewEvent>> {
            PIAO_ASSIGN_OR_RETURN(BatchDecision d, DecideSubmitBatch(s, *request));
            decided = d.response;
            return std::move(d.events);
          }));
  *response = decided;
  // A retried idempotency key is answered from the store's record: the batch is the one recorded then.
  if (r.duplicate) {
    response->set_duplicate(true);
    response->set_rows(static_cast<uint32_t>(request->values_size()));
  }
  FillAck(stream, r, response->mutable_ack());
  return grpc::Status::OK;
}

grpc::Status FeedsService::ComputeActuals(grpc::ServerContext* ctx, const v1::ComputeActualsRequest* request,
                                          v1::ComputeActualsResponse* response) {
  PIAO_GRPC_ASSIGN_OR_RETURN(v1::Principal who, authorizer_->Authorize(ctx, kComputeActuals, request->administration()));
  PIAO_GRPC_RETURN_IF_ERROR(services::ValidateAdministrationYear(request->administration(), request->year()));
  const StreamId stream = ActualsStream(request->administration(), request->year());
  std::vector<v1::ComputedActualResult> results;
  // The variables are read once per attempt, before deciding on the actuals stream: the lineage records the
  // exact values used, and a batch recorded meanwhile triggers its own computation.
  PIAO_GRPC_ASSIGN_OR_RETURN(
      eventstore::AppendResult r,
      eventstore::ExecuteCommand<ActualsState>(
          *store_, stream, services::ContextOf(who, request->meta()), FoldActuals,
          [&](const ActualsState& s) -> absl::StatusOr<std::vector<eventstore::NewEvent>> {
            PIAO_ASSIGN_OR_RETURN(std::vector<v1::EventEnvelope> events,
                                  store_->ReadStream(VariablesStream(request->administration()), StreamVersion(1)));
            PIAO_ASSIGN_OR_RETURN(VariablesState vars, FoldVariables(events));
            PIAO_ASSIGN_OR_RETURN(ComputeDecision d, DecideComputeActuals(s, vars, *request));
            results = std::move(d.results);
            return std::move(d.events);
          }));
  for (auto& res : results) *response->add_results() = std::move(res);
  FillAck(stream, r, response->mutable_ack());
  return grpc::Status::OK;
}

grpc::Status FeedsService::GetVariables(grpc::ServerContext* ctx, const v1::GetVariablesRequest* request,
                                        v1::GetVariablesResponse* response) {
  PIAO_GRPC_ASSIGN_OR_RETURN(v1::Principal who, authorizer_->Authorize(ctx, kGetVariables, request->administration()));
  if (request->administration().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "administration: must not be empty");
  }
  PIAO_GRPC_ASSIGN_OR_RETURN(std::vector<v1::EventEnvelope> events,
                             store_->ReadStream(VariablesStream(request->administration()), StreamVersion(1)));
  PIAO_GRPC_ASSIGN_OR_RETURN(VariablesState s, FoldVariables(events));
  for (const auto& [key, value] : s.current) *response->add_values() = value;
  for (const std::string& id : s.batch_order) *response->add_batches() = s.batches.at(id);
  return grpc::Status::OK;
}

}  // namespace piao::measurement
