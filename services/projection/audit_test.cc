// The audit trail over the Torino 2022 cycle (as the services publish it) plus a correction after year end.
#include "services/projection/audit.h"

#include <map>
#include <utility>
#include <vector>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/projection/hr_view.h"
#include "services/projection/risk_view.h"
#include "services/projection/torino_events_test_util.h"
#include "services/projection/view.h"

namespace piao::projection {
namespace {

using testing::At;
using testing::Ts;

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto events = testing::BuildTorinoEvents();
    ASSERT_TRUE(events.ok()) << events.status();
    for (const v1::EventEnvelope& e : events->All()) Apply(e);
    // After year end, an OIV-requested correction of EC07's actual (recorded as "act-..." by the builder).
    measurement_positions_ = static_cast<uint64_t>(events->measurement.size());
    for (const v1::EventEnvelope& e : events->measurement) {
      v1::ActualRecorded a;
      ASSERT_TRUE(a.ParseFromString(e.payload()));
      if (a.indicator() == "EC07") ec07_ = a;
    }
    ASSERT_FALSE(ec07_.actual_id().empty());
    v1::ActualCorrected c;
    c.set_actual_id("act-correction");
    c.set_corrects(ec07_.actual_id());
    *c.mutable_objective() = ec07_.objective();
    c.set_indicator("EC07");
    c.set_period("year-end");
    c.mutable_value()->mutable_quantity()->set_value(7.80);
    c.mutable_value()->mutable_quantity()->set_unit("%");
    c.set_reason("final accounts approved");
    v1::EventEnvelope e;
    e.set_event_id("measurement-correction");
    e.set_source_service("measurement");
    e.mutable_stream()->set_aggregate_type("actuals");
    e.mutable_stream()->set_aggregate_id(std::string(testing::kTorinoAdmin) + "/2022");
    e.set_stream_version(measurement_positions_ + 1);
    e.set_global_position(measurement_positions_ + 1);
    e.set_event_type(v1::ActualCorrected::descriptor()->full_name());
    *e.mutable_occurred_at() = Ts(At("2023-04-02T10:00:00"));
    *e.mutable_recorded_at() = Ts(At("2023-04-02T10:00:00"));
    e.mutable_actor()->set_id("user:controller");
    e.set_payload(c.SerializeAsString());
    Apply(e);
  }

  void Apply(const v1::EventEnvelope& e) {
    MapReader reader(&kv_);
    absl::StatusOr<ViewUpdate> u = e.source_service() == kRiskSource ? ProjectRiskEvent(e)
                                   : e.source_service() == kHrSource ? ProjectHrEvent(e)
                                                                     : ProjectEvent(e, reader);
    ASSERT_TRUE(u.ok()) << u.status();
    ASSERT_FALSE(u->unknown_type) << e.event_type();
    for (const auto& [k, v] : u->puts) kv_[k] = v;
  }

  v1::AuditTrail Query(v1::GetAuditTrailRequest r) {
    r.set_year(2022);
    MapReader reader(&kv_);
    absl::StatusOr<v1::AuditTrail> t = QueryAuditTrail(reader, r);
    EXPECT_TRUE(t.ok()) << t.status();
    return t.ok() ? *t : v1::AuditTrail();
  }

  std::map<std::string, std::string> kv_;
  v1::ActualRecorded ec07_;
  uint64_t measurement_positions_ = 0;
};

// "AUDIT_CHANGE_ACTUAL_CORRECTED" -> "actual-corrected" (the enum's documented display name).
std::string Kind(const v1::AuditEntry& e) {
  std::string name = v1::AuditChange_Name(e.change()).substr(std::string("AUDIT_CHANGE_").size());
  for (char& c : name) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

std::map<std::string, int> CountByKind(const v1::AuditTrail& t) {
  std::map<std::string, int> n;
  for (const v1::AuditEntry& e : t.entries()) ++n[Kind(e)];
  return n;
}

TEST_F(AuditTest, EveryChangeOfTheYearIsListedWithActorActValidAndRecordTime) {
  v1::AuditTrail t = Query({});
  EXPECT_EQ(t.administration(), testing::kTorinoAdmin);
  std::map<std::string, int> n = CountByKind(t);
  EXPECT_EQ(n["objective-adopted"], 14 + 53 + 18);  // the plan's objectives at the three levels
  // The 26 revisions of delibera 142 (README table): 8 targets, 5 thresholds, 1 added, 1 suppressed,
  // 2 neutralised, 9 weights.
  EXPECT_EQ(n["target"], 8);
  EXPECT_EQ(n["threshold"], 5);
  EXPECT_EQ(n["added"], 1);
  EXPECT_EQ(n["suppressed"], 1);
  EXPECT_EQ(n["neutralised"], 2);
  EXPECT_EQ(n["weight"], 9);
  EXPECT_EQ(n["actual"], static_cast<int>(measurement_positions_));
  EXPECT_EQ(n["actual-corrected"], 1);
  // Record-time order.
  for (int i = 1; i < t.entries_size(); ++i) {
    EXPECT_LE(t.entries(i - 1).recorded_at().seconds(), t.entries(i).recorded_at().seconds()) << i;
  }
  for (const v1::AuditEntry& e : t.entries()) {
    EXPECT_FALSE(e.actor().empty()) << Kind(e) << " " << e.indicator();
    EXPECT_FALSE(e.valid_from().empty()) << Kind(e) << " " << e.indicator();
  }
}

TEST_F(AuditTest, TheTargetRevisionOfKpi311_01CarriesDelibera142) {
  v1::GetAuditTrailRequest r;
  r.set_objective("OS03.1.1");
  v1::AuditTrail t = Query(r);
  const v1::AuditEntry* found = nullptr;
  for (const v1::AuditEntry& e : t.entries()) {
    EXPECT_EQ(e.objective().code(), "OS03.1.1");
    if (e.indicator() == "kpi3.1.1_01" && Kind(e) == "target") found = &e;
  }
  ASSERT_NE(found, nullptr);
  ASSERT_TRUE(found->from_value().has_target() && found->to_value().has_target());
  EXPECT_EQ(found->from_value().target().comparison().value(), 20);
  EXPECT_EQ(found->to_value().target().comparison().value(), 85);
  EXPECT_THAT(found->act().text(), ::testing::HasSubstr("142"));
  EXPECT_EQ(found->valid_from(), "2022-09-13");
  EXPECT_EQ(found->actor(), "user:planner");
  EXPECT_EQ(found->source_service(), v1::SOURCE_SERVICE_PLANNING);
}

TEST_F(AuditTest, FiltersByActorAndRecordTimeWindow) {
  v1::GetAuditTrailRequest by_actor;
  by_actor.set_actor("user:controller");
  v1::AuditTrail c = Query(by_actor);
  ASSERT_EQ(c.entries_size(), 1);
  const v1::AuditEntry& e = c.entries(0);
  EXPECT_EQ(e.change(), v1::AUDIT_CHANGE_ACTUAL_CORRECTED);
  EXPECT_EQ(e.indicator(), "EC07");
  EXPECT_EQ(e.from_value().actual().quantity().value(), 7.75);
  EXPECT_EQ(e.to_value().actual().quantity().value(), 7.8);
  EXPECT_EQ(e.reason(), "final accounts approved");
  EXPECT_EQ(e.valid_from(), "2022-12-31");

  // The revision act was recorded on 2022-09-14: a window around that day holds exactly its 26 changes.
  v1::GetAuditTrailRequest window;
  *window.mutable_from_record_time() = Ts(At("2022-09-14T00:00:00"));
  *window.mutable_to_record_time() = Ts(At("2022-09-14T23:59:59"));
  v1::AuditTrail w = Query(window);
  EXPECT_EQ(w.entries_size(), 26);
  for (const v1::AuditEntry& x : w.entries()) EXPECT_THAT(x.act().text(), ::testing::HasSubstr("142"));
}

TEST_F(AuditTest, AWindowEndingBeforeItStartsIsRejected) {
  v1::GetAuditTrailRequest r;
  r.set_year(2022);
  *r.mutable_from_record_time() = Ts(At("2023-01-02T00:00:00"));
  *r.mutable_to_record_time() = Ts(At("2023-01-01T00:00:00"));
  MapReader reader(&kv_);
  absl::StatusOr<v1::AuditTrail> t = QueryAuditTrail(reader, r);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(t.status().message(), ::testing::HasSubstr("to_record_time"));
}

// The OIV audits everything (issue 12 §1): the risk register's and the workforce plan's facts are in the trail,
// each with its typed fact, and every filter and paging work across the sources.
TEST_F(AuditTest, RiskAndHrFactsAreInTheTrailAndEveryFilterAndPageWorks) {
  testing::SourceLog risk("risk", "register");
  v1::AssessmentRecorded rating;
  rating.mutable_assessment()->set_process("B.02");
  risk.Add(testing::kTorinoAdmin, 2022, rating, At("2022-04-01T10:00:00"), testing::ValidFrom("2022-03-31"),
           "user:rpct");
  v1::MeasureDefined measure;
  measure.mutable_measure()->set_code("MO4");
  measure.mutable_measure()->add_processes("B.02");
  measure.mutable_measure()->add_processes("C.01");
  risk.Add(testing::kTorinoAdmin, 2022, measure, At("2022-04-02T10:00:00"), testing::ValidFrom("2022-04-02"),
           "user:rpct");
  for (const v1::EventEnvelope& e : risk.events()) Apply(e);
  v1::YearSettingsSet settings;
  settings.set_year(2022);
  settings.set_act("Determinazione 7/2022");
  v1::EventEnvelope hr;
  hr.set_source_service("hr");
  hr.mutable_stream()->set_aggregate_type("hr");
  hr.mutable_stream()->set_aggregate_id(testing::kTorinoAdmin);
  hr.set_global_position(1);
  hr.set_stream_version(1);
  hr.set_event_type("piao.v1.YearSettingsSet");
  hr.set_payload(settings.SerializeAsString());
  *hr.mutable_occurred_at() = Ts(At("2022-01-10T00:00:00"));
  *hr.mutable_recorded_at() = Ts(At("2022-01-11T08:00:00"));
  hr.mutable_actor()->set_id("user:hr");
  Apply(hr);

  const v1::AuditTrail all = Query({});
  std::map<std::string, int> n = CountByKind(all);
  EXPECT_EQ(n["risk-assessment-recorded"], 1);
  EXPECT_EQ(n["risk-measure-defined"], 1);
  EXPECT_EQ(n["hr-year-settings-set"], 1);
  EXPECT_EQ(all.total(), static_cast<uint32_t>(all.entries_size()));

  v1::GetAuditTrailRequest only_risk;
  only_risk.add_source_services(v1::SOURCE_SERVICE_RISK);
  const v1::AuditTrail r = Query(only_risk);
  ASSERT_EQ(r.entries_size(), 2);
  EXPECT_EQ(r.entries(0).change(), v1::AUDIT_CHANGE_RISK_ASSESSMENT_RECORDED);
  EXPECT_EQ(r.entries(0).actor(), "user:rpct");
  EXPECT_EQ(r.entries(0).valid_from(), "2022-03-31");
  ASSERT_EQ(r.entries(0).processes_size(), 1);
  EXPECT_EQ(r.entries(0).processes(0), "B.02");
  v1::AssessmentRecorded back;
  ASSERT_TRUE(r.entries(0).fact().UnpackTo(&back)) << r.entries(0).fact().type_url();
  EXPECT_EQ(back.assessment().process(), "B.02");
  EXPECT_EQ(r.entries(1).subject(), "MO4");

  v1::GetAuditTrailRequest by_process;
  by_process.set_process("C.01");
  const v1::AuditTrail p = Query(by_process);
  ASSERT_EQ(p.entries_size(), 1);
  EXPECT_EQ(p.entries(0).change(), v1::AUDIT_CHANGE_RISK_MEASURE_DEFINED);

  v1::GetAuditTrailRequest hr_only;
  hr_only.add_source_services(v1::SOURCE_SERVICE_HR);
  const v1::AuditTrail h = Query(hr_only);
  ASSERT_EQ(h.entries_size(), 1);
  v1::YearSettingsSet hr_back;
  ASSERT_TRUE(h.entries(0).fact().UnpackTo(&hr_back));
  EXPECT_EQ(hr_back.act(), "Determinazione 7/2022");

  // Kinds, an indicator, and a valid-time window (delibera 142's changes are valid from 2022-09-13).
  v1::GetAuditTrailRequest targets;
  targets.add_changes(v1::AUDIT_CHANGE_TARGET);
  targets.add_changes(v1::AUDIT_CHANGE_THRESHOLD);
  EXPECT_EQ(Query(targets).entries_size(), 8 + 5);
  v1::GetAuditTrailRequest one_indicator;
  one_indicator.set_indicator("kpi3.1.1_01");
  const v1::AuditTrail of_indicator = Query(one_indicator);
  for (const v1::AuditEntry& e : of_indicator.entries()) EXPECT_EQ(e.indicator(), "kpi3.1.1_01");
  EXPECT_GT(of_indicator.entries_size(), 1);
  v1::GetAuditTrailRequest september;
  september.set_valid_from("2022-09-13");
  september.set_valid_to("2022-09-13");
  EXPECT_EQ(Query(september).entries_size(), 26);

  // Pages of 10: the same entries, in the same order, page by page.
  v1::GetAuditTrailRequest paged;
  paged.set_page_size(10);
  std::vector<std::pair<v1::SourceService, uint64_t>> seen;
  uint32_t pages = 0;
  for (uint32_t page = 1;; ++page) {
    paged.set_page(page);
    const v1::AuditTrail t = Query(paged);
    EXPECT_EQ(t.total(), all.total());
    pages = t.pages();
    for (const v1::AuditEntry& e : t.entries()) seen.emplace_back(e.source_service(), e.global_position());
    if (t.entries_size() < 10) break;
  }
  EXPECT_EQ(pages, (all.total() + 9) / 10);
  ASSERT_EQ(seen.size(), static_cast<size_t>(all.entries_size()));
  for (int i = 0; i < all.entries_size(); ++i) {
    EXPECT_EQ(seen[i], std::make_pair(all.entries(i).source_service(), all.entries(i).global_position())) << i;
  }

  MapReader reader(&kv_);
  v1::GetAuditTrailRequest bad;
  bad.set_year(2022);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  bad.add_services("accounting");  // wave one's text naming no service
  EXPECT_THAT(QueryAuditTrail(reader, bad).status().message(),
              ::testing::HasSubstr("services[0]: must be planning, measurement, risk or hr, got 'accounting'"));
  bad.clear_services();
#pragma GCC diagnostic pop
  bad.add_source_services(v1::SOURCE_SERVICE_UNSPECIFIED);
  EXPECT_THAT(QueryAuditTrail(reader, bad).status().message(),
              ::testing::HasSubstr("source_services[0]: must be SOURCE_SERVICE_PLANNING"));
  bad.clear_source_services();
  bad.set_valid_from("2022-13-01");
  EXPECT_EQ(QueryAuditTrail(reader, bad).status().code(), absl::StatusCode::kInvalidArgument);
}

// The service filter: the enums; wave one's texts alone are the same filter, both naming the same services too;
// both naming other services is refused. Entries carry the enum (the text is filled by the service's answer).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
TEST_F(AuditTest, TheServiceFilterIsTheEnumWaveOnesTextIsAcceptedAlone) {
  v1::GetAuditTrailRequest typed;
  typed.add_source_services(v1::SOURCE_SERVICE_MEASUREMENT);
  const v1::AuditTrail want = Query(typed);
  ASSERT_GT(want.entries_size(), 0);
  EXPECT_LT(want.entries_size(), Query({}).entries_size());
  for (const v1::AuditEntry& e : want.entries()) {
    EXPECT_EQ(e.source_service(), v1::SOURCE_SERVICE_MEASUREMENT);
    EXPECT_EQ(e.source(), "");
  }
  v1::GetAuditTrailRequest legacy;
  legacy.add_services("measurement");
  EXPECT_EQ(Query(legacy).entries_size(), want.entries_size());
  legacy.add_source_services(v1::SOURCE_SERVICE_MEASUREMENT);  // both, agreeing
  EXPECT_EQ(Query(legacy).entries_size(), want.entries_size());
  legacy.add_source_services(v1::SOURCE_SERVICE_PLANNING);
  legacy.set_year(2022);
  MapReader reader(&kv_);
  absl::StatusOr<v1::AuditTrail> contradiction = QueryAuditTrail(reader, legacy);
  EXPECT_EQ(contradiction.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(contradiction.status().message(), ::testing::HasSubstr("services: names other services than source_services"));

  v1::AuditTrail answer = want;
  FillAuditTexts(&answer);
  EXPECT_EQ(answer.entries(0).source(), "measurement");
}
#pragma GCC diagnostic pop

TEST_F(AuditTest, AnUnknownYearIsNotFound) {
  v1::GetAuditTrailRequest r;
  r.set_year(2031);
  MapReader reader(&kv_);
  EXPECT_EQ(QueryAuditTrail(reader, r).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace piao::projection
