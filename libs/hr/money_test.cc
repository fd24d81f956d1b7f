#include "libs/hr/money.h"

#include <cstdint>
#include <limits>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace piao::hr {
namespace {

using ::testing::HasSubstr;

TEST(MoneyTest, ParsesAndPrints) {
  struct Case {
    const char* in;
    int64_t cents;
    const char* decimal;
    const char* text;
  } cases[] = {
      {"9499919.94", 949991994, "9499919.94", "9,499,919.94 \xE2\x82\xAC"},
      {"-701.46", -70146, "-701.46", "-701.46 \xE2\x82\xAC"},
      {"750", 75000, "750.00", "750.00 \xE2\x82\xAC"},
      {"0.5", 50, "0.50", "0.50 \xE2\x82\xAC"},
      {"0", 0, "0.00", "0.00 \xE2\x82\xAC"},
      {"1149857.51", 114985751, "1149857.51", "1,149,857.51 \xE2\x82\xAC"},
      {"100", 10000, "100.00", "100.00 \xE2\x82\xAC"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Money> m = Money::Parse(c.in);
    ASSERT_TRUE(m.ok()) << c.in << ": " << m.status();
    EXPECT_EQ(m->cents(), c.cents) << c.in;
    EXPECT_EQ(m->ToDecimal(), c.decimal) << c.in;
    EXPECT_EQ(m->ToString(), c.text) << c.in;
  }
}

TEST(MoneyTest, RefusesWhatIsNotAnExactAmount) {
  for (const char* bad : {"", "1.234", "9.499.919,94", "1,000.00", "12a", ".", "1.", "--1", "1e3",
                          "99999999999999999999"}) {
    absl::StatusOr<Money> m = Money::Parse(bad);
    EXPECT_FALSE(m.ok()) << bad;
    if (!m.ok()) {
      EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    }
  }
}

TEST(MoneyTest, ProRatesHalfAwayFromZeroPerPerson) {
  const Money c = Money::Cents(2925655);  // category C, 29,256.55
  struct Case {
    int32_t bp;
    int64_t cents;
  } cases[] = {{10000, 2925655}, {9000, 2633090},  // 26,330.895 -> 26,330.90 (PIAO: 26.330,90)
               {8000, 2340524},                    // 23,405.24
               {7500, 2194241},                    // 21,942.4125 -> 21,942.41 (PIAO: 21.942,41)
               {5000, 1462828},                    // 14,628.275 -> 14,628.28
               {0, 0}};
  for (const Case& k : cases) {
    absl::StatusOr<Money> m = c.ProRated(k.bp);
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->cents(), k.cents) << k.bp;
  }
  EXPECT_EQ(Money::Cents(-5).ProRated(5000)->cents(), -3);  // -2.5 -> -3
  EXPECT_EQ(c.ProRated(10001).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(MoneyTest, CheckedArithmetic) {
  const Money max = Money::Cents(std::numeric_limits<int64_t>::max());
  EXPECT_EQ(max.Plus(Money::Cents(1)).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(Money::Cents(std::numeric_limits<int64_t>::min()).Minus(Money::Cents(1)).status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(max.Times(2).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(max.ProRated(9000).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(Money::Cents(2925655).Times(10)->cents(), 29256550);
  EXPECT_EQ(Money::Cents(949991994).Minus(Money::Cents(835006243))->cents(), 114985751);
}

TEST(MoneyTest, PartTimeShares) {
  EXPECT_EQ(*ParsePercentBp("90%"), 9000);
  EXPECT_EQ(*ParsePercentBp("75"), 7500);
  EXPECT_EQ(*ParsePercentBp("83.33 %"), 8333);
  EXPECT_EQ(*ParsePercentBp("100%"), 10000);
  for (const char* bad : {"0%", "101%", "-5", "abc", "", "50.555"}) {
    EXPECT_FALSE(ParsePercentBp(bad).ok()) << bad;
  }
  EXPECT_EQ(FormatBp(9000), "90%");
  EXPECT_EQ(FormatBp(8333), "83.33%");
  EXPECT_THAT(std::string(ParsePercentBp("120").status().message()), HasSubstr("at most 100"));
}

}  // namespace
}  // namespace piao::hr
