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

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // wave one's JSON text fields, on purpose

const Revision& FirstComparisonTargetChange(const std::vector<Revision>& revisions) {
  for (const Revision& r : revisions) {
    if (r.change == ChangeKind::kTarget && r.to_target.has_value() &&
        std::holds_alternative<ComparisonTarget>(*r.to_target)) {
      return r;
    }
  }
  ADD_FAILURE() << "no comparison target change in the fixture";
  return revisions.front();
}

// Wave one's request: kind and JSON text, as its clients still send it.
v1::RevisionChange LegacyProto(const Revision& r) {
  v1::RevisionChange p = ToProto(r);
  nlohmann::json j = RevisionToJson(r);
  p.clear_change();
  p.clear_from_value();
  p.clear_to_value();
  p.set_kind(std::string(ChangeKindName(r.change)));
  p.set_from_json(j["from"].dump());
  p.set_to_json(j["to"].dump());
  return p;
}

// The typed form carries no JSON text, and wave one's form reads to the same revision.
TEST(PlanProto, RevisionsAreTypedAndWaveOneTextStillReads) {
  auto revisions = ParseRevisionsJson(testing::ReadFixture("torino-2022/revisions-2022.json"));
  ASSERT_TRUE(revisions.ok()) << revisions.status();
  for (const Revision& r : *revisions) {
    v1::RevisionChange typed = ToProto(r);
    EXPECT_TRUE(typed.kind().empty() && typed.from_json().empty() && typed.to_json().empty()) << r.indicator;
    EXPECT_EQ(typed.change(), ToProto(r.change));
    auto legacy = FromProto(LegacyProto(r), r.act, r.effective_date, "changes[0]");
    ASSERT_TRUE(legacy.ok()) << legacy.status();
    EXPECT_EQ(*legacy, r) << r.indicator;
    // The JSON a client prints of the typed values is the revisions file's own.
    const nlohmann::json j = RevisionToJson(r);
    auto from = ChangedValueToJson(typed.from_value(), "from");
    auto to = ChangedValueToJson(typed.to_value(), "to");
    ASSERT_TRUE(from.ok() && to.ok());
    EXPECT_EQ(*from, j["from"]) << r.indicator;
    EXPECT_EQ(*to, j["to"]) << r.indicator;
  }
}

// A client's from_json / to_json over gRPC is as strict as a file: a duplicate or unknown key is refused.
TEST(PlanProto, RevisionJsonFromClientsIsStrict) {
  auto revisions = ParseRevisionsJson(testing::ReadFixture("torino-2022/revisions-2022.json"));
  ASSERT_TRUE(revisions.ok()) << revisions.status();
  const Revision& target_change = FirstComparisonTargetChange(*revisions);
  v1::RevisionChange p = LegacyProto(target_change);
  ASSERT_TRUE(FromProto(p, target_change.act, target_change.effective_date, "changes[0]").ok());
  v1::RevisionChange dup = p;
  std::string to = dup.to_json();
  ASSERT_EQ(to.front(), '{');
  dup.set_to_json("{\"op\":\"<=\"," + to.substr(1));
  auto d = FromProto(dup, target_change.act, target_change.effective_date, "changes[0]");
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(d.status().message().find("changes[0].to_json.op: duplicate key"), std::string::npos) << d.status();
  v1::RevisionChange unknown = p;
  unknown.set_to_json("{\"extra\":1," + to.substr(1));
  auto u = FromProto(unknown, target_change.act, target_change.effective_date, "changes[0]");
  EXPECT_EQ(u.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(u.status().message().find("to.extra: unknown key"), std::string::npos) << u.status();
  // Both forms at once: which one would win is not guessed.
  v1::RevisionChange both = ToProto(target_change);
  both.set_to_json(p.to_json());
  auto b = FromProto(both, target_change.act, target_change.effective_date, "changes[0]");
  EXPECT_EQ(b.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(b.status().message().find("not both"), std::string::npos) << b.status();
}
#pragma GCC diagnostic pop

// Each kind takes its own member; the rules of a revisions file hold for typed requests too.
TEST(PlanProto, TypedRevisionRulesNameTheField) {
  auto revisions = ParseRevisionsJson(testing::ReadFixture("torino-2022/revisions-2022.json"));
  ASSERT_TRUE(revisions.ok()) << revisions.status();
  const Revision& r = FirstComparisonTargetChange(*revisions);
  auto refused = [&](const v1::RevisionChange& p, const std::string& what) {
    auto got = FromProto(p, r.act, r.effective_date, "changes[3]");
    EXPECT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument) << what;
    EXPECT_NE(got.status().message().find(what), std::string::npos) << got.status();
  };
  v1::RevisionChange weight_for_target = ToProto(r);
  weight_for_target.mutable_to_value()->set_weight_pct(10);
  refused(weight_for_target, "changes[3].to_value: change target takes a target, not a weight_pct");
  v1::RevisionChange no_new_target = ToProto(r);
  no_new_target.clear_to_value();
  refused(no_new_target, "changes[3].to_value: a target change needs the new target");
  v1::RevisionChange unspecified = ToProto(r);
  unspecified.set_change(v1::REVISION_KIND_UNSPECIFIED);
  refused(unspecified, "changes[3].change: must be a revision kind");
  v1::RevisionChange neutralised;
  *neutralised.mutable_objective() = ToProto(r).objective();
  neutralised.set_indicator(r.indicator);
  neutralised.set_change(v1::REVISION_KIND_NEUTRALISED);
  neutralised.mutable_to_value()->set_weight_pct(5);
  refused(neutralised, "changes[3].to_value: a neutralised indicator weighs 0");
  neutralised.clear_to_value();
  auto ok = FromProto(neutralised, r.act, r.effective_date, "changes[3]");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->to_weight, 0.0);
  v1::RevisionChange added = neutralised;
  added.set_change(v1::REVISION_KIND_ADDED);
  added.mutable_from_value()->set_weight_pct(1);
  refused(added, "changes[3].from_value: must be unset for change added, not a weight_pct");
}

}  // namespace
}  // namespace piao::plan
