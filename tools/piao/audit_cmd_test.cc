#include "tools/piao/typed_values_test_util.h"
#include "tools/piao/audit_cmd.h"

#include "piao/v1/risk.pb.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace piao::cli {
namespace {

using ::testing::HasSubstr;

TEST(AuditRequestTest, ADateMeansThatWholeDayUtc) {
  AuditOptions o;
  o.year = 2022;
  o.from = "2022-09-14";
  o.to = "2022-09-14";
  o.actor = "user:planner";
  o.objective = "OS03.1.1";
  absl::StatusOr<v1::GetAuditTrailRequest> r = AuditRequest(o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->from_record_time().seconds(), 1663113600);  // 2022-09-14T00:00:00Z
  EXPECT_EQ(r->to_record_time().seconds(), 1663113600 + 86399);
  EXPECT_EQ(r->to_record_time().nanos(), 999999999);
  EXPECT_EQ(r->actor(), "user:planner");
  EXPECT_EQ(r->objective(), "OS03.1.1");
}

TEST(AuditRequestTest, AcceptsRfc3339Times) {
  AuditOptions o;
  o.year = 2022;
  o.from = "2022-09-14T10:00:00+02:00";
  absl::StatusOr<v1::GetAuditTrailRequest> r = AuditRequest(o);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->from_record_time().seconds(), 1663113600 + 8 * 3600);
  EXPECT_FALSE(r->has_to_record_time());
}

TEST(AuditRequestTest, BadFlagsNameTheFlag) {
  AuditOptions o;
  o.year = 2022;
  o.from = "2022-02-30";
  EXPECT_THAT(AuditRequest(o).status().message(), HasSubstr("--from"));
  o.from = "";
  o.to = "yesterday";
  EXPECT_THAT(AuditRequest(o).status().message(), HasSubstr("--to"));
  o.to = "";
  o.year = 22;
  EXPECT_THAT(AuditRequest(o).status().message(), HasSubstr("--year"));
  o.year = 2022;
  o.services = {"risk", "accounting"};
  EXPECT_THAT(AuditRequest(o).status().message(),
              HasSubstr("--service: must be planning, measurement, risk or hr, got 'accounting'"));
}

TEST(AuditRequestTest, ServicesAreSentAsTheEnum) {
  AuditOptions o;
  o.year = 2022;
  o.services = {"risk", "hr"};
  absl::StatusOr<v1::GetAuditTrailRequest> r = AuditRequest(o);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->source_services_size(), 2);
  EXPECT_EQ(r->source_services(0), v1::SOURCE_SERVICE_RISK);
  EXPECT_EQ(r->source_services(1), v1::SOURCE_SERVICE_HR);
}

TEST(AuditChangeNameTest, DisplayNamesRoundTripAndUnknownOnesAreRefused) {
  EXPECT_EQ(AuditChangeName(v1::AUDIT_CHANGE_ACTUAL_CORRECTED), "actual-corrected");
  EXPECT_EQ(AuditChangeName(v1::AUDIT_CHANGE_RISK_ASSESSMENT_RECORDED), "risk-assessment-recorded");
  for (int i = 0; i < v1::AuditChange_descriptor()->value_count(); ++i) {
    const auto c = static_cast<v1::AuditChange>(v1::AuditChange_descriptor()->value(i)->number());
    if (c == v1::AUDIT_CHANGE_UNSPECIFIED) continue;
    EXPECT_EQ(ParseAuditChange(AuditChangeName(c)).value_or(v1::AUDIT_CHANGE_UNSPECIFIED), c) << AuditChangeName(c);
  }
  EXPECT_THAT(ParseAuditChange("tagret").status().message(), HasSubstr("--kind: 'tagret'"));
  EXPECT_FALSE(ParseAuditChange("unspecified").ok());
}

TEST(AuditToJsonTest, ARiskFactIsRenderedFromItsTypedMessage) {
  v1::AuditTrail t;
  t.set_total(1);
  t.set_page(1);
  t.set_pages(1);
  v1::AuditEntry* e = t.add_entries();
  e->set_source_service(v1::SOURCE_SERVICE_RISK);
  e->set_change(v1::AUDIT_CHANGE_RISK_ASSESSMENT_RECORDED);
  e->add_processes("B.02");
  v1::AssessmentRecorded a;
  a.mutable_assessment()->set_process("B.02");
  e->mutable_fact()->PackFrom(a);
  const nlohmann::json j = AuditToJson(t);
  EXPECT_EQ(j["total"], 1);
  EXPECT_EQ(j["entries"][0]["kind"], "risk-assessment-recorded");
  EXPECT_EQ(j["entries"][0]["processes"], nlohmann::json::array({"B.02"}));
  EXPECT_EQ(j["entries"][0]["fact"]["assessment"]["process"], "B.02");
  EXPECT_THAT(RenderAudit(t), HasSubstr("process B.02"));
}

TEST(AuditToJsonTest, OneEntryHasEveryField) {
  v1::AuditTrail t;
  t.set_administration("CCIAA-TO");
  t.set_year(2022);
  v1::AuditEntry* e = t.add_entries();
  e->set_source_service(v1::SOURCE_SERVICE_PLANNING);
  e->set_global_position(7);
  e->mutable_recorded_at()->set_seconds(1663149600);
  e->set_valid_from("2022-09-13");
  e->set_actor("user:planner");
  e->set_change(v1::AUDIT_CHANGE_TARGET);
  e->mutable_objective()->set_level_kind(v1::OBJECTIVE_LEVEL_STRATEGIC);
  e->mutable_objective()->set_code("OS03.1.1");
  e->set_indicator("kpi3.1.1_01");
  testing::SetTarget(R"({"op":">=","value":20.0,"unit":"%"})", e->mutable_from_value()->mutable_target());
  testing::SetTarget(R"({"op":">=","value":85.0,"unit":"%"})", e->mutable_to_value()->mutable_target());
  e->mutable_act()->set_text("Deliberazione di Giunta n. 142 del 13/09/2022");
  e->mutable_act()->set_date("2022-09-13");
  e->set_reason("after the intermediate monitoring");
  const nlohmann::json j = AuditToJson(t);
  EXPECT_EQ(j["count"], 1);
  EXPECT_EQ(j["entries"][0]["kind"], "target");
  EXPECT_TRUE(j["entries"][0]["fact"].is_null());
  const nlohmann::json& x = j["entries"][0];
  EXPECT_EQ(x["recorded_at"], "2022-09-14T10:00:00Z");
  EXPECT_EQ(x["from"]["value"], 20.0);
  EXPECT_EQ(x["to"]["value"], 85.0);
  EXPECT_EQ(x["objective"]["code"], "OS03.1.1");
  EXPECT_TRUE(x["objective"]["scope"].is_null());
  EXPECT_EQ(x["act_date"], "2022-09-13");
  EXPECT_EQ(x["position"], 7);
  const std::string text = RenderAudit(t);
  EXPECT_THAT(text, HasSubstr("OS03.1.1 / kpi3.1.1_01"));
  EXPECT_THAT(text, HasSubstr("n. 142"));
  EXPECT_THAT(text, HasSubstr("by user:planner, valid from 2022-09-13"));
}

}  // namespace
}  // namespace piao::cli
