#include "libs/scoring/derived.h"

#include <gtest/gtest.h>

namespace piao::scoring {
namespace {

TEST(BandOf, SameRoundingAsTheLabel) {
  // 94.996 prints "95.00 %" and is labelled Raggiunto: it is banded MET, not PARTLY.
  EXPECT_EQ(BandOf(94.996, false), Band::kMet);
  EXPECT_EQ(BandOf(94.994, false), Band::kPartly);
  EXPECT_EQ(BandOf(0.004, false), Band::kMissed);  // prints 0.00: "Non raggiunto"
  EXPECT_EQ(BandOf(0.005, false), Band::kPartly);
  EXPECT_EQ(BandOf(std::nullopt, false), Band::kNotScored);
  EXPECT_EQ(BandOf(0.0, true), Band::kNotMeasured);
}

TEST(DeviationOf, DifferenceInTheTargetsUnitOrDaysLate) {
  const plan::Target ge = plan::ComparisonTarget{plan::CompareOp::kGe, {105, "%"}};
  auto d = DeviationOf(ge, plan::Value(plan::Quantity{126.7, "%"}));
  ASSERT_TRUE(d.has_value() && d->difference.has_value());
  EXPECT_DOUBLE_EQ(d->difference->value, 21.7);
  EXPECT_EQ(d->difference->unit, "%");
  d = DeviationOf(ge, plan::Value(plan::Quantity{104.996, "%"}));
  ASSERT_TRUE(d.has_value());
  EXPECT_DOUBLE_EQ(d->difference->value, 0);
  EXPECT_FALSE(std::signbit(d->difference->value));  // never "-0.00"

  const plan::Target by = plan::DeadlineTarget{plan::Date(2022, 12, 31)};
  d = DeviationOf(by, plan::Value(plan::Date(2023, 1, 3)));
  ASSERT_TRUE(d.has_value() && d->days_late.has_value());
  EXPECT_EQ(*d->days_late, 3);
  d = DeviationOf(by, plan::Value(plan::Date(2022, 12, 1)));
  EXPECT_EQ(*d->days_late, -30);

  EXPECT_FALSE(DeviationOf(ge, std::nullopt).has_value());
  EXPECT_FALSE(DeviationOf(ge, plan::Value(plan::Date(2022, 1, 1))).has_value());
  EXPECT_FALSE(DeviationOf(plan::Target(plan::Text{"Nei termini di legge"}), plan::Value(plan::Text{"fatto"})).has_value());
}

// The deviations the Relazione sulla performance 2022 of the Camera di commercio di Torino prints (All. 1,
// OS01.1.1 and neighbours): target, actual, printed deviation.
TEST(DeviationOf, ReproducesThePrintedDeviations) {
  struct Case {
    plan::CompareOp op;
    double target, actual, printed;
  };
  for (const Case& c : {Case{plan::CompareOp::kGe, 105, 110.58, 5.58}, Case{plan::CompareOp::kGe, 13, 7.75, -5.25},
                        Case{plan::CompareOp::kLe, 8, 6.17, -1.83}, Case{plan::CompareOp::kGe, -7, -7.6, -0.6}}) {
    auto d = DeviationOf(plan::ComparisonTarget{c.op, {c.target, "%"}}, plan::Value(plan::Quantity{c.actual, "%"}));
    ASSERT_TRUE(d.has_value() && d->difference.has_value()) << c.target;
    EXPECT_NEAR(d->difference->value, c.printed, 1e-9) << c.target << " " << c.actual;
  }
  auto early = DeviationOf(plan::DeadlineTarget{plan::Date(2022, 12, 31)}, plan::Value(plan::Date(2022, 2, 21)));
  ASSERT_TRUE(early.has_value());
  EXPECT_EQ(*early->days_late, -313);  // "313 days early"
}

}  // namespace
}  // namespace piao::scoring
