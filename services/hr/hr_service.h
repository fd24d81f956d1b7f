// piao.v1.HrCapacity over the HR event store: authorise, decide (pure, hr_aggregate.h), append.
#ifndef PIAO_SERVICES_HR_HR_SERVICE_H_
#define PIAO_SERVICES_HR_HR_SERVICE_H_

#include "libs/eventstore/event_store.h"
#include "libs/eventstore/command.h"
#include "services/hr/hr_aggregate.h"
#include "libs/service/auth.h"
#include "piao/v1/hr.grpc.pb.h"

namespace piao::hr {

// Every HrCapacity method: roles hr and admin (reads go through the projection's HrViews, open to oiv).
void AllowHr(service::RolePolicy& policy);

class HrCapacityService final : public v1::HrCapacity::Service {
 public:
  HrCapacityService(eventstore::EventStore* store, const service::Authorizer* authorizer)
      : store_(store), authorizer_(authorizer) {}

  grpc::Status AdoptEstablishment(grpc::ServerContext* ctx, const v1::AdoptEstablishmentRequest* r,
                                  v1::HrCommandResponse* out) override;
  grpc::Status RecordStaff(grpc::ServerContext* ctx, const v1::RecordStaffRequest* r,
                           v1::HrCommandResponse* out) override;
  grpc::Status RecordLeaves(grpc::ServerContext* ctx, const v1::RecordLeavesRequest* r,
                            v1::HrCommandResponse* out) override;
  grpc::Status OpenSelections(grpc::ServerContext* ctx, const v1::OpenSelectionsRequest* r,
                              v1::HrCommandResponse* out) override;
  grpc::Status RecordHiringRemainders(grpc::ServerContext* ctx, const v1::RecordHiringRemaindersRequest* r,
                                      v1::HrCommandResponse* out) override;
  grpc::Status RecordProtectedQuota(grpc::ServerContext* ctx, const v1::RecordProtectedQuotaRequest* r,
                                    v1::HrCommandResponse* out) override;
  grpc::Status PlanHires(grpc::ServerContext* ctx, const v1::PlanHiresRequest* r, v1::HrCommandResponse* out) override;
  grpc::Status AssessRemotability(grpc::ServerContext* ctx, const v1::AssessRemotabilityRequest* r,
                                  v1::HrCommandResponse* out) override;
  grpc::Status SignAgileAgreements(grpc::ServerContext* ctx, const v1::SignAgileAgreementsRequest* r,
                                   v1::HrCommandResponse* out) override;
  grpc::Status SetYearSettings(grpc::ServerContext* ctx, const v1::SetYearSettingsRequest* r,
                               v1::HrCommandResponse* out) override;

 private:
  template <typename Request>
  grpc::Status Run(grpc::ServerContext* ctx, const char* method, const Request& request, v1::HrCommandResponse* out);

  eventstore::EventStore* store_;
  const service::Authorizer* authorizer_;
  eventstore::StateCache<HrState> books_{64};  // folded books per administration (libs/eventstore/state_cache.h)
  eventstore::StreamFold<HrState> fold_{FoldHrInto, &books_};
};

}  // namespace piao::hr

#endif  // PIAO_SERVICES_HR_HR_SERVICE_H_
