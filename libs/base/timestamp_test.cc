#include "libs/base/timestamp.h"

#include <gtest/gtest.h>

namespace piao {
namespace {

TEST(Timestamp, RoundTripsBeforeAfterAndFarFrom1970) {
  for (absl::Time t : {absl::FromUnixNanos(1663059600123456789), absl::FromUnixSeconds(-1) + absl::Nanoseconds(5),
                       absl::FromCivil(absl::CivilSecond(1009, 3, 1, 0, 0, 0), absl::UTCTimeZone()) +
                           absl::Nanoseconds(7)}) {
    const google::protobuf::Timestamp ts = ToTimestamp(t);
    EXPECT_GE(ts.nanos(), 0);
    EXPECT_LT(ts.nanos(), 1000000000);
    EXPECT_EQ(FromTimestamp(ts), t) << t;
  }
  EXPECT_EQ(ToTimestamp(absl::FromUnixSeconds(-1) + absl::Nanoseconds(5)).seconds(), -1);  // floored
  EXPECT_FALSE(IsSet(google::protobuf::Timestamp()));
  EXPECT_TRUE(IsSet(ToTimestamp(absl::FromUnixNanos(1))));
}

}  // namespace
}  // namespace piao
