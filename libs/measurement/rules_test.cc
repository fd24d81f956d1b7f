#include "libs/measurement/rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace piao::measurement {
namespace {

using ::testing::HasSubstr;

TEST(MeasurementRules, ValuesMustSaySomethingTheModelCanHold) {
  v1::MeasuredValue none;
  EXPECT_THAT(ValidateValue(none, "value").status().message(), HasSubstr("value: required"));
  v1::MeasuredValue blank;
  blank.set_text("  ");
  EXPECT_THAT(ValidateValue(blank, "value").status().message(), HasSubstr("value.text: must not be empty"));
  v1::MeasuredValue bad_date;
  bad_date.set_date("2022-02-30");
  EXPECT_EQ(ValidateValue(bad_date, "value").status().code(), absl::StatusCode::kInvalidArgument);
  v1::MeasuredValue pct;
  pct.mutable_quantity()->set_value(126.7);
  pct.mutable_quantity()->set_unit("%");
  ASSERT_TRUE(ValidateValue(pct, "value").ok());
  v1::MeasuredValue same = pct;
  EXPECT_TRUE(SameValue(pct, same));
  same.mutable_quantity()->set_unit("N.");
  EXPECT_FALSE(SameValue(pct, same));
}

TEST(MeasurementRules, PeriodsAndLags) {
  EXPECT_EQ(*PeriodDate("year-end", 2022), plan::Date(2022, 12, 31));
  EXPECT_EQ(*PeriodDate("2022-09-30", 2022), plan::Date(2022, 9, 30));
  EXPECT_THAT(PeriodDate("Q3", 2022).status().message(), HasSubstr("period: must be \"year-end\""));
  EXPECT_TRUE(IsYearPeriod("2021"));
  EXPECT_FALSE(IsYearPeriod("0921"));
  EXPECT_FALSE(IsYearPeriod("20x1"));
  EXPECT_EQ(PeriodBefore("2021", 1), "2020");
  EXPECT_EQ(PeriodBefore("2021", 0), "2021");
  EXPECT_EQ(PeriodBefore("2024-02-29", 1), "2023-02-28");
  EXPECT_EQ(PeriodBefore("2022-06-30", 1), "2021-06-30");
  EXPECT_EQ(PeriodBefore("semestre", 1), "");
}

TEST(MeasurementRules, VariableNamesAndChecksums) {
  EXPECT_TRUE(IsVariableName("patrimonio_netto"));
  EXPECT_TRUE(IsVariableName("_x.y2"));
  EXPECT_FALSE(IsVariableName("2x"));
  EXPECT_FALSE(IsVariableName("a-b"));
  EXPECT_FALSE(IsVariableName(""));
  EXPECT_TRUE(IsSha256Hex(std::string(64, 'a')));
  EXPECT_FALSE(IsSha256Hex(std::string(63, 'a')));
  EXPECT_FALSE(IsSha256Hex(std::string(64, 'g')));
}

}  // namespace
}  // namespace piao::measurement
