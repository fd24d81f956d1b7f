// piao: the command-line client of PIAO Ledger. The commands, their options and their help are one CLI11 App
// (tools/piao/cli_app.h); `piao --help` lists the commands, `piao COMMAND [SUBCOMMAND] --help` their options:
//
//   piao stack up|down|status [--tls]          piao smoke [--plans N]
//   piao verify [--anchor FILE]                piao anchor [--out FILE] [--key FILE]
//   piao import FILE...                        piao revise FILE
//   piao scores --year Y                       piao history|lineage --year Y --objective C --indicator C
//   piao audit --year Y                        piao rebuild
//   piao report relazione|tree|risk|hr --year Y --format F
//   piao feed import --kind K FILE | compute --year Y
//   piao risk import FILE | map | report | history --year Y
//   piao hr import FILE | summary --year Y     piao token issue|revoke|list
//
// Every command finds the stack through --data DIR or $PIAO_DATA (default ~/.local/share/piao).
#include "libs/base/log.h"
#include "tools/piao/cli_app.h"

int main(int argc, char** argv) {
  piao::log::SetComponent("piao");
  piao::log::SetMinLevelWarning(true);
  piao::cli::Commands commands;
  std::unique_ptr<CLI::App> app = piao::cli::MakeApp(commands);
  return piao::cli::ParseAndRun(*app, commands, argc, argv);
}
