// Issue 15 §1 acceptance with real processes (embedded broker, every service, projection) driven through the
// CLI: the Torino 2022 plan imported, revised and measured; the planning office states a deviation; the OIV
// (the stack's operator, who holds oiv beside admin) validates the Relazione with remarks on a real objective,
// then validates again. `oiv status --json`, the audit trail and `report relazione` show it; a planner's token,
// and an OIV of another administration, are refused; the OIV's token cannot change the plan.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "libs/base/sha256.h"
#include "tests/e2e/cli_runner.h"

namespace piao::e2e {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

class OivE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("piao_e2e_oiv_" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    data_ = new std::string(" --data " + dir_->string());
    CliResult up = RunPiao("stack up" + *data_);
    ASSERT_EQ(up.exit_code, 0) << up.out;
    for (const char* f : {"import plan-2022.json", "revise revisions-2022.json", "import results-2022-strategic.json"}) {
      const std::string cmd = f;
      const size_t space = cmd.find(' ');
      CliResult r = RunPiao(cmd.substr(0, space) + " " + Fixture(cmd.substr(space + 1)) +
                            " --administration CCIAA-TO" + *data_);
      ASSERT_EQ(r.exit_code, 0) << cmd << ": " << r.out;
    }
  }
  static void TearDownTestSuite() {
    RunPiao("stack down" + *data_);
    fs::remove_all(*dir_);
  }
  // `piao <args>` (as `token` when given; stderr joined to stdout).
  static CliResult As(const std::string& token, const std::string& args) {
    return RunPiao(args + *data_ + " 2>&1", token.empty() ? "" : "PIAO_TOKEN=" + token + " ");
  }
  static json Json(const std::string& args) {
    CliResult r = RunPiao(args + *data_);
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.out;
    return json::parse(r.out, nullptr, false);
  }
  static std::string Issue(const std::string& principal, const std::string& roles, const std::string& administration) {
    CliResult r = RunPiao("token issue --principal " + principal + " --roles " + roles + " --administration " +
                          administration + *data_);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return r.out.substr(0, 64);
  }
  // Until the services have read the tokens file again (checked at most once a second).
  static CliResult UntilNotUnauthenticated(const std::string& token, const std::string& args) {
    CliResult r;
    for (int i = 0; i < 50; ++i) {
      r = As(token, args);
      if (r.out.find("UNAUTHENTICATED") == std::string::npos) break;
      ::usleep(200 * 1000);
    }
    return r;
  }
  static fs::path* dir_;
  static std::string* data_;
};

fs::path* OivE2eTest::dir_ = nullptr;
std::string* OivE2eTest::data_ = nullptr;

TEST_F(OivE2eTest, TheOivValidatesWithRemarksAndEveryViewShowsIt) {
  // The planning office states the deviation of OS01.1.1 (EC07 missed).
  CliResult deviation = As("", "deviation record --year 2022 --administration CCIAA-TO --objective OS01.1.1 "
                               "--causes 'EC07 mancato: dati di bilancio in ritardo' "
                               "--measures 'nuova convenzione con InfoCamere' --date 2023-03-01");
  ASSERT_EQ(deviation.exit_code, 0) << deviation.out;
  // An objective the plan does not have is refused, naming the field; nothing is written.
  CliResult unknown = As("", "oiv validate --year 2022 --outcome validated-with-remarks --motivation m "
                             "--remark 'OS99.9.9=non esiste' --date 2023-06-20");
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.out.find("validation.remarks[0].objective: no objective 'OS99.9.9'"), std::string::npos)
      << unknown.out;

  // A first judgement, then the validation in force with the signed document.
  ASSERT_EQ(As("", "oiv validate --year 2022 --outcome not-validated --motivation 'dati incompleti' "
                   "--date 2023-05-10").exit_code, 0);
  const fs::path pdf = *dir_ / "relazione-2022.pdf";
  { std::ofstream(pdf) << "%PDF-1.4 la Relazione sulla performance 2022"; }
  const std::string sha = ToHex(Sha256({"%PDF-1.4 la Relazione sulla performance 2022"}));
  CliResult validated = As("", "oiv validate --year 2022 --outcome validated-with-remarks "
                               "--motivation 'La Relazione è conforme; un rilievo su OS01.1.1' "
                               "--deviation-remark 'OS01.1.1=le cause indicate non spiegano lo scostamento di EC07' "
                               "--document " + pdf.string() + " --date 2023-06-20 --administration CCIAA-TO");
  ASSERT_EQ(validated.exit_code, 0) << validated.out;
  EXPECT_NE(validated.out.find("validation/2"), std::string::npos) << validated.out;

  const json status = Json("oiv status --year 2022 --json");
  ASSERT_TRUE(status.is_object()) << status.dump();
  EXPECT_EQ(status["administration"], "CCIAA-TO");
  const json& v = status["validation"];
  EXPECT_EQ(v["outcome"], "validated-with-remarks");
  EXPECT_EQ(v["date"], "2023-06-20");
  EXPECT_EQ(v["number"], 2);
  EXPECT_EQ(v["supersedes"], 1);
  EXPECT_EQ(v["actor"], "user:local-operator");
  EXPECT_EQ(v["document"]["sha256"], sha);
  EXPECT_EQ(v["document"]["reference"], "relazione-2022.pdf");
  ASSERT_EQ(v["remarks"].size(), 1u);
  EXPECT_EQ(v["remarks"][0]["objective"], "OS01.1.1");
  EXPECT_EQ(v["remarks"][0]["about_deviation"], true);
  EXPECT_EQ(v["remarks"][0]["deviation_version"], 1);
  ASSERT_EQ(status["validations"].size(), 2u);
  EXPECT_EQ(status["validations"][0]["outcome"], "not-validated");
  EXPECT_EQ(status["validations"][0]["superseded"], true);  // superseded, never erased
  ASSERT_EQ(status["deviations"].size(), 1u);
  EXPECT_EQ(status["deviations"][0]["causes"], "EC07 mancato: dati di bilancio in ritardo");
  // As of a day between the two: the first judgement was in force.
  const json before = Json("oiv status --year 2022 --as-of 2023-05-31 --json");
  EXPECT_EQ(before["validation"]["outcome"], "not-validated");
  EXPECT_EQ(before["validations"].size(), 1u);

  // The audit trail: both acts and the deviation, with actor, date and reason.
  const json trail = Json("audit --year 2022 --kind oiv-relazione-validated,deviation-recorded --json");
  ASSERT_TRUE(trail.is_object()) << trail.dump();
  ASSERT_EQ(trail["entries"].size(), 3u) << trail.dump();
  const std::string dump = trail.dump();
  EXPECT_NE(dump.find("user:local-operator"), std::string::npos);
  EXPECT_NE(dump.find("2023-06-20"), std::string::npos);
  EXPECT_NE(dump.find("La Relazione è conforme; un rilievo su OS01.1.1"), std::string::npos);
  EXPECT_NE(dump.find("EC07 mancato: dati di bilancio in ritardo"), std::string::npos);

  // The Relazione shows the validation in force and the remark beside the deviation it answers.
  CliResult md = As("", "report relazione --year 2022 --format md");
  ASSERT_EQ(md.exit_code, 0) << md.out;
  EXPECT_NE(md.out.find("validated-with-remarks on 2023-06-20 by user:local-operator (validation 2, superseding 1)"),
            std::string::npos) << md.out.substr(0, 3000);
  EXPECT_NE(md.out.find("| OS01.1.1 | le cause indicate non spiegano lo scostamento di EC07 | EC07 mancato: dati di "
                        "bilancio in ritardo | nuova convenzione con InfoCamere |"),
            std::string::npos);
  EXPECT_NE(md.out.find(sha), std::string::npos);

  // The chains are intact with the new streams in the planning store.
  EXPECT_TRUE(Json("verify --json")["intact"].get<bool>());
}

TEST_F(OivE2eTest, OnlyTheOivOfTheAdministrationWritesOivActsAndTheOivChangesNothingElse) {
  const std::string planner = Issue("user:m.rossi", "planner", "CCIAA-TO");
  const std::string oiv_mi = Issue("user:oiv.mi", "oiv", "CCIAA-MI");
  const std::string oiv = Issue("user:oiv.to", "oiv", "CCIAA-TO");
  const std::string validate = "oiv validate --year 2022 --administration CCIAA-TO --outcome validated "
                               "--motivation 'conforme' --date 2023-07-01";
  CliResult by_planner = UntilNotUnauthenticated(planner, validate);
  EXPECT_NE(by_planner.exit_code, 0);
  EXPECT_NE(by_planner.out.find("PERMISSION_DENIED"), std::string::npos) << by_planner.out;
  CliResult by_other = UntilNotUnauthenticated(oiv_mi, validate);
  EXPECT_NE(by_other.exit_code, 0);
  EXPECT_NE(by_other.out.find("PERMISSION_DENIED"), std::string::npos) << by_other.out;
  EXPECT_NE(by_other.out.find("CCIAA-TO"), std::string::npos) << by_other.out;
  // The OIV may not change the plan, the actuals, nor state a deviation.
  CliResult revise = UntilNotUnauthenticated(oiv, "revise " + Fixture("revisions-2022.json") +
                                                      " --administration CCIAA-TO");
  EXPECT_NE(revise.exit_code, 0);
  EXPECT_NE(revise.out.find("PERMISSION_DENIED"), std::string::npos) << revise.out;
  CliResult results = As(oiv, "import " + Fixture("results-2022-strategic.json") + " --administration CCIAA-TO");
  EXPECT_NE(results.exit_code, 0);
  EXPECT_NE(results.out.find("PERMISSION_DENIED"), std::string::npos) << results.out;
  CliResult deviation = As(oiv, "deviation record --year 2022 --administration CCIAA-TO --objective OS01.1.1 "
                                "--causes c --measures m");
  EXPECT_NE(deviation.exit_code, 0);
  EXPECT_NE(deviation.out.find("PERMISSION_DENIED"), std::string::npos) << deviation.out;
  // The OIV of the administration may, and the act records it as the actor.
  CliResult by_oiv = As(oiv, validate);
  ASSERT_EQ(by_oiv.exit_code, 0) << by_oiv.out;
  const json status = Json("oiv status --year 2022 --administration CCIAA-TO --json");
  EXPECT_EQ(status["validation"]["actor"], "user:oiv.to");
  EXPECT_EQ(status["validation"]["outcome"], "validated");
  // Every role reads the status, the planner included.
  CliResult read = As(planner, "oiv status --year 2022 --administration CCIAA-TO --json");
  EXPECT_EQ(read.exit_code, 0) << read.out;
}

}  // namespace
}  // namespace piao::e2e
