#include "services/measurement/feed_aggregate.h"

#include <cmath>
#include <limits>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libs/base/legacy_enum.h"
#include "services/common/aggregate_util.h"

namespace piao::measurement {
namespace {

using ::testing::HasSubstr;

// In-memory streams: decided events are numbered and folded as the store would.
class Stream {
 public:
  void Append(const std::vector<eventstore::NewEvent>& decided) {
    for (const auto& ne : decided) {
      v1::EventEnvelope e;
      e.set_event_type(ne.event_type);
      e.set_payload(ne.payload);
      e.set_schema_version(ne.schema_version);
      e.set_stream_version(events_.size() + 1);
      e.set_global_position(events_.size() + 1);
      e.mutable_actor()->set_id("svc:feed");
      events_.push_back(e);
    }
  }
  const std::vector<v1::EventEnvelope>& events() const { return events_; }
  VariablesState Variables() const { return *FoldVariables(events_); }
  ActualsState Actuals() const { return *FoldActuals(events_); }

 private:
  std::vector<v1::EventEnvelope> events_;
};

const std::string kSum1(64, 'a');
const std::string kSum2(64, 'b');

v1::SubmitBatchRequest Batch(const std::string& id, const std::string& checksum,
                             std::vector<std::tuple<std::string, std::string, double>> values,
                             const std::string& unit = "M€") {
  v1::SubmitBatchRequest r;
  r.set_administration("CCIAA-TO");
  r.set_batch_id(id);
  r.set_feed_kind(v1::FEED_KIND_ACCOUNTING);
  r.set_checksum(checksum);
  r.set_source(id + ".csv");
  uint32_t row = 2;
  for (const auto& [variable, period, value] : values) {
    v1::VariableValue* v = r.add_values();
    v->set_variable(variable);
    v->set_period(period);
    v->set_value(value);
    v->set_unit(unit);
    v->set_row(row++);
    v->set_source_code("X" + variable);
  }
  return r;
}

v1::ComputeActualsRequest Compute(int year, const std::string& formula, uint64_t plan_version = 3) {
  v1::ComputeActualsRequest r;
  r.set_administration("CCIAA-TO");
  r.set_year(year);
  v1::FormulaSpec* f = r.add_formulas();
  f->mutable_objective()->set_level_kind(v1::OBJECTIVE_LEVEL_STRATEGIC);
  f->mutable_objective()->set_code("RATIOS");
  f->set_indicator("EQ_GC");
  f->set_formula(formula);
  f->set_unit("%");
  f->set_plan_version(plan_version);
  return r;
}

TEST(FeedAggregateTest, BatchIsRecordedOnceAndCorrectionsAreNewFacts) {
  Stream vars;
  auto d = DecideSubmitBatch(vars.Variables(), Batch("b1", kSum1, {{"oneri", "2021", 48.42}, {"proventi", "2021", 38.21}}));
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ(d->events.size(), 1u);
  EXPECT_EQ(d->response.rows(), 2u);
  EXPECT_EQ(d->response.values_new(), 2u);
  vars.Append(d->events);
  VariablesState s = vars.Variables();
  EXPECT_EQ(s.current.at({"oneri", "2021"}).batch_id(), "b1");
  EXPECT_EQ(s.current.at({"oneri", "2021"}).row(), 2u);
  EXPECT_EQ(s.batches.at("b1").actor(), "svc:feed");

  // Same batch id and checksum: a no-op.
  auto again = DecideSubmitBatch(s, Batch("b1", kSum1, {{"oneri", "2021", 48.42}, {"proventi", "2021", 38.21}}));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->events.empty());
  EXPECT_TRUE(again->response.duplicate());

  // Same id, other content: refused, pointing to a new id.
  auto clash = DecideSubmitBatch(s, Batch("b1", kSum2, {{"oneri", "2021", 50}}));
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(clash.status().message()), HasSubstr("a corrected batch needs a new batch id"));

  // A later batch correcting a value: a new fact; the earlier value stays in its batch.
  auto fix = DecideSubmitBatch(s, Batch("b2", kSum2, {{"oneri", "2021", 50}, {"proventi", "2021", 38.21}}));
  ASSERT_TRUE(fix.ok());
  EXPECT_EQ(fix->response.values_corrected(), 1u);
  EXPECT_EQ(fix->response.values_unchanged(), 1u);
  vars.Append(fix->events);
  s = vars.Variables();
  EXPECT_EQ(s.current.at({"oneri", "2021"}).value(), 50);
  EXPECT_EQ(s.current.at({"oneri", "2021"}).batch_id(), "b2");
  EXPECT_EQ(vars.events().size(), 2u);
  EXPECT_EQ(s.batch_order, (std::vector<std::string>{"b1", "b2"}));
}

TEST(FeedAggregateTest, BatchValidationNamesTheField) {
  Stream vars;
  struct Case {
    v1::SubmitBatchRequest request;
    std::string error;
  };
  std::vector<Case> cases;
  auto base = [] { return Batch("b1", kSum1, {{"oneri", "2021", 1}, {"proventi", "2021", 2}}); };
  {
    auto r = base();
    r.set_administration("");
    cases.push_back({r, "administration: must not be empty"});
  }
  {
    auto r = base();
    r.set_batch_id(" ");
    cases.push_back({r, "batch_id: must not be empty"});
  }
  {
    auto r = base();
    r.set_feed_kind(v1::FEED_KIND_UNSPECIFIED);
    cases.push_back({r, "feed_kind: must be FEED_KIND_ACCOUNTING or FEED_KIND_INFOCAMERE"});
  }
  {
    auto r = base();
    r.set_feed_kind(static_cast<v1::FeedKind>(7));
    cases.push_back({r, "feed_kind: 7 is not a feed kind"});
  }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // wave one's text kind, still accepted alone
  {
    auto r = base();
    r.set_feed_kind(v1::FEED_KIND_UNSPECIFIED);
    r.set_kind("bank");
    cases.push_back({r, "kind: must be accounting or infocamere"});
  }
  {
    auto r = base();
    r.set_kind("infocamere");
    cases.push_back({r, "kind: 'infocamere' contradicts feed_kind FEED_KIND_ACCOUNTING"});
  }
#pragma GCC diagnostic pop
  {
    auto r = base();
    r.set_checksum("abc");
    cases.push_back({r, "checksum: must be the SHA-256"});
  }
  {
    auto r = base();
    r.clear_values();
    cases.push_back({r, "values: a batch needs at least one value"});
  }
  {
    auto r = base();
    r.mutable_values(1)->set_variable("2x");
    cases.push_back({r, "values[1] (row 3).variable: '2x' is not a variable name"});
  }
  {
    auto r = base();
    r.mutable_values(0)->set_period("2021-13-01");
    cases.push_back({r, "values[0] (row 2).period: '2021-13-01' is not a year"});
  }
  {
    auto r = base();
    r.mutable_values(0)->set_value(std::numeric_limits<double>::quiet_NaN());
    cases.push_back({r, "values[0] (row 2).value: must be finite"});
  }
  {
    auto r = base();
    r.mutable_values(1)->set_unit("lire");
    cases.push_back({r, "values[1] (row 3).unit: unknown unit 'lire'"});
  }
  {
    auto r = base();
    r.mutable_values(1)->set_variable("oneri");
    cases.push_back({r, "values[1] (row 3): oneri for 2021 is already given by values[0]"});
  }
  for (const Case& c : cases) {
    auto d = DecideSubmitBatch(vars.Variables(), c.request);
    ASSERT_FALSE(d.ok()) << c.error;
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << c.error;
    EXPECT_THAT(std::string(d.status().message()), HasSubstr(c.error));
  }
  // A variable keeps its unit across batches.
  vars.Append(DecideSubmitBatch(vars.Variables(), base())->events);
  auto other_unit = DecideSubmitBatch(vars.Variables(), Batch("b2", kSum2, {{"oneri", "2022", 1}}, "€"));
  ASSERT_FALSE(other_unit.ok());
  EXPECT_EQ(other_unit.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(other_unit.status().message()), HasSubstr("oneri is recorded in 'M€', this batch gives '€'"));
}

TEST(FeedAggregateTest, ComputedActualCarriesLineageAndFollowsCorrections) {
  Stream vars, actuals;
  vars.Append(DecideSubmitBatch(vars.Variables(),
                                Batch("b1", kSum1, {{"oneri", "2021", 48.42}, {"proventi", "2021", 38.21}}))->events);
  const auto req = Compute(2021, "oneri / proventi * 100");
  auto d = DecideComputeActuals(actuals.Actuals(), vars.Variables(), req);
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ(d->results.size(), 1u);
  EXPECT_EQ(d->results[0].outcome_kind(), v1::COMPUTE_OUTCOME_RECORDED);
  EXPECT_EQ(d->results[0].period(), "year-end");
  EXPECT_NEAR(d->results[0].value(), 126.72, 0.005);
  EXPECT_EQ(d->results[0].actual_id(), "CCIAA-TO/2021/A1");
  ASSERT_EQ(d->events.size(), 1u);
  v1::ActualRecorded rec;
  ASSERT_TRUE(rec.ParseFromString(d->events[0].payload));
  EXPECT_EQ(rec.value().quantity().unit(), "%");
  EXPECT_EQ(rec.computation().formula(), "oneri / proventi * 100");
  EXPECT_EQ(rec.computation().plan_version(), 3u);
  ASSERT_EQ(rec.computation().inputs_size(), 2);
  EXPECT_EQ(rec.computation().inputs(0).variable(), "oneri");
  EXPECT_EQ(rec.computation().inputs(0).value().value(), 48.42);
  EXPECT_EQ(rec.computation().inputs(0).value().batch_id(), "b1");
  EXPECT_EQ(rec.computation().inputs(0).value().row(), 2u);
  EXPECT_EQ(rec.computation().inputs(1).value().row(), 3u);
  EXPECT_EQ(d->events[0].occurred_at, absl::FromCivil(absl::CivilSecond(2021, 12, 31), absl::UTCTimeZone()));
  actuals.Append(d->events);
  EXPECT_TRUE(actuals.Actuals().actuals.at("CCIAA-TO/2021/A1").computed);

  // Computing again with the same inputs: nothing new.
  auto same = DecideComputeActuals(actuals.Actuals(), vars.Variables(), req);
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->events.empty());
  EXPECT_EQ(same->results[0].outcome_kind(), v1::COMPUTE_OUTCOME_UNCHANGED);

  // A later batch corrects oneri: the actual is recomputed as a correction naming what changed.
  vars.Append(DecideSubmitBatch(vars.Variables(), Batch("b2", kSum2, {{"oneri", "2021", 50}}))->events);
  auto again = DecideComputeActuals(actuals.Actuals(), vars.Variables(), req);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->events.size(), 1u);
  EXPECT_EQ(again->results[0].outcome_kind(), v1::COMPUTE_OUTCOME_RECOMPUTED);
  v1::ActualCorrected cor;
  ASSERT_TRUE(cor.ParseFromString(again->events[0].payload));
  EXPECT_EQ(cor.corrects(), "CCIAA-TO/2021/A1");
  EXPECT_EQ(cor.actual_id(), "CCIAA-TO/2021/A2");
  EXPECT_NEAR(cor.value().quantity().value(), 50 / 38.21 * 100, 1e-9);
  EXPECT_THAT(cor.reason(), HasSubstr("oneri 2021 48.42 (batch b1) -> 50 (batch b2)"));
  EXPECT_EQ(cor.computation().inputs(0).value().batch_id(), "b2");
  EXPECT_EQ(cor.computation().inputs(1).value().batch_id(), "b1");
  actuals.Append(again->events);
  EXPECT_EQ(actuals.Actuals().current.begin()->second, "CCIAA-TO/2021/A2");
}

TEST(FeedAggregateTest, WaitingAndNotComputable) {
  Stream vars, actuals;
  vars.Append(DecideSubmitBatch(vars.Variables(),
                                Batch("b1", kSum1, {{"oneri", "2021", 48.42}, {"proventi", "2021", 0}}))->events);
  struct Case {
    int year;
    std::string formula;
    std::string outcome;
    std::string reason;
  };
  const Case cases[] = {
      {2021, "oneri / proventi * 100", "not_computable", "period 2021: division by zero: 'proventi' is 0"},
      {2020, "oneri / proventi * 100", "waiting", "no value for 2020 of oneri, proventi"},
      {2021, "(oneri - prev(oneri)) / prev(oneri)", "not_computable", "'oneri' has no value for the period 1 period"},
      {2021, "oneri + missing", "waiting", "no value for 2021 of missing"},
  };
  for (const Case& c : cases) {
    auto d = DecideComputeActuals(actuals.Actuals(), vars.Variables(), Compute(c.year, c.formula));
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_TRUE(d->events.empty()) << c.formula;
    ASSERT_EQ(d->results.size(), 1u);
    EXPECT_EQ(EnumText(d->results[0].outcome_kind()), c.outcome) << c.formula;
    EXPECT_THAT(d->results[0].reason(), HasSubstr(c.reason)) << c.formula;
  }
  // Bad specs: INVALID_ARGUMENT naming the formula and the column.
  auto bad = DecideComputeActuals(actuals.Actuals(), vars.Variables(), Compute(2021, "oneri / (proventi"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("formulas[0].formula of EQ_GC of strategic objective RATIOS"));
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("column 18"));
  auto twice = Compute(2021, "oneri");
  *twice.add_formulas() = twice.formulas(0);
  EXPECT_THAT(std::string(DecideComputeActuals(actuals.Actuals(), vars.Variables(), twice).status().message()),
              HasSubstr("is given twice"));
}

TEST(FeedAggregateTest, PreviousPeriodAndMonitoringDates) {
  Stream vars, actuals;
  auto b = Batch("ic-1", kSum1,
                 {{"imprese", "2021", 200}, {"imprese", "2022", 210}, {"imprese", "2021-06-30", 100},
                  {"imprese", "2022-06-30", 120}},
                 "N.");
  b.set_feed_kind(v1::FEED_KIND_INFOCAMERE);
  vars.Append(DecideSubmitBatch(vars.Variables(), b)->events);
  auto d = DecideComputeActuals(actuals.Actuals(), vars.Variables(),
                                Compute(2022, "(imprese - prev(imprese)) / prev(imprese) * 100"));
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ(d->results.size(), 2u);
  EXPECT_EQ(d->results[0].period(), "year-end");
  EXPECT_NEAR(d->results[0].value(), 5, 1e-9);
  EXPECT_EQ(d->results[1].period(), "2022-06-30");
  EXPECT_NEAR(d->results[1].value(), 20, 1e-9);
  EXPECT_EQ(d->results[1].actual_id(), "CCIAA-TO/2022/A2");
  v1::ActualRecorded rec;
  ASSERT_TRUE(rec.ParseFromString(d->events[0].payload));
  ASSERT_EQ(rec.computation().inputs_size(), 2);
  EXPECT_EQ(rec.computation().inputs(1).lag(), 1);
  EXPECT_EQ(rec.computation().inputs(1).value().period(), "2021");
}

}  // namespace
}  // namespace piao::measurement
