// piao.v1.Feeds over the measurement event store: authorise, decide (pure, feed_aggregate.h), append.
#ifndef PIAO_SERVICES_MEASUREMENT_FEEDS_SERVICE_H_
#define PIAO_SERVICES_MEASUREMENT_FEEDS_SERVICE_H_

#include "libs/eventstore/event_store.h"
#include "libs/service/auth.h"
#include "piao/v1/feeds.grpc.pb.h"

namespace piao::measurement {

// SubmitBatch feed, admin; ComputeActuals feed, measurer, admin; GetVariables every role.
void AllowFeeds(service::RolePolicy& policy);

class FeedsService final : public v1::Feeds::Service {
 public:
  FeedsService(eventstore::EventStore* store, const service::Authorizer* authorizer)
      : store_(store), authorizer_(authorizer) {}

  grpc::Status SubmitBatch(grpc::ServerContext* ctx, const v1::SubmitBatchRequest* request,
                           v1::SubmitBatchResponse* response) override;
  grpc::Status ComputeActuals(grpc::ServerContext* ctx, const v1::ComputeActualsRequest* request,
                              v1::ComputeActualsResponse* response) override;
  grpc::Status GetVariables(grpc::ServerContext* ctx, const v1::GetVariablesRequest* request,
                            v1::GetVariablesResponse* response) override;

 private:
  eventstore::EventStore* store_;
  const service::Authorizer* authorizer_;
};

}  // namespace piao::measurement

#endif  // PIAO_SERVICES_MEASUREMENT_FEEDS_SERVICE_H_
