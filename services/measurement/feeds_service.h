// piao.v1.Feeds over the measurement event store: authorise, decide (pure, feed_aggregate.h), append.
#ifndef PIAO_SERVICES_MEASUREMENT_FEEDS_SERVICE_H_
#define PIAO_SERVICES_MEASUREMENT_FEEDS_SERVICE_H_

#include "libs/eventstore/event_store.h"
#include "libs/eventstore/command.h"
#include "services/measurement/feed_aggregate.h"
#include "libs/service/auth.h"
#include "piao/v1/feeds.grpc.pb.h"
#include "services/measurement/actuals_policy.h"

namespace piao::measurement {

// SubmitBatch feed, admin; ComputeActuals feed, measurer, admin; GetVariables every role.
void AllowFeeds(service::RolePolicy& policy);

class FeedsService final : public v1::Feeds::Service {
 public:
  // `policy` recomputes the years a batch touches and serves ComputeActuals without formulas; without one
  // (tools, tests of the batch path) formulas must be given.
  FeedsService(eventstore::EventStore* store, const service::Authorizer* authorizer, ActualsPolicy* policy = nullptr)
      : store_(store), authorizer_(authorizer), policy_(policy) {}

  grpc::Status SubmitBatch(grpc::ServerContext* ctx, const v1::SubmitBatchRequest* request,
                           v1::SubmitBatchResponse* response) override;
  grpc::Status ComputeActuals(grpc::ServerContext* ctx, const v1::ComputeActualsRequest* request,
                              v1::ComputeActualsResponse* response) override;
  grpc::Status GetVariables(grpc::ServerContext* ctx, const v1::GetVariablesRequest* request,
                            v1::GetVariablesResponse* response) override;

 private:
  eventstore::EventStore* store_;
  const service::Authorizer* authorizer_;
  ActualsPolicy* policy_;
  eventstore::StateCache<VariablesState> variables_{64};  // folded variables per administration (state_cache.h)
  eventstore::StreamFold<VariablesState> fold_{FoldVariablesInto, &variables_};
};

}  // namespace piao::measurement

#endif  // PIAO_SERVICES_MEASUREMENT_FEEDS_SERVICE_H_
