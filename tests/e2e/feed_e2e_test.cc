// Issue 4 acceptance with real processes: the PIAO 2022 §1.4 accounting feed → computed actuals (with their
// lineage) → scores; a correcting batch recomputes them as new facts; a bad batch writes nothing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/e2e/cli_runner.h"

namespace piao::e2e {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

json ReadJson(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

class FeedE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("piao_e2e_feed_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    data_ = " --data " + (dir_ / "stack").string();
    CliResult up = RunPiao("stack up" + data_);
    ASSERT_EQ(up.exit_code, 0) << up.out;
  }
  void TearDown() override {
    RunPiao("stack down" + data_);
    fs::remove_all(dir_);
  }
  json Run(const std::string& args) {
    CliResult r = RunPiao(args + " --json" + data_);
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.out;
    json j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << args << ": " << r.out;
    return j;
  }
  json Indicator(int year, const std::string& code) {
    json scores = Run("scores --year " + std::to_string(year));
    for (const json& o : scores["objectives"]) {
      if (o["code"] != "RATIOS") continue;
      for (const json& i : o["indicators"]) {
        if (i["code"] == code) return i;
      }
    }
    ADD_FAILURE() << "no " << code << " in " << scores.dump();
    return json();
  }
  std::string File(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  std::string FeedArgs() {
    return "feed import --kind accounting " + Fixture("accounting-2017-2021.csv") + " --mapping " +
           Fixture("accounting-mapping.csv");
  }
  fs::path dir_;
  std::string data_;
};

TEST_F(FeedE2eTest, AccountingFeedComputesThePublishedRatios) {
  // Four plans before the feed, one after it: the order does not matter.
  Run("import " + Fixture("ratios-plan-2017.json") + " " + Fixture("ratios-plan-2018.json") + " " +
      Fixture("ratios-plan-2020.json") + " " + Fixture("ratios-plan-2021.json"));
  json fed = Run(FeedArgs());
  EXPECT_EQ(fed["rows"], 189);
  EXPECT_EQ(fed["variables"], 38);
  EXPECT_EQ(fed["values_new"], 189);
  EXPECT_EQ(fed["duplicate"], false);
  EXPECT_EQ(fed["computed_actuals"], 12);  // 4 plans × 3 ratios
  Run("import " + Fixture("ratios-plan-2019.json"));

  for (int year = 2017; year <= 2021; ++year) {
    const json expected = ReadJson(Fixture("ratios-plan-" + std::to_string(year) + ".json"))["expected"]["actuals"];
    for (const char* code : {"EQ_GC", "STR_PRIM", "INDEB"}) {
      const json i = Indicator(year, code);
      ASSERT_TRUE(i["actual"].is_object()) << year << " " << code << ": " << i.dump();
      // Within the printed rounding (the tolerance the pure TorinoRatiosTest derives per figure is < 0.04).
      EXPECT_NEAR(i["actual"]["value"].get<double>(), expected[code].get<double>(), 0.04) << year << " " << code;
    }
  }
  // Scores follow: 2021 EQ_GC 126.7 > 100 (missed, 0), STR_PRIM 114.67 >= 105 (100), INDEB 1.505 > 1.5 (0).
  json scores = Run("scores --year 2021");
  ASSERT_EQ(scores["objectives"].size(), 1u);
  EXPECT_NEAR(scores["objectives"][0]["score_pct"].get<double>(), 40.0, 1e-9);

  // The same batch again: a no-op.
  json again = Run(FeedArgs());
  EXPECT_EQ(again["duplicate"], true);
  EXPECT_EQ(again["computed_actuals"], 0);

  // A bad batch: rejected with row and column, nothing written.
  CliResult bad = RunPiao("feed import --kind accounting " +
                          File("bad.csv", "item_code,label,year,amount\nSPP10,PATRIMONIO NETTO,2021,abc\n"
                                          "ZZ99,?,2021,1\n") +
                          " --mapping " + Fixture("accounting-mapping.csv") + data_ + " 2>&1");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.out.find("bad.csv:2:4 (amount)"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("bad.csv:3:1 (item_code)"), std::string::npos) << bad.out;

  // A later batch corrects the 2021 patrimonio netto: the dependent actuals are recomputed as new facts.
  json fix = Run("feed import --kind accounting --batch-id rettifica-2021 " +
                 File("fix.csv", "item_code,label,year,amount\nSPP10,PATRIMONIO NETTO,2021,110.00\n") +
                 " --mapping " + Fixture("accounting-mapping.csv"));
  EXPECT_EQ(fix["values_corrected"], 1);
  EXPECT_EQ(fix["computed_actuals"], 2);  // STR_PRIM and INDEB of 2021 (2022 has no plan)
  EXPECT_NEAR(Indicator(2021, "STR_PRIM")["actual"]["value"].get<double>(), 110.0 / 94.82 * 100, 1e-9);
  EXPECT_NEAR(Indicator(2021, "EQ_GC")["actual"]["value"].get<double>(), 48.42 / 38.21 * 100, 1e-9);
  // ... and scores follow: INDEB 163.66 / 110 = 1.488 now meets <= 1.5, so the objective goes 40 -> 60.
  const json indeb = Indicator(2021, "INDEB");
  EXPECT_NEAR(indeb["actual"]["value"].get<double>(), 163.66 / 110.0, 1e-9);
  EXPECT_EQ(indeb["grade_pct"], 100.0);
  EXPECT_NEAR(Run("scores --year 2021")["objectives"][0]["score_pct"].get<double>(), 60.0, 1e-9);

  // Lineage: score ← grade ← actual ← formula version ← variable values ← batches and rows.
  json l = Run("lineage --year 2021 --objective RATIOS --indicator STR_PRIM");
  EXPECT_EQ(l["indicator"]["grade_pct"], 100.0);
  EXPECT_NEAR(l["objective"]["score_pct"].get<double>(), 60.0, 1e-9);
  EXPECT_FALSE(l["actual"]["corrects"].is_null());
  EXPECT_NE(l["actual"]["reason"].get<std::string>().find("patrimonio_netto 2021 108.73 (batch accounting-2017-2021.csv)"),
            std::string::npos)
      << l.dump();
  ASSERT_EQ(l["earlier_actuals"].size(), 1u);
  EXPECT_EQ(l["formula"]["text"], "patrimonio_netto / immobilizzazioni * 100");
  EXPECT_EQ(l["formula"]["version"]["change"], "adopted");
  ASSERT_EQ(l["inputs"].size(), 2u);
  EXPECT_EQ(l["inputs"][0]["variable"], "patrimonio_netto");
  EXPECT_EQ(l["inputs"][0]["batch_id"], "rettifica-2021");
  EXPECT_EQ(l["inputs"][0]["row"], 2);
  EXPECT_EQ(l["inputs"][1]["variable"], "immobilizzazioni");
  EXPECT_EQ(l["inputs"][1]["batch_id"], "accounting-2017-2021.csv");
  EXPECT_EQ(l["inputs"][1]["source_code"], "SPA04");
  EXPECT_EQ(l["inputs"][1]["value"], 94.82);
  ASSERT_EQ(l["batches"].size(), 2u);
  EXPECT_EQ(l["batches"][0]["rows"], 189);

  // A revision act changes INDEB's formula: `piao revise` recomputes the actual as a new fact under the new
  // formula version.
  const std::string revisions = File("formula-revision.json", R"({"year": 2021, "revisions": [{
      "objective": "RATIOS", "indicator": "INDEB", "change": "formula",
      "from": "totale_attivo / patrimonio_netto", "to": "totale_passivo / patrimonio_netto",
      "effective_date": "2021-09-13", "act": "Deliberazione di Giunta n. 9 del 13/09/2021",
      "reason": "debt ratio on third-party capital only"}]})");
  CliResult revised = RunPiao("revise " + revisions + data_);
  ASSERT_EQ(revised.exit_code, 0) << revised.out;
  EXPECT_NE(revised.out.find("computed actuals 2021: 0 recorded, 1 recomputed"), std::string::npos) << revised.out;
  EXPECT_NEAR(Indicator(2021, "INDEB")["actual"]["value"].get<double>(), 54.93 / 110.0, 1e-9);
  json li = Run("lineage --year 2021 --objective RATIOS --indicator INDEB");
  EXPECT_EQ(li["formula"]["text"], "totale_passivo / patrimonio_netto");
  EXPECT_EQ(li["formula"]["version"]["change"], "formula");
  EXPECT_EQ(li["formula"]["version"]["act"], "Deliberazione di Giunta n. 9 del 13/09/2021");
  EXPECT_NE(li["actual"]["reason"].get<std::string>().find("formula 'totale_attivo / patrimonio_netto' -> "
                                                           "'totale_passivo / patrimonio_netto'"),
            std::string::npos)
      << li.dump();
  EXPECT_EQ(li["earlier_actuals"].size(), 2u);  // the first computation and the one after the corrected batch

  // Computing again changes nothing: every actual is current.
  json recompute = Run("feed compute --year 2021");
  EXPECT_EQ(recompute["computed_actuals"], 0);
  ASSERT_EQ(recompute["actuals"].size(), 3u);
  EXPECT_EQ(recompute["actuals"][0]["outcome"], "unchanged");

  // Every service's hash chain is intact after all this.
  EXPECT_EQ(Run("verify")["intact"], true);
}

// An InfoCamere feed (no mapping: its variable codes are the names) and a year-on-year formula with prev().
TEST_F(FeedE2eTest, InfocamereFeedAndYearOnYear) {
  json plan = ReadJson(Fixture("ratios-plan-2021.json"));
  plan["year"] = 2022;
  plan["approved"] = {{"date", "2022-01-31"}, {"act", "Fixture: registro imprese 2022"}};
  json ind = plan["objectives"][0]["indicators"][0];
  ind["code"] = "IMP_YOY";
  ind["name"] = "Variazione imprese registrate";
  ind["weight_pct"] = 100.0;
  ind["algorithm"] = "(N - N-1) / N-1";
  ind["formula"] = "(imprese_registrate - prev(imprese_registrate)) / prev(imprese_registrate) * 100";
  ind["target"] = {{"op", ">="}, {"value", 0.0}, {"unit", "%"}};
  plan["objectives"][0]["indicators"] = json::array({ind});
  plan.erase("expected");
  Run("import " + File("yoy-plan-2022.json", plan.dump()));

  const std::string csv =
      "period,variable,value,unit,extraction_id\n"
      "2021,imprese_registrate,221000,N.,IC-2023-02\n"
      "2022,imprese_registrate,222557,N.,IC-2023-02\n"
      "2022-06-30,giorni_evasione,3.5,gg,IC-2023-02\n";
  json fed = Run("feed import --kind infocamere " + File("ic.csv", csv));
  EXPECT_EQ(fed["batch_id"], "IC-2023-02");  // the extraction id the rows share
  EXPECT_EQ(fed["rows"], 3);
  EXPECT_EQ(fed["variables"], 2);
  EXPECT_EQ(fed["computed_actuals"], 1);
  const json i = Indicator(2022, "IMP_YOY");
  EXPECT_NEAR(i["actual"]["value"].get<double>(), (222557.0 - 221000.0) / 221000.0 * 100, 1e-9);
  EXPECT_EQ(i["grade_pct"], 100.0);

  json l = Run("lineage --year 2022 --objective RATIOS --indicator IMP_YOY");
  ASSERT_EQ(l["inputs"].size(), 2u);
  EXPECT_EQ(l["inputs"][0]["period"], "2022");
  EXPECT_EQ(l["inputs"][0]["row"], 3);
  EXPECT_EQ(l["inputs"][1]["lag"], 1);
  EXPECT_EQ(l["inputs"][1]["period"], "2021");
  EXPECT_EQ(l["inputs"][1]["extraction_id"], "IC-2023-02");
  EXPECT_EQ(l["batches"][0]["kind"], "infocamere");

  // A unit that differs from the variable's recorded one: the batch is refused, nothing written.
  CliResult bad = RunPiao("feed import --kind infocamere " +
                          File("ic-bad.csv", "period,variable,value,unit,extraction_id\n"
                                             "2023,imprese_registrate,5,%,IC-2024-01\n") +
                          data_ + " 2>&1");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.out.find("imprese_registrate is recorded in 'N.', this batch gives '%'"), std::string::npos)
      << bad.out;
}

}  // namespace
}  // namespace piao::e2e
