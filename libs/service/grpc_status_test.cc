#include "libs/service/grpc_status.h"

#include <string>

#include "gtest/gtest.h"

namespace piao::service {
namespace {

TEST(GrpcStatusTest, EveryCanonicalCodeMapsBothWaysWithItsMessage) {
  for (int code = 1; code <= 16; ++code) {
    absl::Status a(static_cast<absl::StatusCode>(code), "msg " + std::to_string(code));
    grpc::Status g = ToGrpcStatus(a);
    EXPECT_EQ(static_cast<int>(g.error_code()), code);
    EXPECT_EQ(g.error_message(), "msg " + std::to_string(code));
    EXPECT_EQ(FromGrpcStatus(g), a);
  }
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
  EXPECT_EQ(ToGrpcStatus(absl::AbortedError("version conflict")).error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down")), absl::UnavailableError("down"));
}

grpc::Status HandlerUsingMacros(absl::StatusOr<int> input, int* out) {
  PIAO_GRPC_ASSIGN_OR_RETURN(int v, input);
  PIAO_GRPC_RETURN_IF_ERROR(v < 0 ? absl::InvalidArgumentError("negative") : absl::OkStatus());
  *out = v;
  return grpc::Status::OK;
}

TEST(GrpcStatusTest, HandlerMacrosReturnConvertedStatus) {
  int out = 0;
  EXPECT_TRUE(HandlerUsingMacros(7, &out).ok());
  EXPECT_EQ(out, 7);
  grpc::Status s = HandlerUsingMacros(absl::NotFoundError("nope"), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "nope");
  EXPECT_EQ(HandlerUsingMacros(-1, &out).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace piao::service
