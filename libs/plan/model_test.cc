#include "libs/plan/model.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace piao::plan {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ParseIsoDateTest, AcceptsRealDatesOnly) {
  struct Case {
    std::string text;
    bool ok;
  };
  const std::vector<Case> cases = {
      {"2022-06-27", true},  {"2024-02-29", true},  {"2023-02-29", false}, {"2022-02-30", false},
      {"2022-13-01", false}, {"2022-00-10", false}, {"2022-6-27", false},  {"27/06/2022", false},
      {"2022-06-27x", false}, {"", false},          {"0000-01-01", false}, {"2022-12-31", true},
      {"0525-09-30", true},  // revisions_fuzz: written back as "525-09-30" before
  };
  for (const Case& c : cases) {
    auto d = ParseIsoDate(c.text);
    EXPECT_EQ(d.ok(), c.ok) << c.text;
    if (c.ok) {
      EXPECT_EQ(FormatIsoDate(*d), c.text);
    } else {
      EXPECT_THAT(std::string(d.status().message()), HasSubstr(c.text));
    }
  }
}

TEST(DescribeActTest, ReadsNumberAndBody) {
  ApprovalAct a = DescribeAct("Deliberazione di Giunta n. 103 del 27/06/2022", Date(2022, 6, 27));
  EXPECT_EQ(a.number, 103);
  EXPECT_EQ(a.body, "Giunta");
  EXPECT_EQ(a.date, Date(2022, 6, 27));
  ApprovalAct c = DescribeAct("deliberazione del Consiglio n. 15 del 26 ottobre 2021", std::nullopt);
  EXPECT_EQ(c.number, 15);
  EXPECT_EQ(c.body, "Consiglio");
  ApprovalAct none = DescribeAct("Decreto presidenziale", std::nullopt);
  EXPECT_FALSE(none.number.has_value());
  EXPECT_EQ(none.body, "");
  EXPECT_EQ(none.act, "Decreto presidenziale");
}

Indicator Ind(std::string code, std::optional<double> weight) {
  Indicator i;
  i.code = std::move(code);
  i.weight_pct = weight;
  i.target = ComparisonTarget{CompareOp::kGe, {100, "%"}};
  return i;
}

TEST(EffectiveIndicatorWeightsTest, FollowsThePlanRules) {
  Objective o;
  o.indicators = {Ind("a", 60), Ind("b", 40)};
  EXPECT_THAT(EffectiveIndicatorWeights(o), ElementsAre(60, 40));

  // A missing weight counts 0 when a sibling has one.
  o.indicators = {Ind("a", 100), Ind("b", std::nullopt)};
  EXPECT_THAT(EffectiveIndicatorWeights(o), ElementsAre(100, 0));

  // No weights at all: equal shares of the active indicators.
  o.indicators = {Ind("a", std::nullopt), Ind("b", std::nullopt), Ind("c", std::nullopt), Ind("d", std::nullopt)};
  o.indicators[3].neutralised = true;
  EXPECT_THAT(EffectiveIndicatorWeights(o), ElementsAre(100.0 / 3, 100.0 / 3, 100.0 / 3, 0));

  // Suppressed and zero-weight indicators carry nothing.
  o.indicators = {Ind("a", 50), Ind("b", 50), Ind("c", 30), Ind("d", 0)};
  o.indicators[2].suppressed = true;
  EXPECT_THAT(EffectiveIndicatorWeights(o), ElementsAre(50, 50, 0, 0));

  o.indicators = {Ind("a", 0)};
  o.indicators[0].neutralised = true;
  EXPECT_THAT(EffectiveIndicatorWeights(o), ElementsAre(0));
}

TEST(ObjectiveKeyTest, ScopeIsOwnerOrUnits) {
  Objective op;
  op.code = "OP1.1.1-01";
  op.level = Level::kOperational;
  op.units = {"Area A", "Area B"};
  Objective ind = op;
  ind.level = Level::kIndividual;
  ind.units = {};
  ind.owner = "Segretario Generale";
  EXPECT_EQ(KeyOf(op).scope, "Area A + Area B");
  EXPECT_EQ(KeyOf(ind).scope, "Segretario Generale");
  EXPECT_NE(KeyOf(op), KeyOf(ind));
  EXPECT_EQ(DescribeKey(KeyOf(ind)), "OP1.1.1-01 (individual, Segretario Generale)");
}

TEST(FindIndicatorTest, IsCaseSensitive) {
  Objective o;
  o.indicators = {Ind("Kpi4.1.1-02a", 50), Ind("kpi4.1.1-02a", 50)};
  ASSERT_NE(FindIndicator(o, "kpi4.1.1-02a"), nullptr);
  EXPECT_EQ(FindIndicator(o, "kpi4.1.1-02a"), &o.indicators[1]);
  EXPECT_EQ(FindIndicator(o, "Kpi4.1.1-02a"), &o.indicators[0]);
  EXPECT_EQ(FindIndicator(o, "KPI4.1.1-02A"), nullptr);
}

TEST(DescribeTest, ReadableForms) {
  EXPECT_EQ(DescribeTarget(ComparisonTarget{CompareOp::kGe, {105, "%"}}), ">= 105 %");
  EXPECT_EQ(DescribeTarget(DeadlineTarget{Date(2022, 12, 31)}), "by 2022-12-31");
  EXPECT_EQ(DescribeTarget(Text{"Nei termini di legge"}), "text 'Nei termini di legge'");
  EXPECT_EQ(DescribeThreshold(Threshold{Quantity{65, "%"}, true}), "SOGLIA 65 % (implied)");
  EXPECT_EQ(DescribeThreshold(std::nullopt), "no SOGLIA");
  EXPECT_EQ(DescribeValue(Value(Quantity{110.58, "%"})), "110.58 %");
}

}  // namespace
}  // namespace piao::plan
