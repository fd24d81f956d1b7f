#include "services/planning/plan_aggregate.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

#include "libs/plan/fixture_files.h"
#include "libs/plan/plan_json.h"
#include "libs/plan/plan_proto.h"
#include "libs/plan/revision.h"

namespace piao::planning {
namespace {

using plan::testing::ReadFixture;

// An in-memory stream: decided events are numbered and folded as the store would.
class PlanStreamSim {
 public:
  absl::StatusOr<PlanState> Append(const std::vector<eventstore::NewEvent>& decided) {
    for (const auto& ne : decided) {
      v1::EventEnvelope e;
      e.set_event_type(ne.event_type);
      e.set_payload(ne.payload);
      e.set_schema_version(ne.schema_version);
      e.set_stream_version(events_.size() + 1);
      e.set_global_position(events_.size() + 1);
      events_.push_back(e);
    }
    return FoldPlan(events_);
  }
  const std::vector<v1::EventEnvelope>& events() const { return events_; }

 private:
  std::vector<v1::EventEnvelope> events_;
};

v1::AdoptObjectivesRequest AdoptFile(const std::string& fixture, bool with_act) {
  auto parsed = plan::ParsePlanJson(ReadFixture(fixture));
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  v1::AdoptObjectivesRequest r;
  r.set_administration("CCIAA-TO");
  r.set_year(parsed->plan.year);
  if (with_act && parsed->plan.approval.has_value()) *r.mutable_act() = plan::ToProto(*parsed->plan.approval);
  for (const auto& o : parsed->plan.objectives) *r.add_objectives() = plan::ToProto(o);
  return r;
}

v1::ApplyRevisionActRequest ReviseFile(const std::string& fixture) {
  auto revisions = plan::ParseRevisionsJson(ReadFixture(fixture));
  EXPECT_TRUE(revisions.ok()) << revisions.status();
  auto acts = plan::GroupByAct(*revisions);
  EXPECT_EQ(acts.size(), 1u);
  v1::ApplyRevisionActRequest r;
  r.set_administration("CCIAA-TO");
  r.set_year(2022);
  r.mutable_act()->set_text(acts[0][0].act);
  r.mutable_act()->set_date("2022-09-13");
  r.set_effective_date(plan::FormatIsoDate(acts[0][0].effective_date));
  for (const auto& rev : acts[0]) *r.add_changes() = plan::ToProto(rev);
  return r;
}

const plan::Indicator* Find(const PlanState& s, const std::string& objective, const std::string& code) {
  for (const auto& o : s.plan.objectives) {
    if (o.code == objective && o.level == plan::Level::kStrategic) return plan::FindIndicator(o, code);
  }
  return nullptr;
}

// Wave one's text levels are set and read on purpose.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
// A request's objective level: the enum, or wave one's text alone (both agreeing is fine); the events written
// carry the enum only. A contradiction or a text that names no level is refused naming the objective.
TEST(PlanAggregate, ObjectiveLevelsAreTheEnumWaveOnesTextIsAcceptedAndEventsCarryOnlyTheEnum) {
  v1::AdoptObjectivesRequest req = AdoptFile("torino-2022/plan-2022.json", true);
  ASSERT_GE(req.objectives_size(), 2);
  const v1::ObjectiveLevel first = req.objectives(0).level_kind(), second = req.objectives(1).level_kind();
  req.mutable_objectives(0)->clear_level_kind();
  req.mutable_objectives(0)->set_level(plan::LevelText(first));  // the text alone
  req.mutable_objectives(1)->set_level(plan::LevelText(second));  // both, agreeing
  AdoptionSummary summary;
  auto decided = DecideAdoptObjectives(PlanState{}, req, &summary);
  ASSERT_TRUE(decided.ok()) << decided.status();
  std::vector<v1::ObjectiveLevel> levels;
  for (const eventstore::NewEvent& e : *decided) {
    if (e.event_type != "piao.v1.ObjectivesAdopted") continue;
    v1::ObjectivesAdopted ev;
    ASSERT_TRUE(ev.ParseFromString(e.payload));
    for (const v1::ObjectiveDefinition& o : ev.objectives()) {
      EXPECT_NE(o.level_kind(), v1::OBJECTIVE_LEVEL_UNSPECIFIED);
      EXPECT_TRUE(o.level().empty()) << "events carry only the enum";
      levels.push_back(o.level_kind());
    }
  }
  ASSERT_EQ(levels.size(), static_cast<size_t>(req.objectives_size()));
  EXPECT_EQ(levels[0], first);
  EXPECT_EQ(levels[1], second);

  const v1::ObjectiveLevel other =
      second == v1::OBJECTIVE_LEVEL_OPERATIONAL ? v1::OBJECTIVE_LEVEL_STRATEGIC : v1::OBJECTIVE_LEVEL_OPERATIONAL;
  req.mutable_objectives(1)->set_level(plan::LevelText(other));
  auto contradiction = DecideAdoptObjectives(PlanState{}, req, &summary);
  EXPECT_EQ(contradiction.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(contradiction.status().message().find(absl::StrCat("level: '", plan::LevelText(other),
                                                               "' contradicts level_kind ",
                                                               v1::ObjectiveLevel_Name(second))),
            std::string::npos)
      << contradiction.status();
  req.mutable_objectives(1)->clear_level();
  req.mutable_objectives(0)->set_level("strategica");
  auto unknown = DecideAdoptObjectives(PlanState{}, req, &summary);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("level: must be strategic, operational or individual, got 'strategica'"),
            std::string::npos)
      << unknown.status();
  req.mutable_objectives(0)->clear_level();  // neither: a level is required
  auto none = DecideAdoptObjectives(PlanState{}, req, &summary);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(none.status().message().find("level_kind"), std::string::npos) << none.status();
}
#pragma GCC diagnostic pop

TEST(PlanAggregate, CreateThenRejectSecondCreateAndNameBadFields) {
  v1::CreatePlanRequest c;
  c.set_administration("CCIAA-TO");
  c.set_year(2022);
  PlanStreamSim sim;
  auto state = sim.Append(*DecideCreatePlan(PlanState{}, c));
  ASSERT_TRUE(state.ok());
  EXPECT_TRUE(state->exists);
  EXPECT_EQ(state->title, "PIAO 2022-2024");
  EXPECT_EQ(DecideCreatePlan(*state, c).status().code(), absl::StatusCode::kFailedPrecondition);
  c.set_year(22);
  EXPECT_NE(DecideCreatePlan(PlanState{}, c).status().message().find("year"), std::string::npos);
  c.set_administration("A/B");
  EXPECT_NE(DecideCreatePlan(PlanState{}, c).status().message().find("administration"), std::string::npos);
  EXPECT_EQ(PlanStream("CCIAA-TO", 2022).Key(), "plan/CCIAA-TO/2022");
}

TEST(PlanAggregate, AdoptsTheTorinoPlanReviseItThenImportTheResults) {
  PlanStreamSim sim;
  AdoptionSummary summary;
  auto events = DecideAdoptObjectives(PlanState{}, AdoptFile("torino-2022/plan-2022.json", true), &summary);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 2u) << "PlanCreated + ObjectivesAdopted";
  EXPECT_EQ(summary.objectives_added, 14u + 53u + 18u);
  auto state = sim.Append(*events);
  ASSERT_TRUE(state.ok()) << state.status();
  ASSERT_TRUE(state->plan.approval.has_value());
  EXPECT_EQ(state->plan.approval->number, 103);
  auto expected = plan::ParsePlanJson(ReadFixture("torino-2022/plan-2022.json"));
  EXPECT_EQ(state->plan.objectives, expected->plan.objectives);
  const plan::Indicator* k = Find(*state, "OS03.1.1", "kpi3.1.1_01");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(plan::DescribeTarget(k->target), ">= 20 %");

  // The same file again changes nothing.
  auto again = DecideAdoptObjectives(*state, AdoptFile("torino-2022/plan-2022.json", true), &summary);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(summary.objectives_added, 0u);
  EXPECT_GT(summary.unchanged, 150u);

  // Delibera 142: all 26 changes together.
  auto revised_events = DecideApplyRevisionAct(*state, ReviseFile("torino-2022/revisions-2022.json"));
  ASSERT_TRUE(revised_events.ok()) << revised_events.status();
  ASSERT_EQ(revised_events->size(), 1u);
  EXPECT_EQ(absl::ToCivilDay((*revised_events)[0].occurred_at, absl::UTCTimeZone()), absl::CivilDay(2022, 9, 13));
  state = sim.Append(*revised_events);
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(plan::DescribeTarget(Find(*state, "OS03.1.1", "kpi3.1.1_01")->target), ">= 85 %");
  ASSERT_NE(Find(*state, "OS07.1.2", "kpi7.1.2_08"), nullptr);
  EXPECT_TRUE(Find(*state, "OS13.4", "kpi13.4_05")->suppressed);
  v1::RevisionActApplied applied;
  ASSERT_TRUE(applied.ParseFromString(sim.events().back().payload()));
  EXPECT_EQ(applied.changes_size(), 26);
  EXPECT_EQ(applied.act().number(), "142");
  EXPECT_EQ(applied.changes(0).objective().level_kind(), v1::OBJECTIVE_LEVEL_STRATEGIC) << "changes carry the full objective key";

  // The results file defines the same scoring as the revised plan: no act needed, only descriptions.
  auto results = DecideAdoptObjectives(*state, AdoptFile("torino-2022/results-2022-strategic.json", false), &summary);
  ASSERT_TRUE(results.ok()) << results.status();
  EXPECT_EQ(summary.objectives_added, 0u);
  EXPECT_EQ(summary.indicators_added, 0u);
  EXPECT_EQ(summary.unchanged + summary.descriptions_updated, 76u);
  state = sim.Append(*results);
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(plan::DescribeTarget(Find(*state, "OS03.1.1", "kpi3.1.1_01")->target), ">= 85 %");
}

TEST(PlanAggregate, ImportCannotChangeAScoringDefinition) {
  PlanStreamSim sim;
  AdoptionSummary summary;
  auto state = sim.Append(*DecideAdoptObjectives(PlanState{}, AdoptFile("torino-2022/plan-2022.json", true), &summary));
  ASSERT_TRUE(state.ok());
  // The results file carries the revised targets: against the plan as approved it must point to `piao revise`.
  auto r = DecideAdoptObjectives(*state, AdoptFile("torino-2022/results-2022-strategic.json", false), &summary);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("piao revise"), std::string::npos);
  EXPECT_NE(r.status().message().find("kpi3.1.1_01"), std::string::npos);
}

// A formula is part of the scoring definition: an import cannot change it (a revision of kind "formula" can).
TEST(PlanAggregate, ImportCannotChangeAFormula) {
  PlanStreamSim sim;
  AdoptionSummary summary;
  auto state =
      sim.Append(*DecideAdoptObjectives(PlanState{}, AdoptFile("torino-2022/ratios-plan-2021.json", true), &summary));
  ASSERT_TRUE(state.ok()) << state.status();
  auto again = AdoptFile("torino-2022/ratios-plan-2021.json", true);
  auto same = DecideAdoptObjectives(*state, again, &summary);
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_TRUE(same->empty());
  again.mutable_objectives(0)->mutable_indicators(2)->set_formula("totale_passivo / patrimonio_netto");
  auto r = DecideAdoptObjectives(*state, again, &summary);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("formula (plan: 'totale_attivo / patrimonio_netto', file: "
                                      "'totale_passivo / patrimonio_netto')"),
            std::string::npos)
      << r.status();
}

TEST(PlanAggregate, NewObjectivesNeedAnAct) {
  AdoptionSummary summary;
  auto r = DecideAdoptObjectives(PlanState{}, AdoptFile("torino-2022/plan-2022.json", false), &summary);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("act"), std::string::npos);
}

TEST(PlanAggregate, RevisionsNeedAnApprovedPlanAReasonAndMatchingFrom) {
  EXPECT_EQ(DecideApplyRevisionAct(PlanState{}, ReviseFile("torino-2022/revisions-2022.json")).status().code(),
            absl::StatusCode::kFailedPrecondition);
  PlanStreamSim sim;
  AdoptionSummary summary;
  auto state = sim.Append(*DecideAdoptObjectives(PlanState{}, AdoptFile("torino-2022/plan-2022.json", true), &summary));
  ASSERT_TRUE(state.ok());
  auto req = ReviseFile("torino-2022/revisions-2022.json");
  req.mutable_changes(1)->set_reason("");
  EXPECT_NE(DecideApplyRevisionAct(*state, req).status().message().find("changes[1].reason"), std::string::npos);
  // The same act again (a re-run of the same file) is unchanged: nothing is decided, nothing refused.
  auto first = DecideApplyRevisionAct(*state, ReviseFile("torino-2022/revisions-2022.json"));
  ASSERT_TRUE(first.ok());
  state = sim.Append(*first);
  ASSERT_TRUE(state.ok());
  auto again = DecideApplyRevisionAct(*state, ReviseFile("torino-2022/revisions-2022.json"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->empty());
  // Another act with the same changes: its `from` values no longer match, and nothing is decided.
  auto other = ReviseFile("torino-2022/revisions-2022.json");
  other.mutable_act()->set_text("Deliberazione di Giunta n. 150 del 20/10/2022");
  other.mutable_act()->set_number("150");
  other.mutable_act()->set_date("2022-10-20");
  other.set_effective_date("2022-10-20");
  EXPECT_EQ(DecideApplyRevisionAct(*state, other).status().code(), absl::StatusCode::kFailedPrecondition);
  // Half an act is refused as a whole: the nine OS07.1.2 weights alone do not sum to 100.
  auto partial = ReviseFile("torino-2022/revisions-2022.json");
  PlanStreamSim fresh;
  auto s2 = fresh.Append(*DecideAdoptObjectives(PlanState{}, AdoptFile("torino-2022/plan-2022.json", true), &summary));
  ASSERT_TRUE(s2.ok());
  auto* changes = partial.mutable_changes();
  changes->erase(std::remove_if(changes->begin(), changes->end(),
                                [](const v1::RevisionChange& c) { return c.change() != v1::REVISION_KIND_WEIGHT; }),
                 changes->end());
  ASSERT_EQ(partial.changes_size(), 9);
  EXPECT_EQ(DecideApplyRevisionAct(*s2, partial).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(PlanAggregate, UnknownEventTypeIsNotSilentlySkipped) {
  v1::EventEnvelope e;
  e.set_event_type("piao.v1.FromTheFuture");
  EXPECT_EQ(FoldPlan({e}).status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace piao::planning

namespace piao::planning {
namespace {

// Issue 11 §2: a plan larger than one event may be is split into several adoptions of the same act, appended
// together, and folds back to exactly the plan that was sent.
TEST(PlanAggregateTest, ALargeAdoptionIsSplitIntoEventsThatFoldBackIdentical) {
  v1::AdoptObjectivesRequest req = AdoptFile("torino-2022/plan-2022.json", true);
  AdoptionSummary summary;
  constexpr size_t kMax = 20000;
  auto events = DecideAdoptObjectives(PlanState{}, req, &summary, kMax);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_GT(events->size(), 3u);  // PlanCreated + several ObjectivesAdopted
  for (const eventstore::NewEvent& e : *events) EXPECT_LE(e.payload.size(), kMax) << e.event_type;
  PlanStreamSim sim;
  auto state = sim.Append(*events);
  ASSERT_TRUE(state.ok()) << state.status();
  v1::GetPlanResponse plan = DescribePlan(*state);
  ASSERT_EQ(plan.objectives_size(), req.objectives_size());
  for (int i = 0; i < req.objectives_size(); ++i) {
    EXPECT_EQ(plan.objectives(i).code(), req.objectives(i).code());
    EXPECT_EQ(plan.objectives(i).indicators_size(), req.objectives(i).indicators_size()) << i;
  }
  EXPECT_EQ(plan.approval().text(), req.act().text());
  // One objective alone above the limit is refused, naming it.
  v1::AdoptObjectivesRequest huge = req;
  huge.mutable_objectives(0)->set_description(std::string(kMax, 'x'));
  auto refused = DecideAdoptObjectives(PlanState{}, huge, &summary, kMax);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find(req.objectives(0).code()), std::string::npos) << refused.status();
}

}  // namespace
}  // namespace piao::planning

namespace piao::planning {
namespace {

// With fresh idempotency keys per run (issue 11 §3), re-importing the approved plan after its revisions must be
// decided unchanged against the state: the file still says what was adopted, not a new scoring definition.
TEST(PlanAggregateTest, TheApprovedPlanImportedAgainAfterItsRevisionsIsUnchanged) {
  AdoptionSummary summary;
  PlanStreamSim sim;
  auto state = sim.Append(*DecideAdoptObjectives(PlanState{}, AdoptFile("torino-2022/plan-2022.json", true), &summary));
  ASSERT_TRUE(state.ok());
  auto revised = DecideApplyRevisionAct(*state, ReviseFile("torino-2022/revisions-2022.json"));
  ASSERT_TRUE(revised.ok()) << revised.status();
  state = sim.Append(*revised);
  ASSERT_TRUE(state.ok());
  auto again = DecideAdoptObjectives(*state, AdoptFile("torino-2022/plan-2022.json", true), &summary);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->empty());
  EXPECT_GT(summary.unchanged, 0u);
  // A file with a target that was never adopted nor revised is still refused, pointing to a revision.
  v1::AdoptObjectivesRequest changed = AdoptFile("torino-2022/plan-2022.json", true);
  changed.mutable_objectives(0)->mutable_indicators(0)->mutable_target()->mutable_comparison()->set_value(1);
  EXPECT_EQ(DecideAdoptObjectives(*state, changed, &summary).status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace piao::planning
