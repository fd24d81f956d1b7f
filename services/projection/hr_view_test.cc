// The HR views on a map: the Torino fixture's facts in as the hr service stores them, the summary out.
#include "services/projection/hr_view.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "libs/hr/hr_json.h"
#include "libs/plan/fixture_files.h"
#include "libs/scoring/pay_link.h"
#include "services/projection/query.h"
#include "services/projection/torino_events_test_util.h"
#include "services/projection/view.h"

namespace piao::projection {
namespace {

using ::testing::HasSubstr;

template <typename M>
void Add(std::vector<v1::EventEnvelope>& out, const M& m, const std::string& admin) {
  v1::EventEnvelope e;
  e.set_source_service("hr");
  e.mutable_stream()->set_aggregate_type("hr");
  e.mutable_stream()->set_aggregate_id(admin);
  e.set_stream_version(out.size() + 1);
  e.set_global_position(out.size() + 1);
  e.set_event_type(M::descriptor()->full_name());
  e.set_payload(m.SerializeAsString());
  e.mutable_actor()->set_id("user:hr");
  out.push_back(std::move(e));
}

std::vector<v1::EventEnvelope> TorinoEvents(const std::string& admin = "CCIAA-TO") {
  auto f = hr::ParseHrImport(nlohmann::json::parse(plan::testing::ReadFixture("torino-2022/hr-2022.json")));
  EXPECT_TRUE(f.ok()) << f.status();
  std::vector<v1::EventEnvelope> out;
  for (const auto& m : f->establishments) Add(out, m, admin);
  for (const auto& m : f->selections) Add(out, m, admin);
  for (const auto& m : f->staff) Add(out, m, admin);
  for (const auto& m : f->leaves) Add(out, m, admin);
  for (const auto& m : f->remainders) Add(out, m, admin);
  for (const auto& m : f->protected_quota) Add(out, m, admin);
  for (const auto& m : f->planned_hires) Add(out, m, admin);
  for (const auto& m : f->year_settings) Add(out, m, admin);
  return out;
}

std::map<std::string, std::string> Project(const std::vector<v1::EventEnvelope>& events) {
  std::map<std::string, std::string> kv;
  for (const v1::EventEnvelope& e : events) {
    auto u = ProjectHrEvent(e);
    EXPECT_TRUE(u.ok()) << u.status();
    EXPECT_FALSE(u->unknown_type);
    for (const auto& [k, v] : u->puts) kv[k] = v;
  }
  return kv;
}

TEST(HrViewTest, SummaryOfTheTorinoFactsAsOfAnyDate) {
  const auto kv = Project(TorinoEvents());
  MapReader reader(&kv);
  v1::GetHrSummaryRequest r;
  r.set_year(2022);
  auto s = QueryHrSummary(reader, r);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->administration(), "CCIAA-TO");
  EXPECT_EQ(s->ceiling_cents(), 949991994);
  EXPECT_EQ(s->in_service_count(), 273);
  EXPECT_EQ(s->in_service_cost_cents(), 835006243);
  EXPECT_EQ(s->margin_cents(), 114985751);
  EXPECT_EQ(s->hiring_budget().ordinary_cents(), 31533260);
  EXPECT_EQ(s->hiring_budget().protected_cents(), 15831537);
  EXPECT_FALSE(s->pay_link().has_enterprise_score());

  r.set_as_of_date("2022-06-27");
  auto june = QueryHrSummary(reader, r);
  ASSERT_TRUE(june.ok());
  EXPECT_EQ(june->establishment_cost_cents(), 949921848);
  EXPECT_EQ(june->employed_count(), 263);  // 266 - the 3 cessations by 1 April

  r.set_as_of_date("2022-02-30");
  EXPECT_EQ(QueryHrSummary(reader, r).status().code(), absl::StatusCode::kInvalidArgument);
  r.set_as_of_date("");
  r.set_administration("CCIAA-XX");
  EXPECT_EQ(QueryHrSummary(reader, r).status().code(), absl::StatusCode::kNotFound);
}

TEST(HrViewTest, PayLinkReadsTheEnterpriseScoreOfThePlanningViews) {
  auto kv = Project(TorinoEvents());
  // The same administration's plan, as the planning and measurement services publish it (scored at query time).
  absl::StatusOr<testing::TorinoEvents> plan = testing::BuildTorinoEvents();
  ASSERT_TRUE(plan.ok()) << plan.status();
  for (const v1::EventEnvelope& e : plan->All()) {
    MapReader before(&kv);
    absl::StatusOr<ViewUpdate> u = ProjectEvent(e, before);
    ASSERT_TRUE(u.ok()) << u.status();
    for (const auto& [k, v] : u->puts) kv[k] = v;
  }
  MapReader reader(&kv);
  absl::StatusOr<v1::ScoresView> scores = CurrentScores(reader, "CCIAA-TO", 2022);
  ASSERT_TRUE(scores.ok()) << scores.status();
  ASSERT_TRUE(scores->has_enterprise_score_pct());
  const double score = scores->enterprise_score_pct();
  v1::GetHrSummaryRequest r;
  r.set_year(2022);
  auto s = QueryHrSummary(reader, r);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_TRUE(s->pay_link().has_enterprise_score());
  EXPECT_DOUBLE_EQ(s->pay_link().enterprise_score_pct(), score);
  const v1::PayLinkThresholds& top_up = s->pay_link().accessory_top_up();
  const v1::PayLinkThresholds& release = s->pay_link().resource_release();
  EXPECT_DOUBLE_EQ(s->pay_link().accessory_top_up_pct(),
                   *scoring::PayLinkPct(score, scoring::PayLinkBand{top_up.zero_below(), top_up.full_from()}));
  EXPECT_DOUBLE_EQ(s->pay_link().resource_release_pct(),
                   *scoring::PayLinkPct(score, scoring::PayLinkBand{release.zero_below(), release.full_from()}));
}

TEST(HrViewTest, RebuildIsByteIdenticalAndKeysStayUnderTheirPrefix) {
  const auto a = Project(TorinoEvents());
  const auto b = Project(TorinoEvents());
  EXPECT_EQ(a, b);
  for (const auto& [k, v] : a) EXPECT_EQ(k.rfind("h/", 0), 0u) << k;
}

TEST(HrViewTest, SeveralAdministrationsMustBeNamedAndBadStreamsAreRefused) {
  auto kv = Project(TorinoEvents("CCIAA-TO"));
  for (const auto& [k, v] : Project(TorinoEvents("CCIAA-AT"))) kv[k] = v;
  MapReader reader(&kv);
  v1::GetHrSummaryRequest r;
  r.set_year(2022);
  auto s = QueryHrSummary(reader, r);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("CCIAA-AT, CCIAA-TO"));

  v1::EventEnvelope bad = TorinoEvents()[0];
  bad.mutable_stream()->set_aggregate_id("a/b");
  EXPECT_EQ(ProjectHrEvent(bad).status().code(), absl::StatusCode::kInvalidArgument);
  bad.set_event_type("piao.v1.NotAnHrEvent");
  EXPECT_TRUE(ProjectHrEvent(bad)->unknown_type);
}

}  // namespace
}  // namespace piao::projection
