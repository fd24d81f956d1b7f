// Tenants and least privilege with real processes: `piao stack up` hands out only the operator's and the
// projection's tokens; `piao token issue|revoke|list` manage the others, and the running services honour them
// within seconds, without a restart. Tokens of one role on one administration run the queries their role
// allows (read-your-writes included) and are refused, naming it, on another administration.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/e2e/cli_runner.h"

namespace piao::e2e {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

class TenancyE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("piao_e2e_tenancy_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    data_ = " --data " + dir_.string();
  }
  void TearDown() override {
    RunPiao("stack down" + data_);
    fs::remove_all(dir_);
  }
  // `piao <args>` with PIAO_TOKEN=token (the operator's when empty); stderr joined to stdout.
  CliResult As(const std::string& token, const std::string& args) {
    const std::string env = token.empty() ? "" : "PIAO_TOKEN=" + token + " ";
    return RunPiao(args + data_ + " 2>&1", env);
  }
  std::string Issue(const std::string& principal, const std::string& roles, const std::string& administration) {
    CliResult r = RunPiao("token issue --principal " + principal + " --roles " + roles +
                          (administration.empty() ? "" : " --administration " + administration) + data_);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_TRUE(std::regex_match(r.out, std::regex("[0-9a-f]{64}\n"))) << "the token alone on stdout: " << r.out;
    return r.out.substr(0, 64);
  }
  // Runs `args` as `token` until it exits 0 (or `seconds` pass); returns the last result and the wait.
  CliResult UntilOk(const std::string& token, const std::string& args, double seconds, double* waited) {
    const auto start = std::chrono::steady_clock::now();
    CliResult r;
    for (;;) {
      r = As(token, args);
      *waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (r.exit_code == 0 || *waited > seconds) return r;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  fs::path dir_;
  std::string data_;
};

TEST_F(TenancyE2eTest, TokensPerRoleAndAdministrationWithoutRestart) {
  ASSERT_EQ(RunPiao("stack up" + data_).exit_code, 0);

  // The stack hands out the operator's token (every role but service, every administration) and the
  // projection's, nothing else; the file is private.
  CliResult listed = RunPiao("token list --json" + data_);
  ASSERT_EQ(listed.exit_code, 0) << listed.out;
  EXPECT_EQ(json::parse(listed.out), json::parse(R"({"tokens":[
      {"principal":"user:local-operator","roles":["admin","planner","measurer","feed","oiv","rpct","hr"],
       "administrations":["*"]},
      {"principal":"svc:local-stack","roles":["service"],"administrations":["*"]}]})"));
  struct stat st;
  ASSERT_EQ(::stat((dir_ / "tokens").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // Two administrations' plans, Torino's register and HR data, written by the operator.
  for (const char* admin : {"CCIAA-TO", "CCIAA-MI"}) {
    CliResult r = As("", "import " + Fixture("plan-2022.json") + " --administration " + admin);
    ASSERT_EQ(r.exit_code, 0) << r.out;
  }
  ASSERT_EQ(As("", "risk import " + Fixture("risk-register.json")).exit_code, 0);
  ASSERT_EQ(As("", "hr import " + Fixture("hr-2022.json")).exit_code, 0);

  // Bad requests write nothing.
  EXPECT_NE(RunPiao("token issue --principal 'bad principal' --roles planner" + data_).exit_code, 0);
  EXPECT_NE(RunPiao("token issue --principal user:x --roles wizard" + data_).exit_code, 0);
  EXPECT_EQ(RunPiao("token list --json" + data_).out, listed.out);

  const std::string planner = Issue("user:m.rossi", "planner", "CCIAA-TO");
  const std::string rpct = Issue("user:rpct.to", "rpct", "CCIAA-TO");
  const std::string hr = Issue("user:hr.to", "hr", "CCIAA-TO");
  const std::string oiv = Issue("user:oiv.to", "oiv", "CCIAA-TO");

  // Honoured without a restart, within a few seconds. With two plans for 2022, naming no administration
  // means the token's own.
  double waited = 0;
  CliResult scores = UntilOk(planner, "scores --year 2022 --json", 10, &waited);
  ASSERT_EQ(scores.exit_code, 0) << scores.out;
  EXPECT_LT(waited, 5.0) << "an issued token took " << waited << " s to be accepted";
  std::printf("issued token accepted after %.2f s\n", waited);
  EXPECT_TRUE(json::parse(scores.out, nullptr, false).is_object()) << scores.out;
  CliResult text = As(planner, "scores --year 2022");
  EXPECT_NE(text.out.find("PIAO CCIAA-TO 2022"), std::string::npos) << text.out;

  // Each role runs the queries it is allowed, read-your-writes included (GetHead is open to every role).
  // (Each service re-reads the tokens file on its own: the others may take a moment longer than planning's.)
  CliResult map = UntilOk(rpct, "risk map --year 2022 --json", 10, &waited);
  EXPECT_EQ(map.exit_code, 0) << map.out;
  CliResult summary = UntilOk(hr, "hr summary --year 2022 --json", 10, &waited);
  EXPECT_EQ(summary.exit_code, 0) << summary.out;
  CliResult audit = As(oiv, "audit --year 2022 --administration CCIAA-TO --json");
  EXPECT_EQ(audit.exit_code, 0) << audit.out;
  for (const auto& [token, args] : std::vector<std::pair<std::string, std::string>>{
           {rpct, "risk report --year 2022 --json"},  // reads the scores too
           {oiv, "report relazione --year 2022 --format md --administration CCIAA-TO"},
           {planner, "history --year 2022 --objective OS01.1.1 --indicator kpi1.1.1_03 --json"},
           {planner, "lineage --year 2022 --objective OS01.1.1 --indicator kpi1.1.1_03 --json"}}) {
    CliResult r = As(token, args);
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.out;
  }
  // Reading every administration's raw events is for tokens granted every administration.
  CliResult verify = As(oiv, "verify --json");
  EXPECT_NE(verify.exit_code, 0);
  EXPECT_NE(verify.out.find("spans every administration"), std::string::npos) << verify.out;

  // Another administration: refused, naming it, for reads and writes alike.
  for (const auto& [token, args] : std::vector<std::pair<std::string, std::string>>{
           {planner, "scores --year 2022 --administration CCIAA-MI --json"},
           {oiv, "audit --year 2022 --administration CCIAA-MI --json"},
           {rpct, "risk map --year 2022 --administration CCIAA-MI --json"},
           {hr, "hr summary --year 2022 --administration CCIAA-MI --json"},
           {planner, "revise " + Fixture("revisions-2022.json") + " --administration CCIAA-MI"}}) {
    CliResult r = As(token, args);
    EXPECT_NE(r.exit_code, 0) << args << ": " << r.out;
    EXPECT_NE(r.out.find("PERMISSION_DENIED"), std::string::npos) << args << ": " << r.out;
    EXPECT_NE(r.out.find("CCIAA-MI"), std::string::npos) << args << ": " << r.out;
  }
  // Another role's write: refused, on the token's own administration too.
  EXPECT_NE(As(oiv, "revise " + Fixture("revisions-2022.json") + " --administration CCIAA-TO").exit_code, 0);

  // The planner's own write, then its own read: the revision is there at once and records who made it.
  CliResult revised = As(planner, "revise " + Fixture("revisions-2022.json") + " --administration CCIAA-TO");
  ASSERT_EQ(revised.exit_code, 0) << revised.out;
  CliResult trail = As(planner, "audit --year 2022 --actor user:m.rossi --json");
  ASSERT_EQ(trail.exit_code, 0) << trail.out;
  const json t = json::parse(trail.out.substr(trail.out.find('{')));
  EXPECT_EQ(t["administration"], "CCIAA-TO");
  ASSERT_GT(t["count"].get<int>(), 0) << trail.out;
  EXPECT_EQ(t["entries"][0]["actor"], "user:m.rossi");

  // Revoked: refused within a few seconds, without a restart.
  CliResult revoke = RunPiao("token revoke --principal user:m.rossi" + data_);
  ASSERT_EQ(revoke.exit_code, 0) << revoke.out;
  const auto start = std::chrono::steady_clock::now();
  CliResult after;
  for (;;) {
    after = As(planner, "scores --year 2022 --json");
    waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (after.exit_code != 0 || waited > 10) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(after.exit_code, 0);
  EXPECT_NE(after.out.find("UNAUTHENTICATED"), std::string::npos) << after.out;
  EXPECT_LT(waited, 5.0) << "a revoked token was still accepted after " << waited << " s";
  std::printf("revoked token refused after %.2f s\n", waited);
  // The others still work, and the list says who is left.
  EXPECT_EQ(As(rpct, "risk map --year 2022 --json").exit_code, 0);
  CliResult left = RunPiao("token list" + data_);
  EXPECT_EQ(left.out.find("user:m.rossi"), std::string::npos) << left.out;
  EXPECT_NE(left.out.find("user:rpct.to"), std::string::npos) << left.out;

  // A restarted stack keeps the issued tokens and still hands out nothing new.
  ASSERT_EQ(RunPiao("stack down" + data_).exit_code, 0);
  ASSERT_EQ(RunPiao("stack up" + data_).exit_code, 0);
  EXPECT_EQ(As(hr, "hr summary --year 2022 --json").exit_code, 0);
  EXPECT_EQ(json::parse(RunPiao("token list --json" + data_).out)["tokens"].size(), 5u);
}

}  // namespace
}  // namespace piao::e2e
