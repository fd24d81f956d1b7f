#include "libs/service/event_log_client.h"

#include "absl/strings/str_cat.h"
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

std::function<absl::StatusOr<std::vector<v1::EventEnvelope>>(const std::string&, GlobalPosition, GlobalPosition)>
RemoteGapFiller(std::map<std::string, EventLogEndpoint> endpoints) {
  return [endpoints = std::move(endpoints)](const std::string& source, GlobalPosition from,
                                            GlobalPosition to) -> absl::StatusOr<std::vector<v1::EventEnvelope>> {
    auto it = endpoints.find(source);
    if (it == endpoints.end()) return absl::UnavailableError(absl::StrCat("no event log endpoint for source ", source));
    return ReadEventRange(it->second, from, to);
  };
}

}  // namespace piao::service
