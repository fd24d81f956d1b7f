// Objective levels: the enum is the contract, wave one's text is accepted alone, refused when it contradicts
// the enum or names no level; events carry only the enum, answers both (libs/base/legacy_enum.h underneath).
#include "libs/plan/objective_level.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libs/plan/plan_proto.h"
#include "piao/v1/measurement.pb.h"
#include "piao/v1/planning.pb.h"
#include "piao/v1/projection.pb.h"

// Wave one's text fields are set and read on purpose.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace piao::plan {
namespace {

using ::testing::HasSubstr;

TEST(ObjectiveLevel, TextsAreTheValueNames) {
  EXPECT_EQ(LevelText(v1::OBJECTIVE_LEVEL_STRATEGIC), "strategic");
  EXPECT_EQ(LevelText(v1::OBJECTIVE_LEVEL_OPERATIONAL), "operational");
  EXPECT_EQ(LevelText(v1::OBJECTIVE_LEVEL_INDIVIDUAL), "individual");
  EXPECT_EQ(LevelText(v1::OBJECTIVE_LEVEL_UNSPECIFIED), "");
  EXPECT_EQ(LevelText(static_cast<v1::ObjectiveLevel>(42)), "");
  for (Level l : {Level::kStrategic, Level::kOperational, Level::kIndividual}) {
    EXPECT_EQ(LevelText(ToProto(l)), LevelName(l));  // the files' names and the wire's agree
    EXPECT_EQ(*FromProto(ToProto(l), "level_kind"), l);
    EXPECT_EQ(*ObjectiveLevelOf(LevelName(l), "level"), ToProto(l));
  }
  EXPECT_THAT(ObjectiveLevelOf("strategico", "--level").status().message(),
              HasSubstr("--level: must be strategic, operational or individual, got 'strategico'"));
  EXPECT_EQ(FromProto(v1::OBJECTIVE_LEVEL_UNSPECIFIED, "objective.level_kind").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RequestedLevel, TheEnumTheTextAloneBothAgreeingAndNeither) {
  v1::ObjectiveKey k;
  k.set_level_kind(v1::OBJECTIVE_LEVEL_INDIVIDUAL);
  EXPECT_EQ(*RequestedLevel(k, "objective."), v1::OBJECTIVE_LEVEL_INDIVIDUAL);
  k.set_level("individual");  // both, agreeing
  EXPECT_EQ(*RequestedLevel(k, "objective."), v1::OBJECTIVE_LEVEL_INDIVIDUAL);
  k.clear_level_kind();  // wave one's text alone
  EXPECT_EQ(*RequestedLevel(k, "objective."), v1::OBJECTIVE_LEVEL_INDIVIDUAL);
  k.clear_level();  // neither: the caller decides
  EXPECT_EQ(*RequestedLevel(k, "objective."), v1::OBJECTIVE_LEVEL_UNSPECIFIED);
  // ... and a key without a level is refused where one is required.
  k.set_code("1.1");
  absl::StatusOr<ObjectiveKey> none = FromProto(k, "objective");
  EXPECT_EQ(none.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(none.status().message(), HasSubstr("objective.level_kind: must be OBJECTIVE_LEVEL_STRATEGIC"));
}

TEST(RequestedLevel, AContradictionAnUnknownTextAndAnUnknownNumberAreRefusedNamingTheField) {
  v1::ObjectiveDefinition o;
  o.set_code("A");
  o.set_level_kind(v1::OBJECTIVE_LEVEL_STRATEGIC);
  o.set_level("operational");
  absl::StatusOr<v1::ObjectiveLevel> both = RequestedLevel(o, "objectives[0].");
  EXPECT_EQ(both.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(both.status().message(),
              HasSubstr("objectives[0].level: 'operational' contradicts level_kind OBJECTIVE_LEVEL_STRATEGIC"));
  EXPECT_EQ(FromProto(o, "objectives[0]").status().code(), absl::StatusCode::kInvalidArgument);

  o.clear_level_kind();
  o.set_level("strategico");
  EXPECT_THAT(RequestedLevel(o, "objectives[0].").status().message(),
              HasSubstr("objectives[0].level: must be strategic, operational or individual, got 'strategico'"));

  o.clear_level();
  o.set_level_kind(static_cast<v1::ObjectiveLevel>(9));
  EXPECT_THAT(RequestedLevel(o, "objectives[0].").status().message(),
              HasSubstr("objectives[0].level_kind: 9 is not a ObjectiveLevel"));
}

TEST(NormaliseLevels, EveryKeyAndDefinitionInsideAMessageGetsTheEnumOnly) {
  v1::AdoptObjectivesRequest req;
  req.add_objectives()->set_level("strategic");
  req.add_objectives()->set_level_kind(v1::OBJECTIVE_LEVEL_OPERATIONAL);
  v1::ObjectiveDefinition* both = req.add_objectives();
  both->set_level("individual");
  both->set_level_kind(v1::OBJECTIVE_LEVEL_INDIVIDUAL);
  ASSERT_TRUE(ObjectiveLevels().Normalise(&req).ok());
  EXPECT_EQ(req.objectives(0).level_kind(), v1::OBJECTIVE_LEVEL_STRATEGIC);
  EXPECT_EQ(req.objectives(1).level_kind(), v1::OBJECTIVE_LEVEL_OPERATIONAL);
  EXPECT_EQ(req.objectives(2).level_kind(), v1::OBJECTIVE_LEVEL_INDIVIDUAL);
  for (const v1::ObjectiveDefinition& o : req.objectives()) EXPECT_TRUE(o.level().empty());

  // Nested keys (an event's revision changes and `after`), and the error names the path.
  v1::RevisionActApplied ev;
  ev.add_changes()->mutable_objective()->set_level("operational");
  ev.add_after()->mutable_objective()->set_level("individual");
  ASSERT_TRUE(ObjectiveLevels().Normalise(&ev).ok());
  EXPECT_EQ(ev.changes(0).objective().level_kind(), v1::OBJECTIVE_LEVEL_OPERATIONAL);
  EXPECT_EQ(ev.after(0).objective().level_kind(), v1::OBJECTIVE_LEVEL_INDIVIDUAL);
  EXPECT_TRUE(ev.after(0).objective().level().empty());
  ev.add_after()->mutable_objective()->set_level("Strategic");
  absl::Status bad = ObjectiveLevels().Normalise(&ev);
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.message(), HasSubstr("after[1].objective.level: must be strategic"));

  // A request's level filter is a pair too.
  v1::GetLineageRequest lr;
  lr.set_level("operational");
  ASSERT_TRUE(ObjectiveLevels().Normalise(&lr).ok());
  EXPECT_EQ(lr.level_kind(), v1::OBJECTIVE_LEVEL_OPERATIONAL);
  lr.set_level("strategic");
  EXPECT_THAT(ObjectiveLevels().Normalise(&lr).message(), HasSubstr("level: 'strategic' contradicts level_kind"));
}

TEST(FillLevelTexts, AnswersCarryTheEnumAndWaveOnesText) {
  v1::ScoresView view;
  view.add_objectives()->set_level_kind(v1::OBJECTIVE_LEVEL_OPERATIONAL);
  view.add_objectives();  // unspecified: left alone
  v1::Lineage lineage;
  lineage.mutable_objective()->set_level_kind(v1::OBJECTIVE_LEVEL_INDIVIDUAL);
  ObjectiveLevels().FillTexts(&view);
  ObjectiveLevels().FillTexts(&lineage);
  EXPECT_EQ(view.objectives(0).level(), "operational");
  EXPECT_EQ(view.objectives(1).level(), "");
  EXPECT_EQ(lineage.objective().level(), "individual");
  EXPECT_EQ(lineage.objective().level_kind(), v1::OBJECTIVE_LEVEL_INDIVIDUAL);
}

TEST(UpcastLevels, AWaveOnePayloadReadsWithTheEnumOnly) {
  v1::ActualRecorded old;
  old.set_actual_id("CCIAA-TO/2022/A1");
  old.mutable_objective()->set_level("operational");
  old.mutable_objective()->set_code("1.1");
  absl::StatusOr<std::string> up = ObjectiveLevels().Upcast(v1::ActualRecorded::default_instance(), old.SerializeAsString());
  ASSERT_TRUE(up.ok()) << up.status();
  v1::ActualRecorded now;
  ASSERT_TRUE(now.ParseFromString(*up));
  EXPECT_EQ(now.objective().level_kind(), v1::OBJECTIVE_LEVEL_OPERATIONAL);
  EXPECT_TRUE(now.objective().level().empty());
  EXPECT_EQ(now.actual_id(), "CCIAA-TO/2022/A1");
  old.mutable_objective()->set_level("regional");
  EXPECT_EQ(ObjectiveLevels().Upcast(v1::ActualRecorded::default_instance(), old.SerializeAsString()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ObjectiveLevels().Upcast(v1::ActualRecorded::default_instance(), "\xff\xff").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace piao::plan
