// Mid-year monitoring through the CLI (issue 12 §1): actuals imported for a monitoring date are scored by
// `piao scores --period DATE` against the definitions in force that day, and `report relazione|tree --period`
// render that monitoring; the year-end scores ignore them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "tests/e2e/cli_runner.h"

namespace piao::e2e {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

TEST(MonitoringE2eTest, AMonitoringPeriodIsScoredAgainstTheDefinitionsOfItsDay) {
  const fs::path dir = fs::temp_directory_path() / ("piao_e2e_monitoring_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const std::string data = " --data " + dir.string();
  ASSERT_EQ(RunPiao("stack up" + data).exit_code, 0);
  ASSERT_EQ(RunPiao("import " + Fixture("plan-2022.json") + data).exit_code, 0);
  ASSERT_EQ(RunPiao("revise " + Fixture("revisions-2022.json") + data).exit_code, 0);
  ASSERT_EQ(RunPiao("import " + Fixture("results-2022-strategic.json") + data).exit_code, 0);
  CliResult year_end = RunPiao("scores --year 2022 --json" + data);
  ASSERT_EQ(year_end.exit_code, 0) << year_end.out;

  // The September monitoring (before deliberazione 142 of 13/09/2022), here with the year-end values.
  CliResult monitoring = RunPiao("import " + Fixture("results-2022-strategic.json") + " --period 2022-09-01 --json" + data);
  ASSERT_EQ(monitoring.exit_code, 0) << monitoring.out;
  EXPECT_GT(json::parse(monitoring.out)["actuals_recorded"].get<int>(), 70) << "a new period: new actuals";
  EXPECT_NE(RunPiao("import " + Fixture("results-2022-strategic.json") + " --period Q3" + data).exit_code, 0);

  CliResult september = RunPiao("scores --year 2022 --period 2022-09-01 --json" + data);
  ASSERT_EQ(september.exit_code, 0) << september.out;
  const json s = json::parse(september.out);
  EXPECT_EQ(s["period"], "2022-09-01");
  EXPECT_EQ(s["as_of_date"], "2022-09-01");
  // The same values against the definitions of 2022-09-01 score exactly as the year-end actuals as of that day,
  // and differently from the year-end scores on the revised definitions.
  CliResult as_of = RunPiao("scores --year 2022 --as-of 2022-09-01 --json" + data);
  ASSERT_EQ(as_of.exit_code, 0) << as_of.out;
  EXPECT_EQ(s["enterprise_score_pct"], json::parse(as_of.out)["enterprise_score_pct"]);
  EXPECT_NE(s["enterprise_score_pct"], json::parse(year_end.out)["enterprise_score_pct"]);
  // The year-end scores did not move.
  EXPECT_EQ(json::parse(RunPiao("scores --year 2022 --json" + data).out)["enterprise_score_pct"],
            json::parse(year_end.out)["enterprise_score_pct"]);
  EXPECT_NE(RunPiao("scores --year 2022 --period Q3" + data).exit_code, 0);

  CliResult md = RunPiao("report relazione --year 2022 --format md --period 2022-09-01" + data);
  ASSERT_EQ(md.exit_code, 0) << md.out;
  EXPECT_NE(md.out.find("actuals of the monitoring of 2022-09-01"), std::string::npos) << md.out.substr(0, 600);
  CliResult svg = RunPiao("report tree --year 2022 --format svg --period 2022-09-01" + data);
  ASSERT_EQ(svg.exit_code, 0);
  EXPECT_NE(svg.out.find("monitoring of 2022-09-01"), std::string::npos);

  RunPiao("stack down" + data);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace piao::e2e
