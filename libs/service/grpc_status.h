// absl::Status <-> grpc::Status. The canonical codes are the same numbers in both libraries, so the code maps
// 1:1 and the message is kept; a code outside the canonical range becomes UNKNOWN.
//
// In a handler:
//   grpc::Status Foo(grpc::ServerContext* ctx, const Req* req, Resp* resp) override {
//     PIAO_GRPC_ASSIGN_OR_RETURN(v1::Principal who, auth_->Authorize(ctx, kFooMethod));
//     PIAO_GRPC_RETURN_IF_ERROR(DoSomething(who));
//     return grpc::Status::OK;
//   }
#ifndef PIAO_LIBS_SERVICE_GRPC_STATUS_H_
#define PIAO_LIBS_SERVICE_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "libs/base/status_macros.h"

namespace piao::service {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace piao::service

// Returns `expr` (an absl::Status) converted to grpc::Status from the enclosing handler if it is not OK.
#define PIAO_GRPC_RETURN_IF_ERROR(expr)                                            \
  do {                                                                             \
    ::absl::Status piao_grpc_status_ = (expr);                                     \
    if (!piao_grpc_status_.ok()) return ::piao::service::ToGrpcStatus(piao_grpc_status_); \
  } while (0)

// `lhs = value of expr` (an absl::StatusOr), or returns its status as grpc::Status from the enclosing handler.
#define PIAO_GRPC_ASSIGN_OR_RETURN(lhs, expr) \
  PIAO_GRPC_ASSIGN_OR_RETURN_IMPL_(PIAO_STATUS_CONCAT_(piao_grpc_statusor_, __LINE__), lhs, expr)

#define PIAO_GRPC_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)                    \
  auto tmp = (expr);                                                        \
  if (!tmp.ok()) return ::piao::service::ToGrpcStatus(tmp.status());        \
  lhs = std::move(tmp).value()

#endif  // PIAO_LIBS_SERVICE_GRPC_STATUS_H_
