#include "services/measurement/feeds_service.h"

#include "services/common/command_path.h"
#include "libs/service/grpc_status.h"
#include "libs/service/roles.h"
#include "services/common/aggregate_util.h"
#include "services/measurement/feed_aggregate.h"

namespace piao::measurement {
namespace {
constexpr char kSubmitBatch[] = "/piao.v1.Feeds/SubmitBatch";
constexpr char kComputeActuals[] = "/piao.v1.Feeds/ComputeActuals";
constexpr char kGetVariables[] = "/piao.v1.Feeds/GetVariables";

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
      services::RunCommand<VariablesState>(*store_, who, *request, stream, FoldVariables,
          [&](const VariablesState& s) -> absl::StatusOr<std::vector<eventstore::NewEvent>> {
            PIAO_ASSIGN_OR_RETURN(BatchDecision d, DecideSubmitBatch(s, *request));
            decided = d.response;
            return std::move(d.events);
          },
          [&] { return decided.SerializeAsString(); }));
  *response = decided;
  // A retried idempotency key is answered from the store's record: the answer given then, marked duplicate.
  if (r.duplicate) {
    if (!response->ParseFromString(r.reply)) {
      return grpc::Status(grpc::StatusCode::DATA_LOSS, "the stored answer of the retried command is undecodable");
    }
    response->set_duplicate(true);
  }
  services::FillAck(stream, r, response->mutable_ack());
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
      services::RunCommand<ActualsState>(*store_, who, *request, stream, FoldActuals,
          [&](const ActualsState& s) -> absl::StatusOr<std::vector<eventstore::NewEvent>> {
            PIAO_ASSIGN_OR_RETURN(std::vector<v1::EventEnvelope> events,
                                  store_->ReadStream(VariablesStream(request->administration()), StreamVersion(1)));
            PIAO_ASSIGN_OR_RETURN(VariablesState vars, FoldVariables(events));
            PIAO_ASSIGN_OR_RETURN(ComputeDecision d, DecideComputeActuals(s, vars, *request));
            results = std::move(d.results);
            return std::move(d.events);
          },
          [&] {
            v1::ComputeActualsResponse stored;
            for (const auto& res : results) *stored.add_results() = res;
            return stored.SerializeAsString();
          }));
  if (r.duplicate) {
    if (!response->ParseFromString(r.reply)) {
      return grpc::Status(grpc::StatusCode::DATA_LOSS, "the stored answer of the retried command is undecodable");
    }
  } else {
    for (auto& res : results) *response->add_results() = std::move(res);
  }
  services::FillAck(stream, r, response->mutable_ack());
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
