#include "services/measurement/measurement_service.h"

#include "services/common/command_path.h"
#include "libs/service/grpc_status.h"
#include "libs/service/roles.h"
#include "services/common/aggregate_util.h"
#include "services/measurement/actual_aggregate.h"

namespace piao::measurement {
namespace {
constexpr char kRecordActual[] = "/piao.v1.Measurement/RecordActual";
constexpr char kCorrectActual[] = "/piao.v1.Measurement/CorrectActual";

// Runs one command; the answer's actual id is the decided one, or for a retried idempotency key the id of the
// event the original command stored (every command stores exactly one event, so its version names it).
template <typename Request>
grpc::Status Execute(eventstore::EventStore& store, eventstore::StateCache<ActualsState>& cache,
                     const v1::Principal& who, const Request& request,
                     absl::StatusOr<ActualDecision> (*decide)(const ActualsState&, const Request&),
                     v1::RecordActualResponse* response) {
  const StreamId stream = ActualsStream(request.administration(), request.year());
  std::string decided_id;
  PIAO_GRPC_ASSIGN_OR_RETURN(
      eventstore::AppendResult r,
      services::RunCommand<ActualsState>(store, who, request, stream,
          eventstore::StreamFold<ActualsState>{FoldActualsInto, &cache},
          [&](const ActualsState& s) -> absl::StatusOr<std::vector<eventstore::NewEvent>> {
            PIAO_ASSIGN_OR_RETURN(ActualDecision d, decide(s, request));
            decided_id = d.actual_id;
            return std::move(d.events);
          }));
  services::FillAck(stream, r, response->mutable_ack());
  response->set_actual_id(r.duplicate ? ActualIdAt(request.administration(), request.year(), r.last_version)
                                      : decided_id);
  return grpc::Status::OK;
}
}  // namespace

void AllowMeasurement(service::RolePolicy& policy) {
  using namespace service::roles;
  policy.Allow(kRecordActual, {kMeasurer, kFeed, kAdmin});
  policy.Allow(kCorrectActual, {kMeasurer, kAdmin});
}

grpc::Status MeasurementService::RecordActual(grpc::ServerContext* ctx, const v1::RecordActualRequest* request,
                                              v1::RecordActualResponse* response) {
  PIAO_GRPC_ASSIGN_OR_RETURN(v1::Principal who, authorizer_->Authorize(ctx, kRecordActual, request->administration()));
  return Execute(*store_, actuals_, who, *request, DecideRecordActual, response);
}

grpc::Status MeasurementService::CorrectActual(grpc::ServerContext* ctx, const v1::CorrectActualRequest* request,
                                               v1::RecordActualResponse* response) {
  PIAO_GRPC_ASSIGN_OR_RETURN(v1::Principal who, authorizer_->Authorize(ctx, kCorrectActual, request->administration()));
  return Execute(*store_, actuals_, who, *request, DecideCorrectActual, response);
}

}  // namespace piao::measurement
