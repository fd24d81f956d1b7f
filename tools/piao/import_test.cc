#include "tools/piao/import.h"

#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libs/plan/fixture_files.h"

namespace piao::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using json = nlohmann::json;
using plan::testing::ReadFixture;

const std::string kPlan = "torino-2022/plan-2022.json";
const std::string kResults = "torino-2022/results-2022-strategic.json";
const std::string kRevisions = "torino-2022/revisions-2022.json";

TEST(PrepareImport, PlanFileAdoptsUnderItsApprovalAct) {
  auto p = PrepareImport("data/plan-2022.json", ReadFixture(kPlan), ImportFlags());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->adopt_needed);
  EXPECT_EQ(p->adopt.administration(), kDefaultAdministration);
  EXPECT_EQ(p->adopt.year(), 2022);
  EXPECT_EQ(p->adopt.act().text(), "Deliberazione di Giunta n. 103 del 27/06/2022");
  EXPECT_EQ(p->adopt.act().date(), "2022-06-27");
  EXPECT_EQ(p->adopt.act().number(), "103");
  EXPECT_EQ(p->adopt.effective_date(), "2022-06-27");
  EXPECT_EQ(p->adopt.objectives_size(), 14 + 53 + 18);
  EXPECT_THAT(p->adopt.meta().idempotency_key(), StartsWith("import-adopt:"));
  EXPECT_FALSE(p->adopt.meta().correlation_id().empty());
}

// Keys are fresh per prepared command (issue 11 §3): a content key made A -> B -> A drop the third change.
// Re-running the same file is a no-op because the services decide "unchanged" against their state.
TEST(PrepareImport, KeysAreFreshPerCommandNeverDerivedFromContent) {
  const std::string bytes = ReadFixture(kPlan);
  auto a = PrepareImport("a/plan.json", bytes, ImportFlags());
  auto b = PrepareImport("a/plan.json", bytes, ImportFlags());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_THAT(a->adopt.meta().idempotency_key(), StartsWith("import-adopt:"));
  EXPECT_NE(a->adopt.meta().idempotency_key(), b->adopt.meta().idempotency_key());
  // The correlation id still groups the commands of one file's content.
  EXPECT_EQ(a->adopt.meta().correlation_id(), b->adopt.meta().correlation_id());
}

TEST(PrepareImport, ResultsFileRecordsEveryActualAsYearEnd) {
  const std::string bytes = ReadFixture(kResults);
  size_t expected = 0;
  const json file = json::parse(bytes);
  for (const json& o : file["objectives"]) {
    for (const json& i : o["indicators"]) expected += i.contains("actual") && !i["actual"].is_null() ? 1 : 0;
  }
  ASSERT_GT(expected, 60u);
  auto p = PrepareImport("fixtures/results-2022-strategic.json", bytes, ImportFlags());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_FALSE(p->adopt.has_act());  // the results file has no approval act
  ASSERT_EQ(p->actuals.size(), expected);
  std::set<std::string> keys;
  bool saw_ec05 = false;
  for (const v1::RecordActualRequest& r : p->actuals) {
    EXPECT_EQ(r.period(), "year-end");
    EXPECT_EQ(r.source(), "import:results-2022-strategic.json");
    EXPECT_EQ(r.administration(), kDefaultAdministration);
    EXPECT_EQ(r.year(), 2022);
    EXPECT_EQ(r.objective().level_kind(), v1::OBJECTIVE_LEVEL_STRATEGIC);
    keys.insert(r.meta().idempotency_key());
    if (r.indicator() == "EC05.1") {
      saw_ec05 = true;
      EXPECT_EQ(r.objective().code(), "OS01.1.1");
      EXPECT_DOUBLE_EQ(r.value().quantity().value(), 110.58);
      EXPECT_EQ(r.value().quantity().unit(), "%");
    }
  }
  EXPECT_TRUE(saw_ec05);
  EXPECT_EQ(keys.size(), p->actuals.size());  // one key per actual
}

TEST(PrepareImport, AdministrationFromFileFlagOrDefault) {
  json j = json::parse(ReadFixture(kPlan));
  j["administration"] = "CCIAA-TO";
  auto from_file = PrepareImport("p.json", j.dump(), ImportFlags());
  ASSERT_TRUE(from_file.ok()) << from_file.status();
  EXPECT_EQ(from_file->adopt.administration(), "CCIAA-TO");

  ImportFlags same;
  same.administration = "CCIAA-TO";
  EXPECT_TRUE(PrepareImport("p.json", j.dump(), same).ok());
  ImportFlags other;
  other.administration = "CCIAA-MI";
  auto conflict = PrepareImport("p.json", j.dump(), other);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(conflict.status().message()), HasSubstr("administration"));

  ImportFlags slash;
  slash.administration = "A/B";
  EXPECT_FALSE(PrepareImport("p.json", ReadFixture(kPlan), slash).ok());
}

TEST(PrepareImport, ActFromFlagsWhenTheFileHasNone) {
  json j = json::parse(ReadFixture(kPlan));
  j.erase("approved");
  ImportFlags flags;
  flags.act = "Deliberazione di Giunta n. 7 del 01/02/2022";
  flags.act_date = "2022-02-01";
  auto p = PrepareImport("p.json", j.dump(), flags);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->adopt.act().text(), flags.act);
  EXPECT_EQ(p->adopt.act().date(), "2022-02-01");
  EXPECT_EQ(p->adopt.effective_date(), "2022-02-01");

  auto none = PrepareImport("p.json", j.dump(), ImportFlags());
  ASSERT_TRUE(none.ok());  // the planning service refuses to adopt without an act, naming act.text
  EXPECT_FALSE(none->adopt.has_act());

  ImportFlags half;
  half.act = "Deliberazione";
  EXPECT_EQ(PrepareImport("p.json", j.dump(), half).status().code(), absl::StatusCode::kInvalidArgument);
  ImportFlags bad_date = flags;
  bad_date.act_date = "2022-02-30";
  auto bad = PrepareImport("p.json", j.dump(), bad_date);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("--act-date"));

  // The file's act and different flags: refused rather than silently choosing one.
  auto conflict = PrepareImport("p.json", ReadFixture(kPlan), flags);
  ASSERT_FALSE(conflict.ok());
  EXPECT_THAT(std::string(conflict.status().message()), HasSubstr("approved"));
}

TEST(PrepareImport, InvalidFilesAreRefusedNamingFileAndPath) {
  auto not_json = PrepareImport("broken.json", "{\"year\": 2022, ", ImportFlags());
  ASSERT_FALSE(not_json.ok());
  EXPECT_EQ(not_json.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(not_json.status().message()), StartsWith("broken.json: "));

  json j = json::parse(ReadFixture(kPlan));
  j["objectives"][0]["indicators"][0]["target"]["op"] = "~";
  auto bad_op = PrepareImport("p.json", j.dump(), ImportFlags());
  ASSERT_FALSE(bad_op.ok());
  EXPECT_THAT(std::string(bad_op.status().message()), HasSubstr("objectives[0].indicators[0].target"));

  // Parses, but breaks a planning rule (weights of an objective no longer sum to 100).
  j = json::parse(ReadFixture(kResults));
  j["objectives"][0]["indicators"][0]["weight_pct"] = 55.0;
  auto bad_weights = PrepareImport("r.json", j.dump(), ImportFlags());
  ASSERT_FALSE(bad_weights.ok());
  EXPECT_EQ(bad_weights.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad_weights.status().message()), HasSubstr("r.json: plan has"));

  j = json::parse(ReadFixture(kPlan));
  j["year"] = 22;
  EXPECT_THAT(std::string(PrepareImport("p.json", j.dump(), ImportFlags()).status().message()), HasSubstr("year"));
}

TEST(ImportResult, SummaryAndJson) {
  ImportResult r;
  r.file = "plan-2022.json";
  r.administration = "default";
  r.year = 2022;
  r.objectives_added = 85;
  r.indicators_added = 300;
  r.actuals_recorded = 2;
  EXPECT_EQ(RenderImportResult(r),
            "import plan-2022.json (default/2022): 85 objectives added, 300 indicators added, 0 descriptions "
            "updated, 0 unchanged, 2 actuals recorded");
  ImportResult again = r;
  again.duplicate = true;
  again.objectives_added = again.indicators_added = again.actuals_recorded = 0;
  again.actuals_unchanged = 2;
  EXPECT_THAT(RenderImportResult(again), HasSubstr("already imported"));
  EXPECT_THAT(RenderImportResult(again), HasSubstr("(2 already recorded)"));

  json j = ImportResultsToJson({r, again});
  EXPECT_EQ(j["objectives_added"], 85);
  EXPECT_EQ(j["indicators_added"], 300);
  EXPECT_EQ(j["actuals_recorded"], 2);
  EXPECT_EQ(j["actuals_unchanged"], 2);
  ASSERT_EQ(j["files"].size(), 2u);
  EXPECT_EQ(j["files"][1]["duplicate"], true);
  EXPECT_EQ(j["files"][0]["file"], "plan-2022.json");
}

TEST(ActDateFromText, ReadsTheActsDate) {
  EXPECT_EQ(ActDateFromText("Deliberazione di Giunta n. 142 del 13/09/2022"), "2022-09-13");
  EXPECT_EQ(ActDateFromText("Determinazione n. 5 del 1/2/2023"), "2023-02-01");
  EXPECT_EQ(ActDateFromText("Deliberazione di Giunta n. 142"), "");
  EXPECT_EQ(ActDateFromText("del 31/02/2022"), "");  // not a calendar date
}

TEST(PrepareRevise, OneRequestPerAct) {
  const std::string bytes = ReadFixture(kRevisions);
  auto acts = PrepareRevise("revisions-2022.json", bytes, ReviseFlags());
  ASSERT_TRUE(acts.ok()) << acts.status();
  ASSERT_EQ(acts->size(), 1u);
  const v1::ApplyRevisionActRequest& r = (*acts)[0];
  EXPECT_EQ(r.administration(), kDefaultAdministration);
  EXPECT_EQ(r.year(), 2022);
  EXPECT_EQ(r.act().text(), "Deliberazione di Giunta n. 142 del 13/09/2022");
  EXPECT_EQ(r.act().date(), "2022-09-13");
  EXPECT_EQ(r.act().number(), "142");
  EXPECT_EQ(r.effective_date(), "2022-09-13");
  EXPECT_EQ(r.changes_size(), 26);
  EXPECT_THAT(r.meta().idempotency_key(), StartsWith("revise:"));
  // A new run has new keys: the planning service answers "unchanged" for an act already in force.
  auto again = PrepareRevise("elsewhere.json", bytes, ReviseFlags());
  ASSERT_TRUE(again.ok());
  EXPECT_NE((*again)[0].meta().idempotency_key(), r.meta().idempotency_key());
}

TEST(PrepareRevise, ActsAreSplitAndRulesChecked) {
  json j = json::parse(ReadFixture(kRevisions));
  j["revisions"][0]["act"] = "Deliberazione di Giunta n. 150 del 20/10/2022";
  j["revisions"][0]["effective_date"] = "2022-10-20";
  auto two = PrepareRevise("r.json", j.dump(), ReviseFlags());
  ASSERT_TRUE(two.ok()) << two.status();
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[0].changes_size(), 1);
  EXPECT_EQ((*two)[0].act().date(), "2022-10-20");
  EXPECT_EQ((*two)[1].changes_size(), 25);
  EXPECT_NE((*two)[0].meta().idempotency_key(), (*two)[1].meta().idempotency_key());

  json split = json::parse(ReadFixture(kRevisions));
  split["revisions"][0]["effective_date"] = "2022-10-01";
  auto mixed = PrepareRevise("r.json", split.dump(), ReviseFlags());
  ASSERT_FALSE(mixed.ok());
  EXPECT_THAT(std::string(mixed.status().message()), HasSubstr("effective_date"));

  json no_year = json::parse(ReadFixture(kRevisions));
  no_year.erase("year");
  EXPECT_THAT(std::string(PrepareRevise("r.json", no_year.dump(), ReviseFlags()).status().message()),
              HasSubstr("--year"));
  ReviseFlags with_year;
  with_year.year = 2022;
  EXPECT_TRUE(PrepareRevise("r.json", no_year.dump(), with_year).ok());
  ReviseFlags wrong_year;
  wrong_year.year = 2023;
  EXPECT_FALSE(PrepareRevise("r.json", ReadFixture(kRevisions), wrong_year).ok());

  json no_date_in_text = json::parse(ReadFixture(kRevisions));
  for (json& r : no_date_in_text["revisions"]) r["act"] = "Deliberazione di Giunta n. 142";
  auto fallback = PrepareRevise("r.json", no_date_in_text.dump(), ReviseFlags());
  ASSERT_TRUE(fallback.ok()) << fallback.status();
  EXPECT_EQ((*fallback)[0].act().date(), "2022-09-13");  // the effective date

  EXPECT_EQ(PrepareRevise("r.json", "{\"revisions\": [{}]}", ReviseFlags()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ReviseResult, SummaryAndJson) {
  ReviseResult r{"Deliberazione di Giunta n. 142 del 13/09/2022", "2022-09-13", "2022-09-13", 26, false, 4};
  EXPECT_EQ(RenderReviseResult("revisions-2022.json", r),
            "revise revisions-2022.json: Deliberazione di Giunta n. 142 del 13/09/2022 (2022-09-13, effective "
            "2022-09-13): 26 changes applied, plan version 4");
  ReviseResult dup = r;
  dup.duplicate = true;
  json j = ReviseResultsToJson("revisions-2022.json", {r, dup});
  EXPECT_EQ(j["changes_applied"], 26);
  EXPECT_EQ(j["acts"].size(), 2u);
  EXPECT_EQ(j["acts"][1]["duplicate"], true);
}

}  // namespace
}  // namespace piao::cli
