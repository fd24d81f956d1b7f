// piao.v1.OivActs over the planning event store: authorise, read what the act refers to (the year's plan and its
// deviations, same store), decide (pure, oiv_aggregate.h), append through the one command path.
#ifndef PIAO_SERVICES_PLANNING_OIV_SERVICE_H_
#define PIAO_SERVICES_PLANNING_OIV_SERVICE_H_

#include "libs/base/clock.h"
#include "libs/eventstore/event_store.h"
#include "libs/service/auth.h"
#include "piao/v1/oiv.grpc.pb.h"
#include "services/planning/oiv_aggregate.h"

namespace piao::planning {

// The roles of every OivActs method: the OIV's acts oiv only (not admin: an administrator who is also the
// OIV's operator holds both roles); RecordDeviation planner and admin.
void AllowOivActs(service::RolePolicy& policy);

class OivActsService final : public v1::OivActs::Service {
 public:
  OivActsService(eventstore::EventStore* store, const service::Authorizer* authorizer, Clock* clock = Clock::Real())
      : store_(store), authorizer_(authorizer), clock_(clock) {}

  grpc::Status ValidateRelazione(grpc::ServerContext* ctx, const v1::ValidateRelazioneRequest* request,
                                 v1::OivCommandResponse* response) override;
  grpc::Status SubmitMonitoringReport(grpc::ServerContext* ctx, const v1::SubmitMonitoringReportRequest* request,
                                      v1::OivCommandResponse* response) override;
  grpc::Status AttestTransparency(grpc::ServerContext* ctx, const v1::AttestTransparencyRequest* request,
                                  v1::OivCommandResponse* response) override;
  grpc::Status ProposeSgEvaluation(grpc::ServerContext* ctx, const v1::ProposeSgEvaluationRequest* request,
                                   v1::OivCommandResponse* response) override;
  grpc::Status RecordDeviation(grpc::ServerContext* ctx, const v1::RecordDeviationRequest* request,
                               v1::OivCommandResponse* response) override;

 private:
  eventstore::EventStore* store_;
  const service::Authorizer* authorizer_;
  Clock* clock_;
};

}  // namespace piao::planning

#endif  // PIAO_SERVICES_PLANNING_OIV_SERVICE_H_
