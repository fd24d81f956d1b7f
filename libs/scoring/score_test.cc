#include "libs/scoring/score.h"

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
using plan::Level;
using plan::Quantity;
using plan::Threshold;
using plan::Value;

plan::Indicator Ind(std::string code, std::optional<double> weight, plan::Target target,
                    std::optional<Threshold> threshold = std::nullopt) {
  plan::Indicator i;
  i.code = std::move(code);
  i.weight_pct = weight;
  i.target = std::move(target);
  i.threshold = std::move(threshold);
  return i;
}

plan::Target Ge(double v, std::string unit = "%") { return ComparisonTarget{CompareOp::kGe, {v, std::move(unit)}}; }

plan::Objective Obj(std::string code, Level level, std::vector<plan::Indicator> indicators) {
  plan::Objective o;
  o.code = std::move(code);
  o.level = level;
  o.indicators = std::move(indicators);
  return o;
}

plan::IndicatorRef Ref(const plan::Objective& o, const std::string& code) { return {plan::KeyOf(o), code}; }

// DOMAIN.md §3.5: Relazione 2022, OS01.1.1, five indicators at 20%.
class WorkedExampleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    os_ = Obj("OS01.1.1", Level::kStrategic,
              {Ind("EC05.1", 20, Ge(105)), Ind("EC07", 20, Ge(13)),
               Ind("B3.1_02", 20, Ge(75), Threshold{Quantity{65, "%"}, true}),
               Ind("EC27", 20, Ge(-7), Threshold{Quantity{-8, "%"}, true}),
               Ind("kpi1.1.1_03", 20, ComparisonTarget{CompareOp::kLe, {8, "%"}}, Threshold{Quantity{10, "%"}})});
    plan_.year = 2022;
    plan_.objectives = {os_};
  }
  Measurements Actuals(double ec27) {
    Measurements m;
    m[Ref(os_, "EC05.1")].actual = Value(Quantity{110.58, "%"});
    m[Ref(os_, "EC07")].actual = Value(Quantity{7.75, "%"});
    m[Ref(os_, "B3.1_02")].actual = Value(Quantity{71.21, "%"});
    m[Ref(os_, "EC27")].actual = Value(Quantity{ec27, "%"});
    m[Ref(os_, "kpi1.1.1_03")].actual = Value(Quantity{6.17, "%"});
    return m;
  }
  plan::Objective os_;
  plan::Plan plan_;
};

TEST_F(WorkedExampleTest, ReproducesThePublishedScore) {
  // With the printed (rounded) actual of EC27, -7.60: grades 100, 0, 62.1, 40, 100.
  auto scored = ScorePlan(plan_, Actuals(-7.60));
  ASSERT_TRUE(scored.ok()) << scored.status();
  const ObjectiveScore& o = scored->objectives[0];
  ASSERT_EQ(o.indicators.size(), 5u);
  const std::vector<double> published = {100, 0, 62.1, 40.27, 100};
  const std::vector<GradeBasis> bases = {GradeBasis::kMet, GradeBasis::kMissed, GradeBasis::kLinear,
                                         GradeBasis::kLinear, GradeBasis::kMet};
  for (size_t i = 0; i < 5; ++i) {
    ASSERT_TRUE(o.indicators[i].grade_pct.has_value());
    EXPECT_NEAR(*o.indicators[i].grade_pct, published[i], 0.3) << o.indicators[i].code;
    EXPECT_EQ(o.indicators[i].basis, bases[i]) << o.indicators[i].code;
    EXPECT_TRUE(o.indicators[i].counted);
    EXPECT_EQ(o.indicators[i].weight_pct, 20);
  }
  ASSERT_TRUE(o.score_pct.has_value());
  EXPECT_NEAR(*o.score_pct, 60.48, 0.1);
  EXPECT_EQ(o.label, Label::kPartlyAchieved);
  EXPECT_EQ(LabelText(*o.label), "Parzialmente raggiunto");
  EXPECT_EQ(scored->enterprise_score_pct, o.score_pct);  // the only strategic objective

  // The chamber computed EC27 on the unrounded actual (about -7.597): 40.27 and 60.48 exactly.
  auto exact = ScorePlan(plan_, Actuals(-7.597));
  ASSERT_TRUE(exact.ok());
  EXPECT_NEAR(*exact->objectives[0].indicators[3].grade_pct, 40.27, 0.05);
  EXPECT_NEAR(*exact->objectives[0].score_pct, 60.48, 0.01);
}

TEST_F(WorkedExampleTest, MissingActualScoresZeroAtFullWeight) {
  Measurements m = Actuals(-7.60);
  m.erase(Ref(os_, "EC05.1"));
  auto scored = ScorePlan(plan_, m);
  ASSERT_TRUE(scored.ok());
  const IndicatorScore& ec05 = scored->objectives[0].indicators[0];
  EXPECT_EQ(ec05.basis, GradeBasis::kNoActual);
  EXPECT_EQ(ec05.grade_pct, 0.0);
  EXPECT_TRUE(ec05.counted);
  EXPECT_NEAR(*scored->objectives[0].score_pct, (0 + 0 + 62.1 + 40 + 100) / 5.0, 1e-9);
}

TEST(ScorePlanTest, NeutralisedSuppressedAndUnweightedIndicatorsAreLeftOut) {
  plan::Objective o = Obj("OS1", Level::kStrategic,
                          {Ind("a", 50, Ge(10, "N.")), Ind("b", 30, Ge(10, "N.")), Ind("n", 0, Ge(10, "N.")),
                           Ind("s", 20, Ge(10, "N.")), Ind("u", std::nullopt, Ge(10, "N."))});
  o.indicators[2].neutralised = true;
  o.indicators[3].suppressed = true;
  plan::Plan p;
  p.objectives = {o};
  Measurements m;
  m[Ref(o, "a")].actual = Value(Quantity{10, "N."});  // 100
  m[Ref(o, "b")].actual = Value(Quantity{0, "N."});   // 0
  m[Ref(o, "n")].actual = Value(Quantity{0, "N."});   // would be 0, but neutralised
  auto scored = ScorePlan(p, m);
  ASSERT_TRUE(scored.ok()) << scored.status();
  const ObjectiveScore& s = scored->objectives[0];
  // Renormalised over the counted weights: (50 * 100 + 30 * 0) / 80.
  EXPECT_NEAR(*s.score_pct, 62.5, 1e-9);
  EXPECT_EQ(s.indicators[2].basis, GradeBasis::kNeutralised);
  EXPECT_EQ(s.indicators[3].basis, GradeBasis::kSuppressed);
  EXPECT_EQ(s.indicators[4].basis, GradeBasis::kZeroWeight);
  for (size_t i = 2; i < 5; ++i) {
    EXPECT_FALSE(s.indicators[i].counted);
    EXPECT_FALSE(s.indicators[i].grade_pct.has_value());
  }
}

// An objective whose indicators are all neutralised has no score and drops out of its unit's and the
// enterprise's means; the other weights are renormalised.
TEST(ScorePlanTest, FullyNeutralisedObjectiveDropsOut) {
  plan::Indicator met = Ind("k", std::nullopt, Ge(10, "N."));
  plan::Indicator half = Ind("k", std::nullopt, Ge(10, "N."), Threshold{Quantity{0, "N."}});
  plan::Indicator gone = Ind("k", 0, Ge(10, "N."));
  gone.neutralised = true;
  gone.neutralised_reason = "cannot be measured";
  plan::Indicator gone2 = gone;
  gone2.code = "k2";

  plan::Objective os1 = Obj("OS1", Level::kStrategic, {met});
  plan::Objective os2 = Obj("OS2", Level::kStrategic, {gone, gone2});
  plan::Objective os3 = Obj("OS3", Level::kStrategic, {half});
  plan::Objective op1 = Obj("OP1", Level::kOperational, {half});
  op1.units = {"Area A"};
  op1.objective_weight_pct = 50;
  plan::Objective op2 = Obj("OP2", Level::kOperational, {gone});
  op2.units = {"Area A"};
  op2.objective_weight_pct = 30;
  plan::Objective op3 = Obj("OP3", Level::kOperational, {met});
  op3.units = {"Area A"};
  op3.objective_weight_pct = 20;
  plan::Plan p;
  p.objectives = {os1, os2, os3, op1, op2, op3};

  Measurements m;
  m[Ref(os1, "k")].actual = Value(Quantity{12, "N."});  // 100
  m[Ref(os3, "k")].actual = Value(Quantity{4, "N."});   // 40
  m[Ref(op1, "k")].actual = Value(Quantity{8, "N."});   // 80
  m[Ref(op3, "k")].actual = Value(Quantity{10, "N."});  // 100
  auto scored = ScorePlan(p, m);
  ASSERT_TRUE(scored.ok()) << scored.status();

  const ObjectiveScore* os2_score = scored->Find(plan::KeyOf(os2));
  ASSERT_NE(os2_score, nullptr);
  EXPECT_FALSE(os2_score->score_pct.has_value());
  EXPECT_FALSE(os2_score->label.has_value());
  EXPECT_NEAR(*scored->enterprise_score_pct, (100 + 40) / 2.0, 1e-9);  // not (100 + 0 + 40) / 3
  EXPECT_EQ(scored->enterprise_label, Label::kPartlyAchieved);

  ASSERT_EQ(scored->units.size(), 1u);
  const GroupScore& unit = scored->units[0];
  EXPECT_EQ(unit.name, "Area A");
  EXPECT_EQ(unit.objectives.size(), 3u);
  EXPECT_NEAR(*unit.score_pct, (50 * 80 + 20 * 100) / 70.0, 1e-9);  // OP2's 30 renormalised away
  EXPECT_EQ(unit.label, Label::kPartlyAchieved);

  // Everything neutralised: no scores anywhere.
  plan::Plan all;
  all.objectives = {os2, op2};
  auto empty = ScorePlan(all, {});
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->enterprise_score_pct.has_value());
  EXPECT_FALSE(empty->units[0].score_pct.has_value());
}

TEST(ScorePlanTest, UnitsAndManagers) {
  plan::Indicator k = Ind("k", std::nullopt, Ge(10, "N."), Threshold{Quantity{0, "N."}});
  plan::Objective a1 = Obj("OP1", Level::kOperational, {k});
  a1.units = {"Area A"};
  a1.objective_weight_pct = 60;
  plan::Objective a2 = Obj("OP2", Level::kOperational, {k});
  a2.units = {"Area A"};
  a2.objective_weight_pct = 40;
  plan::Objective b1 = Obj("OP3", Level::kOperational, {k});  // a unit with no weights
  b1.units = {"Area B"};
  plan::Objective b2 = Obj("OP4", Level::kOperational, {k});
  b2.units = {"Area B"};
  plan::Objective sg1 = Obj("OP1", Level::kIndividual, {k});  // same code, the manager's own weight
  sg1.owner = "Segretario Generale";
  sg1.objective_weight_pct = 25;
  plan::Objective sg2 = Obj("OP3", Level::kIndividual, {k});
  sg2.owner = "Segretario Generale";
  sg2.objective_weight_pct = 75;
  plan::Objective d1 = Obj("OP2", Level::kIndividual, {k});  // a manager with no weights
  d1.owner = "Dirigente Area A";
  plan::Plan p;
  p.objectives = {a1, a2, b1, b2, sg1, sg2, d1};

  Measurements m;
  m[Ref(a1, "k")].actual = Value(Quantity{10, "N."});  // 100
  m[Ref(a2, "k")].actual = Value(Quantity{5, "N."});   // 50
  m[Ref(b1, "k")].actual = Value(Quantity{10, "N."});
  m[Ref(b2, "k")].actual = Value(Quantity{10, "N."});
  m[Ref(sg1, "k")].actual = Value(Quantity{2, "N."});  // 20
  m[Ref(sg2, "k")].actual = Value(Quantity{9, "N."});  // 90
  m[Ref(d1, "k")].actual = Value(Quantity{10, "N."});
  auto scored = ScorePlan(p, m);
  ASSERT_TRUE(scored.ok()) << scored.status();

  ASSERT_EQ(scored->units.size(), 2u);
  EXPECT_EQ(scored->units[0].name, "Area A");
  EXPECT_NEAR(*scored->units[0].score_pct, 0.6 * 100 + 0.4 * 50, 1e-9);
  EXPECT_EQ(scored->units[1].name, "Area B");
  EXPECT_FALSE(scored->units[1].score_pct.has_value());  // objectives without weights: no unit score
  EXPECT_FALSE(scored->units[1].label.has_value());

  ASSERT_EQ(scored->managers.size(), 2u);
  EXPECT_EQ(scored->managers[0].name, "Segretario Generale");
  EXPECT_NEAR(*scored->managers[0].score_pct, 0.25 * 20 + 0.75 * 90, 1e-9);
  EXPECT_EQ(scored->managers[1].name, "Dirigente Area A");
  EXPECT_FALSE(scored->managers[1].score_pct.has_value());
  EXPECT_FALSE(scored->enterprise_score_pct.has_value());  // no strategic objective

  // The operational OP1 and the individual OP1 are scored separately.
  EXPECT_EQ(scored->Find(plan::IndicatorRef{plan::KeyOf(a1), "k"})->grade_pct, 100.0);
  EXPECT_EQ(scored->Find(plan::IndicatorRef{plan::KeyOf(sg1), "k"})->grade_pct, 20.0);
}

TEST(ScorePlanTest, TextTargetsNeedARecordedAssessment) {
  plan::Objective o = Obj("OS6", Level::kStrategic,
                          {Ind("legal", 50, plan::Text{"Nei termini di legge"}), Ind("k", 50, Ge(10, "N."))});
  plan::Plan p;
  p.objectives = {o};
  Measurements m;
  m[Ref(o, "legal")].actual = Value(plan::Text{"rispettati"});
  m[Ref(o, "k")].actual = Value(Quantity{10, "N."});
  auto unassessed = ScorePlan(p, m);
  ASSERT_TRUE(unassessed.ok()) << unassessed.status();
  EXPECT_EQ(unassessed->objectives[0].indicators[0].basis, GradeBasis::kUnscorable);
  EXPECT_FALSE(unassessed->objectives[0].indicators[0].counted);
  EXPECT_NEAR(*unassessed->objectives[0].score_pct, 100, 1e-9);

  m[Ref(o, "legal")].assessed_grade_pct = 60;
  auto assessed = ScorePlan(p, m);
  ASSERT_TRUE(assessed.ok()) << assessed.status();
  EXPECT_EQ(assessed->objectives[0].indicators[0].basis, GradeBasis::kAssessed);
  EXPECT_NEAR(*assessed->objectives[0].score_pct, 80, 1e-9);

  m[Ref(o, "legal")].assessed_grade_pct = 130;
  EXPECT_THAT(std::string(ScorePlan(p, m).status().message()),
              HasSubstr("objective OS6, indicator legal: assessed grade 130 must lie within 0..100"));
  m[Ref(o, "legal")].assessed_grade_pct = std::nullopt;
  m[Ref(o, "k")].assessed_grade_pct = 100;
  EXPECT_THAT(std::string(ScorePlan(p, m).status().message()),
              HasSubstr("objective OS6, indicator k: an assessed grade is only for text targets"));
}

TEST(ScorePlanTest, BadMeasurementsAreNamed) {
  plan::Objective o = Obj("OS1", Level::kStrategic, {Ind("Kpi1", 100, Ge(10, "N."))});
  plan::Plan p;
  p.objectives = {o};
  Measurements m;
  m[Ref(o, "kpi1")].actual = Value(Quantity{10, "N."});  // wrong case
  auto unknown = ScorePlan(p, m);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(unknown.status().message()),
              HasSubstr("measurement for objective OS1, indicator kpi1: no such indicator in the plan"));

  m.clear();
  m[Ref(o, "Kpi1")].actual = Value(Date(2022, 3, 1));
  auto kind = ScorePlan(p, m);
  ASSERT_FALSE(kind.ok());
  EXPECT_THAT(std::string(kind.status().message()),
              HasSubstr("objective OS1, indicator Kpi1: target >= 10 N.: the actual 2022-03-01 must be a number"));
}

TEST(LabelTest, Cutoffs) {
  struct Case {
    double score;
    Label label;
  };
  for (const Case& c : std::vector<Case>{{100, Label::kAchieved},
                                         {95.80, Label::kAchieved},  // OS11.2.2
                                         {95, Label::kAchieved},
                                         {94.996, Label::kAchieved},  // printed 95.00
                                         {94.99, Label::kPartlyAchieved},
                                         {94.86, Label::kPartlyAchieved},  // OS06.1.1
                                         {0.01, Label::kPartlyAchieved},
                                         {0.004, Label::kNotAchieved},  // printed 0.00
                                         {0, Label::kNotAchieved}}) {
    EXPECT_EQ(LabelFor(c.score), c.label) << c.score;
  }
  EXPECT_EQ(LabelText(Label::kAchieved), "Raggiunto");
  EXPECT_EQ(LabelText(Label::kNotAchieved), "Non raggiunto");
}

}  // namespace
}  // namespace piao::scoring
