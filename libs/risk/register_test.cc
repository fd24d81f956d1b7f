#include "libs/risk/register.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <type_traits>

#include "libs/base/legacy_enum.h"
#include "libs/risk/banding.h"
#include "libs/risk/test_schemes.h"

namespace piao::risk {
namespace {

static_assert(std::is_same_v<decltype(Origin::position), GlobalPosition>);

using ::testing::HasSubstr;

// A register under construction: each Add appends the event as the store would number it.
class Register {
 public:
  template <typename M>
  void Add(const M& m, const std::string& actor = "user:rpct") {
    v1::EventEnvelope e;
    e.set_event_type(M::descriptor()->full_name());
    e.set_payload(m.SerializeAsString());
    e.set_stream_version(++n_);
    e.set_global_position(n_);
    e.mutable_actor()->set_id(actor);
    ASSERT_TRUE(ApplyEvent(state_, e).ok());
  }
  void Scheme(const v1::BandingScheme& s) {
    v1::SchemeDefined m;
    *m.mutable_scheme() = s;
    m.mutable_scheme()->set_version(static_cast<uint32_t>(state_.schemes[s.id()].size() + 1));
    Add(m);
  }
  // Rates and records; returns the rated assessment (or the refusal).
  absl::StatusOr<v1::Assessment> Assess(const v1::Assessment& a) {
    absl::StatusOr<v1::Assessment> rated = RateAssessment(state_, a);
    if (rated.ok()) {
      v1::AssessmentRecorded m;
      *m.mutable_assessment() = *rated;
      Add(m);
    }
    return rated;
  }
  RegisterState& state() { return state_; }

 private:
  RegisterState state_;
  uint64_t n_ = 0;
};

v1::RiskProcess Process(const std::string& code, const std::string& area, int events) {
  v1::RiskProcess p;
  p.set_code(code);
  p.set_name("process " + code);
  p.set_area(area);
  p.set_owner("Dirigente " + area);
  p.set_owner_principal("user:dir-" + area);
  for (int i = 1; i <= events; ++i) p.add_risk_events()->set_code("E" + std::to_string(i));
  return p;
}

v1::Assessment Numeric(const std::string& process, const std::string& date, const std::string& scheme,
                       const std::vector<std::pair<double, double>>& pi) {
  v1::Assessment a;
  a.set_process(process);
  a.set_assessed_on(date);
  a.set_rating_method(v1::RATING_METHOD_PRODUCT);
  a.set_scheme(scheme);
  a.set_motivation("esperienza organizzativa, nessun precedente");
  for (size_t i = 0; i < pi.size(); ++i) {
    v1::EventRating* e = a.add_events();
    e->set_risk_event("E" + std::to_string(i + 1));
    e->set_probability(pi[i].first);
    e->set_impact(pi[i].second);
  }
  return a;
}

class RegisterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    v1::AreasDefined areas;
    for (const char* c : {"A", "B", "C", "D", "E", "G", "H"}) {
      v1::RiskArea* a = areas.add_areas();
      a->set_code(c);
      a->set_name(std::string("Area ") + c);
    }
    r_.Add(areas);
    r_.Scheme(testing::FourBands());
    r_.Scheme(testing::ThreeBands());
    v1::QualitativeMethodDefined q;
    *q.mutable_method() = testing::Pna2019();
    q.mutable_method()->set_version(1);
    r_.Add(q);
    for (auto [code, area] : std::vector<std::pair<std::string, std::string>>{
             {"A.01", "A"}, {"B.02", "B"}, {"D.04", "D"}, {"E.01", "E"}}) {
      v1::ProcessDefined p;
      *p.mutable_process() = Process(code, area, 3);
      r_.Add(p);
    }
  }
  Register r_;
};

TEST_F(RegisterTest, ProcessLevelIsTheHighestEventNeverTheMean) {
  // Scores 2, 3 and 20: mean 8.33 would be "medio"; the highest, 20, is "alto".
  absl::StatusOr<v1::Assessment> a = r_.Assess(Numeric("B.02", "2022-03-01", "four_bands", {{1, 2}, {1, 3}, {4, 5}}));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->level(), "Rischio alto");
  EXPECT_EQ(a->severity(), 4u);
  EXPECT_DOUBLE_EQ(a->score(), 20);
  EXPECT_EQ(a->highest_event(), "E3");
  EXPECT_EQ(a->events(0).level(), "Rischio basso");
  EXPECT_EQ(a->events(1).level(), "Rischio basso");
  EXPECT_EQ(a->scheme_version(), 1u);

  // The mean method averages sub-indicators inside one event, still never across events.
  v1::Assessment mean = Numeric("D.04", "2022-03-01", "three_bands", {});
  mean.set_rating_method(v1::RATING_METHOD_MEAN);
  for (auto values : std::vector<std::vector<double>>{{2, 4}, {10, 12}, {5}}) {
    v1::EventRating* e = mean.add_events();
    e->set_risk_event("E" + std::to_string(mean.events_size()));
    for (double v : values) e->add_sub_indicators(v);
  }
  absl::StatusOr<v1::Assessment> m = r_.Assess(mean);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_DOUBLE_EQ(m->events(1).score(), 11);
  EXPECT_EQ(m->level(), "rischio medio");  // events 3, 11, 5 -> highest 11; their mean 6.33 would be basso
  EXPECT_EQ(m->highest_event(), "E2");
}

TEST_F(RegisterTest, QualitativeTakesTheHighestAndNeedsEveryMotivation) {
  v1::Assessment q;
  q.set_process("A.01");
  q.set_assessed_on("2022-04-01");
  q.set_rating_method(v1::RATING_METHOD_QUALITATIVE);
  q.set_scheme("pna2019");
  q.set_motivation("giudizio sintetico");
  const v1::QualitativeMethod method = testing::Pna2019();
  for (int ev = 1; ev <= 2; ++ev) {
    v1::EventRating* e = q.add_events();
    e->set_risk_event("E" + std::to_string(ev));
    for (const v1::KeyRiskIndicator& k : method.indicators()) {
      v1::IndicatorRating* r = e->add_indicators();
      r->set_indicator(k.code());
      r->set_level(ev == 2 && k.code() == "discretion" ? "alto" : "basso");
      r->set_motivation("motivazione " + k.code());
    }
  }
  v1::Assessment unmotivated = q;
  unmotivated.mutable_events(1)->mutable_indicators(3)->set_motivation("  ");
  absl::StatusOr<v1::Assessment> refused = r_.Assess(unmotivated);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("assessment.events[1].indicators[3].motivation"));

  v1::Assessment missing = q;
  missing.mutable_events(0)->mutable_indicators()->RemoveLast();
  EXPECT_THAT(r_.Assess(missing).status().message(), HasSubstr("'measures_implementation'"));

  absl::StatusOr<v1::Assessment> a = r_.Assess(q);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->events(0).level(), "basso");
  EXPECT_EQ(a->level(), "alto");
  EXPECT_EQ(a->highest_event(), "E2");
  EXPECT_FALSE(a->has_score());
}

TEST_F(RegisterTest, RefusesWhatTheSchemeCannotRate) {
  // Area D is rated by three_bands only.
  absl::StatusOr<v1::Assessment> wrong = r_.Assess(Numeric("D.04", "2022-03-01", "four_bands", {{2, 2}}));
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(wrong.status().message(), HasSubstr("area D"));
  // 6 x 5 = 30 is beyond 25.
  absl::StatusOr<v1::Assessment> high = r_.Assess(Numeric("B.02", "2022-03-01", "four_bands", {{6, 5}}));
  EXPECT_EQ(high.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(high.status().message(), HasSubstr("assessment.events[0].score: 30 is outside [1, 25]"));
  EXPECT_THAT(r_.Assess(Numeric("B.02", "2022-03-01", "four_bands", {{0, 5}})).status().message(),
              HasSubstr("events[0].probability"));
  EXPECT_EQ(r_.Assess(Numeric("Z.99", "2022-03-01", "four_bands", {{1, 1}})).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(r_.Assess(Numeric("B.02", "2021-12-31", "four_bands", {{1, 1}})).status().message(),
              HasSubstr("not in force on 2021-12-31"));
  v1::Assessment no_motivation = Numeric("B.02", "2022-03-01", "four_bands", {{1, 1}});
  no_motivation.set_motivation("");
  EXPECT_THAT(r_.Assess(no_motivation).status().message(), HasSubstr("assessment.motivation"));
  EXPECT_TRUE(r_.state().ratings.empty());
}

TEST_F(RegisterTest, ASchemeChangeLeavesEarlierRatingsIntactAsOfTheirDate) {
  ASSERT_TRUE(r_.Assess(Numeric("E.01", "2022-03-01", "three_bands", {{3, 4}})).ok());  // 12: medio (old edges)
  // From July the D, E, G areas move to new edges: (0,6] basso, (6,12] medio, (12,25] alto.
  r_.Scheme(testing::Scheme("three_bands", {{"rischio basso", 6}, {"rischio medio", 12}, {"rischio alto", 25}},
                            {1, 2, 4}, {"D", "E", "G"}, "2022-07-01"));
  // A re-assessment with the same score in September rates under version 2.
  absl::StatusOr<v1::Assessment> again = r_.Assess(Numeric("E.01", "2022-09-01", "three_bands", {{4, 4}}));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->scheme_version(), 2u);
  EXPECT_EQ(again->level(), "rischio alto");

  const RatingEntry* june = RatingAsOf(r_.state(), "E.01", "2022-06-30");
  ASSERT_NE(june, nullptr);
  EXPECT_EQ(june->assessment.level(), "rischio medio");
  EXPECT_EQ(june->assessment.scheme_version(), 1u);
  EXPECT_DOUBLE_EQ(june->assessment.score(), 12);
  EXPECT_EQ(RatingAsOf(r_.state(), "E.01", "2022-02-28"), nullptr);
  EXPECT_EQ(RatingAsOf(r_.state(), "E.01", "")->assessment.level(), "rischio alto");

  // An assessment dated before July still uses version 1, even when recorded after the change.
  absl::StatusOr<v1::Assessment> late = r_.Assess(Numeric("D.04", "2022-05-01", "three_bands", {{3, 4}}));
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->scheme_version(), 1u);
  EXPECT_EQ(late->level(), "rischio medio");

  absl::StatusOr<v1::ProcessHistory> h = BuildProcessHistory(r_.state(), "E.01");
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->ratings_size(), 2);
  EXPECT_EQ(h->ratings(0).scheme_version(), 1u);
  EXPECT_EQ(h->ratings(0).level(), "rischio medio");
  EXPECT_EQ(h->ratings(1).scheme_version(), 2u);
  EXPECT_EQ(BuildProcessHistory(r_.state(), "nope").status().code(), absl::StatusCode::kNotFound);

  v1::RiskMap june_map = BuildRiskMap(r_.state(), "2022-06-30", "2022-06-30", 0);
  ASSERT_EQ(june_map.processes_size(), 4);
  EXPECT_EQ(june_map.processes(3).code(), "E.01");
  EXPECT_EQ(june_map.processes(3).level(), "rischio medio");
  EXPECT_EQ(june_map.processes(0).level(), "");  // A.01 not assessed
}

// The method is the enum; wave one's text `method` (a register file's "method": "product") is read alone, and
// the rated assessment (what the event stores) carries only the enum.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
TEST_F(RegisterTest, TheRatingMethodIsTheEnumWaveOnesTextIsReadAlone) {
  v1::Assessment legacy = Numeric("B.02", "2022-03-01", "four_bands", {{1, 2}});
  legacy.clear_rating_method();
  legacy.set_method("product");
  absl::StatusOr<v1::Assessment> rated = RateAssessment(r_.state(), legacy);
  ASSERT_TRUE(rated.ok()) << rated.status();
  EXPECT_EQ(rated->rating_method(), v1::RATING_METHOD_PRODUCT);
  EXPECT_EQ(rated->method(), "");
  EXPECT_EQ(rated->score(), 2);

  v1::Assessment agree = Numeric("B.02", "2022-03-01", "four_bands", {{1, 2}});
  agree.set_method("product");
  EXPECT_TRUE(RateAssessment(r_.state(), agree).ok());
  v1::Assessment contradiction = agree;
  contradiction.set_method("mean");
  EXPECT_THAT(RateAssessment(r_.state(), contradiction).status().message(),
              HasSubstr("assessment.method: 'mean' contradicts rating_method RATING_METHOD_PRODUCT"));
  legacy.set_method("average");
  EXPECT_THAT(RateAssessment(r_.state(), legacy).status().message(),
              HasSubstr("assessment.method: must be product, mean or qualitative, got 'average'"));
  legacy.clear_method();
  absl::Status none = RateAssessment(r_.state(), legacy).status();
  EXPECT_EQ(none.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(none.message(), HasSubstr("assessment.rating_method: must be RATING_METHOD_PRODUCT"));
}
#pragma GCC diagnostic pop

v1::Measure MeasureDue(const std::string& code, const std::string& deadline) {
  v1::Measure m;
  m.set_code(code);
  m.set_measure_kind(v1::MEASURE_KIND_SPECIFIC);
  m.set_owner("Dirigente B");
  m.set_deadline(deadline);
  m.add_processes("B.02");
  return m;
}

void Monitor(Register& r, const std::string& measure, const std::string& date, const std::string& outcome) {
  v1::MonitoringRecorded m;
  m.mutable_record()->set_measure(measure);
  m.mutable_record()->set_date(date);
  m.mutable_record()->set_outcome_kind(*EnumOfText<v1::MonitoringOutcome>(outcome, "outcome"));
  r.Add(m);
}

TEST_F(RegisterTest, OverdueDetection) {
  for (auto [code, deadline] : std::vector<std::pair<std::string, std::string>>{
           {"MO4", "2022-06-30"}, {"MGU33", "2022-06-30"}, {"MU4", "2022-12-31"}, {"MU21", "2022-06-30"}}) {
    v1::MeasureDefined d;
    *d.mutable_measure() = MeasureDue(code, deadline);
    r_.Add(d);
  }
  Monitor(r_, "MGU33", "2022-06-30", "implemented");      // on the deadline day: in time
  Monitor(r_, "MU21", "2022-05-10", "partially_implemented");
  Monitor(r_, "MU21", "2022-07-05", "implemented");       // late
  struct Case {
    const char* measure;
    const char* date;
    const char* status;
  };
  const Case cases[] = {
      {"MO4", "2022-06-29", "pending"},     {"MO4", "2022-06-30", "overdue"},  {"MO4", "2022-07-01", "overdue"},
      {"MGU33", "2022-06-29", "pending"},   {"MGU33", "2022-06-30", "implemented"},
      {"MU4", "2022-12-30", "pending"},     {"MU4", "2022-12-31", "overdue"},
      {"MU21", "2022-06-30", "overdue"},    {"MU21", "2022-07-04", "overdue"}, {"MU21", "2022-07-05", "implemented"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(EnumText(StatusOf(r_.state(), r_.state().measures.at(c.measure), c.date).measure_state()), c.status)
        << c.measure << " on " << c.date;
  }
  v1::RiskMap map = BuildRiskMap(r_.state(), "", "2022-07-01", 0);
  ASSERT_EQ(map.measures_overdue_size(), 2);
  EXPECT_EQ(map.measures_overdue(0).code(), "MO4");
  EXPECT_EQ(map.measures_overdue(1).code(), "MU21");
  EXPECT_EQ(map.measures_overdue(1).last_outcome_kind(), v1::MONITORING_OUTCOME_PARTIALLY_IMPLEMENTED);
}

TEST_F(RegisterTest, ReportFiguresAndAboveBand) {
  ASSERT_TRUE(r_.Assess(Numeric("A.01", "2022-03-01", "four_bands", {{2, 2}})).ok());   // 4 basso
  ASSERT_TRUE(r_.Assess(Numeric("B.02", "2022-03-01", "four_bands", {{2, 5}})).ok());   // 10 medio alto
  ASSERT_TRUE(r_.Assess(Numeric("D.04", "2022-03-01", "three_bands", {{5, 4}})).ok());  // 20 alto
  for (auto [code, deadline] : std::vector<std::pair<std::string, std::string>>{
           {"MO4", "2022-06-30"}, {"MGU33", "2022-06-30"}, {"MU4", "2023-03-31"}}) {
    v1::MeasureDefined d;
    *d.mutable_measure() = MeasureDue(code, deadline);
    r_.Add(d);
  }
  v1::MonitoringPlanned plan;
  for (const char* m : {"MO4", "MGU33"}) plan.add_entries()->set_measure(m);
  r_.Add(plan);
  Monitor(r_, "MGU33", "2022-05-01", "implemented");
  v1::OwnerReportSubmitted rep;
  rep.mutable_report()->set_owner("Dirigente B");
  rep.mutable_report()->set_date("2022-12-15");
  r_.Add(rep);

  v1::RiskReport r = BuildReport(r_.state(), "2022-12-31");
  EXPECT_EQ(r.processes(), 4u);
  EXPECT_EQ(r.processes_assessed(), 3u);
  EXPECT_EQ(r.measures(), 3u);
  EXPECT_EQ(r.implemented(), 1u);
  EXPECT_EQ(r.overdue(), 1u);
  EXPECT_EQ(r.pending(), 1u);
  EXPECT_EQ(r.planned(), 2u);
  EXPECT_EQ(r.monitored(), 1u);
  EXPECT_EQ(r.not_monitored(), 1u);
  EXPECT_DOUBLE_EQ(r.coverage_pct(), 50);
  ASSERT_EQ(r.owner_reports_size(), 4);
  EXPECT_EQ(r.owner_reports(1).owner(), "Dirigente B");
  EXPECT_TRUE(r.owner_reports(1).submitted());
  EXPECT_FALSE(r.owner_reports(0).submitted());

  v1::RiskMap above = BuildRiskMap(r_.state(), "", "2022-12-31", 2);  // above medio
  ASSERT_EQ(above.processes_size(), 2);
  EXPECT_EQ(above.processes(0).code(), "B.02");
  EXPECT_EQ(above.processes(1).code(), "D.04");
  // by area: A basso, B medio alto, D alto, E not assessed.
  ASSERT_EQ(above.by_area_size(), 4);
  EXPECT_EQ(above.by_area(1).area(), "B");
  EXPECT_EQ(above.by_area(1).level(), "Rischio medio alto");
  EXPECT_EQ(above.by_area(3).level(), "");
}

}  // namespace
}  // namespace piao::risk
