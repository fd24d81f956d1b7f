#include "libs/plan/plan_proto.h"

#include <gtest/gtest.h>

#include "libs/plan/fixture_files.h"
#include "libs/plan/plan_json.h"

namespace piao::plan {
namespace {

TEST(PlanProto, WholeTorinoPlanRoundTrips) {
  auto parsed = ParsePlanJson(testing::ReadFixture("torino-2022/plan-2022.json"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_FALSE(parsed->plan.objectives.empty());
  for (size_t k = 0; k < parsed->plan.objectives.size(); ++k) {
    const Objective& o = parsed->plan.objectives[k];
    v1::ObjectiveDefinition p = ToProto(o);
    // Through the wire format too.
    v1::ObjectiveDefinition wire;
    ASSERT_TRUE(wire.ParseFromString(p.SerializeAsString()));
    auto back = FromProto(wire, "objectives[" + std::to_string(k) + "]");
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, o) << o.code;
    auto key = FromProto(ToProto(KeyOf(o)), "key");
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(*key, KeyOf(o));
  }
  ASSERT_TRUE(parsed->plan.approval.has_value());
  auto act = FromProto(ToProto(*parsed->plan.approval), "act");
  ASSERT_TRUE(act.ok()) << act.status();
  EXPECT_EQ(*act, *parsed->plan.approval);
}

TEST(PlanProto, EveryTorinoRevisionRoundTrips) {
  auto revisions = ParseRevisionsJson(testing::ReadFixture("torino-2022/revisions-2022.json"));
  ASSERT_TRUE(revisions.ok()) << revisions.status();
  ASSERT_EQ(revisions->size(), 26u);
  for (const Revision& r : *revisions) {
    auto back = FromProto(ToProto(r), r.act, r.effective_date, "change");
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, r) << r.indicator;
  }
}

TEST(PlanProto, BadValuesAreNamedByPath) {
  v1::Target t;
  t.mutable_comparison()->set_op("≥");
  auto r = FromProto(t, "objectives[0].indicators[2].target");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("objectives[0].indicators[2].target.op"), std::string::npos);
  v1::Target d;
  d.set_by_date("2022-02-30");
  EXPECT_NE(FromProto(d, "t").status().message().find("not a real date"), std::string::npos);
  EXPECT_EQ(FromProto(v1::Target(), "t").status().code(), absl::StatusCode::kInvalidArgument);
  v1::Act act;
  EXPECT_NE(FromProto(act, "act").status().message().find("act.text"), std::string::npos);
}

// A client's from_json / to_json over gRPC is as strict as a file: a duplicate or unknown key is refused.
TEST(PlanProto, RevisionJsonFromClientsIsStrict) {
  auto revisions = ParseRevisionsJson(testing::ReadFixture("torino-2022/revisions-2022.json"));
  ASSERT_TRUE(revisions.ok()) << revisions.status();
  const Revision* target_change = nullptr;
  for (const Revision& r : *revisions) {
    if (r.change == ChangeKind::kTarget && r.to_target.has_value() &&
        std::holds_alternative<ComparisonTarget>(*r.to_target)) {
      target_change = &r;
    }
  }
  ASSERT_NE(target_change, nullptr);
  v1::RevisionChange p = ToProto(*target_change);
  ASSERT_TRUE(FromProto(p, target_change->act, target_change->effective_date, "changes[0]").ok());
  v1::RevisionChange dup = p;
  std::string to = dup.to_json();
  ASSERT_EQ(to.front(), '{');
  dup.set_to_json("{\"op\":\"<=\"," + to.substr(1));
  auto d = FromProto(dup, target_change->act, target_change->effective_date, "changes[0]");
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(d.status().message().find("changes[0].to_json.op: duplicate key"), std::string::npos) << d.status();
  v1::RevisionChange unknown = p;
  unknown.set_to_json("{\"extra\":1," + to.substr(1));
  auto u = FromProto(unknown, target_change->act, target_change->effective_date, "changes[0]");
  EXPECT_EQ(u.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(u.status().message().find("to.extra: unknown key"), std::string::npos) << u.status();
}

}  // namespace
}  // namespace piao::plan
