#include "services/measurement/feeds_service.h"

#include "services/common/command_path.h"
#include "absl/strings/str_cat.h"
#include "libs/service/grpc_status.h"
#include "libs/service/roles.h"
#include "services/common/aggregate_util.h"
#include "libs/base/legacy_enum.h"
#include "libs/plan/objective_level.h"
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

namespace {

// Answers carry the typed levels and outcomes and, for wave-one clients, the text beside them.
void FillWaveOneTexts(google::protobuf::Message* answer) {
  static const LegacyEnumField kOutcome[] = {{"outcome", "outcome_kind", v1::ComputeOutcome_descriptor()}};
  plan::ObjectiveLevels().FillTexts(answer);
  FillLegacyEnumTexts(answer, kOutcome);
}

}  // namespace

grpc::Status FeedsService::SubmitBatch(grpc::ServerContext* ctx, const v1::SubmitBatchRequest* request,
                                       v1::SubmitBatchResponse* response) {
  PIAO_GRPC_ASSIGN_OR_RETURN(v1::Principal who, authorizer_->Authorize(ctx, kSubmitBatch, request->administration()));
  const StreamId stream = VariablesStream(request->administration());
  PIAO_GRPC_ASSIGN_OR_RETURN(
      *response,
      (services::RunAnsweredCommand<VariablesState, v1::SubmitBatchRequest, v1::SubmitBatchResponse>(
          *store_, who, *request, stream, fold_,
          [&](const VariablesState& s, v1::SubmitBatchResponse* answer)
              -> absl::StatusOr<std::vector<eventstore::NewEvent>> {
            PIAO_ASSIGN_OR_RETURN(BatchDecision d, DecideSubmitBatch(s, *request));
            *answer = d.response;
            return std::move(d.events);
          })));
  // A retried idempotency key is answered with the answer given then: the batch is a duplicate of itself.
  if (response->ack().duplicate()) response->set_duplicate(true);
  if (!response->duplicate() && policy_ != nullptr && policy_->follows_planning()) {
    // The batch is recorded (acknowledged whatever follows); now the plan years it feeds, as the same actor.
    for (int year : PlanYearsAffectedBy(*request)) {
      if (year < 2000 || year > 2999) continue;  // no plan year can exist there
      v1::CommandMeta meta;
      meta.set_correlation_id(request->meta().correlation_id().empty()
                                  ? absl::StrCat("feed:", request->batch_id())
                                  : request->meta().correlation_id());
      meta.set_causation_id(absl::StrCat("measurement@", response->ack().global_position()));
      absl::StatusOr<v1::ComputeActualsResponse> c =
          policy_->Recompute(who, meta, request->administration(), year);
      if (!c.ok()) {
        policy_->Defer(request->administration(), year);
        if (response->compute_pending().empty()) {
          response->set_compute_pending(absl::StrCat("plan year ", year, ": ", c.status().ToString(),
                                                     " (the service recomputes it when planning answers)"));
        }
        continue;
      }
      if (c->results_size() == 0) continue;
      v1::ComputedYear* y = response->add_computed();
      y->set_year(year);
      *y->mutable_results() = c->results();
    }
  }
  FillWaveOneTexts(response);
  return grpc::Status::OK;
}

grpc::Status FeedsService::ComputeActuals(grpc::ServerContext* ctx, const v1::ComputeActualsRequest* request,
                                          v1::ComputeActualsResponse* response) {
  PIAO_GRPC_ASSIGN_OR_RETURN(v1::Principal who, authorizer_->Authorize(ctx, kComputeActuals, request->administration()));
  if (request->formulas_size() > 0) {
    if (request->covering_plan_version() != 0) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "covering_plan_version: only without formulas (it names a computation of the policy)");
    }
    PIAO_GRPC_ASSIGN_OR_RETURN(*response, ComputeActualsCommand(*store_, who, *request));
    FillWaveOneTexts(response);
    return grpc::Status::OK;
  }
  if (policy_ == nullptr || !policy_->follows_planning()) {
    return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                        "formulas: required, this measurement service does not follow planning (no --planning)");
  }
  PIAO_GRPC_RETURN_IF_ERROR(service::ValidateRequestText(*request));
  PIAO_GRPC_ASSIGN_OR_RETURN(*response, policy_->Recompute(who, request->meta(), request->administration(),
                                                           request->year(),
                                                           StreamVersion(request->covering_plan_version())));
  FillWaveOneTexts(response);
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
