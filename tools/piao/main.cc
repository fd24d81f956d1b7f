// piao: the command-line client of PIAO Ledger.
//
//   piao stack up|down|status [--data DIR] [--json]     (up --tls: mutual TLS everywhere, kept once on)
//   piao smoke [--data DIR] [--plans N] [--json]
//   piao verify [--anchor FILE [--public-key FILE]] [--data DIR] [--json]
//   piao anchor [--out FILE] [--key FILE] [--data DIR] [--json]   (tools/piao/anchor_cmd.h)
//   piao import FILE... [--administration A] [--act TEXT --act-date YYYY-MM-DD] [--data DIR] [--json]
//   piao revise FILE [--administration A] [--year Y] [--data DIR] [--json]
//   piao scores --year Y [--as-of DATE] [--as-of-record TIME] [--basis approved|revised] [--period year-end|DATE] [--administration A] [--data DIR] [--json]
//   piao history --year Y --objective CODE --indicator CODE [--level L] [--scope S] [--administration A] ...
//   piao audit --year Y [--actor P] [--from T --to T] [--objective CODE] [--indicator CODE] [--process CODE]
//              [--service S,...] [--kind K,...] [--valid-from D --valid-to D] [--page-size N --page P]
//              [--administration A] [--json]
//   piao rebuild [--data DIR] [--json]
//   piao report relazione|tree|risk|hr --year Y --format F [--as-of DATE] [--out FILE]
//   piao feed import --kind accounting|infocamere FILE [--mapping FILE] [--batch-id ID] [--administration A] ...
//   piao feed compute --year Y [--administration A] ...
//   piao lineage --year Y --objective CODE --indicator CODE [--level L] [--scope S] [--administration A] ...
//   piao risk import FILE | map --year Y [--as-of D] | report --year Y [--as-of D] | history --year Y --process C
//   piao hr import FILE | piao hr summary --year Y [--as-of DATE] [--json]   (tools/piao/hr_cmd.h)
//   piao token issue --principal P --roles R1,R2 [--administration A] | revoke --principal P | list [--json]
//       (tools/piao/token_cmd.h)
//
// Every command finds the stack through --data DIR or $PIAO_DATA (default ~/.local/share/piao).
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "libs/base/config.h"
#include "libs/base/log.h"
#include "libs/service/client.h"
#include "libs/service/event_log_client.h"
#include "tools/piao/anchor_cmd.h"
#include "tools/piao/audit_cmd.h"
#include "tools/piao/feed_cmd.h"
#include "tools/piao/hr_cmd.h"
#include "tools/piao/import.h"
#include "tools/piao/queries.h"
#include "tools/piao/rebuild_cmd.h"
#include "tools/piao/report.h"
#include "tools/piao/risk_cmd.h"
#include "tools/piao/smoke.h"
#include "tools/piao/stack.h"
#include "tools/piao/token_cmd.h"

namespace {

using piao::Config;
using json = nlohmann::json;

int Usage() {
  std::fprintf(stderr,
               "usage:\n"
               "  piao stack up|down|status [--data DIR] [--json]\n"
               "  piao stack up --tls [--data DIR]\n"
               "      mutual TLS between every component: a local CA and per-component certificates made once in\n"
               "      DIR/tls (openssl); every command then uses it unchanged. A later `stack up` without --tls keeps\n"
               "      TLS on that data dir. The embedded Kafka broker stays plaintext on loopback.\n"
               "  every command: [--tls-ca FILE] [--tls-client-cert FILE --tls-client-key FILE] [--tls-server-name N]\n"
               "      (or PIAO_TLS_CA, PIAO_TLS_CLIENT_CERT, ...) replace the client TLS settings the stack recorded.\n"
               "  piao smoke [--data DIR] [--plans N] [--json]\n"
               "  piao verify [--anchor FILE [--public-key FILE]] [--data DIR] [--json]\n"
               "      re-checks every service's hash chain; with --anchor, also that each anchored event is still there\n"
               "      unchanged (the anchor's signature is checked with DIR/anchor.pub or --public-key first).\n"
               "  piao anchor [--out FILE] [--key FILE] [--data DIR] [--json]\n"
               "      every write service's chain head, signed with DIR/anchor.key (created 0600 on first use);\n"
               "      keep the file and DIR/anchor.pub away from this machine.\n"
               "  piao import FILE... [--administration A] [--act TEXT --act-date YYYY-MM-DD] [--period DATE] [--data DIR] [--json]\n"
               "      SCHEMA.md plan/results files: adopts their objectives under the file's \"approved\" act (or\n"
               "      --act/--act-date) and records their actuals as year-end actuals. The administration is the\n"
               "      file's, else --administration, else \"default\". Re-importing the same file is a no-op.\n"
               "  piao revise FILE [--administration A] [--year Y] [--data DIR] [--json]\n"
               "      a revisions file: one revision act per act named in it, all or nothing per act.\n"
               "  piao scores --year Y [--as-of DATE] [--as-of-record TIME] [--basis approved|revised] [--period DATE] [--level L] [--administration A]\n"
               "              [--data DIR] [--json]\n"
               "  piao history --year Y --objective CODE --indicator CODE [--level L] [--scope S] [--administration A]\n"
               "               [--data DIR] [--json]\n"
               "  piao audit --year Y [--actor P] [--from T --to T] [--objective CODE] [--indicator CODE] [--process CODE]\n"
               "             [--service S,...] [--kind K,...] [--valid-from D] [--valid-to D] [--page-size N] [--page P]\n"
               "             [--administration A] [--data DIR] [--json]\n"
               "      every change of the year (adoptions, revisions, actuals, corrections) with actor, act, valid and\n"
               "      record time; --from/--to take an RFC 3339 time or a date (that whole day, UTC).\n"
               "  piao rebuild [--data DIR] [--json]\n"
               "      rebuilds the projection's views from zero (progress bar on a terminal)\n"
               "  piao report relazione --year Y --format html|md|csv [--as-of DATE] [--period DATE] [--out FILE] [--data DIR]\n"
               "  piao report tree --year Y --format svg|png [--as-of DATE] [--period DATE] [--out FILE] [--data DIR]\n"
               "  piao report risk|hr --year Y --format html|csv [--as-of DATE] [--out FILE] [--data DIR]\n"
               "  piao feed import --kind accounting|infocamere FILE [--mapping FILE] [--batch-id ID] [--administration A]\n"
               "                   [--data DIR] [--json]\n"
               "      a feed batch (validated whole first); then the plans' formulas compute the actuals they can.\n"
               "  piao feed compute --year Y [--administration A] [--data DIR] [--json]\n"
               "      evaluates the plan's formulas on the variables recorded (import and revise do it too).\n"
               "  piao lineage --year Y --objective CODE --indicator CODE [--level L] [--scope S] [--administration A]\n"
               "               [--data DIR] [--json]\n"
               "      score <- grade <- actual <- formula version <- variable values <- feed batch and rows.\n"
               "  piao risk import FILE [--data DIR] [--json]   (the risk register file, docs/RISK_FORMAT.md)\n"
               "  piao risk map --year Y [--as-of DATE] [--above SEVERITY] [--administration A] [--data DIR] [--json]\n"
               "  piao risk report --year Y [--as-of DATE] [--administration A] [--data DIR] [--json]   (RPCT report)\n"
               "  piao risk history --year Y --process CODE [--administration A] [--data DIR] [--json]\n"
               "  piao hr import FILE [--administration A] [--data DIR] [--json]\n"
               "      an HR file (docs/HR_FORMAT.md): establishment, staff, leaves, budget, agile work.\n"
               "  piao hr summary --year Y [--as-of DATE] [--vacancy-dates D,...] [--administration A] [--data DIR] [--json]\n"
               "  piao token issue --principal P --roles R1,R2 [--administration A[,B...]|*] [--data DIR]\n"
               "      prints a new bearer token alone on stdout (the services accept it within seconds)\n"
               "  piao token revoke --principal P [--data DIR]\n"
               "  piao token list [--json] [--data DIR]\n");
  return 2;
}

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "piao: %s\n", s.ToString().c_str());
  return 1;
}

// Parses the flags after the command words; on error prints them and returns false.
bool ParseFlags(Config& config, int argc, char** argv, int skip) {
  config.Declare("data", "", "the stack's data directory (default $PIAO_DATA, else ~/.local/share/piao)")
      .Declare("json", "false", "print one JSON object");
  piao::cli::DeclareClientTlsFlags(config);
  std::vector<const char*> args = {argv[0]};
  for (int i = 1 + skip; i < argc; ++i) args.push_back(argv[i]);
  // PIAO_DATA is resolved by ResolveDataDir; of the environment only PIAO_TLS_* reach the flags.
  absl::Status s = config.Parse(static_cast<int>(args.size()), args.data(), piao::service::ClientTlsEnv);
  if (!s.ok()) {
    std::fprintf(stderr, "piao: %s\nflags:\n%s", std::string(s.message()).c_str(), config.Usage().c_str());
    return false;
  }
  piao::cli::ApplyClientTlsFlags(config);
  return true;
}

const char* ComponentState(const piao::cli::ComponentStatus& c) {
  if (!c.alive) return "DOWN";
  if (!c.healthy) return "unhealthy";
  return c.quarantined > 0 || c.parked > 0 ? "DEGRADED" : "healthy";
}

void PrintStatus(const std::vector<piao::cli::ComponentStatus>& status, bool as_json) {
  if (as_json) {
    json j = json::array();
    for (const auto& c : status) {
      json one = {{"name", c.name}, {"pid", c.pid}, {"alive", c.alive}, {"healthy", c.healthy},
                  {"address", c.address}, {"log", c.log}, {"state", ComponentState(c)}};
      if (c.quarantined > 0) one["quarantined"] = c.quarantined;
      if (c.parked > 0) one["parked"] = c.parked;
      if (!c.problem.empty()) one["problem"] = c.problem;
      j.push_back(std::move(one));
    }
    std::printf("%s\n", json{{"components", j}}.dump().c_str());
    return;
  }
  std::printf("%-12s %-8s %-10s %-28s %s\n", "component", "pid", "state", "address", "log");
  for (const auto& c : status) {
    std::printf("%-12s %-8d %-10s %-28s %s\n", c.name.c_str(), c.pid, ComponentState(c), c.address.c_str(),
                c.log.c_str());
    if (c.quarantined > 0) {
      std::printf("  DEGRADED: %llu event(s) could not be applied; their administrations' queries are refused.\n"
                  "  first: %s\n",
                  static_cast<unsigned long long>(c.quarantined), c.problem.c_str());
    }
    if (c.parked > 0) {
      std::printf("  DEGRADED: Kafka refused %llu event(s) for good; consumers read them from the store.\n"
                  "  first: %s\n",
                  static_cast<unsigned long long>(c.parked), c.problem.c_str());
    }
  }
}

int Stack(int argc, char** argv) {
  if (argc < 3) return Usage();
  const std::string verb = argv[2];
  Config config;
  if (verb == "up") config.Declare("tls", "false", "mutual TLS between every component (kept once on)");
  if (!ParseFlags(config, argc, argv, 2)) return 2;
  const std::string dir = piao::cli::ResolveDataDir(config.Get("data"));
  if (verb == "up") {
    auto status = piao::cli::StackUp(dir, piao::cli::SelfDir(), absl::Seconds(60), config.GetBool("tls"));
    if (!status.ok()) return Fail(status.status());
    if (!config.GetBool("json")) {
      if (piao::cli::StackUsesTls(dir)) {
        std::printf("stack up with mutual TLS (certificates in %s/tls; Kafka plaintext on loopback), data in %s\n",
                    dir.c_str(), dir.c_str());
      } else {
        std::printf("stack up, data in %s\n", dir.c_str());
      }
    }
    PrintStatus(*status, config.GetBool("json"));
    return 0;
  }
  if (verb == "down") {
    absl::Status s = piao::cli::StackDown(dir);
    if (!s.ok()) return Fail(s);
    if (!config.GetBool("json")) std::printf("stack down (data kept in %s)\n", dir.c_str());
    return 0;
  }
  if (verb == "status") {
    auto status = piao::cli::StackStatus(dir);
    if (!status.ok()) return Fail(status.status());
    PrintStatus(*status, config.GetBool("json"));
    bool all_up = true;
    for (const auto& c : *status) all_up &= c.healthy && c.quarantined == 0 && c.parked == 0;
    return all_up ? 0 : 3;
  }
  return Usage();
}

int Smoke(int argc, char** argv) {
  Config config;
  config.Declare("plans", "200", "number of CreatePlan commands");
  if (!ParseFlags(config, argc, argv, 1)) return 2;
  piao::cli::SmokeOptions o;
  o.data_dir = piao::cli::ResolveDataDir(config.Get("data"));
  auto plans = config.GetInt("plans");
  if (!plans.ok() || *plans < 1) return Fail(absl::InvalidArgumentError("--plans must be a positive integer"));
  o.plans = static_cast<int>(*plans);
  o.json = config.GetBool("json");
  absl::Status s = piao::cli::RunSmoke(o);
  return s.ok() ? 0 : Fail(s);
}

int Verify(int argc, char** argv) {
  Config config;
  config.Declare("anchor", "", "an anchor file written by `piao anchor`: also check every anchored head")
      .Declare("public-key", "", "with --anchor: the trusted public key (default DIR/anchor.pub)");
  if (!ParseFlags(config, argc, argv, 1)) return 2;
  const std::string dir = piao::cli::ResolveDataDir(config.Get("data"));
  if (!config.Get("anchor").empty()) {
    auto intact = piao::cli::RunVerifyAnchor(
        {dir, config.Get("anchor"), config.Get("public-key"), config.GetBool("json")});
    if (!intact.ok()) return Fail(intact.status());
    return *intact ? 0 : 4;
  }
  if (!config.Get("public-key").empty()) return Fail(absl::InvalidArgumentError("--public-key needs --anchor"));
  json out = json::array();
  bool all_intact = true;
  for (const std::string& name : piao::cli::StackServices()) {
    if (name == "projection") continue;  // derived views, no event store of its own
    auto conn = piao::cli::Connect(dir, name);
    if (!conn.ok()) return Fail(conn.status());
    auto r = piao::service::VerifyChain({conn->channel, conn->token, absl::Minutes(10)});
    if (!r.ok()) return Fail(r.status());
    all_intact &= r->intact();
    out.push_back({{"service", name}, {"intact", r->intact()}, {"events_checked", r->events_checked()},
                   {"problem", r->problem()}});
    if (!config.GetBool("json")) {
      std::printf("%-12s %s (%llu events checked)%s%s\n", name.c_str(), r->intact() ? "intact" : "BROKEN",
                  static_cast<unsigned long long>(r->events_checked()), r->intact() ? "" : ": ",
                  r->problem().c_str());
    }
  }
  if (config.GetBool("json")) std::printf("%s\n", json{{"services", out}, {"intact", all_intact}}.dump().c_str());
  return all_intact ? 0 : 4;
}

int Anchor(int argc, char** argv) {
  Config config;
  config.Declare("out", "", "write the anchor to FILE (default: standard output)")
      .Declare("key", "", "the Ed25519 private key file (default DIR/anchor.key; its .pub beside it)");
  if (!ParseFlags(config, argc, argv, 1)) return 2;
  if (!config.positional().empty()) return Usage();
  absl::Status s = piao::cli::RunAnchor({piao::cli::ResolveDataDir(config.Get("data")), config.Get("out"),
                                         config.Get("key"), config.GetBool("json")});
  return s.ok() ? 0 : Fail(s);
}

int Import(int argc, char** argv) {
  Config config;
  config.Declare("administration", "", "administration, when the file names none (else \"default\")")
      .Declare("act", "", "approval act text, when the file has no \"approved\"")
      .Declare("act-date", "", "approval act date YYYY-MM-DD, with --act")
      .Declare("period", "", "the actuals' period: year-end (default) or a monitoring date YYYY-MM-DD");
  if (!ParseFlags(config, argc, argv, 1)) return 2;
  piao::cli::ImportOptions o;
  o.files = config.positional();
  o.flags.administration = config.Get("administration");
  o.flags.act = config.Get("act");
  o.flags.act_date = config.Get("act-date");
  o.flags.period = config.Get("period");
  o.data_dir = piao::cli::ResolveDataDir(config.Get("data"));
  o.json = config.GetBool("json");
  if (o.files.empty()) return Usage();
  absl::Status s = piao::cli::RunImport(o);
  return s.ok() ? 0 : Fail(s);
}

int Revise(int argc, char** argv) {
  Config config;
  config.Declare("administration", "", "administration, when the file names none (else \"default\")")
      .Declare("year", "0", "plan year, when the file has none");
  if (!ParseFlags(config, argc, argv, 1)) return 2;
  if (config.positional().size() != 1) return Usage();
  piao::cli::ReviseOptions o;
  o.file = config.positional()[0];
  o.flags.administration = config.Get("administration");
  auto year = config.GetInt("year");
  if (!year.ok()) return Fail(year.status());
  o.flags.year = static_cast<int>(*year);
  o.data_dir = piao::cli::ResolveDataDir(config.Get("data"));
  o.json = config.GetBool("json");
  absl::Status s = piao::cli::RunRevise(o);
  return s.ok() ? 0 : Fail(s);
}

// --year as an int; 0 (refused later with the rule) when missing.
bool YearFlag(const Config& config, int* year) {
  if (config.Get("year").empty()) {
    *year = 0;
    return true;
  }
  auto y = config.GetInt("year");
  if (!y.ok()) {
    Fail(y.status());
    return false;
  }
  *year = static_cast<int>(*y);
  return true;
}

int Scores(int argc, char** argv) {
  Config config;
  config.Declare("year", "", "plan year")
      .Declare("as-of", "", "valid date YYYY-MM-DD: the definitions in force that day (default: latest)")
      .Declare("as-of-record", "", "record time (RFC 3339): what the system showed then (default: now)")
      .Declare("basis", "", "revised (default) or approved")
      .Declare("period", "", "year-end (default) or a monitoring date YYYY-MM-DD: score that monitoring's actuals")
      .Declare("level", "", "only objectives of this level: strategic | operational | individual")
      .Declare("administration", "", "administration (default: the year's only plan)");
  if (!ParseFlags(config, argc, argv, 1)) return 2;
  if (!config.positional().empty()) return Usage();
  piao::cli::ScoresOptions o;
  o.level = config.Get("level");
  o.as_of_record = config.Get("as-of-record");
  if (!YearFlag(config, &o.year)) return 1;
  o.as_of = config.Get("as-of");
  o.basis = config.Get("basis");
  o.period = config.Get("period");
  o.administration = config.Get("administration");
  o.data_dir = piao::cli::ResolveDataDir(config.Get("data"));
  o.json = config.GetBool("json");
  absl::Status s = piao::cli::RunScores(o);
  return s.ok() ? 0 : Fail(s);
}

// The commands about one indicator (history, lineage): the same flags, the same option fields.
template <typename Options>
int IndicatorCommand(int argc, char** argv, absl::Status (*run)(const Options&)) {
  Config config;
  config.Declare("year", "", "plan year")
      .Declare("objective", "", "objective code")
      .Declare("indicator", "", "indicator code (case-sensitive)")
      .Declare("level", "", "strategic | operational | individual, when the code is at several levels")
      .Declare("scope", "", "the unit or owner, when the code is in several")
      .Declare("administration", "", "administration (default: the year's only plan)");
  if (!ParseFlags(config, argc, argv, 1)) return 2;
  if (!config.positional().empty()) return Usage();
  Options o;
  if (!YearFlag(config, &o.year)) return 1;
  o.objective = config.Get("objective");
  o.indicator = config.Get("indicator");
  o.level = config.Get("level");
  o.scope = config.Get("scope");
  o.administration = config.Get("administration");
  o.data_dir = piao::cli::ResolveDataDir(config.Get("data"));
  o.json = config.GetBool("json");
  absl::Status s = run(o);
  return s.ok() ? 0 : Fail(s);
}

int Audit(int argc, char** argv) {
  Config config;
  config.Declare("year", "", "plan year")
      .Declare("actor", "", "only changes by this principal (e.g. user:planner)")
      .Declare("from", "", "recorded at or after: RFC 3339 time or YYYY-MM-DD")
      .Declare("to", "", "recorded at or before: RFC 3339 time or YYYY-MM-DD (that whole day)")
      .Declare("objective", "", "only changes of this objective code")
      .Declare("indicator", "", "only changes of this indicator code")
      .Declare("process", "", "only risk changes naming this process code")
      .Declare("service", "", "only these services, comma-separated: planning, measurement, risk, hr")
      .Declare("kind", "", "only these kinds of change, comma-separated (target, threshold, actual, risk-assessment-recorded, ...)")
      .Declare("valid-from", "", "valid on or after YYYY-MM-DD")
      .Declare("valid-to", "", "valid on or before YYYY-MM-DD")
      .Declare("page-size", "0", "entries per page (0: all)")
      .Declare("page", "1", "page number, from 1")
      .Declare("administration", "", "administration (default: the year's only plan)");
  if (!ParseFlags(config, argc, argv, 1)) return 2;
  if (!config.positional().empty()) return Usage();
  piao::cli::AuditOptions o;
  for (const char* list : {"service", "kind"}) {
    for (absl::string_view item : absl::StrSplit(config.Get(list), ',', absl::SkipWhitespace())) {
      (std::string(list) == "service" ? o.services : o.kinds).emplace_back(absl::StripAsciiWhitespace(item));
    }
  }
  o.indicator = config.Get("indicator");
  o.process = config.Get("process");
  o.valid_from = config.Get("valid-from");
  o.valid_to = config.Get("valid-to");
  auto page_size = config.GetInt("page-size");
  if (!page_size.ok()) return Fail(page_size.status());
  auto page = config.GetInt("page");
  if (!page.ok()) return Fail(page.status());
  o.page_size = static_cast<int>(*page_size);
  o.page = static_cast<int>(*page);
  if (!YearFlag(config, &o.year)) return 1;
  o.actor = config.Get("actor");
  o.from = config.Get("from");
  o.to = config.Get("to");
  o.objective = config.Get("objective");
  o.administration = config.Get("administration");
  o.data_dir = piao::cli::ResolveDataDir(config.Get("data"));
  o.json = config.GetBool("json");
  absl::Status s = piao::cli::RunAudit(o);
  return s.ok() ? 0 : Fail(s);
}

int Rebuild(int argc, char** argv) {
  Config config;
  if (!ParseFlags(config, argc, argv, 1)) return 2;
  if (!config.positional().empty()) return Usage();
  piao::cli::RebuildOptions o;
  o.data_dir = piao::cli::ResolveDataDir(config.Get("data"));
  o.json = config.GetBool("json");
  absl::Status s = piao::cli::RunRebuild(o);
  return s.ok() ? 0 : Fail(s);
}

int Report(int argc, char** argv) {
  if (argc < 3) return Usage();
  Config config;
  config.Declare("year", "", "plan year")
      .Declare("format", "", "relazione: html | md | csv; tree: svg | png; risk, hr: html | csv")
      .Declare("as-of", "", "valid date YYYY-MM-DD (default: latest)")
      .Declare("period", "", "relazione, tree: year-end (default) or a monitoring date YYYY-MM-DD")
      .Declare("out", "", "write to FILE instead of standard output")
      .Declare("administration", "", "administration (default: the year's only plan)");
  if (!ParseFlags(config, argc, argv, 2)) return 2;
  if (!config.positional().empty()) return Usage();
  piao::cli::ReportOptions o;
  o.kind = argv[2];
  if (!YearFlag(config, &o.year)) return 1;
  o.format = config.Get("format");
  o.as_of = config.Get("as-of");
  o.period = config.Get("period");
  o.out = config.Get("out");
  o.administration = config.Get("administration");
  o.data_dir = piao::cli::ResolveDataDir(config.Get("data"));
  absl::Status s = piao::cli::RunReport(o);
  return s.ok() ? 0 : Fail(s);
}

int FeedCompute(int argc, char** argv) {
  Config config;
  config.Declare("year", "", "plan year").Declare("administration", "", "administration (default \"default\")");
  if (!ParseFlags(config, argc, argv, 2)) return 2;
  if (!config.positional().empty()) return Usage();
  piao::cli::FeedComputeOptions o;
  if (!YearFlag(config, &o.year)) return 1;
  o.administration = config.Get("administration");
  o.data_dir = piao::cli::ResolveDataDir(config.Get("data"));
  o.json = config.GetBool("json");
  absl::Status s = piao::cli::RunFeedCompute(o);
  return s.ok() ? 0 : Fail(s);
}

int Feed(int argc, char** argv) {
  if (argc >= 3 && std::string(argv[2]) == "compute") return FeedCompute(argc, argv);
  if (argc < 3 || std::string(argv[2]) != "import") return Usage();
  Config config;
  config.Declare("kind", "", "accounting | infocamere")
      .Declare("mapping", "", "mapping file item_code,variable,unit (required for accounting)")
      .Declare("batch-id", "", "batch id (default: the InfoCamere extraction id, else the file name)")
      .Declare("administration", "", "administration (default \"default\")");
  if (!ParseFlags(config, argc, argv, 2)) return 2;
  if (config.positional().size() != 1) return Usage();
  piao::cli::FeedImportOptions o;
  o.file = config.positional()[0];
  o.kind = config.Get("kind");
  o.mapping = config.Get("mapping");
  o.batch_id = config.Get("batch-id");
  o.administration = config.Get("administration");
  o.data_dir = piao::cli::ResolveDataDir(config.Get("data"));
  o.json = config.GetBool("json");
  absl::Status s = piao::cli::RunFeedImport(o);
  return s.ok() ? 0 : Fail(s);
}

int Risk(int argc, char** argv) {
  if (argc < 3) return Usage();
  const std::string verb = argv[2];
  Config config;
  config.Declare("year", "", "register year")
      .Declare("as-of", "", "date YYYY-MM-DD (end of that day)")
      .Declare("above", "0", "map: only processes rated above this severity (1 low .. 4 high)")
      .Declare("process", "", "history: the process code")
      .Declare("administration", "", "administration (default: the year's only register)");
  if (!ParseFlags(config, argc, argv, 2)) return 2;
  piao::cli::RiskOptions o;
  o.data_dir = piao::cli::ResolveDataDir(config.Get("data"));
  o.json = config.GetBool("json");
  o.administration = config.Get("administration");
  o.as_of = config.Get("as-of");
  o.process = config.Get("process");
  if (!YearFlag(config, &o.year)) return 1;
  auto above = config.GetInt("above");
  if (!above.ok()) return Fail(above.status());
  o.above = static_cast<int>(*above);
  absl::Status s;
  if (verb == "import") {
    if (config.positional().size() != 1) return Usage();
    o.file = config.positional()[0];
    s = piao::cli::RunRiskImport(o);
  } else if (verb == "map" && config.positional().empty()) {
    s = piao::cli::RunRiskMap(o);
  } else if (verb == "report" && config.positional().empty()) {
    s = piao::cli::RunRiskReport(o);
  } else if (verb == "history" && config.positional().empty()) {
    s = piao::cli::RunRiskHistory(o);
  } else {
    return Usage();
  }
  return s.ok() ? 0 : Fail(s);
}

}  // namespace

int main(int argc, char** argv) {
  piao::log::SetComponent("piao");
  piao::log::SetMinLevelWarning(true);
  if (argc < 2) return Usage();
  const std::string cmd = argv[1];
  if (cmd == "stack") return Stack(argc, argv);
  if (cmd == "smoke") return Smoke(argc, argv);
  if (cmd == "verify") return Verify(argc, argv);
  if (cmd == "anchor") return Anchor(argc, argv);
  if (cmd == "import") return Import(argc, argv);
  if (cmd == "revise") return Revise(argc, argv);
  if (cmd == "scores") return Scores(argc, argv);
  if (cmd == "history") return IndicatorCommand(argc, argv, piao::cli::RunHistory);
  if (cmd == "audit") return Audit(argc, argv);
  if (cmd == "report") return Report(argc, argv);
  if (cmd == "rebuild") return Rebuild(argc, argv);
  if (cmd == "feed") return Feed(argc, argv);
  if (cmd == "lineage") return IndicatorCommand(argc, argv, piao::cli::RunLineage);
  if (cmd == "risk") return Risk(argc, argv);
  if (cmd == "hr") return piao::cli::HrMain(argc, argv);
  if (cmd == "token") return piao::cli::TokenMain(argc, argv);
  if (cmd == "--help" || cmd == "help") {
    Usage();
    return 0;
  }
  std::fprintf(stderr, "piao: unknown command '%s'\n", cmd.c_str());
  return Usage();
}
