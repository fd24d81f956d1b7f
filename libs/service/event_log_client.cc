#include "libs/service/event_log_client.h"

#include "absl/strings/str_cat.h"
#include "libs/base/status_macros.h"
#include "libs/service/client.h"
#include "libs/service/grpc_status.h"
#include "piao/v1/event_log.grpc.pb.h"

namespace piao::service {

absl::StatusOr<std::vector<v1::EventEnvelope>> ReadEventRange(const EventLogEndpoint& endpoint, GlobalPosition from,
                                                              GlobalPosition to) {
  std::vector<v1::EventEnvelope> out;
  if (to < from) return out;
  auto stub = v1::EventLog::NewStub(endpoint.channel);
  grpc::ClientContext ctx;
  PrepareContext(&ctx, endpoint.token, endpoint.timeout);
  v1::ReadEventsRequest req;
  req.set_from_global_position(from.value());
  req.set_max_events(to.value() - from.value() + 1);
  std::unique_ptr<grpc::ClientReader<v1::EventEnvelope>> reader = stub->ReadEvents(&ctx, req);
  v1::EventEnvelope e;
  while (reader->Read(&e)) out.push_back(e);
  grpc::Status s = reader->Finish();
  if (!s.ok()) return FromGrpcStatus(s);
  return out;
}

absl::StatusOr<v1::GetHeadResponse> GetHead(const EventLogEndpoint& endpoint) {
  auto stub = v1::EventLog::NewStub(endpoint.channel);
  grpc::ClientContext ctx;
  PrepareContext(&ctx, endpoint.token, endpoint.timeout);
  v1::GetHeadResponse resp;
  grpc::Status s = stub->GetHead(&ctx, v1::GetHeadRequest(), &resp);
  if (!s.ok()) return FromGrpcStatus(s);
  return resp;
}

absl::StatusOr<v1::VerifyChainResponse> VerifyChain(const EventLogEndpoint& endpoint,
                                                    const v1::VerifyChainRequest& request) {
  auto stub = v1::EventLog::NewStub(endpoint.channel);
  grpc::ClientContext ctx;
  PrepareContext(&ctx, endpoint.token, endpoint.timeout);
  v1::VerifyChainResponse resp;
  grpc::Status s = stub->VerifyChain(&ctx, request, &resp);
  if (!s.ok()) return FromGrpcStatus(s);
  return resp;
}

absl::StatusOr<v1::ReadPartitionsResponse> ReadPartitions(const EventLogEndpoint& endpoint,
                                                          const v1::ReadPartitionsRequest& request) {
  auto stub = v1::EventLog::NewStub(endpoint.channel);
  grpc::ClientContext ctx;
  PrepareContext(&ctx, endpoint.token, endpoint.timeout);
  v1::ReadPartitionsResponse resp;
  grpc::Status s = stub->ReadPartitions(&ctx, request, &resp);
  if (!s.ok()) return FromGrpcStatus(s);
  return resp;
}

absl::StatusOr<std::vector<v1::EventEnvelope>> ReadStreamPage(const EventLogEndpoint& endpoint,
                                                              const v1::ReadStreamRequest& request) {
  auto stub = v1::EventLog::NewStub(endpoint.channel);
  grpc::ClientContext ctx;
  PrepareContext(&ctx, endpoint.token, endpoint.timeout);
  v1::ReadStreamResponse resp;
  grpc::Status s = stub->ReadStream(&ctx, request, &resp);
  if (!s.ok()) return FromGrpcStatus(s);
  return std::vector<v1::EventEnvelope>(std::make_move_iterator(resp.mutable_events()->begin()),
                                        std::make_move_iterator(resp.mutable_events()->end()));
}

namespace {

class RemoteReader : public kafka::SourceReader {
 public:
  explicit RemoteReader(std::map<std::string, EventLogEndpoint> endpoints) : endpoints_(std::move(endpoints)) {}

  absl::StatusOr<Page> ReadPartitions(const ServiceName& source, const kafka::PartitionShare& partitions,
                                      GlobalPosition from, GlobalPosition to) override {
    PIAO_ASSIGN_OR_RETURN(const EventLogEndpoint* endpoint, Find(source));
    v1::ReadPartitionsRequest req;
    req.set_from_global_position(from.value());
    req.set_to_global_position(to.value());
    req.set_partition_count(partitions.count);
    for (int32_t p : partitions.owned) req.add_partitions(p);
    PIAO_ASSIGN_OR_RETURN(v1::ReadPartitionsResponse resp, service::ReadPartitions(*endpoint, req));
    Page page;
    page.scanned_to = GlobalPosition(resp.scanned_to());
    page.events.assign(std::make_move_iterator(resp.mutable_events()->begin()),
                       std::make_move_iterator(resp.mutable_events()->end()));
    return page;
  }

  absl::StatusOr<std::vector<v1::EventEnvelope>> ReadStream(const ServiceName& source, const v1::StreamRef& stream,
                                                            StreamVersion from) override {
    PIAO_ASSIGN_OR_RETURN(const EventLogEndpoint* endpoint, Find(source));
    v1::ReadStreamRequest req;
    *req.mutable_stream() = stream;
    req.set_from_stream_version(from.value());
    return ReadStreamPage(*endpoint, req);
  }

 private:
  absl::StatusOr<const EventLogEndpoint*> Find(const ServiceName& source) const {
    auto it = endpoints_.find(source.value());
    if (it == endpoints_.end()) {
      return absl::UnavailableError(absl::StrCat("no event log endpoint for source ", source.value()));
    }
    return &it->second;
  }
  std::map<std::string, EventLogEndpoint> endpoints_;
};

}  // namespace

std::shared_ptr<kafka::SourceReader> RemoteSourceReader(std::map<std::string, EventLogEndpoint> endpoints) {
  return std::make_shared<RemoteReader>(std::move(endpoints));
}

}  // namespace piao::service
