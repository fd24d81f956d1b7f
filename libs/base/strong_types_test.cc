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

namespace piao {
namespace {

TEST(AdministrationYear, ParsesTheOneIdShapeAndRefusesOthers) {
  absl::StatusOr<AdministrationYear> ok = ParseAdministrationYear("CCIAA-TO/2022");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->administration, "CCIAA-TO");
  EXPECT_EQ(ok->year, 2022);
  for (const char* bad : {"CCIAA-TO", "/2022", "CCIAA-TO/22", "CCIAA-TO/2022x", "CCIAA-TO/", "CCIAA-TO/20222"}) {
    absl::StatusOr<AdministrationYear> r = ParseAdministrationYear(bad);
    EXPECT_TRUE(absl::IsInvalidArgument(r.status())) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find(bad), std::string::npos) << r.status();
    }
  }
}

}  // namespace
}  // namespace piao
