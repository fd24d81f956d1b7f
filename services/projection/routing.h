// Query routing between the members of a split projection (issue 13 §2). Members of one consumer group share
// the partition numbers; each serves the administrations of its own (kafka::PartitionShare). A query about an
// administration another member serves is forwarded to that member with the caller's own bearer token and
// deadline, so the owner checks the caller's rights and waits for the caller's read-your-writes positions
// itself: clients need one address, any member's.
//
// A forwarded call carries the metadata `piao-forwarded`; a member that receives one for an administration it
// does not serve (ownership moved meanwhile) answers UNAVAILABLE ("retry"), never forwards again.
#ifndef PIAO_SERVICES_PROJECTION_ROUTING_H_
#define PIAO_SERVICES_PROJECTION_ROUTING_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "libs/service/client.h"

namespace piao::projection {

inline constexpr char kForwardedHeader[] = "piao-forwarded";

class Router {
 public:
  // Whether this member serves `administration` now.
  using ServesFn = std::function<bool(const std::string& administration)>;
  // The address of the member serving `administration`; NOT_FOUND/UNAVAILABLE when none is known yet.
  using OwnerFn = std::function<absl::StatusOr<std::string>(const std::string& administration)>;

  // `tls` (without an address) is how members reach each other, as the projection reaches its sources.
  Router(ServesFn serves, OwnerFn owner_of, service::ChannelOptions tls);

  // nullopt: this member answers the query about `administration` itself ("" is always answered here: without
  // an administration there is nothing to route by). Otherwise the owner's answer to `method` (its full name)
  // in `response`, or why it could not be had (UNAVAILABLE while ownership moves).
  std::optional<grpc::Status> MaybeForward(const grpc::ServerContext& ctx, const std::string& method,
                                           const std::string& administration,
                                           const google::protobuf::Message& request,
                                           google::protobuf::Message* response);

 private:
  absl::StatusOr<std::shared_ptr<grpc::Channel>> ChannelTo(const std::string& address);

  const ServesFn serves_;
  const OwnerFn owner_of_;
  const service::ChannelOptions tls_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;
};

}  // namespace piao::projection

#endif  // PIAO_SERVICES_PROJECTION_ROUTING_H_
