#include "services/projection/lineage.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace piao::projection {
namespace {

// A computed actual corrected once, whose formula has been there since adoption (the later target change kept
// it), with inputs from one of two batches.
struct Fixture {
  v1::ScoresView scores;
  v1::IndicatorHistory history;
  std::map<std::string, v1::BatchSummary> batches;
  Fixture() {
    scores.set_administration("default");
    scores.set_year(2021);
    v1::ObjectiveScore* o = scores.add_objectives();
    o->set_level_kind(v1::OBJECTIVE_LEVEL_STRATEGIC);
    o->set_code("RATIOS");
    o->set_score_pct(60);
    o->add_indicators()->set_code("OTHER");
    v1::IndicatorScore* i = o->add_indicators();
    i->set_code("STR_PRIM");
    i->set_grade_pct(100);
    history.mutable_objective()->set_level_kind(v1::OBJECTIVE_LEVEL_STRATEGIC);
    history.mutable_objective()->set_code("RATIOS");
    history.set_indicator("STR_PRIM");
    v1::IndicatorVersion* adopted = history.add_versions();
    adopted->set_change_kind(v1::AUDIT_CHANGE_ADOPTED);
    adopted->set_formula("patrimonio_netto / immobilizzazioni * 100");
    adopted->set_global_position(4);
    v1::IndicatorVersion* target = history.add_versions();
    target->set_change_kind(v1::AUDIT_CHANGE_TARGET);
    target->set_formula("patrimonio_netto / immobilizzazioni * 100");
    target->set_global_position(9);
    v1::ActualVersion* old = history.add_actuals();
    old->set_actual_id("A1");
    old->set_period("year-end");
    v1::ActualVersion* monitoring = history.add_actuals();
    monitoring->set_actual_id("M1");
    monitoring->set_period("2021-09-30");
    v1::ActualVersion* cur = history.add_actuals();
    cur->set_actual_id("A2");
    cur->set_corrects("A1");
    cur->set_period("year-end");
    v1::Computation* c = cur->mutable_computation();
    c->set_formula("patrimonio_netto / immobilizzazioni * 100");
    for (const char* batch : {"b2", "b1"}) {
      v1::ComputationInput* in = c->add_inputs();
      in->mutable_value()->set_batch_id(batch);
    }
    for (auto [id, pos] : {std::pair<const char*, uint64_t>{"b1", 3}, {"b2", 7}, {"b3", 8}}) {
      batches[id].set_batch_id(id);
      batches[id].set_global_position(pos);
    }
  }
};

TEST(LineageTest, TheChainFromScoreToFeedBatches) {
  Fixture f;
  auto l = AssembleLineage(f.history, f.scores, f.batches);
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(l->objective_score().score_pct(), 60);
  ASSERT_EQ(l->objective_score().indicators_size(), 1) << "only the indicator asked for";
  EXPECT_EQ(l->indicator().grade_pct(), 100);
  ASSERT_TRUE(l->has_actual());
  EXPECT_EQ(l->actual().actual_id(), "A2") << "the latest year-end actual, not the later monitoring one";
  ASSERT_EQ(l->earlier_actuals_size(), 1) << "of the same period only";
  EXPECT_EQ(l->earlier_actuals(0).actual_id(), "A1");
  ASSERT_TRUE(l->has_formula_version());
  EXPECT_EQ(l->formula_version().global_position(), 4u) << "since adoption: the target change kept the formula";
  ASSERT_EQ(l->batches_size(), 2) << "the batches of the inputs, not b3";
  EXPECT_EQ(l->batches(0).batch_id(), "b1") << "oldest first";
  EXPECT_EQ(l->batches(1).batch_id(), "b2");
}

TEST(LineageTest, AFormulaChangedByARevisionPointsAtThatVersion) {
  Fixture f;
  v1::IndicatorVersion* formula = f.history.add_versions();
  formula->set_change_kind(v1::AUDIT_CHANGE_FORMULA);
  formula->set_formula("totale_passivo / patrimonio_netto");
  formula->set_global_position(12);
  f.history.mutable_actuals(2)->mutable_computation()->set_formula("totale_passivo / patrimonio_netto");
  auto l = AssembleLineage(f.history, f.scores, f.batches);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->formula_version().global_position(), 12u);
}

TEST(LineageTest, NothingMeasuredAndUnknownIndicators) {
  Fixture f;
  f.history.clear_actuals();
  auto none = AssembleLineage(f.history, f.scores, f.batches);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_actual());
  EXPECT_EQ(none->batches_size(), 0);
  f.history.set_indicator("NOPE");
  EXPECT_EQ(AssembleLineage(f.history, f.scores, f.batches).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace piao::projection
