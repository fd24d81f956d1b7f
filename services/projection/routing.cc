#include "services/projection/routing.h"

#include <grpcpp/impl/codegen/client_unary_call.h>
#include <grpcpp/impl/codegen/proto_utils.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/service/grpc_status.h"

namespace piao::projection {

Router::Router(ServesFn serves, OwnerFn owner_of, service::ChannelOptions tls)
    : serves_(std::move(serves)), owner_of_(std::move(owner_of)), tls_(std::move(tls)) {}

absl::StatusOr<std::shared_ptr<grpc::Channel>> Router::ChannelTo(const std::string& address) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = channels_.find(address);
  if (it != channels_.end()) return it->second;
  service::ChannelOptions o = tls_;
  o.address = address;
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = service::MakeChannel(o);
  if (!channel.ok()) return channel.status();
  channels_.emplace(address, *channel);
  return *channel;
}

std::optional<grpc::Status> Router::MaybeForward(const grpc::ServerContext& ctx, const std::string& method,
                                                 const std::string& administration,
                                                 const google::protobuf::Message& request,
                                                 google::protobuf::Message* response) {
  if (administration.empty() || serves_(administration)) return std::nullopt;
  const auto& metadata = ctx.client_metadata();
  if (metadata.find(kForwardedHeader) != metadata.end()) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        absl::StrCat("administration ", administration,
                                     " is moving between projection members; retry"));
  }
  absl::StatusOr<std::string> owner = owner_of_(administration);
  if (!owner.ok()) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        absl::StrCat("no projection member serves administration ", administration,
                                     " yet (", owner.status().message(), "); retry"));
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = ChannelTo(*owner);
  if (!channel.ok()) return service::ToGrpcStatus(channel.status());
  grpc::ClientContext forwarded;
  // The caller's deadline, never longer than a minute (a caller without a deadline still gets one).
  forwarded.set_deadline(std::min(ctx.deadline(), std::chrono::system_clock::now() + std::chrono::seconds(60)));
  for (const auto& [key, value] : metadata) {
    if (key == "authorization") forwarded.AddMetadata("authorization", std::string(value.data(), value.size()));
  }
  forwarded.AddMetadata(kForwardedHeader, "1");
  return grpc::internal::BlockingUnaryCall<google::protobuf::Message, google::protobuf::Message>(
      channel->get(), grpc::internal::RpcMethod(method.c_str(), grpc::internal::RpcMethod::NORMAL_RPC), &forwarded,
      request, response);
}

}  // namespace piao::projection
