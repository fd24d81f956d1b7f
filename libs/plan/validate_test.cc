#include "libs/plan/validate.h"

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace piao::plan {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

Indicator Ind(std::string code, std::optional<double> weight, Target target = ComparisonTarget{CompareOp::kGe, {100, "%"}}) {
  Indicator i;
  i.code = std::move(code);
  i.weight_pct = weight;
  i.target = std::move(target);
  return i;
}

// A valid plan: one strategic objective, two operational objectives of one unit, one manager's objective.
Plan ValidPlan() {
  Plan p;
  p.year = 2022;
  Objective os;
  os.code = "OS1";
  os.level = Level::kStrategic;
  os.indicators = {Ind("k1", 60), Ind("k2", 40, DeadlineTarget{Date(2022, 12, 31)})};
  Objective op1;
  op1.code = "OP1";
  op1.level = Level::kOperational;
  op1.units = {"Area A"};
  op1.objective_weight_pct = 70;
  op1.indicators = {Ind("k1", std::nullopt)};
  Objective op2 = op1;
  op2.code = "OP2";
  op2.objective_weight_pct = 30;
  Objective mine = op1;  // the same code as a manager's own objective, with its own weight
  mine.level = Level::kIndividual;
  mine.units = {};
  mine.owner = "Segretario Generale";
  mine.objective_weight_pct = 100;
  p.objectives = {os, op1, op2, mine};
  return p;
}

// Each rule: a mutation of the valid plan and the one problem it must produce.
struct RuleCase {
  std::string rule;
  std::function<void(Plan&)> mutate;
  std::string expected;  // substring of the only problem; "" = the mutated plan is still valid
};

class ValidateRuleTest : public ::testing::TestWithParam<RuleCase> {};

TEST_P(ValidateRuleTest, ReportsTheRule) {
  const RuleCase& c = GetParam();
  Plan p = ValidPlan();
  c.mutate(p);
  const std::vector<std::string> problems = PlanProblems(p);
  if (c.expected.empty()) {
    EXPECT_THAT(problems, IsEmpty());
    EXPECT_TRUE(ValidatePlan(p).ok());
    return;
  }
  ASSERT_EQ(problems.size(), 1u) << ::testing::PrintToString(problems);
  EXPECT_THAT(problems[0], HasSubstr(c.expected));
  absl::Status s = ValidatePlan(p);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr(c.expected));
}

Indicator& K(Plan& p, size_t objective, size_t indicator) { return p.objectives[objective].indicators[indicator]; }

INSTANTIATE_TEST_SUITE_P(
    Rules, ValidateRuleTest,
    ::testing::Values(
        RuleCase{"valid", [](Plan&) {}, ""},
        // Indicator weights.
        RuleCase{"weights sum", [](Plan& p) { K(p, 0, 1).weight_pct = 30; },
                 "objective OS1: indicator weights sum to 90, must be 100 (±0.01"},
        RuleCase{"weights within tolerance", [](Plan& p) { K(p, 0, 1).weight_pct = 40.005; }, ""},
        RuleCase{"missing weight counts 0",
                 [](Plan& p) { p.objectives[0].indicators.push_back(Ind("k3", std::nullopt)); }, ""},
        RuleCase{"missing weight does not fill a gap",
                 [](Plan& p) {
                   K(p, 0, 1).weight_pct = 30;
                   p.objectives[0].indicators.push_back(Ind("k3", std::nullopt));
                 },
                 "objective OS1: indicator weights sum to 90"},
        RuleCase{"no weights at all: equal shares",
                 [](Plan& p) {
                   K(p, 0, 0).weight_pct = std::nullopt;
                   K(p, 0, 1).weight_pct = std::nullopt;
                 },
                 ""},
        RuleCase{"neutralised excluded",
                 [](Plan& p) {
                   Indicator n = Ind("k3", 0);
                   n.neutralised = true;
                   p.objectives[0].indicators.push_back(n);
                 },
                 ""},
        RuleCase{"suppressed excluded",
                 [](Plan& p) {
                   Indicator s = Ind("k3", 25);
                   s.suppressed = true;
                   p.objectives[0].indicators.push_back(s);
                 },
                 ""},
        RuleCase{"neutralised weighs 0",
                 [](Plan& p) {
                   K(p, 0, 1).neutralised = true;
                   K(p, 0, 0).weight_pct = 100;
                 },
                 "objective OS1, indicator k2: a neutralised indicator weighs 0, not 40"},
        // Unit and manager weights.
        RuleCase{"unit weights sum", [](Plan& p) { p.objectives[2].objective_weight_pct = 20; },
                 "unit Area A: operational objective weights sum to 90, must be 100 (±0.01)"},
        RuleCase{"unit without weights",
                 [](Plan& p) {
                   p.objectives[1].objective_weight_pct = std::nullopt;
                   p.objectives[2].objective_weight_pct = std::nullopt;
                 },
                 ""},
        RuleCase{"manager weights sum", [](Plan& p) { p.objectives[3].objective_weight_pct = 50; },
                 "owner Segretario Generale: individual objective weights sum to 50, must be 100"},
        RuleCase{"objective weight range", [](Plan& p) { p.objectives[0].objective_weight_pct = 101; },
                 "objective OS1: objective_weight_pct 101 must lie within 0..100"},
        // Thresholds.
        RuleCase{"threshold below >=", [](Plan& p) { K(p, 0, 0).threshold = Threshold{Quantity{80, "%"}}; }, ""},
        RuleCase{"threshold above >=", [](Plan& p) { K(p, 0, 0).threshold = Threshold{Quantity{110, "%"}}; },
                 "objective OS1, indicator k1: threshold 110 must lie below the target (>= 100 %)"},
        RuleCase{"threshold at >=", [](Plan& p) { K(p, 0, 0).threshold = Threshold{Quantity{100, "%"}}; },
                 "threshold 100 must lie below the target"},
        RuleCase{"threshold below <=",
                 [](Plan& p) {
                   K(p, 0, 0).target = ComparisonTarget{CompareOp::kLe, {8, "%"}};
                   K(p, 0, 0).threshold = Threshold{Quantity{5, "%"}};
                 },
                 "threshold 5 must lie above the target (<= 8 %)"},
        RuleCase{"threshold above <=",
                 [](Plan& p) {
                   K(p, 0, 0).target = ComparisonTarget{CompareOp::kLe, {8, "%"}};
                   K(p, 0, 0).threshold = Threshold{Quantity{10, "%"}};
                 },
                 ""},
        RuleCase{"threshold on =",
                 [](Plan& p) {
                   K(p, 0, 0).target = ComparisonTarget{CompareOp::kEq, {1, "N."}};
                   K(p, 0, 0).threshold = Threshold{Quantity{0, "N."}};
                 },
                 ""},
        RuleCase{"threshold unit", [](Plan& p) { K(p, 0, 0).threshold = Threshold{Quantity{80, "N."}}; },
                 "threshold unit 'N.' differs from the target unit '%'"},
        RuleCase{"date threshold after deadline",
                 [](Plan& p) { K(p, 0, 1).threshold = Threshold{Date(2023, 1, 31)}; }, ""},
        RuleCase{"date threshold before deadline",
                 [](Plan& p) { K(p, 0, 1).threshold = Threshold{Date(2022, 11, 30)}; },
                 "objective OS1, indicator k2: date threshold 2022-11-30 must lie after the deadline 2022-12-31"},
        RuleCase{"value threshold on deadline",
                 [](Plan& p) { K(p, 0, 1).threshold = Threshold{Quantity{3, "gg"}}; },
                 "threshold of a deadline target must be a date"},
        RuleCase{"date threshold on comparison",
                 [](Plan& p) { K(p, 0, 0).threshold = Threshold{Date(2022, 12, 31)}; },
                 "threshold of a >= target must be a value"},
        RuleCase{"text target threshold",
                 [](Plan& p) {
                   K(p, 0, 0).target = Text{"Nei termini di legge"};
                   K(p, 0, 0).threshold = Threshold{Quantity{1, ""}};
                 },
                 "a text target cannot have a threshold"},
        // Codes and identity.
        RuleCase{"empty objective code", [](Plan& p) { p.objectives[0].code = ""; },
                 "objective #1 (strategic): code must not be empty"},
        RuleCase{"empty indicator code", [](Plan& p) { K(p, 0, 1).code = ""; },
                 "objective OS1, indicator #2: code must not be empty"},
        RuleCase{"duplicate indicator code", [](Plan& p) { K(p, 0, 1).code = "k1"; },
                 "objective OS1, indicator k1: code appears twice (indicator codes are unique within their objective)"},
        RuleCase{"codes are case-sensitive", [](Plan& p) { K(p, 0, 1).code = "K1"; }, ""},
        RuleCase{"duplicate strategic code",
                 [](Plan& p) {
                   Objective copy = p.objectives[0];
                   p.objectives.push_back(copy);
                 },
                 "objective OS1 (strategic): code appears twice (objective codes are unique per level and "
                 "unit/owner)"},
        RuleCase{"duplicate in one unit",
                 [](Plan& p) {
                   p.objectives[2].code = "OP1";
                 },
                 "objective OP1 (operational, Area A): code appears twice"},
        RuleCase{"same code in another unit",
                 [](Plan& p) {
                   Objective other = p.objectives[1];
                   other.units = {"Area B"};
                   other.objective_weight_pct = 100;
                   p.objectives.push_back(other);
                 },
                 ""},
        // Numbers and targets_by_year.
        RuleCase{"non-finite target",
                 [](Plan& p) {
                   std::get<ComparisonTarget>(K(p, 0, 0).target).quantity.value =
                       std::numeric_limits<double>::infinity();
                 },
                 "objective OS1, indicator k1: target value must be a finite number"},
        RuleCase{"non-finite baseline",
                 [](Plan& p) { K(p, 0, 0).baseline = Value(Quantity{std::nan(""), "%"}); },
                 "baseline value must be a finite number"},
        RuleCase{"targets_by_year differs",
                 [](Plan& p) {
                   K(p, 0, 0).targets_by_year[2022] = Target(ComparisonTarget{CompareOp::kGe, {90, "%"}});
                   K(p, 0, 0).targets_by_year[2023] = Target(ComparisonTarget{CompareOp::kGe, {110, "%"}});
                 },
                 "targets_by_year 2022 (>= 90 %) must equal the target (>= 100 %)"}),
    [](const ::testing::TestParamInfo<RuleCase>& info) {
      std::string name = std::to_string(info.index) + "_";
      for (char ch : info.param.rule) name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
      return name;
    });

TEST(ValidatePlanTest, MultipleProblemsAreAllListed) {
  Plan p = ValidPlan();
  K(p, 0, 0).weight_pct = 160;
  K(p, 0, 1).weight_pct = -60;
  p.objectives[2].objective_weight_pct = 20;
  EXPECT_THAT(PlanProblems(p),
              ElementsAre(HasSubstr("objective OS1, indicator k1: weight_pct 160 must lie within 0..100"),
                          HasSubstr("objective OS1, indicator k2: weight_pct -60 must lie within 0..100"),
                          HasSubstr("unit Area A: operational objective weights sum to 90")));
  absl::Status s = ValidatePlan(p);
  EXPECT_THAT(std::string(s.message()), HasSubstr("plan has 3 problem(s)"));
}

}  // namespace
}  // namespace piao::plan
