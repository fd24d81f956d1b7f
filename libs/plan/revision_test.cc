#include "libs/plan/revision.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/plan/fixture_files.h"
#include "libs/plan/plan_json.h"
#include "libs/plan/validate.h"

namespace piao::plan {
namespace {

using ::testing::HasSubstr;

const Objective& Strategic(const Plan& plan, const std::string& code) {
  const Objective* o = FindObjective(plan, {Level::kStrategic, code, ""});
  if (o == nullptr) throw std::runtime_error("no objective " + code);
  return *o;
}

const Indicator& Ind(const Plan& plan, const std::string& objective, const std::string& code) {
  const Indicator* i = FindIndicator(Strategic(plan, objective), code);
  if (i == nullptr) throw std::runtime_error("no indicator " + code);
  return *i;
}

class TorinoRevisionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto plan = ParsePlanJson(testing::ReadFixture("torino-2022/plan-2022.json"));
    ASSERT_TRUE(plan.ok()) << plan.status();
    approved_ = plan->plan;
    auto revs = ParseRevisionsJson(testing::ReadFixture("torino-2022/revisions-2022.json"));
    ASSERT_TRUE(revs.ok()) << revs.status();
    revisions_ = *revs;
    auto results = ParsePlanJson(testing::ReadFixture("torino-2022/results-2022-strategic.json"));
    ASSERT_TRUE(results.ok()) << results.status();
    results_ = results->plan;
  }

  // The scoring definitions (target, threshold, weight) of `plan` that differ from the results file's,
  // as apply_revisions.py compares them; plus indicators missing on either side.
  std::vector<std::string> DiffAgainstResults(const Plan& plan) {
    std::vector<std::string> diffs;
    compared_ = 0;
    for (const Objective& ro : results_.objectives) {
      const Objective* po = FindObjective(plan, KeyOf(ro));
      if (po == nullptr) {
        diffs.push_back(ro.code + ": missing from the plan");
        continue;
      }
      std::set<std::string> result_codes;
      for (const Indicator& ri : ro.indicators) {
        result_codes.insert(ri.code);
        const Indicator* pi = FindIndicator(*po, ri.code);
        if (pi == nullptr) {
          diffs.push_back(ro.code + " / " + ri.code + ": not in the plan");
          continue;
        }
        ++compared_;
        if (!(pi->target == ri.target)) diffs.push_back(ri.code + " target " + DescribeTarget(pi->target));
        if (!(pi->threshold == ri.threshold)) diffs.push_back(ri.code + " threshold " + DescribeThreshold(pi->threshold));
        if (pi->weight_pct != ri.weight_pct) diffs.push_back(ri.code + " weight");
      }
      for (const Indicator& pi : po->indicators) {
        if (!result_codes.count(pi.code)) diffs.push_back(ro.code + " / " + pi.code + ": not in the results");
      }
    }
    return diffs;
  }

  Plan approved_;
  Plan results_;
  std::vector<Revision> revisions_;
  int compared_ = 0;
};

TEST_F(TorinoRevisionTest, TheActYieldsTheFinalDefinitions) {
  const auto acts = GroupByAct(revisions_);
  ASSERT_EQ(acts.size(), 1u);
  ASSERT_EQ(acts[0].size(), 26u);
  auto revised = ApplyRevisionAct(approved_, acts[0]);
  ASSERT_TRUE(revised.ok()) << revised.status();
  EXPECT_EQ(DiffAgainstResults(*revised), std::vector<std::string>{});
  EXPECT_EQ(compared_, 76);
  EXPECT_TRUE(ValidatePlan(*revised).ok());

  // The plan as approved differs from the final definitions exactly where the act changes them
  // (apply_revisions.py --as-of 2022-07-01: 25 differences; the suppression changes no field compared).
  EXPECT_EQ(DiffAgainstResults(approved_).size(), 25u);
}

TEST_F(TorinoRevisionTest, BeforeAndAfterTheAct) {
  auto revised = ApplyRevisionAct(approved_, revisions_);
  ASSERT_TRUE(revised.ok()) << revised.status();

  // As approved on 27/06/2022.
  EXPECT_EQ(Ind(approved_, "OS03.1.1", "kpi3.1.1_01").target, Target(ComparisonTarget{CompareOp::kGe, {20, "%"}}));
  EXPECT_EQ(Ind(approved_, "OS03.1.1", "kpi3.1.1-04").target,
            Target(ComparisonTarget{CompareOp::kGe, {10000, "N."}}));
  EXPECT_EQ(Ind(approved_, "OS03.1.1", "kpi3.1.1-04").threshold, (Threshold{Quantity{5000, "N."}}));
  EXPECT_EQ(FindIndicator(Strategic(approved_, "OS07.1.2"), "kpi7.1.2_08"), nullptr);
  EXPECT_EQ(Ind(approved_, "OS04.1.1", "kpi4.1.1_09").target, Target(DeadlineTarget{Date(2022, 7, 15)}));
  EXPECT_FALSE(Ind(approved_, "OS13.4", "kpi13.4_05").suppressed);

  // After deliberazione 142 of 13/09/2022.
  const Indicator& k01 = Ind(*revised, "OS03.1.1", "kpi3.1.1_01");
  EXPECT_EQ(k01.target, Target(ComparisonTarget{CompareOp::kGe, {85, "%"}}));
  EXPECT_EQ(k01.targets_by_year.at(2022), k01.target);  // the triennium's own year follows the revision
  EXPECT_EQ(Ind(*revised, "OS03.1.1", "kpi3.1.1-04").target, Target(ComparisonTarget{CompareOp::kGe, {2, "N."}}));
  EXPECT_FALSE(Ind(*revised, "OS03.1.1", "kpi3.1.1-04").threshold.has_value());
  const Indicator& k08 = Ind(*revised, "OS07.1.2", "kpi7.1.2_08");
  EXPECT_EQ(k08.weight_pct, 10.0);
  for (const Indicator& i : Strategic(*revised, "OS07.1.2").indicators) EXPECT_EQ(i.weight_pct, 10.0) << i.code;
  const Indicator& k09 = Ind(*revised, "OS04.1.1", "kpi4.1.1_09");
  EXPECT_EQ(k09.target, Target(DeadlineTarget{Date(2022, 11, 15)}));
  EXPECT_EQ(k09.weight_pct, 0.0);
  EXPECT_TRUE(k09.neutralised);
  EXPECT_THAT(k09.neutralised_reason, HasSubstr("cannot be measured"));
  const Indicator& k05 = Ind(*revised, "OS13.4", "kpi13.4_05");
  EXPECT_TRUE(k05.suppressed);
  EXPECT_FALSE(k05.suppressed_reason.empty());
  EXPECT_EQ(Ind(*revised, "OS10.2.1", "kpi10.2.1_04").threshold, (Threshold{Quantity{80, "%"}}));

  // Operational and individual objectives are untouched.
  for (size_t i = 0; i < approved_.objectives.size(); ++i) {
    if (approved_.objectives[i].level != Level::kStrategic) {
      EXPECT_EQ(revised->objectives[i], approved_.objectives[i]) << approved_.objectives[i].code;
    }
  }
}

// The weights of OS07.1.2 balance only once kpi7.1.2_08 arrives: the act holds as a whole, not change
// by change.
TEST_F(TorinoRevisionTest, ValidationHoldsAfterTheWholeActNotEachChange) {
  std::vector<Revision> weights_only;
  for (const Revision& r : revisions_) {
    if (r.change == ChangeKind::kWeight) weights_only.push_back(r);
  }
  ASSERT_EQ(weights_only.size(), 9u);
  auto partial = ApplyRevisionAct(approved_, weights_only);
  ASSERT_FALSE(partial.ok());
  EXPECT_EQ(partial.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(partial.status().message()),
              HasSubstr("objective OS07.1.2: indicator weights sum to 90, must be 100"));

  // Change by change, the act could not even start: kpi3.1.1-04's new target (>= 2) sits below its old
  // SOGLIA 5000 until the next change of the same act drops the threshold.
  Plan step = approved_;
  bool refused = false;
  for (const Revision& r : revisions_) {
    auto next = ApplyRevisionAct(step, {r});
    if (!next.ok()) {
      refused = true;
      EXPECT_EQ(r.indicator, "kpi3.1.1-04");
      EXPECT_EQ(r.change, ChangeKind::kTarget);
      EXPECT_THAT(std::string(next.status().message()),
                  HasSubstr("objective OS03.1.1, indicator kpi3.1.1-04: threshold 5000 must lie below the target "
                            "(>= 2 N.)"));
      break;
    }
    step = *next;
  }
  EXPECT_TRUE(refused);
}

TEST_F(TorinoRevisionTest, FromMustMatchTheCurrentValue) {
  std::vector<Revision> act = revisions_;
  act[1].from_target = ComparisonTarget{CompareOp::kGe, {21, "%"}};  // the plan says >= 20 %
  auto r = ApplyRevisionAct(approved_, act);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("change #2 (OS03.1.1 / kpi3.1.1_01, target): 'from' target >= 21 % does not match the "
                        "plan's current target >= 20 %"));

  act = revisions_;
  act[0].from_threshold = std::nullopt;  // kpi1.1.1_03 has SOGLIA 9 %
  r = ApplyRevisionAct(approved_, act);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()),
              HasSubstr("(OS01.1.1 / kpi1.1.1_03, threshold): 'from' threshold no SOGLIA does not match the plan's "
                        "current threshold SOGLIA 9 %"));

  // Applying the same act twice: its 'from' values no longer hold.
  auto once = ApplyRevisionAct(approved_, revisions_);
  ASSERT_TRUE(once.ok());
  auto twice = ApplyRevisionAct(*once, revisions_);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(TorinoRevisionTest, UnknownObjectiveOrIndicatorIsNamed) {
  std::vector<Revision> act = revisions_;
  act[5].objective = "OS04.1.9";
  auto r = ApplyRevisionAct(approved_, act);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("objective OS04.1.9 is not in the plan"));

  act = revisions_;
  act[1].indicator = "KPI3.1.1_01";  // codes are case-sensitive
  r = ApplyRevisionAct(approved_, act);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("indicator KPI3.1.1_01 is not in objective OS03.1.1"));
}

TEST_F(TorinoRevisionTest, AddedSuppressedAndActRules) {
  auto once = ApplyRevisionAct(approved_, revisions_);
  ASSERT_TRUE(once.ok());
  for (const Revision& r : revisions_) {
    if (r.change != ChangeKind::kAdded && r.change != ChangeKind::kSuppressed) continue;
    auto again = ApplyRevisionAct(*once, {r});
    ASSERT_FALSE(again.ok()) << r.indicator;
    EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(again.status().message()),
                HasSubstr(r.change == ChangeKind::kAdded ? "indicator kpi7.1.2_08 is already in objective OS07.1.2"
                                                          : "indicator kpi13.4_05 is already suppressed"));
  }

  std::vector<Revision> mixed = revisions_;
  mixed[3].act = "Deliberazione di Giunta n. 150 del 20/09/2022";
  auto r = ApplyRevisionAct(approved_, mixed);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("the changes of one act apply together"));
  EXPECT_EQ(GroupByAct(mixed).size(), 2u);

  EXPECT_EQ(ApplyRevisionAct(approved_, {}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ApplyRevisionActTest, AmbiguousCodeNeedsLevelOrScope) {
  Plan p;
  p.year = 2022;
  Objective op;
  op.code = "OP1";
  op.level = Level::kOperational;
  op.units = {"Area A"};
  Indicator k;
  k.code = "k1";
  k.target = ComparisonTarget{CompareOp::kGe, {10, "N."}};
  op.indicators = {k};
  Objective mine = op;
  mine.level = Level::kIndividual;
  mine.units = {};
  mine.owner = "Segretario Generale";
  p.objectives = {op, mine};

  Revision r;
  r.objective = "OP1";
  r.indicator = "k1";
  r.change = ChangeKind::kTarget;
  r.from_target = ComparisonTarget{CompareOp::kGe, {10, "N."}};
  r.to_target = ComparisonTarget{CompareOp::kGe, {12, "N."}};
  r.act = "Deliberazione di Giunta n. 1 del 01/02/2022";
  auto ambiguous = ApplyRevisionAct(p, {r});
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_EQ(ambiguous.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(ambiguous.status().message()), HasSubstr("objective code OP1 matches 2 objectives"));

  r.level = Level::kIndividual;
  auto ok = ApplyRevisionAct(p, {r});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->objectives[0].indicators[0].target, Target(ComparisonTarget{CompareOp::kGe, {10, "N."}}));
  EXPECT_EQ(ok->objectives[1].indicators[0].target, Target(ComparisonTarget{CompareOp::kGe, {12, "N."}}));
}

// A formula is versioned by revisions like a target: from must match, the new one must parse (checked after
// the whole act), and the JSON form round-trips.
TEST(ApplyRevisionActTest, FormulaChange) {
  auto file = ParsePlanJson(testing::ReadFixture("torino-2022/ratios-plan-2021.json"));
  ASSERT_TRUE(file.ok()) << file.status();
  const Plan& p = file->plan;
  ASSERT_EQ(p.objectives[0].indicators[1].formula, "patrimonio_netto / immobilizzazioni * 100");

  const std::string text = R"({"revisions": [{"objective": "RATIOS", "indicator": "STR_PRIM", "change": "formula",
      "from": "patrimonio_netto / immobilizzazioni * 100",
      "to": "patrimonio_netto / (immobilizzazioni_materiali + immobilizzazioni_immateriali) * 100",
      "effective_date": "2021-09-13", "act": "Deliberazione di Giunta n. 9 del 13/09/2021", "reason": "excl. fin."}]})";
  auto revs = ParseRevisionsJson(text);
  ASSERT_TRUE(revs.ok()) << revs.status();
  ASSERT_EQ(revs->size(), 1u);
  EXPECT_EQ((*revs)[0].change, ChangeKind::kFormula);
  EXPECT_EQ(ParseRevisionsJson(nlohmann::json{{"revisions", {RevisionToJson((*revs)[0])}}}.dump()).value(), *revs);

  auto revised = ApplyRevisionAct(p, *revs);
  ASSERT_TRUE(revised.ok()) << revised.status();
  EXPECT_EQ(revised->objectives[0].indicators[1].formula,
            "patrimonio_netto / (immobilizzazioni_materiali + immobilizzazioni_immateriali) * 100");
  EXPECT_EQ(revised->objectives[0].indicators[1].target, p.objectives[0].indicators[1].target);

  Revision stale = (*revs)[0];
  stale.from_formula = "x";
  auto mismatch = ApplyRevisionAct(p, {stale});
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(mismatch.status().message()), HasSubstr("'from' formula 'x' does not match"));

  Revision broken = (*revs)[0];
  broken.to_formula = "patrimonio_netto / (";
  auto invalid = ApplyRevisionAct(p, {broken});
  ASSERT_FALSE(invalid.ok());
  EXPECT_THAT(std::string(invalid.status().message()), HasSubstr("indicator STR_PRIM: formula: column 21"));

  auto same = ParseRevisionsJson(R"({"revisions": [{"objective": "RATIOS", "indicator": "STR_PRIM",
      "change": "formula", "from": "a", "to": "a", "effective_date": "2021-09-13", "act": "x", "reason": "r"}]})");
  ASSERT_FALSE(same.ok());
  EXPECT_THAT(std::string(same.status().message()), HasSubstr("a formula change needs a different formula"));
}

TEST(ValidatePlanTest, FormulaMustParse) {
  auto file = ParsePlanJson(testing::ReadFixture("torino-2022/ratios-plan-2017.json"));
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE(ValidatePlan(file->plan).ok());
  Plan p = file->plan;
  p.objectives[0].indicators[0].formula = "oneri_correnti // proventi_correnti";
  auto s = ValidatePlan(p);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()), HasSubstr("indicator EQ_GC: formula: column 17"));
}

}  // namespace
}  // namespace piao::plan
