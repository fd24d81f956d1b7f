// piao.v1.EventLog over a service's EventStore: the source of truth consumers catch up from.
//
// ReadEvents streams in pages of `page_size` events (the store is never loaded at once). With follow=true,
// once caught up it waits for new events (EventStore::WaitForAppend) and streams them, until the client
// cancels, the call's deadline passes, or StopFollowing() is called (the stream then ends UNAVAILABLE: the
// client should reconnect, from its last position + 1, to another instance or later).
//
// ReadPartitions answers one consumer's share (the administrations of some partitions) a page at a time, and
// ReadStream one stream's events by version: how a consumer of some partitions catches up and fills gaps.
//
// ReadEvents, ReadPartitions, ReadStream and VerifyChain answer with (or about) every administration's events: they require one of the roles
// service, oiv or admin and a token granted every administration (`*`). GetHead answers only the head's position
// and hash, which every query needs for read-your-writes: every role may call it, whatever its administrations
// (it reveals how many events the store holds in all, nothing of their content).
#ifndef PIAO_LIBS_SERVICE_EVENT_LOG_SERVICE_H_
#define PIAO_LIBS_SERVICE_EVENT_LOG_SERVICE_H_

#include <atomic>

#include "absl/time/time.h"
#include "libs/eventstore/event_store.h"
#include "libs/service/auth.h"
#include "piao/v1/event_log.grpc.pb.h"

namespace piao::service {

inline constexpr char kReadEventsMethod[] = "/piao.v1.EventLog/ReadEvents";
inline constexpr char kReadPartitionsMethod[] = "/piao.v1.EventLog/ReadPartitions";
inline constexpr char kReadStreamMethod[] = "/piao.v1.EventLog/ReadStream";
inline constexpr char kGetHeadMethod[] = "/piao.v1.EventLog/GetHead";
inline constexpr char kVerifyChainMethod[] = "/piao.v1.EventLog/VerifyChain";

// Allows the roles service, oiv and admin on the reads and VerifyChain, every role on GetHead.
void AllowEventLog(RolePolicy& policy);

struct EventLogOptions {
  size_t page_size = 256;                        // events read from the store per page
  absl::Duration follow_poll = absl::Milliseconds(200);  // longest wait between cancellation checks
};

class EventLogService final : public v1::EventLog::Service {
 public:
  // `store` and `authorizer` are not owned and must outlive the service.
  EventLogService(eventstore::EventStore* store, const Authorizer* authorizer, EventLogOptions options = {});

  grpc::Status ReadEvents(grpc::ServerContext* ctx, const v1::ReadEventsRequest* request,
                          grpc::ServerWriter<v1::EventEnvelope>* writer) override;
  grpc::Status ReadPartitions(grpc::ServerContext* ctx, const v1::ReadPartitionsRequest* request,
                              v1::ReadPartitionsResponse* response) override;
  grpc::Status ReadStream(grpc::ServerContext* ctx, const v1::ReadStreamRequest* request,
                          v1::ReadStreamResponse* response) override;
  grpc::Status GetHead(grpc::ServerContext* ctx, const v1::GetHeadRequest* request,
                       v1::GetHeadResponse* response) override;
  grpc::Status VerifyChain(grpc::ServerContext* ctx, const v1::VerifyChainRequest* request,
                           v1::VerifyChainResponse* response) override;

  // Ends every open follow stream (within `follow_poll`) and makes new ones end once caught up. A drain hook.
  void StopFollowing() { stopping_.store(true); }

 private:
  eventstore::EventStore* store_;
  const Authorizer* authorizer_;
  EventLogOptions options_;
  std::atomic<bool> stopping_{false};
};

}  // namespace piao::service

#endif  // PIAO_LIBS_SERVICE_EVENT_LOG_SERVICE_H_
