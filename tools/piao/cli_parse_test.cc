// The `piao` command line (cli_app.h) parsed without a stack: every command's help, typed options, closed
// sets, environment fallbacks, the exit code of each kind of usage error, and the options bound where the
// Run* functions read them. Nothing here runs a command.
#include "tools/piao/cli_app.h"

#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace piao::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct Parsed {
  std::optional<int> code;  // nullopt: a command is to be run
  std::string out;
  std::string err;
};

class CliParseTest : public ::testing::Test {
 protected:
  // The variables the parser reads, unset for each test (and restored after).
  void SetUp() override {
    for (const char* name : kEnv) {
      if (const char* v = std::getenv(name); v != nullptr) saved_[name] = v;
      ::unsetenv(name);
    }
  }
  void TearDown() override {
    for (const char* name : kEnv) {
      ::unsetenv(name);
      if (auto it = saved_.find(name); it != saved_.end()) ::setenv(name, it->second.c_str(), 1);
    }
  }

  // Parses `piao <args>` into commands_ (a fresh App each time).
  Parsed Parse(const std::vector<std::string>& args) {
    commands_ = Commands();
    std::unique_ptr<CLI::App> app = MakeApp(commands_);
    std::vector<const char*> argv = {"piao"};
    for (const std::string& a : args) argv.push_back(a.c_str());
    std::ostringstream out, err;
    Parsed p;
    p.code = ParseCommandLine(*app, static_cast<int>(argv.size()), argv.data(), out, err);
    p.out = out.str();
    p.err = err.str();
    return p;
  }

  // Parses and expects a command to be picked: the command's name.
  std::string Command(const std::vector<std::string>& args) {
    Parsed p = Parse(args);
    EXPECT_FALSE(p.code.has_value()) << "exit " << p.code.value_or(-1) << ": " << p.err;
    EXPECT_TRUE(static_cast<bool>(commands_.run));
    return commands_.command;
  }

  // Parses and expects a usage error: exit 2, nothing to run; the message.
  std::string UsageError(const std::vector<std::string>& args) {
    Parsed p = Parse(args);
    EXPECT_EQ(p.code, std::optional<int>(2)) << p.out;
    EXPECT_THAT(p.err, HasSubstr("piao"));
    return p.err;
  }

  static constexpr const char* kEnv[] = {"PIAO_DATA", "PIAO_TLS_CA", "PIAO_TLS_CLIENT_CERT", "PIAO_TLS_CLIENT_KEY",
                                         "PIAO_TLS_SERVER_NAME"};
  std::map<std::string, std::string> saved_;
  Commands commands_;
};

// ------------------------------------------------------------------------------------------------ help

TEST_F(CliParseTest, TopLevelHelpListsEveryCommand) {
  for (const char* help : {"--help", "-h", "help"}) {
    Parsed p = Parse({help});
    EXPECT_EQ(p.code, std::optional<int>(0)) << help;
    for (const char* cmd : {"stack", "smoke", "verify", "anchor", "import", "revise", "scores", "history", "audit",
                            "rebuild", "report", "feed", "lineage", "risk", "hr", "token"}) {
      EXPECT_THAT(p.out, HasSubstr(cmd)) << help;
    }
  }
}

TEST_F(CliParseTest, NoArgumentsPrintsTheHelpAndExits2) {
  Parsed p = Parse({});
  EXPECT_EQ(p.code, std::optional<int>(2));
  EXPECT_THAT(p.err, HasSubstr("scores"));
  EXPECT_THAT(p.out, IsEmpty());
}

// Every command and sub-command: --help exits 0 and prints each of its options with its description.
TEST_F(CliParseTest, EveryCommandHasHelp) {
  Commands commands;
  std::unique_ptr<CLI::App> app = MakeApp(commands);
  int checked = 0;
  std::function<void(const CLI::App*, std::vector<std::string>)> visit = [&](const CLI::App* cmd,
                                                                             std::vector<std::string> path) {
    std::vector<std::string> args = path;
    args.push_back("--help");
    Parsed p = Parse(args);
    const std::string joined = ::testing::PrintToString(args);
    EXPECT_EQ(p.code, std::optional<int>(0)) << joined << ": " << p.err;
    EXPECT_THAT(p.out, HasSubstr("Usage:")) << joined;
    for (const CLI::Option* opt : cmd->get_options()) {
      EXPECT_FALSE(opt->get_description().empty()) << joined << " " << opt->get_name();
      EXPECT_THAT(p.out, HasSubstr(opt->get_name(false, true).substr(0, 20))) << joined;
      EXPECT_THAT(p.out, HasSubstr(opt->get_description().substr(0, 20))) << joined << " " << opt->get_name();
    }
    ++checked;
    for (const CLI::App* sub : cmd->get_subcommands([](const CLI::App*) { return true; })) {
      std::vector<std::string> next = path;
      next.push_back(sub->get_name());
      visit(sub, next);
    }
  };
  for (const CLI::App* sub : app->get_subcommands([](const CLI::App*) { return true; })) {
    visit(sub, {sub->get_name()});
  }
  // 18 commands; stack 3, report 4, feed 2, risk 4, hr 2, oiv 5, deviation 1, token 3 sub-commands.
  EXPECT_EQ(checked, 18 + 3 + 4 + 2 + 4 + 2 + 5 + 1 + 3);
}

TEST_F(CliParseTest, CommandHelpShowsOptionsAndEnvironment) {
  Parsed scores = Parse({"scores", "--help"});
  ASSERT_EQ(scores.code, std::optional<int>(0));
  EXPECT_THAT(scores.out, HasSubstr("--year"));
  EXPECT_THAT(scores.out, HasSubstr("revised (default) or approved"));
  EXPECT_THAT(scores.out, HasSubstr("PIAO_DATA"));
  EXPECT_THAT(scores.out, HasSubstr("PIAO_TLS_CA"));
  Parsed feed = Parse({"feed", "import", "--help"});
  ASSERT_EQ(feed.code, std::optional<int>(0));
  EXPECT_THAT(feed.out, HasSubstr("FILE"));
  EXPECT_THAT(feed.out, HasSubstr("--mapping"));
  EXPECT_THAT(feed.out, HasSubstr("accounting"));
  // A required positional argument does not stand in the way of --help.
  EXPECT_EQ(Parse({"revise", "--help"}).code, std::optional<int>(0));
  Parsed stack = Parse({"stack", "--help"});
  EXPECT_EQ(stack.code, std::optional<int>(0));
  EXPECT_THAT(stack.out, HasSubstr("status"));
}

// ------------------------------------------------------------------------------------------------ errors

TEST_F(CliParseTest, UnknownCommandExits2) {
  EXPECT_THAT(UsageError({"frobnicate"}), HasSubstr("unknown command 'frobnicate'"));
  EXPECT_THAT(UsageError({"--json"}), HasSubstr("--json"));
  EXPECT_THAT(UsageError({"stack"}), HasSubstr("up"));  // the group's help: its sub-commands
  EXPECT_THAT(UsageError({"stack", "sideways"}), HasSubstr("unknown command 'piao stack sideways'"));
  EXPECT_THAT(UsageError({"stack"}), HasSubstr("Usage: piao stack"));
  UsageError({"report", "pdf", "--year", "2022"});
  UsageError({"feed"});
  UsageError({"risk", "map", "import"});
  UsageError({"token", "steal"});
}

TEST_F(CliParseTest, UnknownFlagExits2) {
  EXPECT_THAT(UsageError({"scores", "--year", "2022", "--nope"}), HasSubstr("--nope"));
  EXPECT_THAT(UsageError({"scores", "--nope=1"}), HasSubstr("--nope"));
  UsageError({"stack", "down", "--tls"});  // only `up` takes --tls
  UsageError({"token", "list", "--tls-ca", "ca.pem"});  // token never talks to a service
  UsageError({"token", "list", "--principal", "user:x"});
}

TEST_F(CliParseTest, MissingOrMistypedValueExits2) {
  EXPECT_THAT(UsageError({"scores", "--year"}), HasSubstr("--year"));
  EXPECT_THAT(UsageError({"scores", "--year", "abc"}), HasSubstr("--year"));
  EXPECT_THAT(UsageError({"scores", "--year=20x2"}), HasSubstr("--year"));
  UsageError({"scores", "--year", "0x7e6"});    // decimal only, as always
  UsageError({"scores", "--year", "9999999999"});  // not an int
  UsageError({"smoke", "--plans", "many"});
  UsageError({"audit", "--year", "2022", "--page", "two"});
  UsageError({"risk", "map", "--above", "high"});
  UsageError({"scores", "--json=maybe"});
}

TEST_F(CliParseTest, ClosedSetsExit2) {
  EXPECT_THAT(UsageError({"scores", "--year", "2022", "--basis=wrong"}), HasSubstr("--basis"));
  EXPECT_THAT(UsageError({"scores", "--year", "2022", "--level", "strategico"}), HasSubstr("--level"));
  UsageError({"history", "--level", "top"});
  UsageError({"lineage", "--level", "top"});
  UsageError({"report", "tree", "--year", "2022", "--format", "html"});  // a tree is svg or png
  UsageError({"report", "relazione", "--format", "png"});
  UsageError({"report", "risk", "--format", "md"});
  UsageError({"report", "hr", "--format", "svg"});
  UsageError({"feed", "import", "--kind", "ledger", "f.csv"});
  // The values of each set pass.
  EXPECT_EQ(Command({"report", "relazione", "--format", "md"}), "report relazione");
  EXPECT_EQ(commands_.report_relazione.format, "md");
  EXPECT_EQ(Command({"report", "tree", "--format=png"}), "report tree");
  EXPECT_EQ(Command({"feed", "import", "--kind", "infocamere", "f.csv"}), "feed import");
  EXPECT_EQ(commands_.feed_import.kind, "infocamere");
  // An empty value keeps meaning the default, as before.
  EXPECT_EQ(Command({"scores", "--basis="}), "scores");
  EXPECT_EQ(commands_.scores.basis, "");
}

TEST_F(CliParseTest, PositionalArgumentsAreCounted) {
  UsageError({"import"});
  UsageError({"revise"});
  UsageError({"revise", "a.json", "b.json"});
  UsageError({"feed", "import", "--kind", "accounting"});
  UsageError({"feed", "import", "--kind", "accounting", "a.csv", "b.csv"});
  UsageError({"risk", "import"});
  UsageError({"hr", "import"});
  UsageError({"scores", "--year", "2022", "extra"});
  UsageError({"anchor", "extra"});
  UsageError({"risk", "map", "extra"});
}

// ------------------------------------------------------------------------------------------------ values

TEST_F(CliParseTest, ScoresBindsEveryOption) {
  EXPECT_EQ(Command({"scores", "--year", "2022", "--as-of", "2022-07-01", "--as-of-record=2022-10-01T00:00:00Z",
                     "--basis", "approved", "--period=2022-09-01", "--level", "strategic", "--administration",
                     "CCIAA-TO", "--json", "--data", "/srv/piao"}),
            "scores");
  const ScoresOptions& o = commands_.scores;
  EXPECT_EQ(o.year, 2022);
  EXPECT_EQ(o.as_of, "2022-07-01");
  EXPECT_EQ(o.as_of_record, "2022-10-01T00:00:00Z");
  EXPECT_EQ(o.basis, "approved");
  EXPECT_EQ(o.period, "2022-09-01");
  EXPECT_EQ(o.level, "strategic");
  EXPECT_EQ(o.administration, "CCIAA-TO");
  EXPECT_TRUE(o.json);
  EXPECT_EQ(o.data_dir, "/srv/piao");  // as given: the command resolves it (ResolveDataDir) when run
}

TEST_F(CliParseTest, BothSpellingsAndTheLastOfARepeatedFlag) {
  Command({"scores", "--year=2021", "--administration=A"});
  EXPECT_EQ(commands_.scores.year, 2021);
  EXPECT_EQ(commands_.scores.administration, "A");
  Command({"scores", "--year", "2021", "--year", "2022"});
  EXPECT_EQ(commands_.scores.year, 2022);
  Command({"scores", "--as-of", "-"});  // a value may start with '-'
  EXPECT_EQ(commands_.scores.as_of, "-");
  Command({"risk", "map", "--above", "-1"});
  EXPECT_EQ(commands_.risk_map.above, -1);
}

TEST_F(CliParseTest, IntegersAreDecimal) {
  Command({"scores", "--year", "02022"});
  EXPECT_EQ(commands_.scores.year, 2022) << "never octal";
  Command({"audit", "--year", "2022", "--page-size", "010"});
  EXPECT_EQ(commands_.audit.page_size, 10);
  Command({"scores", "--year="});  // empty: 0, which RunScores refuses naming --year (exit 1), as before
  EXPECT_EQ(commands_.scores.year, 0);
}

TEST_F(CliParseTest, DefaultsAreTheOptionsStructs) {
  Command({"smoke"});
  EXPECT_EQ(commands_.smoke.plans, 200);
  EXPECT_FALSE(commands_.smoke.json);
  Command({"audit", "--year", "2022"});
  EXPECT_EQ(commands_.audit.page_size, 0);
  EXPECT_EQ(commands_.audit.page, 1);
  Command({"smoke", "--plans", "0"});  // parsed; refused by the command (exit 1), as before
  EXPECT_EQ(commands_.smoke.plans, 0);
}

TEST_F(CliParseTest, JsonIsAFlag) {
  Command({"verify", "--json"});
  EXPECT_TRUE(commands_.verify.json);
  Command({"verify", "--json=false"});
  EXPECT_FALSE(commands_.verify.json);
  Command({"verify", "--json=yes"});
  EXPECT_TRUE(commands_.verify.json);
  Command({"stack", "up", "--tls", "--json"});
  EXPECT_TRUE(commands_.stack_up.tls);
  EXPECT_TRUE(commands_.stack_up.json);
  EXPECT_EQ(Command({"stack", "status"}), "stack status");
  EXPECT_FALSE(commands_.stack_status.json);
}

TEST_F(CliParseTest, ImportTakesFilesAroundFlags) {
  Command({"import", "a.json", "--administration", "CCIAA-TO", "b.json", "--act", "delibera 103", "--act-date",
           "2022-03-30", "--period", "2022-09-01"});
  EXPECT_THAT(commands_.import.files, ElementsAre("a.json", "b.json"));
  EXPECT_EQ(commands_.import.flags.administration, "CCIAA-TO");
  EXPECT_EQ(commands_.import.flags.act, "delibera 103");
  EXPECT_EQ(commands_.import.flags.act_date, "2022-03-30");
  EXPECT_EQ(commands_.import.flags.period, "2022-09-01");
  Command({"import", "scores"});  // a file named like a command is a file
  EXPECT_THAT(commands_.import.files, ElementsAre("scores"));
  Command({"revise", "r.json", "--year", "2022"});
  EXPECT_EQ(commands_.revise.file, "r.json");
  EXPECT_EQ(commands_.revise.flags.year, 2022);
}

TEST_F(CliParseTest, ListsAreSplitOnCommas) {
  Command({"audit", "--year", "2022", "--service", "planning, risk,,", "--kind=target,threshold"});
  EXPECT_THAT(commands_.audit.services, ElementsAre("planning", "risk"));
  EXPECT_THAT(commands_.audit.kinds, ElementsAre("target", "threshold"));
  Command({"hr", "summary", "--year", "2022", "--vacancy-dates", "2022-01-01,2022-12-31"});
  EXPECT_THAT(commands_.hr_summary.vacancy_dates, ElementsAre("2022-01-01", "2022-12-31"));
  EXPECT_EQ(commands_.hr_summary.year, 2022);
}

TEST_F(CliParseTest, EverySubcommandPicksItsOwnOptions) {
  EXPECT_EQ(Command({"risk", "import", "reg.json", "--json"}), "risk import");
  EXPECT_EQ(commands_.risk_import.file, "reg.json");
  EXPECT_TRUE(commands_.risk_import.json);
  EXPECT_EQ(Command({"risk", "history", "--year", "2022", "--process", "B.02"}), "risk history");
  EXPECT_EQ(commands_.risk_history.process, "B.02");
  EXPECT_EQ(Command({"risk", "report", "--year", "2022", "--as-of", "2022-12-31"}), "risk report");
  EXPECT_EQ(commands_.risk_report.as_of, "2022-12-31");
  EXPECT_EQ(Command({"feed", "compute", "--year", "2021", "--administration", "CCIAA-TO"}), "feed compute");
  EXPECT_EQ(commands_.feed_compute.year, 2021);
  EXPECT_EQ(Command({"feed", "import", "--kind=accounting", "a.csv", "--mapping", "m.csv", "--batch-id", "B1"}),
            "feed import");
  EXPECT_EQ(commands_.feed_import.file, "a.csv");
  EXPECT_EQ(commands_.feed_import.mapping, "m.csv");
  EXPECT_EQ(commands_.feed_import.batch_id, "B1");
  EXPECT_EQ(Command({"lineage", "--year", "2021", "--objective", "RATIOS", "--indicator", "STR_PRIM"}), "lineage");
  EXPECT_EQ(commands_.lineage.indicator, "STR_PRIM");
  EXPECT_EQ(Command({"history", "--year", "2022", "--objective", "OS", "--indicator", "K", "--scope", "U"}),
            "history");
  EXPECT_EQ(commands_.history.scope, "U");
  EXPECT_EQ(Command({"report", "risk", "--year", "2022", "--format", "csv", "--out", "r.csv"}), "report risk");
  EXPECT_EQ(commands_.report_risk.kind, "risk");
  EXPECT_EQ(commands_.report_risk.out, "r.csv");
  EXPECT_EQ(Command({"hr", "import", "hr.json", "--administration", "X"}), "hr import");
  EXPECT_EQ(commands_.hr_import.file, "hr.json");
  EXPECT_EQ(Command({"verify", "--anchor", "a.json", "--public-key", "k.pub"}), "verify");
  EXPECT_EQ(commands_.verify.public_key, "k.pub");
  EXPECT_EQ(Command({"anchor", "--out", "a.json", "--key", "k"}), "anchor");
  EXPECT_EQ(commands_.anchor.key, "k");
  EXPECT_EQ(Command({"rebuild", "--json"}), "rebuild");
  EXPECT_EQ(Command({"stack", "down"}), "stack down");
  EXPECT_EQ(Command({"token", "issue", "--principal", "user:m.rossi", "--roles", "planner,oiv", "--administration",
                     "*"}),
            "token issue");
  EXPECT_EQ(commands_.token_issue.roles, "planner,oiv");
  EXPECT_EQ(commands_.token_issue.administration, "*");
  EXPECT_EQ(Command({"token", "revoke", "--principal", "user:m.rossi", "--json"}), "token revoke");
  EXPECT_TRUE(commands_.token_revoke.json);
  EXPECT_EQ(Command({"token", "list"}), "token list");
}

// ------------------------------------------------------------------------------------------------ environment

TEST_F(CliParseTest, DataFallsBackToPiaoData) {
  Command({"scores", "--year", "2022"});
  EXPECT_EQ(commands_.scores.data_dir, "") << "neither: the command's default (~/.local/share/piao)";
  ::setenv("PIAO_DATA", "/from/env", 1);
  Command({"scores", "--year", "2022"});
  EXPECT_EQ(commands_.scores.data_dir, "/from/env");
  EXPECT_EQ(commands_.history.data_dir, "") << "only the command parsed reads the environment";
  Command({"scores", "--data", "/from/flag"});
  EXPECT_EQ(commands_.scores.data_dir, "/from/flag");
  Command({"token", "list"});
  EXPECT_EQ(commands_.token_list.data_dir, "/from/env");
  Command({"stack", "up"});
  EXPECT_EQ(commands_.stack_up.data_dir, "/from/env");
  ::setenv("PIAO_DATA", "", 1);
  Command({"scores"});
  EXPECT_EQ(commands_.scores.data_dir, "") << "an empty variable is unset";
}

TEST_F(CliParseTest, ClientTlsFallsBackToPiaoTls) {
  ::setenv("PIAO_TLS_CA", "/env/ca.pem", 1);
  ::setenv("PIAO_TLS_CLIENT_CERT", "/env/cert.pem", 1);
  ::setenv("PIAO_TLS_CLIENT_KEY", "/env/key.pem", 1);
  ::setenv("PIAO_TLS_SERVER_NAME", "env.example", 1);
  Command({"verify", "--tls-ca", "/flag/ca.pem"});
  EXPECT_EQ(commands_.client_tls.tls_ca_file, "/flag/ca.pem") << "the flag wins";
  EXPECT_EQ(commands_.client_tls.tls_client_cert_file, "/env/cert.pem");
  EXPECT_EQ(commands_.client_tls.tls_client_key_file, "/env/key.pem");
  EXPECT_EQ(commands_.client_tls.tls_server_name, "env.example");
  Command({"hr", "summary", "--tls-server-name=flag.example"});
  EXPECT_EQ(commands_.client_tls.tls_server_name, "flag.example");
  EXPECT_EQ(commands_.client_tls.tls_ca_file, "/env/ca.pem");
  Command({"token", "list"});
  EXPECT_EQ(commands_.client_tls.tls_ca_file, "") << "token takes no TLS settings";
}

TEST_F(CliParseTest, ClientTlsFlagsOnEveryStackCommand) {
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"stack", "status"}, {"smoke"}, {"scores"}, {"report", "hr"}, {"risk", "map"}, {"feed", "compute"},
           {"hr", "import", "f.json"}, {"audit"}, {"rebuild"}, {"anchor"}, {"import", "f.json"}}) {
    args.insert(args.end(), {"--tls-ca", "ca.pem", "--tls-client-cert", "c.pem", "--tls-client-key", "k.pem"});
    Command(args);
    EXPECT_EQ(commands_.client_tls.tls_ca_file, "ca.pem") << ::testing::PrintToString(args);
    EXPECT_EQ(commands_.client_tls.tls_client_key_file, "k.pem");
  }
}

}  // namespace
}  // namespace piao::cli
