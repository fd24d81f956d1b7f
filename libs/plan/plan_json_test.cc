#include "libs/plan/plan_json.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/plan/fixture_files.h"
#include "libs/plan/validate.h"

namespace piao::plan {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

const Objective& Obj(const Plan& plan, const std::string& code, Level level = Level::kStrategic) {
  for (const Objective& o : plan.objectives) {
    if (o.code == code && o.level == level) return o;
  }
  throw std::runtime_error("no objective " + code);
}

TEST(ParsePlanJsonTest, TorinoPlanParsesAndValidates) {
  auto parsed = ParsePlanJson(testing::ReadFixture("torino-2022/plan-2022.json"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const Plan& plan = parsed->plan;
  EXPECT_EQ(plan.year, 2022);
  ASSERT_TRUE(plan.approval.has_value());
  EXPECT_EQ(plan.approval->act, "Deliberazione di Giunta n. 103 del 27/06/2022");
  EXPECT_EQ(plan.approval->number, 103);
  EXPECT_EQ(plan.approval->body, "Giunta");
  EXPECT_EQ(plan.approval->date, Date(2022, 6, 27));

  std::map<Level, int> per_level;
  int indicators = 0;
  for (const Objective& o : plan.objectives) {
    ++per_level[o.level];
    indicators += static_cast<int>(o.indicators.size());
  }
  EXPECT_EQ(per_level[Level::kStrategic], 14);
  EXPECT_EQ(per_level[Level::kOperational], 53);
  EXPECT_EQ(per_level[Level::kIndividual], 18);
  EXPECT_EQ(indicators, 185);
  EXPECT_TRUE(parsed->actuals.empty());  // a plan has no consuntivo yet

  // As approved, OS07.1.2's nine indicators carry no weight (they weigh equally): still a valid plan.
  const Objective& os07 = Obj(plan, "OS07.1.2");
  EXPECT_EQ(os07.indicators.size(), 9u);
  for (const Indicator& i : os07.indicators) EXPECT_FALSE(i.weight_pct.has_value()) << i.code;
  EXPECT_EQ(FindIndicator(os07, "kpi7.1.2_08"), nullptr);
  EXPECT_TRUE(ValidatePlan(plan).ok()) << ValidatePlan(plan);

  const Indicator* kpi = FindIndicator(Obj(plan, "OS03.1.1"), "kpi3.1.1-04");
  ASSERT_NE(kpi, nullptr);
  EXPECT_EQ(kpi->target, Target(ComparisonTarget{CompareOp::kGe, {10000, "N."}}));
  EXPECT_EQ(kpi->threshold, (Threshold{Quantity{5000, "N."}}));
  const Indicator* b3 = FindIndicator(Obj(plan, "OS01.1.1"), "B3.1_02");
  ASSERT_NE(b3, nullptr);
  EXPECT_EQ(b3->threshold, (Threshold{Quantity{65, "%"}, /*implied=*/true}));
  EXPECT_EQ(b3->weight_pct, 20.0);
  EXPECT_TRUE(b3->flags.common);
  EXPECT_EQ(b3->targets_by_year.at(2022), b3->target);
  EXPECT_FALSE(b3->targets_by_year.at(2023).has_value());

  const Indicator* legal = FindIndicator(Obj(plan, "OS06.1.1"), "kpi6.1.1_04");
  ASSERT_NE(legal, nullptr);
  EXPECT_EQ(legal->target, Target(Text{"Nei termini di legge"}));
  const Indicator* late = FindIndicator(Obj(plan, "OS04.1.1"), "kpi4.1.1_10");
  ASSERT_NE(late, nullptr);
  EXPECT_EQ(late->target, Target(DeadlineTarget{Date(2022, 5, 31)}));
  EXPECT_EQ(late->threshold, Threshold{Date(2022, 7, 31)});

  const Objective& individual = Obj(plan, "OP1.1.1-01", Level::kIndividual);
  EXPECT_EQ(individual.owner, "Segretario Generale");
  EXPECT_EQ(individual.parent, "OS01.1.1");
  const Objective& operational = Obj(plan, "OP10.2.2-02", Level::kOperational);
  EXPECT_EQ(operational.units, std::vector<std::string>{"Area Anagrafe economica"});
  EXPECT_EQ(operational.objective_weight_pct, 7.0);
}

TEST(ParsePlanJsonTest, IndicatorCodesAreCaseSensitive) {
  auto parsed = ParsePlanJson(testing::ReadFixture("torino-2022/plan-2022.json"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  // The PIAO prints kpi4.1.1-02a under OP4.1.1-01 and Kpi4.1.1-02a (capital K) under OP4.1.1-02.
  const Objective& a = Obj(parsed->plan, "OP4.1.1-01", Level::kOperational);
  const Objective& b = Obj(parsed->plan, "OP4.1.1-02", Level::kOperational);
  EXPECT_NE(FindIndicator(a, "kpi4.1.1-02a"), nullptr);
  EXPECT_EQ(FindIndicator(a, "Kpi4.1.1-02a"), nullptr);
  EXPECT_NE(FindIndicator(b, "Kpi4.1.1-02a"), nullptr);
  EXPECT_EQ(FindIndicator(b, "kpi4.1.1-02a"), nullptr);

  // In one objective, two codes differing only in case are two indicators.
  json doc = {{"year", 2022},
              {"objectives",
               {{{"code", "OS1"},
                 {"level", "strategic"},
                 {"indicators",
                  {{{"code", "Kpi1"}, {"weight_pct", 50}, {"target", {{"op", ">="}, {"value", 1}, {"unit", "N."}}}},
                   {{"code", "kpi1"}, {"weight_pct", 50}, {"target", {{"op", ">="}, {"value", 2}, {"unit", "N."}}}}}}}}}};
  auto ok = ParsePlanJson(doc.dump());
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->plan.objectives[0].indicators.size(), 2u);
  EXPECT_TRUE(ValidatePlan(ok->plan).ok());

  doc["objectives"][0]["indicators"][1]["code"] = "Kpi1";
  auto dup = ParsePlanJson(doc.dump());
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(dup.status().message()),
              HasSubstr("objectives[0].indicators[1].code: 'Kpi1' duplicates objectives[0].indicators[0]"));
}

TEST(ParsePlanJsonTest, SameCodeAsOperationalAndIndividualObjective) {
  json ind = {{"code", "kpi1"}, {"weight_pct", 100}, {"target", {{"op", "by_date"}, {"date", "2022-12-31"}}}};
  json doc = {{"year", 2022},
              {"objectives",
               {{{"code", "OP1"}, {"level", "operational"}, {"units", {"Area A"}}, {"objective_weight_pct", 100},
                 {"indicators", {ind}}},
                {{"code", "OP1"}, {"level", "individual"}, {"owner", "Segretario Generale"},
                 {"objective_weight_pct", 100}, {"indicators", {ind}}}}}};
  auto parsed = ParsePlanJson(doc.dump());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(ValidatePlan(parsed->plan).ok()) << ValidatePlan(parsed->plan);

  doc["objectives"][1]["level"] = "operational";
  doc["objectives"][1]["units"] = {"Area A"};
  auto dup = ParsePlanJson(doc.dump());
  ASSERT_FALSE(dup.ok());
  EXPECT_THAT(std::string(dup.status().message()),
              HasSubstr("objectives[1].code: 'OP1' duplicates objectives[0] (objective codes are unique per level "
                        "and unit/owner)"));
}

// A minimal valid file, then one mutation per case: the error must name the JSON path and the rule.
TEST(ParsePlanJsonTest, ErrorsNameTheJsonPath) {
  const json base = {
      {"year", 2022},
      {"approved", {{"date", "2022-06-27"}, {"act", "Deliberazione di Giunta n. 103 del 27/06/2022"}}},
      {"objectives",
       {{{"code", "OS1"},
         {"level", "strategic"},
         {"indicators",
          {{{"code", "k0"}, {"weight_pct", 50}, {"target", {{"op", ">="}, {"value", 1}, {"unit", "N."}}}},
           {{"code", "k1"},
            {"weight_pct", 50},
            {"target", {{"op", ">="}, {"value", 10}, {"unit", "%"}}},
            {"threshold", {{"value", 5}, {"unit", "%"}}},
            {"actual", {{"value", 7}, {"unit", "%"}}}}}}}}}};
  ASSERT_TRUE(ParsePlanJson(base.dump()).ok());

  struct Case {
    std::string name;
    std::function<void(json&)> mutate;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"bad op", [](json& j) { j["objectives"][0]["indicators"][1]["target"]["op"] = "≥"; },
       "objectives[0].indicators[1].target.op: '≥' must be one of >=, <=, =, >, <, by_date, text"},
      {"missing target", [](json& j) { j["objectives"][0]["indicators"][0].erase("target"); },
       "objectives[0].indicators[0].target: is required"},
      {"missing value", [](json& j) { j["objectives"][0]["indicators"][1]["target"].erase("value"); },
       "objectives[0].indicators[1].target.value: is required"},
      {"weight not a number", [](json& j) { j["objectives"][0]["indicators"][1]["weight_pct"] = "20%"; },
       "objectives[0].indicators[1].weight_pct: must be a number"},
      {"unreal date",
       [](json& j) { j["objectives"][0]["indicators"][0]["target"] = {{"op", "by_date"}, {"date", "2022-02-30"}}; },
       "objectives[0].indicators[0].target.date: date '2022-02-30' is not a calendar date"},
      {"approval date", [](json& j) { j["approved"]["date"] = "27/06/2022"; },
       "approved.date: date '27/06/2022' is not YYYY-MM-DD"},
      {"level", [](json& j) { j["objectives"][0]["level"] = "strategico"; },
       "objectives[0].level: level 'strategico' must be strategic, operational or individual"},
      {"flag", [](json& j) { j["objectives"][0]["indicators"][0]["flags"] = {"C", "X"}; },
       "objectives[0].indicators[0].flags[1]: must be \"C\", \"S\" or \"A\""},
      {"threshold both", [](json& j) { j["objectives"][0]["indicators"][1]["threshold"]["date"] = "2022-01-01"; },
       "objectives[0].indicators[1].threshold: a threshold has either a \"value\" or a \"date\""},
      {"actual value", [](json& j) { j["objectives"][0]["indicators"][1]["actual"]["value"] = "7,5"; },
       "objectives[0].indicators[1].actual.value: must be a number"},
      {"actual kinds", [](json& j) { j["objectives"][0]["indicators"][1]["actual"]["text"] = "x"; },
       "objectives[0].indicators[1].actual: must hold exactly one of \"value\", \"date\", \"text\""},
      {"targets_by_year key",
       [](json& j) { j["objectives"][0]["indicators"][0]["targets_by_year"] = {{"22", nullptr}}; },
       "objectives[0].indicators[0].targets_by_year.22: key must be a year"},
      // Found by plan_json_fuzz: a reason without its flag was read, then not written back.
      {"neutralised_reason without neutralised",
       [](json& j) { j["objectives"][0]["indicators"][0]["neutralised_reason"] = "r"; },
       "objectives[0].indicators[0].neutralised_reason: only a neutralised indicator has one"},
      {"suppressed_reason without suppressed",
       [](json& j) { j["objectives"][0]["indicators"][0]["suppressed_reason"] = "r"; },
       "objectives[0].indicators[0].suppressed_reason: only a suppressed indicator has one"},
      // Found by plan_json_fuzz: SimpleAtoi took these as 317, and the writer's "317" was then refused.
      {"targets_by_year key with a sign",
       [](json& j) { j["objectives"][0]["indicators"][0]["targets_by_year"] = {{"+317", nullptr}}; },
       "objectives[0].indicators[0].targets_by_year.+317: key must be a year YYYY"},
      {"targets_by_year key with a leading zero",
       [](json& j) { j["objectives"][0]["indicators"][0]["targets_by_year"] = {{"0317", nullptr}}; },
       "objectives[0].indicators[0].targets_by_year.0317: key must be a year YYYY"},
      {"targets_by_year target",
       [](json& j) { j["objectives"][0]["indicators"][0]["targets_by_year"] = {{"2023", {{"op", "~"}}}}; },
       "objectives[0].indicators[0].targets_by_year.2023.op"},
      {"units", [](json& j) { j["objectives"][0]["units"] = "Area A"; },
       "objectives[0].units: must be an array of unit names"},
      {"indicators", [](json& j) { j["objectives"][0].erase("indicators"); }, "objectives[0].indicators: is required"},
      {"year", [](json& j) { j.erase("year"); }, "year: is required"},
      {"year type", [](json& j) { j["year"] = "2022"; }, "year: must be a whole year"},
      {"objectives", [](json& j) { j["objectives"] = json::object(); }, "objectives: must be an array"},
      {"root", [](json& j) { j = json::array(); }, "(root): must be a JSON object"},
      {"code type", [](json& j) { j["objectives"][0]["code"] = 1; }, "objectives[0].code: must be a string"},
  };
  for (const Case& c : cases) {
    json doc = base;
    c.mutate(doc);
    auto parsed = ParsePlanJson(doc.dump());
    ASSERT_FALSE(parsed.ok()) << c.name;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(c.expected)) << c.name;
  }

  auto syntax = ParsePlanJson("{\"year\": 2022,");
  ASSERT_FALSE(syntax.ok());
  EXPECT_THAT(std::string(syntax.status().message()), HasSubstr("plan is not valid JSON"));
  auto huge = ParsePlanJson(
      "{\"year\":2022,\"objectives\":[{\"code\":\"OS1\",\"level\":\"strategic\",\"indicators\":[{\"code\":\"k\","
      "\"target\":{\"op\":\">=\",\"value\":1e999}}]}]}");
  ASSERT_FALSE(huge.ok());  // the JSON reader itself refuses a number that overflows a double
  EXPECT_THAT(std::string(huge.status().message()), HasSubstr("plan is not valid JSON"));
  EXPECT_THAT(std::string(huge.status().message()), HasSubstr("1e999"));
}

TEST(ParsePlanJsonTest, ResultsFileCarriesActualsAndPublishedFigures) {
  auto parsed = ParsePlanJson(testing::ReadFixture("torino-2022/results-2022-strategic.json"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->plan.objectives.size(), 14u);
  EXPECT_FALSE(parsed->plan.approval.has_value());
  EXPECT_EQ(parsed->actuals.size(), 72u);  // 76 indicators, 4 without a consuntivo
  EXPECT_EQ(parsed->reported_objectives.size(), 14u);
  const ObjectiveKey os01{Level::kStrategic, "OS01.1.1", ""};
  EXPECT_EQ(parsed->reported_objectives.at(os01).score_pct, 60.48);
  EXPECT_EQ(parsed->reported_objectives.at(os01).evaluation, "Parzialmente Raggiunto");
  EXPECT_EQ(parsed->actuals.at({os01, "EC05.1"}), Value(Quantity{110.58, "%"}));
  EXPECT_EQ(parsed->reported_grades.at({os01, "B3.1_02"}), 62.1);
  EXPECT_EQ(parsed->actuals.count({{Level::kStrategic, "OS12.3", ""}, "kpi12.3_04"}), 0u);
  EXPECT_EQ(parsed->actuals.at({{Level::kStrategic, "OS03.1.1", ""}, "kpi3.1.1_03"}), Value(Date(2022, 2, 21)));
}

// Targets, thresholds and actuals are written back exactly as SCHEMA.md (and the fixtures) print them.
TEST(PlanJsonWriterTest, WritesSchemaShapes) {
  for (const char* file : {"torino-2022/plan-2022.json", "torino-2022/results-2022-strategic.json"}) {
    const std::string text = testing::ReadFixture(file);
    const json raw = json::parse(text);
    auto parsed = ParsePlanJson(text);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    int compared = 0;
    for (size_t o = 0; o < raw["objectives"].size(); ++o) {
      const Objective& obj = parsed->plan.objectives[o];
      for (size_t i = 0; i < raw["objectives"][o]["indicators"].size(); ++i) {
        const json& ri = raw["objectives"][o]["indicators"][i];
        const Indicator& ind = obj.indicators[i];
        EXPECT_EQ(TargetToJson(ind.target), ri["target"]) << file << " " << ind.code;
        EXPECT_EQ(ThresholdToJson(ind.threshold), ri["threshold"]) << file << " " << ind.code;
        EXPECT_EQ(ValueToJson(ind.baseline), ri["baseline"]) << file << " " << ind.code;
        auto actual = parsed->actuals.find({KeyOf(obj), ind.code});
        EXPECT_EQ(ValueToJson(actual == parsed->actuals.end() ? std::nullopt : std::optional<Value>(actual->second)),
                  ri["actual"])
            << file << " " << ind.code;
        ++compared;
      }
    }
    EXPECT_GT(compared, 70) << file;
  }
  EXPECT_EQ(TargetToJson(ComparisonTarget{CompareOp::kLe, {8, "%"}}).dump(), R"({"op":"<=","unit":"%","value":8.0})");
}

TEST(PlanJsonWriterTest, PlanRoundTrips) {
  auto parsed = ParsePlanJson(testing::ReadFixture("torino-2022/plan-2022.json"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  Plan plan = parsed->plan;
  plan.administration = "Camera di commercio di Torino";
  plan.objectives[0].indicators[0].neutralised = true;
  plan.objectives[0].indicators[0].neutralised_reason = "cannot be measured";
  plan.objectives[0].indicators[1].suppressed = true;
  plan.objectives[0].indicators[1].suppressed_reason = "dropped";
  plan.objectives[0].indicators[1].formula = "a / b * 100";
  auto again = ParsePlanJson(PlanToJson(plan).dump());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->plan, plan);
}

TEST(ParseRevisionsJsonTest, TorinoRevisions) {
  const std::string text = testing::ReadFixture("torino-2022/revisions-2022.json");
  auto revs = ParseRevisionsJson(text);
  ASSERT_TRUE(revs.ok()) << revs.status();
  ASSERT_EQ(revs->size(), 26u);
  std::map<ChangeKind, int> kinds;
  for (const Revision& r : *revs) {
    ++kinds[r.change];
    EXPECT_EQ(r.effective_date, Date(2022, 9, 13));
    EXPECT_EQ(r.act, "Deliberazione di Giunta n. 142 del 13/09/2022");
  }
  EXPECT_EQ(kinds[ChangeKind::kTarget], 8);
  EXPECT_EQ(kinds[ChangeKind::kThreshold], 5);
  EXPECT_EQ(kinds[ChangeKind::kAdded], 1);
  EXPECT_EQ(kinds[ChangeKind::kSuppressed], 1);
  EXPECT_EQ(kinds[ChangeKind::kNeutralised], 2);
  EXPECT_EQ(kinds[ChangeKind::kWeight], 9);

  const Revision& first = (*revs)[0];
  EXPECT_EQ(first.objective, "OS01.1.1");
  EXPECT_EQ(first.indicator, "kpi1.1.1_03");
  EXPECT_EQ(first.from_threshold, (Threshold{Quantity{9, "%"}}));
  EXPECT_EQ(first.to_threshold, (Threshold{Quantity{10, "%"}}));
  EXPECT_EQ(first.evidence, "printed");
  const Revision& dropped = (*revs)[3];  // kpi3.1.1-04's SOGLIA 5000 -> none
  EXPECT_EQ(dropped.change, ChangeKind::kThreshold);
  EXPECT_FALSE(dropped.to_threshold.has_value());
  for (const Revision& r : *revs) {
    if (r.change == ChangeKind::kAdded) {
      ASSERT_TRUE(r.definition.has_value());
      EXPECT_EQ(r.definition->code, "kpi7.1.2_08");
      EXPECT_EQ(r.definition->weight_pct, 10.0);
    }
    if (r.change == ChangeKind::kNeutralised) {
      EXPECT_EQ(r.to_weight, 0.0);
    }
    if (r.change == ChangeKind::kSuppressed) {
      ASSERT_TRUE(r.definition.has_value());
      EXPECT_EQ(r.definition->code, "kpi13.4_05");
    }
  }

  // Written back and read again: the same revisions.
  json list = json::array();
  for (const Revision& r : *revs) list.push_back(RevisionToJson(r));
  auto again = ParseRevisionsJson(json{{"revisions", list}}.dump());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *revs);
  // from/to of the value changes are written exactly as the fixture prints them.
  const json raw = json::parse(text);
  for (size_t i = 0; i < revs->size(); ++i) {
    const ChangeKind k = (*revs)[i].change;
    if (k == ChangeKind::kAdded || k == ChangeKind::kSuppressed) continue;
    EXPECT_EQ(list[i]["from"], raw["revisions"][i]["from"]) << i;
    EXPECT_EQ(list[i]["to"], raw["revisions"][i]["to"]) << i;
  }
}

TEST(ParseRevisionsJsonTest, ErrorsNameTheJsonPath) {
  const json base = {{"revisions",
                      {{{"objective", "OS1"},
                        {"indicator", "k1"},
                        {"change", "target"},
                        {"from", {{"op", ">="}, {"value", 1}, {"unit", "N."}}},
                        {"to", {{"op", ">="}, {"value", 2}, {"unit", "N."}}},
                        {"effective_date", "2022-09-13"},
                        {"act", "Deliberazione di Giunta n. 142 del 13/09/2022"},
                        {"reason", "r"}}}}};
  ASSERT_TRUE(ParseRevisionsJson(base.dump()).ok());
  struct Case {
    std::string name;
    std::function<void(json&)> mutate;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"kind", [](json& j) { j["revisions"][0]["change"] = "modified"; },
       "revisions[0].change: change 'modified' must be one of target, threshold, weight, added, suppressed, "
       "neutralised"},
      {"to op", [](json& j) { j["revisions"][0]["to"]["op"] = "=>"; }, "revisions[0].to.op: '=>' must be one of"},
      {"no from", [](json& j) { j["revisions"][0]["from"] = nullptr; },
       "revisions[0].from: a target change needs the previous target"},
      {"no act", [](json& j) { j["revisions"][0].erase("act"); }, "revisions[0].act: is required"},
      {"empty act", [](json& j) { j["revisions"][0]["act"] = ""; }, "revisions[0].act: must name the act"},
      {"date", [](json& j) { j["revisions"][0]["effective_date"] = "2022-09-31"; },
       "revisions[0].effective_date: date '2022-09-31' is not a calendar date"},
      {"neutralised to", [](json& j) {
         j["revisions"][0]["change"] = "neutralised";
         j["revisions"][0]["from"] = nullptr;
         j["revisions"][0]["to"] = 5;
       },
       "revisions[0].to: a neutralised indicator weighs 0"},
      {"weight to", [](json& j) {
         j["revisions"][0]["change"] = "weight";
         j["revisions"][0]["from"] = nullptr;
         j["revisions"][0]["to"] = "10";
       },
       "revisions[0].to: must be a finite number or null"},
      {"added code", [](json& j) {
         j["revisions"][0]["change"] = "added";
         j["revisions"][0]["from"] = nullptr;
         j["revisions"][0]["to"] = {{"code", "K1"}, {"target", {{"op", "by_date"}, {"date", "2022-12-31"}}}};
       },
       "revisions[0].to.code: 'K1' must equal the revision's indicator 'k1'"},
      {"threshold", [](json& j) {
         j["revisions"][0]["change"] = "threshold";
         j["revisions"][0]["from"] = {{"unit", "%"}};
       },
       "revisions[0].from: a threshold has either a \"value\" or a \"date\""},
      {"list", [](json& j) { j["revisions"] = json::object(); }, "revisions: must be an array"},
  };
  for (const Case& c : cases) {
    json doc = base;
    c.mutate(doc);
    auto parsed = ParseRevisionsJson(doc.dump());
    ASSERT_FALSE(parsed.ok()) << c.name;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(c.expected)) << c.name;
  }
}

// Every object of a plan, results or revisions file has a closed set of keys; a typo or a key given twice is
// refused naming it and its path (a parser that kept the last duplicate, or skipped an unknown key, would
// import something other than what the file says).
TEST(ParsePlanJsonTest, UnknownAndDuplicateKeysAreRefusedNamingThem) {
  const json base = {
      {"year", 2022},
      {"approved", {{"date", "2022-06-27"}, {"act", "Deliberazione di Giunta n. 103 del 27/06/2022"}}},
      {"objectives",
       {{{"code", "OS1"},
         {"level", "strategic"},
         {"indicators",
          {{{"code", "k0"}, {"weight_pct", 50}, {"target", {{"op", ">="}, {"value", 1}, {"unit", "N."}}}},
           {{"code", "k1"},
            {"weight_pct", 50},
            {"target", {{"op", "by_date"}, {"date", "2022-12-31"}}},
            {"threshold", {{"value", 5}, {"unit", "%"}}},
            {"actual", {{"value", 7}, {"unit", "%"}}},
            {"deviation", nullptr}}}}}}},
      {"expected", {{"anything", {1, 2}}}}};
  ASSERT_TRUE(ParsePlanJson(base.dump()).ok()) << ParsePlanJson(base.dump()).status();
  struct Case {
    std::string name;
    std::function<void(json&)> mutate;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"root", [](json& j) { j["yaer"] = 2022; }, "yaer: unknown key"},
      {"approved", [](json& j) { j["approved"]["numero"] = 103; }, "approved.numero: unknown key"},
      {"objective", [](json& j) { j["objectives"][0]["weight"] = 10; }, "objectives[0].weight: unknown key"},
      {"indicator", [](json& j) { j["objectives"][0]["indicators"][0]["tagret"] = 1; },
       "objectives[0].indicators[0].tagret: unknown key"},
      {"comparison target", [](json& j) { j["objectives"][0]["indicators"][0]["target"]["date"] = "2022-12-31"; },
       "objectives[0].indicators[0].target.date: unknown key"},
      {"deadline target", [](json& j) { j["objectives"][0]["indicators"][1]["target"]["value"] = 1; },
       "objectives[0].indicators[1].target.value: unknown key"},
      {"threshold", [](json& j) { j["objectives"][0]["indicators"][1]["threshold"]["soglia"] = 1; },
       "objectives[0].indicators[1].threshold.soglia: unknown key"},
      {"actual", [](json& j) { j["objectives"][0]["indicators"][1]["actual"]["units"] = "%"; },
       "objectives[0].indicators[1].actual.units: unknown key"},
  };
  for (const Case& c : cases) {
    json doc = base;
    c.mutate(doc);
    auto parsed = ParsePlanJson(doc.dump());
    ASSERT_FALSE(parsed.ok()) << c.name;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(c.expected)) << c.name;
  }

  // Duplicates cannot be built with nlohmann::json: edit the text.
  const std::string text = base.dump();
  auto duplicate = [&](const std::string& once, const std::string& twice) {
    std::string t = text;
    const size_t at = t.find(once);
    EXPECT_NE(at, std::string::npos) << once;
    return t.replace(at, once.size(), twice);
  };
  struct Dup {
    std::string text;
    std::string expected;
  };
  for (const Dup& d : {Dup{duplicate("\"year\":2022", "\"year\":2022,\"year\":2023"), "year: duplicate key"},
                       Dup{duplicate("\"weight_pct\":50", "\"weight_pct\":50,\"weight_pct\":0"),
                           "objectives[0].indicators[0].weight_pct: duplicate key"},
                       Dup{duplicate("\"date\":\"2022-12-31\"", "\"date\":\"2022-12-31\",\"date\":\"2023-12-31\""),
                           "objectives[0].indicators[1].target.date: duplicate key"}}) {
    auto parsed = ParsePlanJson(d.text);
    ASSERT_FALSE(parsed.ok()) << d.text;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(parsed.status().message()), HasSubstr(d.expected));
  }
}

TEST(ParseRevisionsJsonTest, UnknownAndDuplicateKeysAreRefusedNamingThem) {
  const json base = {{"year", 2022},
                     {"administration", "CCIAA-TO"},
                     {"revisions",
                      {{{"objective", "OS1"},
                        {"indicator", "k1"},
                        {"change", "added"},
                        {"from", nullptr},
                        {"to", {{"code", "k1"}, {"target", {{"op", ">="}, {"value", 2}, {"unit", "N."}}}}},
                        {"effective_date", "2022-09-13"},
                        {"act", "Deliberazione di Giunta n. 142 del 13/09/2022"},
                        {"reason", "r"}}}}};
  ASSERT_TRUE(ParseRevisionsJson(base.dump()).ok());
  json root = base;
  root["revision"] = json::array();
  EXPECT_THAT(std::string(ParseRevisionsJson(root.dump()).status().message()), HasSubstr("revision: unknown key"));
  json item = base;
  item["revisions"][0]["efective_date"] = "2022-09-13";
  EXPECT_THAT(std::string(ParseRevisionsJson(item.dump()).status().message()),
              HasSubstr("revisions[0].efective_date: unknown key"));
  json to = base;
  to["revisions"][0]["to"]["target"]["valeu"] = 3;
  EXPECT_THAT(std::string(ParseRevisionsJson(to.dump()).status().message()),
              HasSubstr("revisions[0].to.target.valeu: unknown key"));
  std::string dup = base.dump();
  dup.replace(dup.find("\"reason\":\"r\""), 12, "\"reason\":\"r\",\"reason\":\"s\"");
  auto parsed = ParseRevisionsJson(dup);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(parsed.status().message()), HasSubstr("revisions[0].reason: duplicate key"));
}

}  // namespace
}  // namespace piao::plan
