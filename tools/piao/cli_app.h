// The `piao` command line as one CLI11 App (/usr/include/CLI, Debian's libcli11-dev): every command and
// sub-command, their typed options bound to the Options structs the Run* functions take, generated --help,
// and the environment fallbacks (--data from PIAO_DATA, --tls-* from PIAO_TLS_*).
//
//   Commands commands;
//   std::unique_ptr<CLI::App> app = MakeApp(commands);
//   return ParseAndRun(*app, commands, argc, argv);
//
// Parsing only fills `commands` and picks the command (commands.run), so tests parse without a stack.
// Exit codes: 0 after --help, 2 for a usage error (unknown command or flag, missing or mistyped value, a value
// outside its set, missing or extra positional arguments; the message on stderr); otherwise the command's:
// 0 done, 1 failed (its Run* refused or the stack did, "piao: ..." on stderr), 3 (`stack status`: not all
// healthy), 4 (`verify`: a chain is broken).
#ifndef PIAO_TOOLS_PIAO_CLI_APP_H_
#define PIAO_TOOLS_PIAO_CLI_APP_H_

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "libs/service/client.h"
#include "tools/piao/anchor_cmd.h"
#include "tools/piao/audit_cmd.h"
#include "tools/piao/feed_cmd.h"
#include "tools/piao/hr_cmd.h"
#include "tools/piao/import.h"
#include "tools/piao/oiv_cmd.h"
#include "tools/piao/queries.h"
#include "tools/piao/rebuild_cmd.h"
#include "tools/piao/report.h"
#include "tools/piao/risk_cmd.h"
#include "tools/piao/smoke.h"
#include "tools/piao/token_cmd.h"

namespace piao::cli {

// `piao stack up|down|status`.
struct StackOptions {
  std::string data_dir;
  bool json = false;
  bool tls = false;  // up: mutual TLS between every component (kept once on)
  // up: the Kafka the stack runs on (tools/piao/stack.h StackKafka); empty / 0 = as recorded.
  std::string kafka;
  int brokers = 0;
  int partitions = 0;
  int projections = 0;
  std::string bootstrap_servers;
};

// `piao verify [--anchor FILE [--public-key FILE]]`.
struct VerifyOptions {
  std::string data_dir;
  std::string anchor;      // "" = check every chain as it stands
  std::string public_key;  // with --anchor ("" = DATA/anchor.pub)
  bool json = false;
};

// What the command line says: one Options struct per command (each sub-command its own, so nothing one
// command's options or environment fallbacks set can leak into another's), filled by the parse.
struct Commands {
  // --tls-ca, --tls-client-cert, --tls-client-key, --tls-server-name (else PIAO_TLS_*) of the command parsed;
  // ParseAndRun makes them the process's (SetClientTlsOverrides) before running it.
  service::ChannelOptions client_tls;

  StackOptions stack_up, stack_down, stack_status;
  SmokeOptions smoke;
  VerifyOptions verify;
  AnchorOptions anchor;
  ImportOptions import;
  ReviseOptions revise;
  ScoresOptions scores;
  HistoryOptions history;
  LineageOptions lineage;
  AuditOptions audit;
  RebuildOptions rebuild;
  ReportOptions report_relazione, report_tree, report_risk, report_hr;
  bool report_json = false;  // --json: accepted by `report` as by every command; a report prints its --format
  FeedImportOptions feed_import;
  FeedComputeOptions feed_compute;
  RiskOptions risk_import, risk_map, risk_report, risk_history;
  HrImportOptions hr_import;
  HrSummaryOptions hr_summary;
  TokenOptions token_issue, token_revoke, token_list;
  OivOptions oiv_validate, oiv_monitoring_report, oiv_attest, oiv_propose_sg, oiv_status, deviation_record;

  // The command the parse picked ("scores", "feed import", ...) and how to run it (returns the exit code);
  // both empty until a parse succeeds.
  std::string command;
  std::function<int()> run;
};

// The whole command tree over `commands` (which must outlive the App).
std::unique_ptr<CLI::App> MakeApp(Commands& commands);

// Every command's client TLS options into `tls`, each with its environment fallback:
//   --tls-ca FILE (PIAO_TLS_CA), --tls-client-cert FILE (PIAO_TLS_CLIENT_CERT),
//   --tls-client-key FILE (PIAO_TLS_CLIENT_KEY), --tls-server-name NAME (PIAO_TLS_SERVER_NAME)
// (the client settings of libs/service/client.h DeclareClientTlsFlags, for a CLI11 App).
void AddClientTlsOptions(CLI::App& command, service::ChannelOptions& tls);

// Parses argv (argv[0] is the program) into the App's Commands. nullopt when a command is to be run
// (commands.run is set); otherwise the exit code: 0 after --help (printed on `out`), 2 after a usage error
// (message and a hint on `err`). `piao` alone prints the help on `err` (2); `piao help` on `out` (0).
std::optional<int> ParseCommandLine(CLI::App& app, int argc, const char* const* argv, std::ostream& out,
                                    std::ostream& err);

// ParseCommandLine on stdout/stderr, then the command: the process's exit code.
int ParseAndRun(CLI::App& app, Commands& commands, int argc, const char* const* argv);

}  // namespace piao::cli

#endif  // PIAO_TOOLS_PIAO_CLI_APP_H_
