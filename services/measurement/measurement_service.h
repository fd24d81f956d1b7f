// piao.v1.Measurement over the measurement event store: authorise, decide (pure, actual_aggregate.h), append.
#ifndef PIAO_SERVICES_MEASUREMENT_MEASUREMENT_SERVICE_H_
#define PIAO_SERVICES_MEASUREMENT_MEASUREMENT_SERVICE_H_

#include "libs/eventstore/event_store.h"
#include "libs/eventstore/command.h"
#include "libs/service/auth.h"
#include "piao/v1/measurement.grpc.pb.h"
#include "services/measurement/actual_aggregate.h"

namespace piao::measurement {

// The roles of every Measurement method: RecordActual measurer, feed, admin; CorrectActual measurer, admin.
void AllowMeasurement(service::RolePolicy& policy);

class MeasurementService final : public v1::Measurement::Service {
 public:
  MeasurementService(eventstore::EventStore* store, const service::Authorizer* authorizer)
      : store_(store), authorizer_(authorizer) {}

  grpc::Status RecordActual(grpc::ServerContext* ctx, const v1::RecordActualRequest* request,
                            v1::RecordActualResponse* response) override;
  grpc::Status CorrectActual(grpc::ServerContext* ctx, const v1::CorrectActualRequest* request,
                             v1::RecordActualResponse* response) override;

 private:
  eventstore::EventStore* store_;
  const service::Authorizer* authorizer_;
  eventstore::StateCache<ActualsState> actuals_;  // folded actuals per plan year (libs/eventstore/state_cache.h)
};

}  // namespace piao::measurement

#endif  // PIAO_SERVICES_MEASUREMENT_MEASUREMENT_SERVICE_H_
