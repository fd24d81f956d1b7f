#include "services/hr/hr_service.h"

#include "services/common/command_path.h"
#include "libs/service/grpc_status.h"
#include "libs/service/roles.h"
#include "services/common/aggregate_util.h"
#include "services/hr/hr_aggregate.h"

namespace piao::hr {
namespace {

constexpr const char* kMethods[] = {"AdoptEstablishment", "RecordStaff",     "RecordLeaves",
                                    "OpenSelections",     "RecordHiringRemainders", "RecordProtectedQuota",
                                    "PlanHires",          "AssessRemotability",     "SignAgileAgreements",
                                    "SetYearSettings"};

std::string Method(const char* name) { return service::FullMethodName("piao.v1.HrCapacity", name); }

}  // namespace

void AllowHr(service::RolePolicy& policy) {
  using namespace service::roles;
  for (const char* m : kMethods) policy.Allow(Method(m), {kHr, kAdmin});
}

template <typename Request>
grpc::Status HrCapacityService::Run(grpc::ServerContext* ctx, const char* method, const Request& request,
                                    v1::HrCommandResponse* out) {
  PIAO_GRPC_ASSIGN_OR_RETURN(v1::Principal who, authorizer_->Authorize(ctx, Method(method), request.administration()));
  const StreamId stream = HrStream(request.administration());
  PIAO_GRPC_ASSIGN_OR_RETURN(
      eventstore::AppendResult r,
      services::RunCommand<HrState>(*store_, who, request, stream, fold_,
          [&](const HrState& s) -> absl::StatusOr<std::vector<eventstore::NewEvent>> { return Decide(s, request); }));
  services::FillAck(stream, r, out->mutable_ack());
  return grpc::Status::OK;
}

grpc::Status HrCapacityService::AdoptEstablishment(grpc::ServerContext* ctx, const v1::AdoptEstablishmentRequest* r,
                                                   v1::HrCommandResponse* out) {
  return Run(ctx, "AdoptEstablishment", *r, out);
}
grpc::Status HrCapacityService::RecordStaff(grpc::ServerContext* ctx, const v1::RecordStaffRequest* r,
                                            v1::HrCommandResponse* out) {
  return Run(ctx, "RecordStaff", *r, out);
}
grpc::Status HrCapacityService::RecordLeaves(grpc::ServerContext* ctx, const v1::RecordLeavesRequest* r,
                                             v1::HrCommandResponse* out) {
  return Run(ctx, "RecordLeaves", *r, out);
}
grpc::Status HrCapacityService::OpenSelections(grpc::ServerContext* ctx, const v1::OpenSelectionsRequest* r,
                                               v1::HrCommandResponse* out) {
  return Run(ctx, "OpenSelections", *r, out);
}
grpc::Status HrCapacityService::RecordHiringRemainders(grpc::ServerContext* ctx,
                                                       const v1::RecordHiringRemaindersRequest* r,
                                                       v1::HrCommandResponse* out) {
  return Run(ctx, "RecordHiringRemainders", *r, out);
}
grpc::Status HrCapacityService::RecordProtectedQuota(grpc::ServerContext* ctx,
                                                     const v1::RecordProtectedQuotaRequest* r,
                                                     v1::HrCommandResponse* out) {
  return Run(ctx, "RecordProtectedQuota", *r, out);
}
grpc::Status HrCapacityService::PlanHires(grpc::ServerContext* ctx, const v1::PlanHiresRequest* r,
                                          v1::HrCommandResponse* out) {
  return Run(ctx, "PlanHires", *r, out);
}
grpc::Status HrCapacityService::AssessRemotability(grpc::ServerContext* ctx, const v1::AssessRemotabilityRequest* r,
                                                   v1::HrCommandResponse* out) {
  return Run(ctx, "AssessRemotability", *r, out);
}
grpc::Status HrCapacityService::SignAgileAgreements(grpc::ServerContext* ctx,
                                                    const v1::SignAgileAgreementsRequest* r,
                                                    v1::HrCommandResponse* out) {
  return Run(ctx, "SignAgileAgreements", *r, out);
}
grpc::Status HrCapacityService::SetYearSettings(grpc::ServerContext* ctx, const v1::SetYearSettingsRequest* r,
                                                v1::HrCommandResponse* out) {
  return Run(ctx, "SetYearSettings", *r, out);
}

}  // namespace piao::hr
