// Client side of piao.v1.EventLog: what consumers use to catch up from a service's store and to fill gaps
// Kafka leaves (the stores are the source of truth; Kafka is transport).
#ifndef PIAO_LIBS_SERVICE_EVENT_LOG_CLIENT_H_
#define PIAO_LIBS_SERVICE_EVENT_LOG_CLIENT_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/base/strong_types.h"
#include "libs/kafka/event_applier.h"
#include "piao/v1/event_log.pb.h"

namespace piao::service {

struct EventLogEndpoint {
  std::shared_ptr<grpc::Channel> channel;
  std::string token;
  absl::Duration timeout = absl::Seconds(30);
};

// Events from..to inclusive (fewer when `to` is beyond the head).
absl::StatusOr<std::vector<v1::EventEnvelope>> ReadEventRange(const EventLogEndpoint& endpoint, GlobalPosition from,
                                                              GlobalPosition to);
absl::StatusOr<v1::GetHeadResponse> GetHead(const EventLogEndpoint& endpoint);
// The service's chain check; with `anchor`, also that the anchored event is still there unchanged.
absl::StatusOr<v1::VerifyChainResponse> VerifyChain(const EventLogEndpoint& endpoint,
                                                    const v1::VerifyChainRequest& request = {});

// One page of the events of some partitions (EventLog.ReadPartitions) and of one stream (EventLog.ReadStream).
absl::StatusOr<v1::ReadPartitionsResponse> ReadPartitions(const EventLogEndpoint& endpoint,
                                                          const v1::ReadPartitionsRequest& request);
absl::StatusOr<std::vector<v1::EventEnvelope>> ReadStreamPage(const EventLogEndpoint& endpoint,
                                                              const v1::ReadStreamRequest& request);

// A kafka::SourceReader reading each source's EventLog over gRPC; UNAVAILABLE for a source it has no endpoint for.
std::shared_ptr<kafka::SourceReader> RemoteSourceReader(std::map<std::string, EventLogEndpoint> endpoints);

}  // namespace piao::service

#endif  // PIAO_LIBS_SERVICE_EVENT_LOG_CLIENT_H_
