// piao.v1.RiskRegistry over the risk event store: authorise, decide (pure, risk_aggregate.h), append.
#ifndef PIAO_SERVICES_RISK_RISK_SERVICE_H_
#define PIAO_SERVICES_RISK_RISK_SERVICE_H_

#include "libs/eventstore/event_store.h"
#include "libs/eventstore/command.h"
#include "services/risk/risk_aggregate.h"
#include "libs/service/auth.h"
#include "piao/v1/risk.grpc.pb.h"

namespace piao::risk {

// The roles of every RiskRegistry method. Definitions (areas, schemes, methods, processes, measures, the
// monitoring plan): rpct, admin. RecordAssessment, RecordMonitoring, SubmitOwnerReport: rpct, admin and the
// roles a dirigente's token may carry (planner, measurer, hr, feed) — the aggregate then admits a non-officer
// only as the owner of the process (its principal id = the process's owner_principal). oiv and service never
// write.
void AllowRiskRegistry(service::RolePolicy& policy);

class RiskRegistryService final : public v1::RiskRegistry::Service {
 public:
  RiskRegistryService(eventstore::EventStore* store, const service::Authorizer* authorizer)
      : store_(store), authorizer_(authorizer) {}

  grpc::Status DefineAreas(grpc::ServerContext* ctx, const v1::DefineAreasRequest* request,
                           v1::RiskCommandResponse* response) override;
  grpc::Status DefineScheme(grpc::ServerContext* ctx, const v1::DefineSchemeRequest* request,
                            v1::RiskCommandResponse* response) override;
  grpc::Status DefineQualitativeMethod(grpc::ServerContext* ctx, const v1::DefineQualitativeMethodRequest* request,
                                       v1::RiskCommandResponse* response) override;
  grpc::Status DefineProcess(grpc::ServerContext* ctx, const v1::DefineProcessRequest* request,
                             v1::RiskCommandResponse* response) override;
  grpc::Status RecordAssessment(grpc::ServerContext* ctx, const v1::RecordAssessmentRequest* request,
                                v1::RiskCommandResponse* response) override;
  grpc::Status DefineMeasure(grpc::ServerContext* ctx, const v1::DefineMeasureRequest* request,
                             v1::RiskCommandResponse* response) override;
  grpc::Status PlanMonitoring(grpc::ServerContext* ctx, const v1::PlanMonitoringRequest* request,
                              v1::RiskCommandResponse* response) override;
  grpc::Status RecordMonitoring(grpc::ServerContext* ctx, const v1::RecordMonitoringRequest* request,
                                v1::RiskCommandResponse* response) override;
  grpc::Status ValidateRegister(grpc::ServerContext* ctx, const v1::ValidateRegisterRequest* request,
                                v1::ValidateRegisterResponse* response) override;
  grpc::Status SubmitOwnerReport(grpc::ServerContext* ctx, const v1::SubmitOwnerReportRequest* request,
                                 v1::RiskCommandResponse* response) override;

 private:
  eventstore::EventStore* store_;
  const service::Authorizer* authorizer_;
  eventstore::StateCache<RegisterState> registers_{64};  // folded registers per year (state_cache.h)
  eventstore::StreamFold<RegisterState> fold_{FoldStoredRegisterInto, &registers_};
};

}  // namespace piao::risk

#endif  // PIAO_SERVICES_RISK_RISK_SERVICE_H_
