#include "libs/scoring/grade.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace piao::scoring {
namespace {

using ::testing::HasSubstr;
using plan::CompareOp;
using plan::ComparisonTarget;
using plan::Date;
using plan::DeadlineTarget;
using plan::Quantity;
using plan::Target;
using plan::Threshold;
using plan::Value;

Target Cmp(CompareOp op, double v, std::string unit = "%") { return ComparisonTarget{op, {v, std::move(unit)}}; }
std::optional<Threshold> Soglia(double v, std::string unit = "%") { return Threshold{Quantity{v, std::move(unit)}}; }
std::optional<Threshold> SogliaDate(Date d) { return Threshold{d}; }
std::optional<Value> Num(double v, std::string unit = "%") { return Value(Quantity{v, std::move(unit)}); }
std::optional<Value> Day(Date d) { return Value(d); }

struct GradeCase {
  std::string rule;
  Target target;
  std::optional<Threshold> threshold;
  std::optional<Value> actual;
  std::optional<double> grade;  // expected
  GradeBasis basis;
  double tolerance = 1e-9;
};

class GradeRuleTest : public ::testing::TestWithParam<GradeCase> {};

TEST_P(GradeRuleTest, Grades) {
  const GradeCase& c = GetParam();
  auto g = GradeIndicator(c.target, c.threshold, c.actual);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->basis, c.basis) << GradeBasisName(g->basis);
  ASSERT_EQ(g->pct.has_value(), c.grade.has_value());
  if (c.grade.has_value()) {
    EXPECT_NEAR(*g->pct, *c.grade, c.tolerance);
  }
}

const Date kDeadline(2022, 5, 31);
const Date kDateSoglia(2022, 7, 31);  // 61 days after the deadline

INSTANTIATE_TEST_SUITE_P(
    DomainRules, GradeRuleTest,
    ::testing::Values(
        // Target met -> 100, however far beyond (EC05.1: 110.58 against >= 105).
        GradeCase{"ge met far beyond", Cmp(CompareOp::kGe, 105), std::nullopt, Num(110.58), 100, GradeBasis::kMet},
        GradeCase{"ge met exactly", Cmp(CompareOp::kGe, 105), Soglia(95), Num(105), 100, GradeBasis::kMet},
        // Missed without threshold -> 0 (EC07: 7.75 against >= 13).
        GradeCase{"ge missed no threshold", Cmp(CompareOp::kGe, 13), std::nullopt, Num(7.75), 0, GradeBasis::kMissed},
        // Linear between threshold (0%) and target (100%).
        GradeCase{"ge linear B3.1_02", Cmp(CompareOp::kGe, 75), Soglia(65), Num(71.21), 62.1, GradeBasis::kLinear},
        GradeCase{"ge linear kpi6.1.1_03", Cmp(CompareOp::kGe, 100), Soglia(60), Num(93.77), 84.425,
                  GradeBasis::kLinear},
        GradeCase{"ge linear just above threshold", Cmp(CompareOp::kGe, 100), Soglia(80), Num(80.02), 0.1,
                  GradeBasis::kLinear},
        GradeCase{"ge negative values EC27", Cmp(CompareOp::kGe, -7), Soglia(-8), Num(-7.6), 40,
                  GradeBasis::kLinear},
        GradeCase{"ge at threshold", Cmp(CompareOp::kGe, 100), Soglia(80), Num(80), 0, GradeBasis::kBeyondThreshold},
        GradeCase{"ge below threshold", Cmp(CompareOp::kGe, 100), Soglia(80), Num(12), 0,
                  GradeBasis::kBeyondThreshold},
        GradeCase{"gt met", Cmp(CompareOp::kGt, 10, "N."), std::nullopt, Num(11, "N."), 100, GradeBasis::kMet},
        GradeCase{"gt equal is not met", Cmp(CompareOp::kGt, 10, "N."), std::nullopt, Num(10, "N."), 0,
                  GradeBasis::kMissed},
        // Mirror for <= (assenteismo 6.17 against <= 8: met).
        GradeCase{"le met", Cmp(CompareOp::kLe, 8), Soglia(10), Num(6.17), 100, GradeBasis::kMet},
        GradeCase{"le met exactly", Cmp(CompareOp::kLe, 8), Soglia(10), Num(8), 100, GradeBasis::kMet},
        GradeCase{"le linear", Cmp(CompareOp::kLe, 8), Soglia(10), Num(9.5), 25, GradeBasis::kLinear},
        GradeCase{"le at threshold", Cmp(CompareOp::kLe, 8), Soglia(10), Num(10), 0, GradeBasis::kBeyondThreshold},
        GradeCase{"le beyond threshold", Cmp(CompareOp::kLe, 8), Soglia(10), Num(30), 0,
                  GradeBasis::kBeyondThreshold},
        GradeCase{"le missed no threshold", Cmp(CompareOp::kLe, 8), std::nullopt, Num(8.01), 0, GradeBasis::kMissed},
        GradeCase{"lt equal is not met", Cmp(CompareOp::kLt, 8), std::nullopt, Num(8), 0, GradeBasis::kMissed},
        GradeCase{"lt met", Cmp(CompareOp::kLt, 8), std::nullopt, Num(7.99), 100, GradeBasis::kMet},
        // = is met only on equality.
        GradeCase{"eq met", Cmp(CompareOp::kEq, 1, "N."), std::nullopt, Num(1, "N."), 100, GradeBasis::kMet},
        GradeCase{"eq above is missed", Cmp(CompareOp::kEq, 1, "N."), std::nullopt, Num(2, "N."), 0,
                  GradeBasis::kMissed},
        GradeCase{"eq below is missed", Cmp(CompareOp::kEq, 100), std::nullopt, Num(99.99), 0, GradeBasis::kMissed},
        GradeCase{"eq with threshold, on its side", Cmp(CompareOp::kEq, 1, "N."), Soglia(0, "N."), Num(0.5, "N."), 50,
                  GradeBasis::kLinear},
        GradeCase{"eq with threshold, at it", Cmp(CompareOp::kEq, 1, "N."), Soglia(0, "N."), Num(0, "N."), 0,
                  GradeBasis::kBeyondThreshold},
        GradeCase{"eq with threshold, other side", Cmp(CompareOp::kEq, 1, "N."), Soglia(0, "N."), Num(2, "N."), 0,
                  GradeBasis::kMissed},
        // Deadlines: on or before -> 100, later -> 0, or linear in days with a date threshold.
        GradeCase{"deadline early", DeadlineTarget{Date(2022, 12, 31)}, std::nullopt, Day(Date(2022, 2, 21)), 100,
                  GradeBasis::kMet},
        GradeCase{"deadline on the day", DeadlineTarget{kDeadline}, SogliaDate(kDateSoglia), Day(kDeadline), 100,
                  GradeBasis::kMet},
        GradeCase{"deadline late no threshold", DeadlineTarget{kDeadline}, std::nullopt, Day(Date(2022, 6, 1)), 0,
                  GradeBasis::kMissed},
        GradeCase{"deadline late, date threshold", DeadlineTarget{kDeadline}, SogliaDate(kDateSoglia),
                  Day(Date(2022, 6, 30)), 100.0 * 31 / 61, GradeBasis::kLinear},
        GradeCase{"deadline a day late", DeadlineTarget{kDeadline}, SogliaDate(kDateSoglia), Day(Date(2022, 6, 1)),
                  100.0 * 60 / 61, GradeBasis::kLinear},
        GradeCase{"deadline at date threshold", DeadlineTarget{kDeadline}, SogliaDate(kDateSoglia),
                  Day(kDateSoglia), 0, GradeBasis::kBeyondThreshold},
        GradeCase{"deadline beyond date threshold", DeadlineTarget{kDeadline}, SogliaDate(kDateSoglia),
                  Day(Date(2022, 12, 1)), 0, GradeBasis::kBeyondThreshold},
        // No actual at year end -> 0 (at full weight: see ScorePlan), whatever the target.
        GradeCase{"no actual, comparison", Cmp(CompareOp::kGe, 80), Soglia(60), std::nullopt, 0,
                  GradeBasis::kNoActual},
        GradeCase{"no actual, deadline", DeadlineTarget{kDeadline}, std::nullopt, std::nullopt, 0,
                  GradeBasis::kNoActual},
        GradeCase{"no actual, text", plan::Text{"Nei termini di legge"}, std::nullopt, std::nullopt, 0,
                  GradeBasis::kNoActual},
        // Text targets: no rule grades them.
        GradeCase{"text target", plan::Text{"Nei termini di legge"}, std::nullopt, Value(plan::Text{"rispettati"}),
                  std::nullopt, GradeBasis::kUnscorable}),
    [](const ::testing::TestParamInfo<GradeCase>& info) {
      std::string name = std::to_string(info.index) + "_";
      for (char ch : info.param.rule) name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
      return name;
    });

TEST(GradeIndicatorTest, RejectsInputsThatDoNotFit) {
  struct Case {
    Target target;
    std::optional<Threshold> threshold;
    std::optional<Value> actual;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {Cmp(CompareOp::kGe, 10), std::nullopt, Day(Date(2022, 12, 1)),
       "target >= 10 %: the actual 2022-12-01 must be a number"},
      {DeadlineTarget{kDeadline}, std::nullopt, Num(3, "gg"), "target by 2022-05-31: the actual 3 gg must be a delivery date"},
      {Cmp(CompareOp::kGe, 10), std::nullopt, Num(12, "N."), "the actual's unit 'N.' differs from the target's"},
      {Cmp(CompareOp::kGe, 10), Soglia(12), Num(11), "the threshold must lie below the target"},
      {Cmp(CompareOp::kLe, 10), Soglia(8), Num(11), "the threshold must lie above the target"},
      {Cmp(CompareOp::kGe, 10), Soglia(5, "N."), Num(7), "the threshold's unit 'N.' differs"},
      {Cmp(CompareOp::kGe, 10), SogliaDate(kDeadline), Num(7), "the threshold must be a value"},
      {DeadlineTarget{kDeadline}, Soglia(5), Day(Date(2022, 6, 2)), "a deadline's threshold must be a date"},
      {DeadlineTarget{kDeadline}, SogliaDate(Date(2022, 5, 1)), Day(Date(2022, 6, 2)),
       "the date threshold must lie after the deadline"},
  };
  for (const Case& c : cases) {
    auto g = GradeIndicator(c.target, c.threshold, c.actual);
    ASSERT_FALSE(g.ok()) << c.expected;
    EXPECT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(g.status().message()), HasSubstr(c.expected));
  }
}

}  // namespace
}  // namespace piao::scoring
