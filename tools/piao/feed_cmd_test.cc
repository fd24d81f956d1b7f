#include "tools/piao/feed_cmd.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tools/piao/typed_values_test_util.h"

#include "libs/plan/fixture_files.h"

namespace piao::cli {
namespace {

using ::testing::HasSubstr;

feed::Batch TorinoBatch() {
  const std::string mapping_bytes = plan::testing::ReadFixture("torino-2022/accounting-mapping.csv");
  auto mapping = feed::ParseMapping(mapping_bytes, "accounting-mapping.csv");
  EXPECT_TRUE(mapping.ok()) << mapping.status();
  feed::ParseOptions o;
  o.file = "tests/fixtures/torino-2022/accounting-2017-2021.csv";
  o.mapping = &*mapping;
  o.mapping_bytes = mapping_bytes;
  auto b = feed::ParseBatch(feed::Kind::kAccounting,
                            plan::testing::ReadFixture("torino-2022/accounting-2017-2021.csv"), o);
  EXPECT_TRUE(b.ok()) << b.status();
  return *b;
}

TEST(FeedCmdTest, BatchRequestKeepsRowsWithAFreshKey) {
  const feed::Batch b = TorinoBatch();
  const v1::SubmitBatchRequest r = BatchRequest(b, "default");
  EXPECT_EQ(r.batch_id(), "accounting-2017-2021.csv");
  EXPECT_EQ(r.feed_kind(), v1::FEED_KIND_ACCOUNTING);
  EXPECT_EQ(r.values_size(), 189);
  EXPECT_EQ(r.values(0).variable(), "diritto_annuale");
  EXPECT_EQ(r.values(0).row(), 2u);
  EXPECT_EQ(r.values(0).source_code(), "CE01");
  EXPECT_EQ(r.values(0).label(), "Diritto annuale");
  EXPECT_EQ(r.values(0).unit(), "M€");
  // A fresh key per request: the same batch again is recognised by the service from its id and checksum.
  EXPECT_NE(BatchRequest(b, "default").meta().idempotency_key(), r.meta().idempotency_key());
}

TEST(FeedCmdTest, SummaryAndJson) {
  FeedImportResult r;
  r.file = "acc.csv";
  r.batch_id = "acc.csv";
  r.administration = "default";
  r.submitted.set_rows(189);
  r.submitted.set_variables(38);
  r.submitted.set_values_new(189);
  ComputedYear y;
  y.year = 2021;
  v1::ComputedActualResult a;
  a.mutable_objective()->set_level_kind(v1::OBJECTIVE_LEVEL_STRATEGIC);
  a.mutable_objective()->set_code("RATIOS");
  a.set_indicator("EQ_GC");
  a.set_period("year-end");
  a.set_outcome_kind(v1::COMPUTE_OUTCOME_RECORDED);
  a.set_value(126.72);
  a.set_actual_id("default/2021/A1");
  y.results.push_back(a);
  a.set_indicator("X");
  a.set_outcome_kind(v1::COMPUTE_OUTCOME_NOT_COMPUTABLE);
  a.set_reason("period 2021: division by zero: 'b' is 0 (column 5)");
  a.clear_actual_id();
  y.results.push_back(a);
  r.computed.push_back(y);
  const std::string text = RenderFeedImport(r);
  EXPECT_THAT(text, HasSubstr("189 rows, 38 variables (189 new, 0 corrected, 0 unchanged)"));
  EXPECT_THAT(text, HasSubstr("computed actuals: 1 (1 recorded, 0 recomputed), 0 unchanged, 1 not computable"));
  EXPECT_THAT(text, HasSubstr("recorded 2021 RATIOS/EQ_GC year-end = 126.7 (default/2021/A1)"));
  EXPECT_THAT(text, HasSubstr("not computable 2021 RATIOS/X year-end: period 2021: division by zero"));
  const nlohmann::json j = FeedImportToJson(r);
  EXPECT_EQ(j["rows"], 189);
  EXPECT_EQ(j["computed_actuals"], 1);
  ASSERT_EQ(j["actuals"].size(), 2u);
  EXPECT_EQ(j["actuals"][0]["value"], 126.72);
  EXPECT_TRUE(j["actuals"][1]["value"].is_null());
  EXPECT_EQ(RenderComputed(y), "computed actuals 2021: 1 recorded, 0 recomputed, 0 unchanged, 1 not computable, 0 waiting for data\n");
}

// The chain is assembled by the projection (services/projection/lineage_test.cc); the CLI renders it.
TEST(FeedCmdTest, LineageRendersTheProjectionsAnswer) {
  v1::Lineage l;
  l.set_administration("default");
  l.set_year(2021);
  l.mutable_objective()->set_level_kind(v1::OBJECTIVE_LEVEL_STRATEGIC);
  l.mutable_objective()->set_code("RATIOS");
  l.mutable_objective_score()->set_score_pct(60);
  l.mutable_objective_score()->set_label("Parzialmente raggiunto");
  l.mutable_indicator()->set_code("STR_PRIM");
  l.mutable_indicator()->set_grade_pct(100);
  testing::SetTarget(R"({"op":">=","value":105.0,"unit":"%"})", l.mutable_indicator()->mutable_target());
  testing::SetThreshold("null", l.mutable_indicator());
  const nlohmann::json none = LineageToJson(l);
  EXPECT_TRUE(none["actual"].is_null());
  EXPECT_THAT(RenderLineage(none), HasSubstr("← actual  none recorded"));

  v1::ActualVersion* cur = l.mutable_actual();
  cur->set_actual_id("default/2021/A2");
  cur->set_corrects("default/2021/A1");
  cur->set_period("year-end");
  testing::SetValue(R"({"value":114.67,"unit":"%"})", cur->mutable_value());
  v1::Computation* c = cur->mutable_computation();
  c->set_formula("patrimonio_netto / immobilizzazioni * 100");
  c->set_plan_version(2);
  v1::ComputationInput* in = c->add_inputs();
  in->set_variable("patrimonio_netto");
  in->mutable_value()->set_period("2021");
  in->mutable_value()->set_value(108.73);
  in->mutable_value()->set_unit("M€");
  in->mutable_value()->set_batch_id("b2");
  in->mutable_value()->set_row(190);
  in->mutable_value()->set_source_code("SPP10");
  l.add_earlier_actuals()->set_actual_id("default/2021/A1");
  l.mutable_formula_version()->set_change_kind(v1::AUDIT_CHANGE_ADOPTED);
  l.mutable_formula_version()->set_global_position(4);
  v1::BatchSummary* b = l.add_batches();
  b->set_batch_id("b2");
  b->set_feed_kind(v1::FEED_KIND_ACCOUNTING);
  b->set_rows(189);

  const nlohmann::json j = LineageToJson(l);
  EXPECT_EQ(j["objective"]["score_pct"], 60.0);
  EXPECT_EQ(j["indicator"]["grade_pct"], 100.0);
  EXPECT_EQ(j["actual"]["corrects"], "default/2021/A1");
  EXPECT_EQ(j["earlier_actuals"].size(), 1u);
  EXPECT_EQ(j["formula"]["plan_version"], 2);
  EXPECT_EQ(j["formula"]["version"]["global_position"], 4);
  EXPECT_EQ(j["inputs"][0]["row"], 190);
  EXPECT_EQ(j["batches"][0]["rows"], 189);
  const std::string text = RenderLineage(j);
  EXPECT_THAT(text, HasSubstr("← formula patrimonio_netto / immobilizzazioni * 100 (plan version 2)"));
  EXPECT_THAT(text, HasSubstr("← patrimonio_netto 2021 = 108.73 M€  ← batch b2 row 190 (SPP10)"));
}

}  // namespace
}  // namespace piao::cli
