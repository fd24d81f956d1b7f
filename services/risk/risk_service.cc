#include "services/risk/risk_service.h"

#include "services/common/command_path.h"
#include "libs/service/grpc_status.h"
#include "libs/service/roles.h"
#include "services/common/aggregate_util.h"
#include "services/risk/risk_aggregate.h"

namespace piao::risk {
namespace {

constexpr absl::string_view kService = "piao.v1.RiskRegistry";
std::string Method(absl::string_view name) { return service::FullMethodName(kService, name); }

template <typename Request>
using Decider = absl::StatusOr<RiskDecision> (*)(const RegisterState&, const v1::Principal&, const Request&);

// Authorises, then runs one command on the year's stream. A retried idempotency key answers the original ack
// and id, with duplicate set.
template <typename Request>
grpc::Status Execute(eventstore::EventStore& store, const eventstore::StreamFold<RegisterState>& fold,
                     const service::Authorizer& authorizer, grpc::ServerContext* ctx,
                     absl::string_view method, const Request& request, Decider<Request> decide,
                     v1::RiskCommandResponse* response) {
  PIAO_GRPC_ASSIGN_OR_RETURN(v1::Principal who, authorizer.Authorize(ctx, Method(method), request.administration()));
  PIAO_GRPC_RETURN_IF_ERROR(services::ValidateAdministrationYear(request.administration(), request.year()));
  const StreamId stream = RiskStream(request.administration(), request.year());
  std::string decided_id;
  PIAO_GRPC_ASSIGN_OR_RETURN(
      eventstore::AppendResult r,
      services::RunCommand<RegisterState>(store, who, request, stream, fold,
          [&](const RegisterState& s) -> absl::StatusOr<std::vector<eventstore::NewEvent>> {
            PIAO_ASSIGN_OR_RETURN(RiskDecision d, decide(s, who, request));
            decided_id = d.id;
            return std::move(d.events);
          },
          [&] { return decided_id; }));
  services::FillAck(stream, r, response->mutable_ack());
  response->set_id(r.duplicate ? r.reply : decided_id);
  return grpc::Status::OK;
}

}  // namespace

void AllowRiskRegistry(service::RolePolicy& policy) {
  namespace r = service::roles;
  for (absl::string_view m :
       {"DefineAreas", "DefineScheme", "DefineQualitativeMethod", "DefineProcess", "DefineMeasure", "PlanMonitoring",
        "ValidateRegister"}) {
    policy.Allow(Method(m), {r::kRpct, r::kAdmin});
  }
  for (absl::string_view m : {"RecordAssessment", "RecordMonitoring", "SubmitOwnerReport"}) {
    policy.Allow(Method(m), {r::kRpct, r::kAdmin, r::kPlanner, r::kMeasurer, r::kHr, r::kFeed});
  }
}

grpc::Status RiskRegistryService::DefineAreas(grpc::ServerContext* ctx, const v1::DefineAreasRequest* request,
                                              v1::RiskCommandResponse* response) {
  return Execute(*store_, fold_, *authorizer_, ctx, "DefineAreas", *request, DecideDefineAreas, response);
}
grpc::Status RiskRegistryService::DefineScheme(grpc::ServerContext* ctx, const v1::DefineSchemeRequest* request,
                                               v1::RiskCommandResponse* response) {
  return Execute(*store_, fold_, *authorizer_, ctx, "DefineScheme", *request, DecideDefineScheme, response);
}
grpc::Status RiskRegistryService::DefineQualitativeMethod(grpc::ServerContext* ctx,
                                                          const v1::DefineQualitativeMethodRequest* request,
                                                          v1::RiskCommandResponse* response) {
  return Execute(*store_, fold_, *authorizer_, ctx, "DefineQualitativeMethod", *request, DecideDefineQualitativeMethod,
                 response);
}
grpc::Status RiskRegistryService::DefineProcess(grpc::ServerContext* ctx, const v1::DefineProcessRequest* request,
                                                v1::RiskCommandResponse* response) {
  return Execute(*store_, fold_, *authorizer_, ctx, "DefineProcess", *request, DecideDefineProcess, response);
}
grpc::Status RiskRegistryService::RecordAssessment(grpc::ServerContext* ctx,
                                                   const v1::RecordAssessmentRequest* request,
                                                   v1::RiskCommandResponse* response) {
  return Execute(*store_, fold_, *authorizer_, ctx, "RecordAssessment", *request, DecideRecordAssessment, response);
}
grpc::Status RiskRegistryService::DefineMeasure(grpc::ServerContext* ctx, const v1::DefineMeasureRequest* request,
                                                v1::RiskCommandResponse* response) {
  return Execute(*store_, fold_, *authorizer_, ctx, "DefineMeasure", *request, DecideDefineMeasure, response);
}
grpc::Status RiskRegistryService::PlanMonitoring(grpc::ServerContext* ctx, const v1::PlanMonitoringRequest* request,
                                                 v1::RiskCommandResponse* response) {
  return Execute(*store_, fold_, *authorizer_, ctx, "PlanMonitoring", *request, DecidePlanMonitoring, response);
}
grpc::Status RiskRegistryService::RecordMonitoring(grpc::ServerContext* ctx,
                                                   const v1::RecordMonitoringRequest* request,
                                                   v1::RiskCommandResponse* response) {
  return Execute(*store_, fold_, *authorizer_, ctx, "RecordMonitoring", *request, DecideRecordMonitoring, response);
}
grpc::Status RiskRegistryService::SubmitOwnerReport(grpc::ServerContext* ctx,
                                                    const v1::SubmitOwnerReportRequest* request,
                                                    v1::RiskCommandResponse* response) {
  return Execute(*store_, fold_, *authorizer_, ctx, "SubmitOwnerReport", *request, DecideSubmitOwnerReport, response);
}

grpc::Status RiskRegistryService::ValidateRegister(grpc::ServerContext* ctx,
                                                   const v1::ValidateRegisterRequest* request,
                                                   v1::ValidateRegisterResponse* response) {
  const v1::RiskRegisterFile& file = request->file();
  PIAO_GRPC_ASSIGN_OR_RETURN(v1::Principal who,
                             authorizer_->Authorize(ctx, Method("ValidateRegister"), file.administration()));
  PIAO_GRPC_RETURN_IF_ERROR(service::ValidateRequestText(*request));
  PIAO_GRPC_RETURN_IF_ERROR(services::ValidateAdministrationYear(file.administration(), file.year()));
  PIAO_GRPC_ASSIGN_OR_RETURN(const uint32_t commands, DecideRegisterFile(file, who));
  response->set_commands(commands);
  return grpc::Status::OK;
}

}  // namespace piao::risk
