#include "libs/scoring/pay_link.h"

#include <limits>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace piao::scoring {
namespace {

using ::testing::HasSubstr;

struct Case {
  double score;
  double top_up;   // share of the additional resources integrated (70 / 90 band)
  double release;  // share of the accessory resources distributed (50 / 85 band)
};

TEST(PayLinkTest, BandsOfThePiao2022) {
  const std::vector<Case> cases = {
      {0, 0, 0},          {49.99, 0, 0},          {50, 0, 50},       {69.99, 0, 69.99},
      {70, 70, 70},       {80, 80, 80},           {84.99, 84.99, 84.99}, {85, 85, 100},
      {89.99, 89.99, 100}, {90, 100, 100},        {90.91, 100, 100},  // Torino 2022's enterprise score
      {100, 100, 100},
  };
  for (const Case& c : cases) {
    auto top_up = AccessoryTopUpPct(c.score);
    auto release = ResourceReleasePct(c.score);
    ASSERT_TRUE(top_up.ok() && release.ok()) << c.score;
    EXPECT_DOUBLE_EQ(*top_up, c.top_up) << c.score;
    EXPECT_DOUBLE_EQ(*release, c.release) << c.score;
  }
}

TEST(PayLinkTest, ConfigurableBand) {
  const PayLinkBand band{60, 80};
  EXPECT_DOUBLE_EQ(*PayLinkPct(59.9, band), 0);
  EXPECT_DOUBLE_EQ(*PayLinkPct(75, band), 75);
  EXPECT_DOUBLE_EQ(*PayLinkPct(80, band), 100);
  EXPECT_DOUBLE_EQ(*AccessoryTopUpPct(65, band), 65);
}

TEST(PayLinkTest, RejectsBadInput) {
  EXPECT_THAT(std::string(PayLinkPct(101, kAccessoryTopUpBand).status().message()),
              HasSubstr("enterprise score 101 must lie within 0..100"));
  EXPECT_EQ(PayLinkPct(-1, kAccessoryTopUpBand).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PayLinkPct(std::numeric_limits<double>::quiet_NaN(), kAccessoryTopUpBand).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(PayLinkPct(80, PayLinkBand{90, 70}).status().message()),
              HasSubstr("must satisfy 0 <= zero_below <= full_from <= 100"));
  EXPECT_EQ(PayLinkPct(80, PayLinkBand{50, 120}).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace piao::scoring
