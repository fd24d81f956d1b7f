#include "tools/piao/cli_app.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/service/event_log_client.h"
#include "libs/service/roles.h"
#include "tools/piao/stack.h"

namespace piao::cli {
namespace {

using json = nlohmann::json;

// A command's failure: "piao: <status>" on stderr, exit code 1.
int Fail(const absl::Status& s) {
  std::fprintf(stderr, "piao: %s\n", s.ToString().c_str());
  return 1;
}
int Exit(const absl::Status& s) { return s.ok() ? 0 : Fail(s); }

// ---------------------------------------------------------------------------------------------------------
// Option helpers: the flags every command shares, integers and closed sets.

// An integer flag as piao has always read it (absl::SimpleAtoi: decimal, optional sign, blanks around), passed
// on to CLI11 without leading zeros so that its conversion (strtoll, base 0) never reads "010" as octal or
// "0x10" as hex; "" (`--year=`) stays "" and converts to 0, which the command then refuses as it always did.
CLI::Validator DecimalInt() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        if (value.empty()) return {};
        int64_t n = 0;
        if (!absl::SimpleAtoi(value, &n)) return absl::StrCat("must be an integer, got '", value, "'");
        value = std::to_string(n);
        return {};
      },
      "", "decimal");
}

CLI::Option* AddInt(CLI::App* cmd, const std::string& name, int& into, const std::string& help) {
  return cmd->add_option(name, into, help)->transform(DecimalInt());
}

// CLI::IsMember over `values`, letting "" through: an empty value (`--level=`) keeps meaning the default.
CLI::Validator OneOf(const std::vector<std::string>& values) {
  const CLI::Validator member = CLI::IsMember(values);  // as a plain Validator: IsMember copies greedily
  const std::string description = member.get_description();
  return CLI::Validator(
      [member](std::string& value) -> std::string { return value.empty() ? std::string() : member(value); },
      description, "one of");
}

CLI::Option* AddText(CLI::App* cmd, const std::string& name, std::string& into, const std::string& help,
                     const std::string& type = "TEXT") {
  return cmd->add_option(name, into, help)->type_name(type);
}

// A comma-separated list into `into`, split as piao always did: blank items skipped, each item trimmed (`trim`)
// or kept as given; a repeated flag's last value wins.
CLI::Option* AddList(CLI::App* cmd, const std::string& name, std::vector<std::string>& into, const std::string& help,
                     const std::string& type, bool trim) {
  return cmd
      ->add_option_function<std::string>(
          name,
          [&into, trim](const std::string& text) {
            into.clear();
            for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
              into.emplace_back(trim ? absl::StripAsciiWhitespace(item) : item);
            }
          },
          help)
      ->type_name(type);
}

void AddData(CLI::App* cmd, std::string& data_dir) {
  cmd->add_option("--data", data_dir, "the stack's data directory (default $PIAO_DATA, else ~/.local/share/piao)")
      ->type_name("DIR")
      ->envname("PIAO_DATA");
}

void AddJson(CLI::App* cmd, bool& json_flag, const std::string& help = "print one JSON object") {
  cmd->add_flag("--json", json_flag, help);
}

// --data, --json and the client TLS options: what every command talking to the stack takes.
void AddCommon(CLI::App* cmd, Commands& c, std::string& data_dir, bool& json_flag) {
  AddData(cmd, data_dir);
  AddJson(cmd, json_flag);
  AddClientTlsOptions(*cmd, c.client_tls);
}

const std::vector<std::string> kLevels = {"strategic", "operational", "individual"};

// The command's name from the root: "feed import".
std::string CommandPath(const CLI::App* cmd) {
  std::string path;
  for (; cmd != nullptr && cmd->get_parent() != nullptr; cmd = cmd->get_parent()) {
    path = path.empty() ? cmd->get_name() : absl::StrCat(cmd->get_name(), " ", path);
  }
  return path;
}

// Makes `cmd` a runnable command: once it is parsed (and only then: its options' environment fallbacks and
// callbacks run with it, never for the commands not given), the parse picks `run`.
void OnParsed(CLI::App* cmd, Commands& c, std::function<int()> run) {
  cmd->parse_complete_callback([cmd, &c, run = std::move(run)] {
    c.command = CommandPath(cmd);
    c.run = run;
  });
}

// The usual runnable command: `run` on a copy of the parsed `options` with its data directory resolved.
template <typename Options>
void OnParsedRun(CLI::App* cmd, Commands& c, const Options& options, absl::Status (*run)(const Options&)) {
  OnParsed(cmd, c, [&options, run] {
    Options o = options;
    o.data_dir = ResolveDataDir(o.data_dir);
    return Exit(run(o));
  });
}


// ---------------------------------------------------------------------------------------------------------
// The commands without a module of their own: stack and verify.

const char* ComponentState(const ComponentStatus& c) {
  if (!c.alive) return "DOWN";
  if (!c.healthy) return "unhealthy";
  return c.quarantined > 0 || c.parked > 0 ? "DEGRADED" : "healthy";
}

void PrintStatus(const std::vector<ComponentStatus>& status, bool as_json) {
  if (as_json) {
    json j = json::array();
    for (const auto& c : status) {
      json one = {{"name", c.name}, {"pid", c.pid}, {"alive", c.alive}, {"healthy", c.healthy},
                  {"address", c.address}, {"log", c.log}, {"state", ComponentState(c)}};
      if (c.quarantined > 0) one["quarantined"] = c.quarantined;
      if (c.parked > 0) one["parked"] = c.parked;
      if (!c.problem.empty()) one["problem"] = c.problem;
      if (!c.partitions.empty()) one["partitions"] = c.partitions;
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

int RunStackUp(const StackOptions& o) {
  const std::string dir = ResolveDataDir(o.data_dir);
  if (!o.bootstrap_servers.empty() && (!o.kafka.empty() || o.brokers > 0)) {
    return Fail(absl::InvalidArgumentError(
        "--bootstrap-servers uses an external cluster: --kafka and --brokers do not apply to it"));
  }
  StackKafka kafka;
  kafka.mode = !o.bootstrap_servers.empty() ? "external" : o.kafka;
  kafka.brokers = o.brokers;
  kafka.partitions = o.partitions;
  kafka.projections = o.projections;
  kafka.bootstrap = o.bootstrap_servers;
  // A real cluster's brokers start in seconds each; the mock in milliseconds.
  auto status = StackUp(dir, SelfDir(), absl::Seconds(kafka.mode == "apache" ? 180 : 60), o.tls, kafka);
  if (!status.ok()) return Fail(status.status());
  if (!o.json) {
    if (StackUsesTls(dir)) {
      std::printf("stack up with mutual TLS (certificates in %s/tls; Kafka plaintext on loopback), data in %s\n",
                  dir.c_str(), dir.c_str());
    } else {
      std::printf("stack up, data in %s\n", dir.c_str());
    }
  }
  PrintStatus(*status, o.json);
  return 0;
}

int RunStackDown(const StackOptions& o) {
  const std::string dir = ResolveDataDir(o.data_dir);
  absl::Status s = StackDown(dir);
  if (!s.ok()) return Fail(s);
  if (!o.json) std::printf("stack down (data kept in %s)\n", dir.c_str());
  return 0;
}

int RunStackStatus(const StackOptions& o) {
  auto status = StackStatus(ResolveDataDir(o.data_dir));
  if (!status.ok()) return Fail(status.status());
  PrintStatus(*status, o.json);
  bool all_up = true;
  for (const auto& c : *status) all_up &= c.healthy && c.quarantined == 0 && c.parked == 0;
  return all_up ? 0 : 3;
}

int RunVerify(const VerifyOptions& o) {
  const std::string dir = ResolveDataDir(o.data_dir);
  if (!o.anchor.empty()) {
    auto intact = RunVerifyAnchor({dir, o.anchor, o.public_key, o.json});
    if (!intact.ok()) return Fail(intact.status());
    return *intact ? 0 : 4;
  }
  if (!o.public_key.empty()) return Fail(absl::InvalidArgumentError("--public-key needs --anchor"));
  json out = json::array();
  bool all_intact = true;
  for (const std::string& name : StackServices()) {
    if (name == "projection") continue;  // derived views, no event store of its own
    auto conn = Connect(dir, name);
    if (!conn.ok()) return Fail(conn.status());
    auto r = service::VerifyChain({conn->channel, conn->token, absl::Minutes(10)});
    if (!r.ok()) return Fail(r.status());
    all_intact &= r->intact();
    out.push_back({{"service", name}, {"intact", r->intact()}, {"events_checked", r->events_checked()},
                   {"problem", r->problem()}});
    if (!o.json) {
      std::printf("%-12s %s (%llu events checked)%s%s\n", name.c_str(), r->intact() ? "intact" : "BROKEN",
                  static_cast<unsigned long long>(r->events_checked()), r->intact() ? "" : ": ",
                  r->problem().c_str());
    }
  }
  if (o.json) std::printf("%s\n", json{{"services", out}, {"intact", all_intact}}.dump().c_str());
  return all_intact ? 0 : 4;
}

// ---------------------------------------------------------------------------------------------------------
// The command tree.

void AddStack(CLI::App& app, Commands& c) {
  CLI::App* stack = app.add_subcommand("stack", "start, stop or inspect the local stack (broker and services on loopback)");
  stack->require_subcommand(1);

  CLI::App* up = stack->add_subcommand(
      "up", "starts whatever is not running (a crashed component on its existing data) and waits until every "
            "service answers its health check");
  AddCommon(up, c, c.stack_up.data_dir, c.stack_up.json);
  up->add_flag("--tls", c.stack_up.tls, "mutual TLS between every component (kept once on)");
  up->add_option("--kafka", c.stack_up.kafka,
                 "mock: librdkafka's mock cluster in piao-broker (default); apache: a KRaft cluster of real Apache "
                 "Kafka brokers on loopback (jars from tools/dev deps)")
      ->check(CLI::IsMember({"mock", "apache"}));
  up->add_option("--brokers", c.stack_up.brokers, "--kafka apache: how many brokers (default 1)")
      ->check(CLI::Range(1, 9));
  up->add_option("--partitions", c.stack_up.partitions,
                 "partitions of every event topic, the services' --kafka-partitions (default 3)")
      ->check(CLI::Range(1, 1000));
  up->add_option("--projections", c.stack_up.projections,
                 "projection members splitting the partitions (default 1; at most --partitions)")
      ->check(CLI::Range(1, 1000));
  up->add_option("--bootstrap-servers", c.stack_up.bootstrap_servers,
                 "use the external Kafka cluster at HOST:PORT,... (no broker started; topics created if missing)");
  up->footer(
      "--tls: a local CA and per-component certificates made once in DIR/tls (openssl); every command then uses\n"
      "it unchanged. A later `stack up` without --tls keeps TLS on that data dir. Kafka (embedded or Apache)\n"
      "stays plaintext on loopback.\n"
      "--kafka, --brokers, --partitions, --bootstrap-servers are recorded on the first `stack up` of a data dir and\n"
      "kept by later ones (a contradicting one is refused: stack down and use another --data).");
  OnParsed(up, c, [&c] { return RunStackUp(c.stack_up); });

  CLI::App* down = stack->add_subcommand("down", "stops the services (they flush their outboxes), then the broker; "
                                                 "the data stays");
  AddCommon(down, c, c.stack_down.data_dir, c.stack_down.json);
  OnParsed(down, c, [&c] { return RunStackDown(c.stack_down); });

  CLI::App* status = stack->add_subcommand("status", "what runs where; exits 3 unless every component is healthy");
  AddCommon(status, c, c.stack_status.data_dir, c.stack_status.json);
  OnParsed(status, c, [&c] { return RunStackStatus(c.stack_status); });
}

void AddSmoke(CLI::App& app, Commands& c) {
  CLI::App* cmd = app.add_subcommand(
      "smoke", "pushes a small workload through the running stack and checks each guarantee end to end");
  AddCommon(cmd, c, c.smoke.data_dir, c.smoke.json);
  AddInt(cmd, "--plans", c.smoke.plans, "number of CreatePlan commands")->capture_default_str();
  OnParsed(cmd, c, [&c] {
    SmokeOptions o = c.smoke;
    if (o.plans < 1) return Fail(absl::InvalidArgumentError("--plans must be a positive integer"));
    o.data_dir = ResolveDataDir(o.data_dir);
    return Exit(RunSmoke(o));
  });
}

void AddVerify(CLI::App& app, Commands& c) {
  CLI::App* cmd = app.add_subcommand(
      "verify",
      "re-checks every service's hash chain; with --anchor, also that each anchored event is still there "
      "unchanged (the anchor's signature is checked with DIR/anchor.pub or --public-key first). Exits 4 when a "
      "chain is broken.");
  AddCommon(cmd, c, c.verify.data_dir, c.verify.json);
  AddText(cmd, "--anchor", c.verify.anchor, "an anchor file written by `piao anchor`: also check every anchored head",
          "FILE");
  AddText(cmd, "--public-key", c.verify.public_key, "with --anchor: the trusted public key (default DIR/anchor.pub)",
          "FILE");
  OnParsed(cmd, c, [&c] { return RunVerify(c.verify); });
}

void AddAnchor(CLI::App& app, Commands& c) {
  CLI::App* cmd = app.add_subcommand(
      "anchor", "every write service's chain head, signed with DIR/anchor.key (created 0600 on first use); keep "
                "the file and DIR/anchor.pub away from this machine");
  AddCommon(cmd, c, c.anchor.data_dir, c.anchor.json);
  AddText(cmd, "--out", c.anchor.out, "write the anchor to FILE (default: standard output)", "FILE");
  AddText(cmd, "--key", c.anchor.key, "the Ed25519 private key file (default DIR/anchor.key; its .pub beside it)",
          "FILE");
  OnParsedRun(cmd, c, c.anchor, RunAnchor);
}

void AddImport(CLI::App& app, Commands& c) {
  CLI::App* cmd = app.add_subcommand(
      "import",
      "SCHEMA.md plan/results files: adopts their objectives under the file's \"approved\" act (or "
      "--act/--act-date) and records their actuals as year-end actuals. The administration is the file's, else "
      "--administration, else \"default\". Re-importing the same file is a no-op.");
  cmd->add_option("FILE", c.import.files, "plan or results files (SCHEMA.md), imported in order")
      ->required()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  AddCommon(cmd, c, c.import.data_dir, c.import.json);
  AddText(cmd, "--administration", c.import.flags.administration,
          "administration, when the file names none (else \"default\")");
  AddText(cmd, "--act", c.import.flags.act, "approval act text, when the file has no \"approved\"");
  AddText(cmd, "--act-date", c.import.flags.act_date, "approval act date YYYY-MM-DD, with --act", "DATE");
  AddText(cmd, "--period", c.import.flags.period,
          "the actuals' period: year-end (default) or a monitoring date YYYY-MM-DD");
  OnParsedRun(cmd, c, c.import, RunImport);
}

void AddRevise(CLI::App& app, Commands& c) {
  CLI::App* cmd =
      app.add_subcommand("revise", "a revisions file: one revision act per act named in it, all or nothing per act");
  cmd->add_option("FILE", c.revise.file, "the revisions file")->required();
  AddCommon(cmd, c, c.revise.data_dir, c.revise.json);
  AddText(cmd, "--administration", c.revise.flags.administration,
          "administration, when the file names none (else \"default\")");
  AddInt(cmd, "--year", c.revise.flags.year, "plan year, when the file has none");
  OnParsedRun(cmd, c, c.revise, RunRevise);
}

void AddScores(CLI::App& app, Commands& c) {
  CLI::App* cmd = app.add_subcommand(
      "scores", "the scored performance tree of a year: enterprise, units, owners, objectives and indicators");
  ScoresOptions& o = c.scores;
  AddCommon(cmd, c, o.data_dir, o.json);
  AddInt(cmd, "--year", o.year, "plan year");
  AddText(cmd, "--as-of", o.as_of, "valid date YYYY-MM-DD: the definitions in force that day (default: latest)",
          "DATE");
  AddText(cmd, "--as-of-record", o.as_of_record, "record time (RFC 3339): what the system showed then (default: now)",
          "TIME");
  AddText(cmd, "--basis", o.basis, "revised (default) or approved")->transform(OneOf({"approved", "revised"}));
  AddText(cmd, "--period", o.period,
          "year-end (default) or a monitoring date YYYY-MM-DD: score that monitoring's actuals");
  AddText(cmd, "--level", o.level, "only objectives of this level: strategic | operational | individual")
      ->transform(OneOf(kLevels));
  AddText(cmd, "--administration", o.administration, "administration (default: the year's only plan)");
  OnParsedRun(cmd, c, c.scores, RunScores);
}

// history and lineage: the same flags, the same option fields.
template <typename Options>
void AddIndicatorCommand(CLI::App& app, Commands& c, const std::string& name, const std::string& description,
                         Options& o, absl::Status (*run)(const Options&)) {
  CLI::App* cmd = app.add_subcommand(name, description);
  AddCommon(cmd, c, o.data_dir, o.json);
  AddInt(cmd, "--year", o.year, "plan year");
  AddText(cmd, "--objective", o.objective, "objective code", "CODE");
  AddText(cmd, "--indicator", o.indicator, "indicator code (case-sensitive)", "CODE");
  AddText(cmd, "--level", o.level, "strategic | operational | individual, when the code is at several levels")
      ->transform(OneOf(kLevels));
  AddText(cmd, "--scope", o.scope, "the unit or owner, when the code is in several");
  AddText(cmd, "--administration", o.administration, "administration (default: the year's only plan)");
  OnParsedRun(cmd, c, o, run);
}

void AddAudit(CLI::App& app, Commands& c) {
  CLI::App* cmd = app.add_subcommand(
      "audit",
      "every change of the year (adoptions, revisions, actuals, corrections) with actor, act, valid and record "
      "time; --from/--to take an RFC 3339 time or a date (that whole day, UTC)");
  AuditOptions& o = c.audit;
  o.page = 1;  // piao's default (AuditOptions leaves it 0)
  AddCommon(cmd, c, o.data_dir, o.json);
  AddInt(cmd, "--year", o.year, "plan year");
  AddText(cmd, "--actor", o.actor, "only changes by this principal (e.g. user:planner)");
  AddText(cmd, "--from", o.from, "recorded at or after: RFC 3339 time or YYYY-MM-DD", "TIME");
  AddText(cmd, "--to", o.to, "recorded at or before: RFC 3339 time or YYYY-MM-DD (that whole day)", "TIME");
  AddText(cmd, "--objective", o.objective, "only changes of this objective code", "CODE");
  AddText(cmd, "--indicator", o.indicator, "only changes of this indicator code", "CODE");
  AddText(cmd, "--process", o.process, "only risk changes naming this process code", "CODE");
  AddList(cmd, "--service", o.services, "only these services, comma-separated: planning, measurement, risk, hr",
          "S,...", /*trim=*/true);
  AddList(cmd, "--kind", o.kinds,
          "only these kinds of change, comma-separated (target, threshold, actual, risk-assessment-recorded, ...)",
          "K,...", /*trim=*/true);
  AddText(cmd, "--valid-from", o.valid_from, "valid on or after YYYY-MM-DD", "DATE");
  AddText(cmd, "--valid-to", o.valid_to, "valid on or before YYYY-MM-DD", "DATE");
  AddInt(cmd, "--page-size", o.page_size, "entries per page (0: all)")->capture_default_str();
  AddInt(cmd, "--page", o.page, "page number, from 1")->capture_default_str();
  AddText(cmd, "--administration", o.administration, "administration (default: the year's only plan)");
  OnParsedRun(cmd, c, c.audit, RunAudit);
}

void AddRebuild(CLI::App& app, Commands& c) {
  CLI::App* cmd =
      app.add_subcommand("rebuild", "rebuilds the projection's views from zero (progress bar on a terminal)");
  AddCommon(cmd, c, c.rebuild.data_dir, c.rebuild.json);
  OnParsedRun(cmd, c, c.rebuild, RunRebuild);
}

void AddReport(CLI::App& app, Commands& c) {
  CLI::App* report = app.add_subcommand("report", "the reports a PA publishes (standard output unless --out)");
  report->require_subcommand(1);
  struct Kind {
    const char* name;
    const char* description;
    ReportOptions* options;
    std::vector<std::string> formats;
  };
  const std::vector<Kind> kinds = {
      {"relazione", "the Relazione sulla performance", &c.report_relazione, {"html", "md", "csv"}},
      {"tree", "the performance tree (albero della performance)", &c.report_tree, {"svg", "png"}},
      {"risk", "the anti-corruption risk register: map, measures, RPCT figures", &c.report_risk, {"html", "csv"}},
      {"hr", "the workforce plan: establishment, staff, capacity, budget", &c.report_hr, {"html", "csv"}},
  };
  for (const Kind& k : kinds) {
    CLI::App* cmd = report->add_subcommand(k.name, k.description);
    ReportOptions& o = *k.options;
    o.kind = k.name;
    AddData(cmd, o.data_dir);
    AddJson(cmd, c.report_json, "accepted, no effect: a report is printed in its --format");
    AddClientTlsOptions(*cmd, c.client_tls);
    AddInt(cmd, "--year", o.year, "plan year");
    AddText(cmd, "--format", o.format, "the report's format: " + absl::StrJoin(k.formats, " | "))
        ->transform(OneOf(k.formats));
    AddText(cmd, "--as-of", o.as_of, "valid date YYYY-MM-DD (default: latest)", "DATE");
    AddText(cmd, "--period", o.period, "relazione, tree: year-end (default) or a monitoring date YYYY-MM-DD");
    AddText(cmd, "--out", o.out, "write to FILE instead of standard output", "FILE");
    AddText(cmd, "--administration", o.administration, "administration (default: the year's only plan)");
    OnParsedRun(cmd, c, o, RunReport);
  }
}

void AddFeed(CLI::App& app, Commands& c) {
  CLI::App* feed = app.add_subcommand("feed", "the accounting system's and InfoCamere's feeds, and the formulas they feed");
  feed->require_subcommand(1);

  CLI::App* import = feed->add_subcommand(
      "import", "a feed batch (validated whole first); then the plans' formulas compute the actuals they can");
  FeedImportOptions& fi = c.feed_import;
  import->add_option("FILE", fi.file, "the batch file")->required();
  AddCommon(import, c, fi.data_dir, fi.json);
  AddText(import, "--kind", fi.kind, "accounting | infocamere")->transform(OneOf({"accounting", "infocamere"}));
  AddText(import, "--mapping", fi.mapping, "mapping file item_code,variable,unit (required for accounting)", "FILE");
  AddText(import, "--batch-id", fi.batch_id, "batch id (default: the InfoCamere extraction id, else the file name)",
          "ID");
  AddText(import, "--administration", fi.administration, "administration (default \"default\")");
  OnParsedRun(import, c, c.feed_import, RunFeedImport);

  CLI::App* compute = feed->add_subcommand(
      "compute", "evaluates the plan's formulas on the variables recorded (import and revise do it too)");
  FeedComputeOptions& fc = c.feed_compute;
  AddCommon(compute, c, fc.data_dir, fc.json);
  AddInt(compute, "--year", fc.year, "plan year");
  AddText(compute, "--administration", fc.administration, "administration (default \"default\")");
  OnParsedRun(compute, c, c.feed_compute, RunFeedCompute);
}

void AddRisk(CLI::App& app, Commands& c) {
  CLI::App* risk = app.add_subcommand("risk", "the anti-corruption risk register (docs/RISK_FORMAT.md)");
  risk->require_subcommand(1);
  struct Verb {
    const char* name;
    const char* description;
    RiskOptions* options;
    absl::Status (*run)(const RiskOptions&);
  };
  const std::vector<Verb> verbs = {
      {"import", "the risk register file (docs/RISK_FORMAT.md), validated whole first", &c.risk_import,
       RunRiskImport},
      {"map", "the year's risk map: processes by severity, overdue measures", &c.risk_map, RunRiskMap},
      {"report", "the RPCT's annual report figures", &c.risk_report, RunRiskReport},
      {"history", "one process's assessments and measures over time", &c.risk_history, RunRiskHistory},
  };
  // Every verb takes every flag (unused ones are ignored), as `piao risk` always did.
  for (const Verb& v : verbs) {
    CLI::App* cmd = risk->add_subcommand(v.name, v.description);
    RiskOptions& o = *v.options;
    if (v.options == &c.risk_import) cmd->add_option("FILE", o.file, "the risk register file")->required();
    AddCommon(cmd, c, o.data_dir, o.json);
    AddInt(cmd, "--year", o.year, "register year");
    AddText(cmd, "--as-of", o.as_of, "date YYYY-MM-DD (end of that day)", "DATE");
    AddInt(cmd, "--above", o.above, "map: only processes rated above this severity (1 low .. 4 high)");
    AddText(cmd, "--process", o.process, "history: the process code", "CODE");
    AddText(cmd, "--administration", o.administration, "administration (default: the year's only register)");
    OnParsedRun(cmd, c, o, v.run);
  }
}

void AddHr(CLI::App& app, Commands& c) {
  CLI::App* hr = app.add_subcommand("hr", "the workforce plan (docs/HR_FORMAT.md)");
  hr->require_subcommand(1);

  CLI::App* import =
      hr->add_subcommand("import", "an HR file (docs/HR_FORMAT.md): establishment, staff, leaves, budget, agile work");
  HrImportOptions& hi = c.hr_import;
  import->add_option("FILE", hi.file, "the HR file")->required();
  AddCommon(import, c, hi.data_dir, hi.json);
  AddText(import, "--administration", hi.administration, "administration, when the file names none");
  OnParsedRun(import, c, c.hr_import, RunHrImport);

  CLI::App* summary = hr->add_subcommand(
      "summary", "the year's derived figures: capacity, vacancies, budget, agile work, the link to performance pay");
  HrSummaryOptions& hs = c.hr_summary;
  AddCommon(summary, c, hs.data_dir, hs.json);
  AddInt(summary, "--year", hs.year, "PIAO year");
  AddText(summary, "--as-of", hs.as_of, "reference date YYYY-MM-DD (default Dec 31 of year - 1)", "DATE");
  AddList(summary, "--vacancy-dates", hs.vacancy_dates,
          "dates of the vacancy table, comma separated (default: the year's settings)", "D,...", /*trim=*/false);
  AddText(summary, "--administration", hs.administration, "administration, when several");
  OnParsedRun(summary, c, c.hr_summary, RunHrSummary);
}

// "OBJECTIVE=TEXT", repeatable (every occurrence kept, unlike the other flags).
CLI::Option* AddRemarks(CLI::App* cmd, const std::string& name, std::vector<std::string>& into,
                        const std::string& help) {
  return cmd->add_option(name, into, help)
      ->type_name("OBJECTIVE=TEXT")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false);
}

void AddOiv(CLI::App& app, Commands& c) {
  CLI::App* oiv = app.add_subcommand(
      "oiv", "the OIV's acts: validation of the Relazione, monitoring reports, transparency attestation, SG "
             "evaluation proposal (role oiv only); each supersedes the earlier one, which stays in the record");
  oiv->require_subcommand(1);
  auto common = [&c](CLI::App* cmd, OivOptions& o) {
    AddCommon(cmd, c, o.data_dir, o.json);
    AddInt(cmd, "--year", o.year, "plan year");
    AddText(cmd, "--administration", o.administration, "administration (default: the year's only plan)");
  };
  auto act = [&](CLI::App* cmd, OivOptions& o) {
    common(cmd, o);
    AddText(cmd, "--date", o.date, "the act's date YYYY-MM-DD (default: today)", "DATE");
    AddText(cmd, "--document", o.document, "the signed document: its SHA-256 and file name are recorded", "FILE");
  };

  CLI::App* validate = oiv->add_subcommand("validate", "the OIV's validation of the year's Relazione sulla performance");
  OivOptions& v = c.oiv_validate;
  act(validate, v);
  AddText(validate, "--outcome", v.outcome, "validated | validated-with-remarks | not-validated")
      ->transform(OneOf({"validated", "validated-with-remarks", "not-validated"}));
  AddText(validate, "--motivation", v.motivation, "the motivation (required)");
  AddRemarks(validate, "--remark", v.remarks, "a remark on an objective of the plan (repeatable)");
  AddRemarks(validate, "--deviation-remark", v.deviation_remarks,
             "a remark answering the deviation recorded for that objective (repeatable)");
  OnParsedRun(validate, c, v, RunOivValidate);

  CLI::App* report = oiv->add_subcommand("monitoring-report", "a monitoring report on the plan's progress to the Giunta");
  OivOptions& m = c.oiv_monitoring_report;
  act(report, m);
  AddText(report, "--period", m.period, "the monitoring period: a date YYYY-MM-DD of the year", "DATE");
  AddText(report, "--summary", m.summary, "what the report says (required)");
  AddText(report, "--addressee", m.addressee, "to whom (default Giunta)");
  AddRemarks(report, "--remark", m.remarks, "a remark on an objective of the plan (repeatable)");
  OnParsedRun(report, c, m, RunOivMonitoringReport);

  CLI::App* attest = oiv->add_subcommand("attest", "the annual transparency attestation grid (ANAC)");
  OivOptions& a = c.oiv_attest;
  act(attest, a);
  AddText(attest, "--file", a.file,
          "the grid (JSON: date, survey_date, notes, obligations[{obligation, section, published, completeness, "
          "update, open_format, notes}])",
          "GRID.json");
  OnParsedRun(attest, c, a, RunOivAttest);

  CLI::App* propose = oiv->add_subcommand("propose-sg-evaluation", "the proposal for the Segretario generale's evaluation");
  OivOptions& p = c.oiv_propose_sg;
  act(propose, p);
  AddText(propose, "--evaluated", p.evaluated, "the Segretario generale, as named (required)", "NAME");
  AddText(propose, "--proposal", p.proposal, "the motivated proposal (required)");
  AddText(propose, "--score", p.score, "the proposed score, 0-100", "PCT");
  OnParsedRun(propose, c, p, RunOivProposeSgEvaluation);

  CLI::App* status = oiv->add_subcommand(
      "status", "the validation in force with its remarks, the earlier ones, reports, attestation, SG proposal and "
                "the deviations per objective, as of a date");
  OivOptions& s = c.oiv_status;
  common(status, s);
  AddText(status, "--as-of", s.as_of, "the acts dated on or before YYYY-MM-DD (default: all)", "DATE");
  OnParsedRun(status, c, s, RunOivStatus);
}

void AddDeviation(CLI::App& app, Commands& c) {
  CLI::App* deviation = app.add_subcommand(
      "deviation", "the planning office's causes of deviation and corrective measures, per objective, for the Relazione");
  deviation->require_subcommand(1);
  CLI::App* record = deviation->add_subcommand("record", "states (or restates) one objective's deviation");
  OivOptions& o = c.deviation_record;
  AddCommon(record, c, o.data_dir, o.json);
  AddInt(record, "--year", o.year, "plan year");
  AddText(record, "--administration", o.administration, "administration (default: the year's only plan)");
  AddText(record, "--objective", o.objective, "the objective code", "CODE");
  AddText(record, "--causes", o.causes, "the causes of the deviation (required)");
  AddText(record, "--measures", o.measures, "the corrective measures (required)");
  AddText(record, "--date", o.date, "the statement's date YYYY-MM-DD (default: today)", "DATE");
  OnParsedRun(record, c, o, RunDeviationRecord);
}

void AddToken(CLI::App& app, Commands& c) {
  CLI::App* token = app.add_subcommand(
      "token", "bearer tokens in DIR/tokens, which every service of the stack re-reads when it changes");
  token->require_subcommand(1);
  const std::string principal_help = "who the token is for, e.g. user:m.rossi";

  CLI::App* issue = token->add_subcommand(
      "issue", "prints a new bearer token alone on stdout (the services accept it within seconds); without "
               "--administration the roles apply to every administration");
  AddData(issue, c.token_issue.data_dir);
  AddJson(issue, c.token_issue.json, "accepted, no effect: the token is printed alone");
  AddText(issue, "--principal", c.token_issue.principal, principal_help, "P");
  AddText(issue, "--roles", c.token_issue.roles,
          "comma-separated roles: " + absl::StrJoin(service::roles::kAll, ", "), "R1,R2");
  AddText(issue, "--administration", c.token_issue.administration,
          "comma-separated administrations the roles apply to ('*' or empty: all)", "A[,B...]|*");
  OnParsedRun(issue, c, c.token_issue, RunTokenIssue);

  CLI::App* revoke = token->add_subcommand("revoke", "removes every token of the principal");
  AddData(revoke, c.token_revoke.data_dir);
  AddJson(revoke, c.token_revoke.json);
  AddText(revoke, "--principal", c.token_revoke.principal, principal_help, "P");
  OnParsedRun(revoke, c, c.token_revoke, RunTokenRevoke);

  CLI::App* list = token->add_subcommand("list", "principal, roles and administrations of every token; never a hash");
  AddData(list, c.token_list.data_dir);
  AddJson(list, c.token_list.json);
  OnParsedRun(list, c, c.token_list, RunTokenList);
}

// `--name=` hands the option an empty value, as piao always did (CLI11 alone would take the next argument).
std::vector<std::string> Arguments(int argc, const char* const* argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.size() > 3 && arg.rfind("--", 0) == 0 && arg.back() == '=' && arg.find('=') == arg.size() - 1) {
      args.push_back(arg.substr(0, arg.size() - 1));
      args.emplace_back();
    } else {
      args.push_back(arg);
    }
  }
  return args;
}

bool IsCommand(const CLI::App& app, const std::string& name) {
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->check_name(name)) return true;
  }
  return false;
}

}  // namespace

void AddClientTlsOptions(CLI::App& command, service::ChannelOptions& tls) {
  command
      .add_option("--tls-ca", tls.tls_ca_file,
                  "client TLS: PEM CA bundle that signed the servers' certificates (default: the stack's record)")
      ->type_name("FILE")
      ->envname("PIAO_TLS_CA");
  command.add_option("--tls-client-cert", tls.tls_client_cert_file,
                     "client TLS: PEM certificate presented to servers requiring mTLS")
      ->type_name("FILE")
      ->envname("PIAO_TLS_CLIENT_CERT");
  command.add_option("--tls-client-key", tls.tls_client_key_file, "client TLS: the private key of --tls-client-cert")
      ->type_name("FILE")
      ->envname("PIAO_TLS_CLIENT_KEY");
  command.add_option("--tls-server-name", tls.tls_server_name,
                     "client TLS: name checked in the server certificate (default: the host)")
      ->type_name("NAME")
      ->envname("PIAO_TLS_SERVER_NAME");
}

std::unique_ptr<CLI::App> MakeApp(Commands& c) {
  auto app = std::make_unique<CLI::App>(
      "PIAO Ledger's command-line client. Every command finds the stack through --data DIR or $PIAO_DATA "
      "(default ~/.local/share/piao).",
      "piao");
  // Set before any sub-command is added: they inherit both.
  app->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // a repeated flag: the last
  app->get_formatter()->column_width(40);
  app->require_subcommand(1);

  AddStack(*app, c);
  AddSmoke(*app, c);
  AddVerify(*app, c);
  AddAnchor(*app, c);
  AddImport(*app, c);
  AddRevise(*app, c);
  AddScores(*app, c);
  AddIndicatorCommand(*app, c, "history", "the versions of one indicator: its definitions, revisions and actuals",
                      c.history, RunHistory);
  AddAudit(*app, c);
  AddRebuild(*app, c);
  AddReport(*app, c);
  AddFeed(*app, c);
  AddIndicatorCommand(*app, c, "lineage",
                      "score <- grade <- actual <- formula version <- variable values <- feed batch and rows",
                      c.lineage, RunLineage);
  AddRisk(*app, c);
  AddHr(*app, c);
  AddOiv(*app, c);
  AddDeviation(*app, c);
  AddToken(*app, c);
  // After the sub-commands: they would inherit it.
  app->footer(
      "Every command but `token` also takes --tls-ca FILE [--tls-client-cert FILE --tls-client-key FILE]\n"
      "[--tls-server-name N] (or PIAO_TLS_CA, PIAO_TLS_CLIENT_CERT, ...): they replace the client TLS settings\n"
      "the stack recorded.\n"
      "Run `piao COMMAND [SUBCOMMAND] --help` for a command's options.");
  return app;
}

std::optional<int> ParseCommandLine(CLI::App& app, int argc, const char* const* argv, std::ostream& out,
                                    std::ostream& err) {
  if (argc < 2) {
    err << app.help();
    return 2;
  }
  const std::string first = argv[1];
  if (first == "help") {
    out << app.help();
    return 0;
  }
  if (first != "--help" && first != "-h" && !IsCommand(app, first)) {  // options come after the command
    err << "piao: unknown command '" << first << "'\n" << app.help();
    return 2;
  }
  std::vector<std::string> args = Arguments(argc, argv);
  std::reverse(args.begin(), args.end());  // CLI11 takes them last first
  try {
    app.parse(std::move(args));
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {  // --help
      app.exit(e, out, err);
      return 0;
    }
    // The deepest command reached, to point at its help; a command group without its sub-command gets its list.
    const CLI::App* at = &app;
    std::string path = "piao";
    while (!at->get_subcommands().empty()) {
      at = at->get_subcommands().front();
      path += " " + at->get_name();
    }
    if (at != &app && at->get_require_subcommand_min() > 0 && at->get_subcommands().empty()) {
      // A command group without (a known) one of its sub-commands: which it did not know, and its list.
      const std::vector<std::string> rest = at->remaining();
      if (!rest.empty() && !rest.front().empty() && rest.front()[0] != '-') {
        err << "piao: unknown command '" << path << " " << rest.front() << "'\n";
      } else {
        err << "piao: " << e.what() << "\n";
      }
      err << at->help(path.substr(0, path.rfind(' ')));
    } else {
      err << "piao: " << e.what() << "\n";
      err << "Run `" << path << " --help` for the options.\n";
    }
    return 2;
  }
  return std::nullopt;
}

int ParseAndRun(CLI::App& app, Commands& commands, int argc, const char* const* argv) {
  if (std::optional<int> code = ParseCommandLine(app, argc, argv, std::cout, std::cerr); code.has_value()) {
    return *code;
  }
  if (!commands.run) {  // the tree requires a command: not reached
    std::cerr << app.help();
    return 2;
  }
  SetClientTlsOverrides(commands.client_tls);
  return commands.run();
}

}  // namespace piao::cli
