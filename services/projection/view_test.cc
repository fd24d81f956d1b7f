// Pure view tests: hand-built envelopes in, view records out, queries over them.
#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/base/key_codec.h"
#include "libs/plan/plan_proto.h"
#include "nlohmann/json.hpp"
#include "services/projection/query.h"
#include "services/projection/torino_events_test_util.h"
#include "services/projection/view.h"

// These tests also check the deprecated JSON-text fields still filled for wave-one clients.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace piao::projection {
namespace {

using ::testing::HasSubstr;
using testing::At;
using testing::SourceLog;
using testing::ValidFrom;

constexpr char kAdmin[] = "CCIAA-XX";
constexpr int kYear = 2022;

// The view as a map, fed event by event as the applier would.
struct MemoryView {
  std::map<std::string, std::string> kv;
  void Apply(const v1::EventEnvelope& e) {
    MapReader reader(&kv);
    absl::StatusOr<ViewUpdate> u = ProjectEvent(e, reader);
    ASSERT_TRUE(u.ok()) << u.status();
    for (const auto& [k, v] : u->puts) kv[k] = v;
  }
  MapReader reader() const { return MapReader(&kv); }
};

v1::IndicatorDefinition Indicator(const std::string& code, const std::string& op, double target, const std::string& unit,
                                  double weight) {
  v1::IndicatorDefinition d;
  d.set_code(code);
  d.set_name("Indicator " + code);
  d.set_unit(unit);
  d.set_weight_pct(weight);
  d.mutable_target()->mutable_comparison()->set_op(op);
  d.mutable_target()->mutable_comparison()->set_value(target);
  d.mutable_target()->mutable_comparison()->set_unit(unit);
  return d;
}

v1::MeasuredValue Quantity(double v, const std::string& unit) {
  v1::MeasuredValue m;
  m.mutable_quantity()->set_value(v);
  m.mutable_quantity()->set_unit(unit);
  return m;
}

v1::ObjectiveKey StrategicKey(const std::string& code) {
  v1::ObjectiveKey k;
  k.set_level_kind(v1::OBJECTIVE_LEVEL_STRATEGIC);
  k.set_code(code);
  return k;
}

// A small plan: OS1 with K1 (>= 20 %, revised to >= 85 % by act 50 valid from 2022-09-13, recorded on
// 2022-09-20) and K2 (<= 10 gg); actuals K1 = 50 % (corrected to 90 % on 2023-02-01) and K2 = 8 gg.
class ViewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    v1::PlanCreated created;
    created.set_administration(kAdmin);
    created.set_year(kYear);
    created.set_title("PIAO 2022-2024");
    view_.Apply(planning_.Add(kAdmin, kYear, created, At("2022-01-10T09:00:00"), std::nullopt, "user:planner"));

    v1::ObjectivesAdopted adopted;
    adopted.mutable_act()->set_text("Deliberazione di Giunta n. 10 del 01/02/2022");
    adopted.mutable_act()->set_number("10");
    adopted.mutable_act()->set_date("2022-02-01");
    adopted.set_effective_date("2022-02-01");
    v1::ObjectiveDefinition* os1 = adopted.add_objectives();
    os1->set_code("OS1");
    os1->set_level_kind(v1::OBJECTIVE_LEVEL_STRATEGIC);
    os1->set_title("Salute organizzativa");
    *os1->add_indicators() = Indicator("K1", ">=", 20, "%", 50);
    *os1->add_indicators() = Indicator("K2", "<=", 10, "gg", 50);
    view_.Apply(planning_.Add(kAdmin, kYear, adopted, At("2022-02-02T09:00:00"), ValidFrom("2022-02-01"),
                              "user:planner", "import-1"));

    v1::RevisionActApplied revised;
    revised.mutable_act()->set_text("Deliberazione di Giunta n. 50 del 13/09/2022");
    revised.mutable_act()->set_number("50");
    revised.mutable_act()->set_date("2022-09-13");
    revised.set_effective_date("2022-09-13");
    v1::RevisionChange* c = revised.add_changes();
    c->mutable_objective()->set_code("OS1");  // level/scope may be empty: joined by codes
    c->set_indicator("K1");
    c->set_kind("target");
    c->set_from_json(R"({"op": ">=", "value": 20.0, "unit": "%"})");
    c->set_to_json(R"({"op": ">=", "value": 85.0, "unit": "%"})");
    c->set_reason("mid-year revision after intermediate monitoring");
    c->set_evidence("nota");
    v1::IndicatorAdoption* after = revised.add_after();
    *after->mutable_objective() = StrategicKey("OS1");
    *after->mutable_indicator() = Indicator("K1", ">=", 85, "%", 50);
    view_.Apply(planning_.Add(kAdmin, kYear, revised, At("2022-09-20T11:00:00"), ValidFrom("2022-09-13"),
                              "user:giunta-secretary", "delibera-50"));

    view_.Apply(measurement_.Add(kAdmin, kYear, Actual("a1", "K1", Quantity(50, "%")), At("2023-01-15T10:00:00"),
                                 std::nullopt, "user:measurer"));
    view_.Apply(measurement_.Add(kAdmin, kYear, Actual("a2", "K2", Quantity(8, "gg")), At("2023-01-15T10:05:00"),
                                 std::nullopt, "user:measurer"));
    v1::ActualCorrected corrected;
    corrected.set_actual_id("a3");
    corrected.set_corrects("a1");
    *corrected.mutable_objective() = StrategicKey("OS1");
    corrected.set_indicator("K1");
    corrected.set_period("year-end");
    *corrected.mutable_value() = Quantity(90, "%");
    corrected.set_reason("typo in the first entry");
    view_.Apply(measurement_.Add(kAdmin, kYear, corrected, At("2023-02-01T08:00:00"), std::nullopt, "user:oiv-desk"));
  }

  static v1::ActualRecorded Actual(const std::string& id, const std::string& indicator, const v1::MeasuredValue& v) {
    v1::ActualRecorded a;
    a.set_actual_id(id);
    *a.mutable_objective() = StrategicKey("OS1");
    a.set_indicator(indicator);
    a.set_period("year-end");
    *a.mutable_value() = v;
    a.set_source("office report");
    a.set_evidence_ref("prot. 123");
    return a;
  }

  v1::ScoresView Scores(const std::string& date = "", std::optional<absl::Time> record_time = std::nullopt,
                        const std::string& basis = "") {
    v1::GetScoresRequest req;
    req.set_administration(kAdmin);
    req.set_year(kYear);
    req.set_as_of_date(date);
    req.set_basis(basis);
    if (record_time.has_value()) *req.mutable_as_of_record_time() = testing::Ts(*record_time);
    absl::StatusOr<v1::ScoresView> v = QueryScores(view_.reader(), req);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *v : v1::ScoresView();
  }

  static const v1::IndicatorScore& K(const v1::ScoresView& v, const std::string& code) {
    for (const auto& o : v.objectives()) {
      for (const auto& i : o.indicators()) {
        if (i.code() == code) return i;
      }
    }
    static v1::IndicatorScore none;
    ADD_FAILURE() << "no indicator " << code;
    return none;
  }
  static double TargetValue(const v1::ScoresView& v, const std::string& code) {
    return nlohmann::json::parse(K(v, code).target_json()).at("value").get<double>();
  }

  SourceLog planning_{"planning", "plan"};
  SourceLog measurement_{"measurement", "actuals"};
  MemoryView view_;
};

TEST_F(ViewTest, AsOfDateBeforeAndAfterTheEffectiveDate) {
  EXPECT_EQ(TargetValue(Scores("2022-07-01"), "K1"), 20);
  EXPECT_EQ(TargetValue(Scores("2022-09-12"), "K1"), 20);
  EXPECT_EQ(TargetValue(Scores("2022-09-13"), "K1"), 85);
  EXPECT_EQ(TargetValue(Scores(), "K1"), 85);
  EXPECT_EQ(Scores("2022-07-01").as_of_date(), "2022-07-01");
  // Before the plan was adopted nothing was in force.
  EXPECT_EQ(Scores("2022-01-15").objectives_size(), 0);
}

TEST_F(ViewTest, AsOfRecordTimeBeforeTheRevisionWasRecordedShowsTheOldTarget) {
  // Valid on 2022-12-31 but asked as the system knew it on 2022-09-15: the act was recorded on the 20th.
  EXPECT_EQ(TargetValue(Scores("2022-12-31", At("2022-09-15T00:00:00")), "K1"), 20);
  EXPECT_EQ(TargetValue(Scores("2022-12-31", At("2022-09-21T00:00:00")), "K1"), 85);
  // Before any actual was recorded: no actual, grade 0 at full weight.
  const v1::ScoresView early = Scores("", At("2022-12-31T00:00:00"));
  EXPECT_EQ(K(early, "K1").actual_json(), "null");
  EXPECT_EQ(K(early, "K1").how(), "no_actual");
}

TEST_F(ViewTest, ApprovedBasisUsesTheAdoptedDefinitions) {
  const v1::ScoresView approved = Scores("", std::nullopt, "approved");
  const v1::ScoresView revised = Scores("", std::nullopt, "revised");
  EXPECT_EQ(approved.basis(), "approved");
  EXPECT_EQ(revised.basis(), "revised");
  EXPECT_EQ(approved.basis_kind(), v1::SCORE_BASIS_APPROVED);
  EXPECT_EQ(revised.basis_kind(), v1::SCORE_BASIS_REVISED);
  EXPECT_EQ(TargetValue(approved, "K1"), 20);
  EXPECT_EQ(TargetValue(revised, "K1"), 85);
  EXPECT_EQ(K(approved, "K1").threshold_json(), "null");
}

TEST_F(ViewTest, ACorrectionSupersedesWhatItCorrects) {
  const v1::ScoresView now = Scores();
  EXPECT_EQ(nlohmann::json::parse(K(now, "K1").actual_json()).at("value").get<double>(), 90);
  EXPECT_EQ(K(now, "K1").grade_pct(), 100);
  ASSERT_TRUE(now.has_enterprise_score_pct());
  EXPECT_EQ(now.enterprise_score_pct(), 100);
  EXPECT_EQ(now.enterprise_label(), "Raggiunto");
  // Before the correction was recorded the first value (50 %, below 85 %, no soglia) counted.
  const v1::ScoresView before = Scores("", At("2023-01-20T00:00:00"));
  EXPECT_EQ(nlohmann::json::parse(K(before, "K1").actual_json()).at("value").get<double>(), 50);
  EXPECT_EQ(K(before, "K1").grade_pct(), 0);
  EXPECT_EQ(before.objectives(0).score_pct(), 50);
  EXPECT_EQ(before.objectives(0).label(), "Parzialmente raggiunto");
}

TEST_F(ViewTest, TheCurrentTreeIsScoredFromTheRecords) {
  auto records = LoadPlan(view_.reader(), kAdmin, kYear);
  ASSERT_TRUE(records.ok()) << records.status();
  auto computed = ScoreRecords(*records, AsOf());
  ASSERT_TRUE(computed.ok()) << computed.status();
  // No scored tree is stored (an event's cost must not grow with its plan): only the plan's own records.
  for (const auto& [k, v] : view_.kv) {
    if (!k.starts_with(PlanPrefix(kAdmin, kYear))) continue;
    const char kind = k[PlanPrefix(kAdmin, kYear).size()];
    EXPECT_TRUE(kind == 'H' || kind == 'O' || kind == 'V' || kind == 'A' || kind == 'T') << k;
  }
  auto current = CurrentScores(view_.reader(), kAdmin, kYear);
  ASSERT_TRUE(current.ok()) << current.status();
  EXPECT_EQ(SerializeDeterministic(*current), SerializeDeterministic(*computed));
  EXPECT_EQ(SerializeDeterministic(Scores()), SerializeDeterministic(*computed));
}

TEST_F(ViewTest, EveryPlanEventStampsThePlanWithItsSourceAndPosition) {
  // One stamp per source, holding the position of the last event of that source applied to the plan.
  std::map<std::string, uint64_t> stamps;
  for (const auto& [k, v] : view_.kv) {
    if (!k.starts_with(PlanStampPrefix(kAdmin, kYear))) continue;
    PlanStamp s;
    ASSERT_TRUE(s.ParseFromString(v)) << k;
    stamps[k.substr(PlanStampPrefix(kAdmin, kYear).size())] = s.global_position();
  }
  ASSERT_EQ(stamps.size(), 2u);
  EXPECT_EQ(stamps.at(EncodeKeyParts({"planning"})), 3u);     // created, adopted, revised
  EXPECT_EQ(stamps.at(EncodeKeyParts({"measurement"})), 3u);  // two actuals and a correction
  absl::StatusOr<std::string> before = PlanStamps(view_.reader(), kAdmin, kYear);
  ASSERT_TRUE(before.ok()) << before.status();
  view_.Apply(measurement_.Add(kAdmin, kYear, Actual("a4", "K2", Quantity(12, "gg")), At("2023-03-01T10:00:00"),
                               std::nullopt, "user:measurer"));
  absl::StatusOr<std::string> after = PlanStamps(view_.reader(), kAdmin, kYear);
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_NE(*before, *after);
  absl::StatusOr<std::string> none = PlanStamps(view_.reader(), kAdmin, kYear + 1);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(*none, "");
}

TEST_F(ViewTest, TheScoresCacheAnswersTheSameTreeAndNeverAStaleOne) {
  ScoresCache cache(4);
  v1::GetScoresRequest req;
  req.set_administration(kAdmin);
  req.set_year(kYear);
  auto query = [&](const v1::GetScoresRequest& r) {
    absl::StatusOr<v1::ScoresView> v = QueryScores(view_.reader(), r, &cache);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *v : v1::ScoresView();
  };
  const v1::ScoresView first = query(req);
  EXPECT_EQ(cache.stats().misses, 1u);
  const v1::ScoresView second = query(req);
  EXPECT_EQ(cache.stats().hits, 1u);
  EXPECT_EQ(SerializeDeterministic(first), SerializeDeterministic(second));
  EXPECT_EQ(SerializeDeterministic(second), SerializeDeterministic(Scores()));  // as without a cache

  // Another as-of is another entry, with its own answer (the target before delibera 50).
  v1::GetScoresRequest before = req;
  before.set_as_of_date("2022-06-30");
  const v1::ScoresView june = query(before);
  EXPECT_EQ(cache.stats().misses, 2u);
  EXPECT_EQ(TargetValue(june, "K1"), 20);
  EXPECT_EQ(TargetValue(query(req), "K1"), 85);
  EXPECT_EQ(cache.stats().hits, 2u);

  // A new actual changes the plan's stamps: the next answer is scored again and shows it.
  EXPECT_EQ(nlohmann::json::parse(K(second, "K2").actual_json()).at("value").get<double>(), 8);
  view_.Apply(measurement_.Add(kAdmin, kYear, Actual("a4", "K2", Quantity(12, "gg")), At("2023-03-01T10:00:00"),
                               std::nullopt, "user:measurer"));
  const v1::ScoresView third = query(req);
  EXPECT_EQ(cache.stats().misses, 3u);
  EXPECT_EQ(nlohmann::json::parse(K(third, "K2").actual_json()).at("value").get<double>(), 12);
  EXPECT_EQ(SerializeDeterministic(third), SerializeDeterministic(Scores()));

  // Bounded: the least recently used entries go.
  for (const char* d : {"2022-03-01", "2022-04-01", "2022-05-01", "2022-07-01"}) {
    v1::GetScoresRequest r = req;
    r.set_as_of_date(d);
    query(r);
  }
  EXPECT_EQ(cache.stats().entries, 4u);
}

TEST_F(ViewTest, HistoryListsVersionsAndActualsOldestFirst) {
  v1::GetIndicatorHistoryRequest req;
  req.set_administration(kAdmin);
  req.set_year(kYear);
  req.set_objective("OS1");
  req.set_indicator("K1");
  auto h = QueryIndicatorHistory(view_.reader(), req);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->objective().level_kind(), v1::OBJECTIVE_LEVEL_STRATEGIC);
  ASSERT_EQ(h->versions_size(), 2);
  const v1::IndicatorVersion& adopted = h->versions(0);
  EXPECT_EQ(adopted.change(), "adopted");
  EXPECT_EQ(adopted.act().text(), "Deliberazione di Giunta n. 10 del 01/02/2022");
  EXPECT_EQ(adopted.effective_date(), "2022-02-01");
  EXPECT_EQ(adopted.actor(), "user:planner");
  EXPECT_EQ(adopted.global_position(), 2u);
  EXPECT_EQ(adopted.correlation_id(), "import-1");
  EXPECT_EQ(nlohmann::json::parse(adopted.target_json()).at("value"), 20);
  EXPECT_EQ(adopted.weight_pct(), 50);
  const v1::IndicatorVersion& target = h->versions(1);
  EXPECT_EQ(target.change(), "target");
  EXPECT_EQ(target.act().number(), "50");
  EXPECT_EQ(target.effective_date(), "2022-09-13");
  EXPECT_EQ(target.actor(), "user:giunta-secretary");
  EXPECT_EQ(FromTimestamp(target.recorded_at()), At("2022-09-20T11:00:00"));
  EXPECT_EQ(target.reason(), "mid-year revision after intermediate monitoring");
  EXPECT_EQ(nlohmann::json::parse(target.from_json()).at("value"), 20);
  EXPECT_EQ(nlohmann::json::parse(target.to_json()).at("value"), 85);
  EXPECT_EQ(nlohmann::json::parse(target.target_json()).at("value"), 85);
  EXPECT_LT(FromTimestamp(adopted.recorded_at()), FromTimestamp(target.recorded_at()));

  ASSERT_EQ(h->actuals_size(), 2);
  EXPECT_EQ(h->actuals(0).actual_id(), "a1");
  EXPECT_EQ(h->actuals(0).source(), "office report");
  EXPECT_EQ(h->actuals(0).evidence_ref(), "prot. 123");
  EXPECT_EQ(h->actuals(0).actor(), "user:measurer");
  EXPECT_EQ(h->actuals(1).actual_id(), "a3");
  EXPECT_EQ(h->actuals(1).corrects(), "a1");
  EXPECT_EQ(h->actuals(1).reason(), "typo in the first entry");
  EXPECT_EQ(h->actuals(1).actor(), "user:oiv-desk");
  EXPECT_EQ(h->actuals(1).global_position(), 3u);
  EXPECT_THAT(h->actuals(1).value_json(), HasSubstr("90"));
}

TEST_F(ViewTest, UnknownPlansAndIndicatorsAreNotFound) {
  v1::GetScoresRequest req;
  req.set_year(2031);
  EXPECT_EQ(QueryScores(view_.reader(), req).status().code(), absl::StatusCode::kNotFound);
  req.set_year(kYear);  // one plan that year: the administration may be left out
  auto v = QueryScores(view_.reader(), req);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(v->administration(), kAdmin);
  req.set_basis("final");
  EXPECT_EQ(QueryScores(view_.reader(), req).status().code(), absl::StatusCode::kInvalidArgument);
  // The typed basis; wave one's text may come along only if it says the same.
  req.set_basis("");
  req.set_basis_kind(v1::SCORE_BASIS_APPROVED);
  auto approved = QueryScores(view_.reader(), req);
  ASSERT_TRUE(approved.ok()) << approved.status();
  EXPECT_EQ(approved->basis_kind(), v1::SCORE_BASIS_APPROVED);
  req.set_basis("revised");
  auto contradiction = QueryScores(view_.reader(), req);
  EXPECT_EQ(contradiction.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(contradiction.status().message(), HasSubstr("contradicts basis_kind"));
  req.set_basis("");
  req.set_basis_kind(static_cast<v1::ScoreBasis>(9));
  EXPECT_THAT(QueryScores(view_.reader(), req).status().message(), HasSubstr("basis_kind"));
  req.set_basis_kind(v1::SCORE_BASIS_UNSPECIFIED);

  v1::GetIndicatorHistoryRequest h;
  h.set_year(kYear);
  h.set_objective("OS1");
  h.set_indicator("K7");
  auto missing = QueryIndicatorHistory(view_.reader(), h);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("K7"));
  h.set_objective("OS9");
  EXPECT_THAT(QueryIndicatorHistory(view_.reader(), h).status().message(), HasSubstr("OS9"));
}

TEST_F(ViewTest, AmbiguousCodesAndSeveralPlansAskForMore) {
  // A second administration the same year, whose OP1 exists as a unit's and as a manager's objective.
  SourceLog other("planning", "plan");
  v1::ObjectivesAdopted adopted;
  adopted.mutable_act()->set_text("Deliberazione di Giunta n. 3 del 01/03/2022");
  adopted.set_effective_date("2022-03-01");
  v1::ObjectiveDefinition* op = adopted.add_objectives();
  op->set_code("OP1");
  op->set_level_kind(v1::OBJECTIVE_LEVEL_OPERATIONAL);
  op->add_units("Area Anagrafe");
  *op->add_indicators() = Indicator("K9", ">=", 1, "N.", 100);
  v1::ObjectiveDefinition* ind = adopted.add_objectives();
  ind->set_code("OP1");
  ind->set_level_kind(v1::OBJECTIVE_LEVEL_INDIVIDUAL);
  ind->set_owner("Segretario Generale");
  *ind->add_indicators() = Indicator("K9", ">=", 1, "N.", 100);
  view_.Apply(other.Add("CCIAA-YY", kYear, adopted, At("2022-03-02T09:00:00"), ValidFrom("2022-03-01")));

  v1::GetScoresRequest req;
  req.set_year(kYear);
  auto s = QueryScores(view_.reader(), req);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("administration"));

  v1::GetIndicatorHistoryRequest h;
  h.set_administration("CCIAA-YY");
  h.set_year(kYear);
  h.set_objective("OP1");
  h.set_indicator("K9");
  auto amb = QueryIndicatorHistory(view_.reader(), h);
  EXPECT_EQ(amb.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(amb.status().message(), HasSubstr("Area Anagrafe"));
  EXPECT_THAT(amb.status().message(), HasSubstr("Segretario Generale"));
  h.set_level_kind(v1::OBJECTIVE_LEVEL_INDIVIDUAL);
  auto one = QueryIndicatorHistory(view_.reader(), h);
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->objective().scope(), "Segretario Generale");

  // The level filter: wave one's text alone, or agreeing, is the same filter; a contradiction or a text that
  // names no level is refused naming the field.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  h.set_level("individual");
  auto agree = QueryIndicatorHistory(view_.reader(), h);
  ASSERT_TRUE(agree.ok()) << agree.status();
  EXPECT_EQ(agree->objective().scope(), "Segretario Generale");
  h.clear_level_kind();
  auto legacy = QueryIndicatorHistory(view_.reader(), h);
  ASSERT_TRUE(legacy.ok()) << legacy.status();
  EXPECT_EQ(legacy->objective().scope(), "Segretario Generale");
  EXPECT_EQ(legacy->objective().level_kind(), v1::OBJECTIVE_LEVEL_INDIVIDUAL);
  h.set_level_kind(v1::OBJECTIVE_LEVEL_OPERATIONAL);
  auto contradiction = QueryIndicatorHistory(view_.reader(), h);
  EXPECT_EQ(contradiction.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(contradiction.status().message(),
              HasSubstr("level: 'individual' contradicts level_kind OBJECTIVE_LEVEL_OPERATIONAL"));
  h.clear_level_kind();
  h.set_level("manager");
  auto unknown = QueryIndicatorHistory(view_.reader(), h);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unknown.status().message(), HasSubstr("level: must be strategic, operational or individual"));
#pragma GCC diagnostic pop
}

TEST_F(ViewTest, DescriptionUpdatesAreVersionsThatKeepTheScoringDefinition) {
  v1::DescriptionsUpdated d;
  v1::DescriptionUpdate* u = d.add_updates();
  *u->mutable_objective() = StrategicKey("OS1");
  *u->mutable_before() = Indicator("K2", "<=", 10, "gg", 50);
  *u->mutable_after() = Indicator("K2", "<=", 10, "gg", 50);
  u->mutable_after()->set_name("Tempi medi di evasione");
  view_.Apply(planning_.Add(kAdmin, kYear, d, At("2022-10-01T09:00:00"), std::nullopt, "user:planner"));
  v1::GetIndicatorHistoryRequest h;
  h.set_administration(kAdmin);
  h.set_year(kYear);
  h.set_objective("OS1");
  h.set_indicator("K2");
  auto hist = QueryIndicatorHistory(view_.reader(), h);
  ASSERT_TRUE(hist.ok()) << hist.status();
  ASSERT_EQ(hist->versions_size(), 2);
  EXPECT_EQ(hist->versions(1).change(), "description");
  EXPECT_EQ(hist->versions(1).effective_date(), "2022-10-01");
  EXPECT_THAT(hist->versions(1).to_json(), HasSubstr("Tempi medi di evasione"));
  EXPECT_EQ(K(Scores(), "K2").name(), "Tempi medi di evasione");
  EXPECT_EQ(K(Scores("2022-09-30"), "K2").name(), "Indicator K2");
}

TEST_F(ViewTest, UnknownEventTypesWriteNothing) {
  v1::EventEnvelope e = planning_.events().front();
  e.set_event_type("piao.v1.RiskAssessed");
  MapReader reader(&view_.kv);
  auto u = ProjectEvent(e, reader);
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_TRUE(u->unknown_type);
  EXPECT_TRUE(u->puts.empty());
}

TEST_F(ViewTest, TheFinalViewDoesNotDependOnHowTheSourcesInterleave) {
  MemoryView measurement_first;
  for (const auto& e : measurement_.events()) measurement_first.Apply(e);
  for (const auto& e : planning_.events()) measurement_first.Apply(e);
  EXPECT_EQ(measurement_first.kv, view_.kv);
}

}  // namespace
}  // namespace piao::projection
