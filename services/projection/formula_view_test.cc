// The projection and formulas (issue 4): a formula is part of every definition version, a `formula` revision
// changes only the formula, computed actuals keep their lineage, and feed batches are not projected.
#include <map>
#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "piao/v1/feeds.pb.h"
#include "piao/v1/measurement.pb.h"
#include "piao/v1/planning.pb.h"
#include "services/projection/query.h"
#include "services/projection/torino_events_test_util.h"
#include "services/projection/view.h"

// These tests also check the deprecated JSON-text fields still filled for wave-one clients.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace piao::projection {
namespace {

using testing::At;
using testing::SourceLog;
using testing::ValidFrom;

constexpr char kAdmin[] = "CCIAA-XX";
constexpr int kYear = 2021;

struct MemoryView {
  std::map<std::string, std::string> kv;
  ViewUpdate Apply(const v1::EventEnvelope& e) {
    MapReader reader(&kv);
    absl::StatusOr<ViewUpdate> u = ProjectEvent(e, reader);
    EXPECT_TRUE(u.ok()) << u.status();
    if (!u.ok()) return {};
    for (const auto& [k, v] : u->puts) kv[k] = v;
    return *u;
  }
};

v1::IndicatorDefinition Ratio(const std::string& formula) {
  v1::IndicatorDefinition d;
  d.set_code("STR_PRIM");
  d.set_weight_pct(100);
  d.mutable_target()->mutable_comparison()->set_op(">=");
  d.mutable_target()->mutable_comparison()->set_value(105);
  d.mutable_target()->mutable_comparison()->set_unit("%");
  d.set_formula(formula);
  return d;
}

v1::ObjectiveKey Key() {
  v1::ObjectiveKey k;
  k.set_level_kind(v1::OBJECTIVE_LEVEL_STRATEGIC);
  k.set_code("RATIOS");
  return k;
}

TEST(FormulaViewTest, FormulaVersionsAndComputedActuals) {
  SourceLog planning{"planning", "plan"}, measurement{"measurement", "actuals"}, variables{"measurement", "variables"};
  MemoryView view;
  v1::PlanCreated created;
  created.set_administration(kAdmin);
  created.set_year(kYear);
  view.Apply(planning.Add(kAdmin, kYear, created, At("2021-01-10T09:00:00")));
  v1::ObjectivesAdopted adopted;
  adopted.mutable_act()->set_text("Deliberazione di Giunta n. 1 del 31/01/2021");
  adopted.set_effective_date("2021-01-31");
  v1::ObjectiveDefinition* o = adopted.add_objectives();
  o->set_code("RATIOS");
  o->set_level_kind(v1::OBJECTIVE_LEVEL_STRATEGIC);
  *o->add_indicators() = Ratio("patrimonio_netto / immobilizzazioni * 100");
  view.Apply(planning.Add(kAdmin, kYear, adopted, At("2021-02-01T09:00:00"), ValidFrom("2021-01-31")));

  v1::RevisionActApplied revised;
  revised.mutable_act()->set_text("Deliberazione di Giunta n. 9 del 13/09/2021");
  revised.set_effective_date("2021-09-13");
  v1::RevisionChange* c = revised.add_changes();
  *c->mutable_objective() = Key();
  c->set_indicator("STR_PRIM");
  c->set_kind("formula");
  c->set_from_json(R"("patrimonio_netto / immobilizzazioni * 100")");
  c->set_to_json(R"("patrimonio_netto / immobilizzazioni_materiali * 100")");
  c->set_reason("without financial assets");
  v1::IndicatorAdoption* after = revised.add_after();
  *after->mutable_objective() = Key();
  *after->mutable_indicator() = Ratio("patrimonio_netto / immobilizzazioni_materiali * 100");
  after->mutable_indicator()->mutable_target()->mutable_comparison()->set_value(999);  // not part of this change
  view.Apply(planning.Add(kAdmin, kYear, revised, At("2021-09-14T09:00:00"), ValidFrom("2021-09-13")));

  // A feed batch on the measurement topic: its summary only (for lineage), never a plan fact.
  v1::VariableBatchRecorded batch;
  batch.set_batch_id("b1");
  batch.set_feed_kind(v1::FEED_KIND_ACCOUNTING);
  batch.add_values();
  batch.add_values();
  v1::EventEnvelope batch_event = variables.Add(kAdmin, kYear, batch, At("2022-03-01T09:00:00"));
  batch_event.set_schema_version(2);  // written today (services/common/event_schema.h)
  batch_event.mutable_stream()->set_aggregate_id(kAdmin);
  const ViewUpdate u = view.Apply(batch_event);
  EXPECT_FALSE(u.unknown_type);
  ASSERT_EQ(u.puts.size(), 1u);
  EXPECT_EQ(u.puts[0].first, BatchKey(kAdmin, "b1"));
  v1::BatchSummary summary;
  ASSERT_TRUE(summary.ParseFromString(u.puts[0].second));
  EXPECT_EQ(summary.rows(), 2u);
  EXPECT_EQ(summary.kind(), "accounting");
  EXPECT_EQ(summary.feed_kind(), v1::FEED_KIND_ACCOUNTING);
  EXPECT_EQ(summary.global_position(), batch_event.global_position());

  v1::ActualRecorded actual;
  actual.set_actual_id("a1");
  *actual.mutable_objective() = Key();
  actual.set_indicator("STR_PRIM");
  actual.set_period("year-end");
  actual.mutable_value()->mutable_quantity()->set_value(114.67);
  actual.mutable_value()->mutable_quantity()->set_unit("%");
  v1::Computation* comp = actual.mutable_computation();
  comp->set_formula("patrimonio_netto / immobilizzazioni * 100");
  comp->set_plan_version(2);
  v1::ComputationInput* in = comp->add_inputs();
  in->set_variable("patrimonio_netto");
  in->mutable_value()->set_value(108.73);
  in->mutable_value()->set_batch_id("b1");
  in->mutable_value()->set_row(190);
  view.Apply(measurement.Add(kAdmin, kYear, actual, At("2022-03-01T09:00:01")));

  v1::GetIndicatorHistoryRequest req;
  req.set_administration(kAdmin);
  req.set_year(kYear);
  req.set_objective("RATIOS");
  req.set_indicator("STR_PRIM");
  auto h = QueryIndicatorHistory(MapReader(&view.kv), req);
  ASSERT_TRUE(h.ok()) << h.status();
  ASSERT_EQ(h->versions_size(), 2);
  EXPECT_EQ(h->versions(0).formula(), "patrimonio_netto / immobilizzazioni * 100");
  EXPECT_EQ(h->versions(1).change(), "formula");
  EXPECT_EQ(h->versions(1).formula(), "patrimonio_netto / immobilizzazioni_materiali * 100");
  ASSERT_EQ(h->actuals_size(), 1);
  ASSERT_TRUE(h->actuals(0).has_computation());
  EXPECT_EQ(h->actuals(0).computation().plan_version(), 2u);
  EXPECT_EQ(h->actuals(0).computation().inputs(0).value().batch_id(), "b1");
  EXPECT_EQ(h->actuals(0).computation().inputs(0).value().row(), 190u);

  // A formula revision changes only the formula: the target in force stays the adopted one.
  v1::GetScoresRequest sreq;
  sreq.set_administration(kAdmin);
  sreq.set_year(kYear);
  auto scores = QueryScores(MapReader(&view.kv), sreq);
  ASSERT_TRUE(scores.ok()) << scores.status();
  const v1::IndicatorScore& i = scores->objectives(0).indicators(0);
  EXPECT_EQ(nlohmann::json::parse(i.target_json())["value"], 105.0);
  EXPECT_EQ(i.grade_pct(), 100.0);
}

}  // namespace
}  // namespace piao::projection
