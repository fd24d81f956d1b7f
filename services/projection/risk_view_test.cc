// The risk records and views on a map: events in as the risk store numbers them, answers out.
#include "services/projection/risk_view.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libs/risk/test_schemes.h"
#include "services/projection/risk_views_service.h"

namespace piao::projection {
namespace {

using ::testing::HasSubstr;

class RiskViewTest : public ::testing::Test {
 protected:
  template <typename M>
  void Add(const M& m, const std::string& admin = "CCIAA-TO") {
    v1::EventEnvelope e;
    e.set_source_service("risk");
    e.set_event_type(M::descriptor()->full_name());
    e.set_payload(m.SerializeAsString());
    e.mutable_stream()->set_aggregate_type("risk");
    e.mutable_stream()->set_aggregate_id(admin + "/2022");
    e.set_stream_version(++versions_[admin]);
    e.set_global_position(++position_);
    e.mutable_actor()->set_id("user:rpct");
    e.set_hash("h");
    events_.push_back(e);
    absl::StatusOr<ViewUpdate> u = ProjectRiskEvent(e);
    ASSERT_TRUE(u.ok()) << u.status();
    for (const auto& [k, v] : u->puts) view_[k] = v;
  }
  void Register(const std::string& admin = "CCIAA-TO") {
    v1::AreasDefined areas;
    areas.add_areas()->set_code("B");
    areas.add_areas()->set_code("E");
    Add(areas, admin);
    v1::SchemeDefined four;
    *four.mutable_scheme() = risk::testing::FourBands();
    four.mutable_scheme()->set_version(1);
    Add(four, admin);
    v1::SchemeDefined three;
    *three.mutable_scheme() = risk::testing::ThreeBands();
    three.mutable_scheme()->set_version(1);
    Add(three, admin);
    for (auto [code, area] : std::vector<std::pair<std::string, std::string>>{{"B.02", "B"}, {"E.01", "E"}}) {
      v1::ProcessDefined p;
      p.mutable_process()->set_code(code);
      p.mutable_process()->set_area(area);
      p.mutable_process()->add_risk_events()->set_code("E1");
      Add(p, admin);
    }
  }
  // Rated as the service would, from the state the view holds.
  void Assess(const std::string& process, const std::string& date, const std::string& scheme, double p, double i) {
    auto state = LoadRegister(MapReader(&view_), "CCIAA-TO", 2022);
    ASSERT_TRUE(state.ok()) << state.status();
    v1::Assessment a;
    a.set_process(process);
    a.set_assessed_on(date);
    a.set_rating_method(v1::RATING_METHOD_PRODUCT);
    a.set_scheme(scheme);
    a.set_motivation("m");
    a.add_events()->set_risk_event("E1");
    a.mutable_events(0)->set_probability(p);
    a.mutable_events(0)->set_impact(i);
    auto rated = risk::RateAssessment(*state, a);
    ASSERT_TRUE(rated.ok()) << rated.status();
    v1::AssessmentRecorded ev;
    *ev.mutable_assessment() = *rated;
    Add(ev);
  }

  std::map<std::string, std::string> view_;
  std::vector<v1::EventEnvelope> events_;
  std::map<std::string, uint64_t> versions_;
  uint64_t position_ = 0;
};

TEST_F(RiskViewTest, MapAsOfADateKeepsTheSchemeThatRated) {
  Register();
  Assess("B.02", "2022-02-01", "four_bands", 3, 3);  // 9 medio
  Assess("E.01", "2022-02-01", "three_bands", 3, 4);  // 12 medio
  v1::SchemeDefined v2;
  *v2.mutable_scheme() = risk::testing::Scheme("three_bands", {{"basso", 6}, {"medio", 11}, {"alto", 25}},
                                               {1, 2, 4}, {"D", "E", "G"}, "2022-07-01");
  v2.mutable_scheme()->set_version(2);
  Add(v2);
  Assess("E.01", "2022-09-01", "three_bands", 3, 4);  // 12 alto under version 2

  v1::GetRiskMapRequest req;
  req.set_year(2022);
  req.set_as_of_date("2022-06-30");
  absl::StatusOr<v1::RiskMap> june = QueryRiskMap(MapReader(&view_), req);
  ASSERT_TRUE(june.ok()) << june.status();
  EXPECT_EQ(june->administration(), "CCIAA-TO");
  ASSERT_EQ(june->processes_size(), 2);
  EXPECT_EQ(june->processes(1).level(), "rischio medio");
  EXPECT_EQ(june->processes(1).scheme_version(), 1u);
  req.set_as_of_date("");
  absl::StatusOr<v1::RiskMap> latest = QueryRiskMap(MapReader(&view_), req);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->processes(1).level(), "alto");
  EXPECT_EQ(latest->processes(1).scheme_version(), 2u);
  EXPECT_EQ(latest->overdue_on(), "2022-12-31");
  req.set_above_severity(2);
  EXPECT_EQ(QueryRiskMap(MapReader(&view_), req)->processes_size(), 1);

  v1::GetProcessHistoryRequest h;
  h.set_year(2022);
  h.set_process("E.01");
  absl::StatusOr<v1::ProcessHistory> history = QueryProcessHistory(MapReader(&view_), h);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->ratings_size(), 2);
  EXPECT_EQ(history->ratings(0).actor(), "user:rpct");
  EXPECT_EQ(history->ratings(0).global_position(), 7u);

  req.set_as_of_date("2022-02-30");
  EXPECT_THAT(QueryRiskMap(MapReader(&view_), req).status().message(), HasSubstr("as_of_date"));
}

TEST_F(RiskViewTest, RebuildIsByteIdenticalAndRecordsCarryNoHashes) {
  Register();
  Assess("B.02", "2022-02-01", "four_bands", 2, 2);
  std::map<std::string, std::string> again;
  for (const v1::EventEnvelope& e : events_) {
    absl::StatusOr<ViewUpdate> u = ProjectRiskEvent(e);
    ASSERT_TRUE(u.ok());
    for (const auto& [k, v] : u->puts) again[k] = v;
  }
  EXPECT_EQ(again, view_);
  for (const auto& [k, v] : view_) {
    ASSERT_TRUE(k.starts_with("r/")) << k;
    v1::EventEnvelope e;
    if (!v.empty()) {
      ASSERT_TRUE(e.ParseFromString(v));
      EXPECT_TRUE(e.hash().empty());
    }
  }
}

TEST_F(RiskViewTest, SeveralRegistersNeedAnAdministrationAndBadStreamsAreRefused) {
  Register("CCIAA-TO");
  Register("CCIAA-MI");
  v1::GetRiskReportRequest req;
  req.set_year(2022);
  EXPECT_THAT(QueryRiskReport(MapReader(&view_), req).status().message(), HasSubstr("CCIAA-MI, CCIAA-TO"));
  req.set_administration("CCIAA-MI");
  absl::StatusOr<v1::RiskReport> r = QueryRiskReport(MapReader(&view_), req);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->processes(), 2u);
  EXPECT_EQ(r->as_of_date(), "2022-12-31");
  req.set_year(2023);
  EXPECT_EQ(QueryRiskReport(MapReader(&view_), req).status().code(), absl::StatusCode::kNotFound);

  v1::EventEnvelope bad = events_.front();
  bad.mutable_stream()->set_aggregate_id("no-year");
  EXPECT_EQ(ProjectRiskEvent(bad).status().code(), absl::StatusCode::kInvalidArgument);
  bad.set_event_type("piao.v1.SomethingNew");
  EXPECT_TRUE(ProjectRiskEvent(bad)->unknown_type);
}

TEST(JoinPerformancePlan, MeasuresLinkedToIndicatorsGetTheirObjectiveAndGrade) {
  v1::ScoresView scores;
  v1::ObjectiveScore* o1 = scores.add_objectives();
  o1->set_code("OS1");
  o1->add_indicators()->set_code("kpi6.1.1_01");  // not graded here
  v1::ObjectiveScore* o2 = scores.add_objectives();
  o2->set_code("OO2");
  v1::IndicatorScore* graded = o2->add_indicators();
  graded->set_code("kpi6.1.1_01");
  graded->set_grade_pct(80);
  o2->add_indicators()->set_code("ungraded");
  v1::RiskReport report;
  report.add_measure_statuses()->set_performance_indicator("kpi6.1.1_01");
  report.add_measure_statuses()->set_performance_indicator("ungraded");
  report.add_measure_statuses()->set_performance_indicator("not-in-plan");
  report.add_measure_statuses();  // no link
  JoinPerformancePlan(scores, &report);
  EXPECT_TRUE(report.measure_statuses(0).performance_in_plan());
  EXPECT_EQ(report.measure_statuses(0).performance_objective(), "OO2");  // the graded occurrence wins
  EXPECT_DOUBLE_EQ(report.measure_statuses(0).performance_grade_pct(), 80);
  EXPECT_TRUE(report.measure_statuses(1).performance_in_plan());
  EXPECT_FALSE(report.measure_statuses(1).has_performance_grade_pct());
  EXPECT_FALSE(report.measure_statuses(2).performance_in_plan());
  EXPECT_FALSE(report.measure_statuses(3).performance_in_plan());
}

}  // namespace
}  // namespace piao::projection
