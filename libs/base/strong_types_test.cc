#include "libs/base/strong_types.h"

#include <gtest/gtest.h>

#include <type_traits>

namespace piao {
namespace {

TEST(StrongTypes, DistinctTypesOrderedAndHashable) {
  static_assert(!std::is_convertible_v<StreamVersion, GlobalPosition>);
  static_assert(!std::is_convertible_v<uint64_t, GlobalPosition>);
  GlobalPosition a(3), b(4);
  EXPECT_LT(a, b);
  EXPECT_EQ(a.next(), b);
  StreamId s{"plan", "CCIAA-TO/2022"};
  EXPECT_EQ(s.Key(), "plan/CCIAA-TO/2022");
}

}  // namespace
}  // namespace piao
