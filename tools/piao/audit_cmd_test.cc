#include "tools/piao/audit_cmd.h"

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
}

TEST(AuditToJsonTest, OneEntryHasEveryField) {
  v1::AuditTrail t;
  t.set_administration("CCIAA-TO");
  t.set_year(2022);
  v1::AuditEntry* e = t.add_entries();
  e->set_source("planning");
  e->set_global_position(7);
  e->mutable_recorded_at()->set_seconds(1663149600);
  e->set_valid_from("2022-09-13");
  e->set_actor("user:planner");
  e->set_kind("target");
  e->mutable_objective()->set_level("strategic");
  e->mutable_objective()->set_code("OS03.1.1");
  e->set_indicator("kpi3.1.1_01");
  e->set_from_json(R"({"op":">=","value":20.0,"unit":"%"})");
  e->set_to_json(R"({"op":">=","value":85.0,"unit":"%"})");
  e->mutable_act()->set_text("Deliberazione di Giunta n. 142 del 13/09/2022");
  e->mutable_act()->set_date("2022-09-13");
  e->set_reason("after the intermediate monitoring");
  const nlohmann::json j = AuditToJson(t);
  EXPECT_EQ(j["count"], 1);
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
