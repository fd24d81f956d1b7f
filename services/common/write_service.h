// What every write service's main() shares: flags, the event store, the outbox relay to Kafka, the
// EventLog service, authorization, and the host with its graceful shutdown order.
//
//   int main(int argc, char** argv) {
//     return piao::services::RunWriteService(argc, argv, "planning", [](piao::services::WriteServiceContext& c) {
//       auto svc = std::make_unique<PlanningService>(c.store, c.authorizer);
//       ... c.policy rules are added by the caller before the authorizer is built (see RoleRules) ...
//     });
//   }
#ifndef PIAO_SERVICES_COMMON_WRITE_SERVICE_H_
#define PIAO_SERVICES_COMMON_WRITE_SERVICE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "libs/base/clock.h"
#include "libs/base/config.h"
#include "libs/eventstore/event_store.h"
#include "libs/service/auth.h"

namespace piao::services {

// What a service's factory gets: the open store and the authorizer to check every call with.
struct WriteServiceContext {
  eventstore::EventStore* store;
  const service::Authorizer* authorizer;
  Clock* clock;
  const Config* config;             // the service's settings (its own, declared by WriteServiceSpec::flags)
  std::string data_dir;             // where the service keeps its state (the store is data_dir/events)
  // Registers what stops before the server drains (background work the service started).
  std::function<void(std::string name, std::function<void()> hook)> add_drain_hook;
};

struct WriteServiceSpec {
  std::string name;                                  // "planning": store's source, topic, log component
  std::function<void(service::RolePolicy&)> policy;  // the domain RPCs' roles (EventLog's are added)
  std::function<void(Config&)> flags;                // the service's own settings (optional)
  // Builds the domain gRPC services (owned by the runtime until shutdown); an error stops the start-up.
  std::function<absl::StatusOr<std::vector<std::unique_ptr<grpc::Service>>>(const WriteServiceContext&)>
      make_services;
  // Descriptors of the domain services, to check the policy covers every method at start-up.
  std::vector<const google::protobuf::ServiceDescriptor*> descriptors;
};

// Parses flags/env, opens <data-dir>/events, starts the relay (unless --relay=false), serves until SIGTERM,
// then drains, flushes the outbox (bounded) and closes the store. Returns the process exit code.
int RunWriteService(int argc, char** argv, const WriteServiceSpec& spec);

}  // namespace piao::services

#endif  // PIAO_SERVICES_COMMON_WRITE_SERVICE_H_
