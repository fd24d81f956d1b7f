// piao-bench: every comparison of docs/BENCHMARKS.md in one run, starting what it compares itself (a throwaway
// PostgreSQL 15 cluster, the embedded Kafka mock cluster, the service processes of this build).
//
//   P1 library  durable appends: event store vs PostgreSQL vs raw RocksDB, batch 1/10/100 x 1/16 appenders
//   P1 gRPC     RecordActual through piao-measurement's command path vs PostgreSQL (batch 1, 1/16 clients)
//   relay       outbox relay vs a bare librdkafka producer
//   P2          projection applying from Kafka vs a bare consumer; rebuild of N and 2N events of a realistic mix
//   P3          scored tree of a 300-indicator plan vs a raw RocksDB scan of its records
//   P4          append acknowledged -> applied by the projection, under a steady write load
//   RSS         of planning, measurement and projection after the projection caught up with N events
//
// Usage: piao-bench [--json] [--seconds S] [--rebuild-events N] ...  (--help lists every setting)
// --json prints one JSON object; without it, Markdown tables with the ratios the targets are about.
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/base/config.h"
#include "libs/base/files.h"
#include "libs/base/log.h"
#include "nlohmann/json.hpp"
#include "tools/bench/append_bench.h"
#include "tools/bench/mix.h"
#include "tools/bench/pg_bench.h"
#include "tools/bench/projection_bench.h"
#include "tools/bench/relay_bench.h"
#include "tools/bench/services_bench.h"

namespace piao::bench {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

[[noreturn]] void Die(const std::string& what, const absl::Status& s) {
  std::fprintf(stderr, "piao-bench: %s: %s\n", what.c_str(), s.ToString().c_str());
  std::exit(1);
}

template <typename T>
T Must(const std::string& what, absl::StatusOr<T> v) {
  if (!v.ok()) Die(what, v.status());
  return *std::move(v);
}

void Progress(const std::string& what) {
  std::fprintf(stderr, "piao-bench: %s\n", what.c_str());
  std::fflush(stderr);
}

std::string FirstLine(const std::string& path, const std::string& prefix) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) {
      const size_t colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(colon + 2);
    }
  }
  return "";
}

json Machine() {
  json m;
  m["cpu"] = FirstLine("/proc/cpuinfo", "model name");
  m["cores"] = std::thread::hardware_concurrency();
  m["memory"] = FirstLine("/proc/meminfo", "MemTotal");
  m["os"] = FirstLine("/etc/os-release", "PRETTY_NAME=");
  char date[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&now));
  m["date"] = date;
  return m;
}

double Ratio(double a, double b) { return b > 0 ? a / b : 0; }

struct Settings {
  double seconds = 3;
  int relay_events = 200000;
  uint64_t p2_events = 8000;  // the mock cluster keeps a few MB per partition: a larger mix is not all retained
  uint64_t rebuild_events = 1000000;
  int tree_indicators = 300;
  int tree_repetitions = 50;
  double p4_seconds = 10;
  int p4_rate = 200;
};

json Run(const Settings& st, const fs::path& dir) {
  json out;
  out["machine"] = Machine();
  out["settings"] = {{"seconds", st.seconds},          {"relay_events", st.relay_events},
                     {"p2_events", st.p2_events},      {"rebuild_events", st.rebuild_events},
                     {"tree_indicators", st.tree_indicators}, {"p4_seconds", st.p4_seconds},
                     {"p4_rate", st.p4_rate}};

  Progress("starting PostgreSQL 15");
  std::unique_ptr<PgCluster> pg = Must("postgres", PgCluster::Start());
  json p1 = json::array();
  std::map<int, double> pg_batch1;
  for (int batch : {1, 10, 100}) {
    for (int appenders : {1, 16}) {
      Progress(absl::StrCat("P1 library: batch ", batch, ", ", appenders, " appenders"));
      json row;
      row["batch"] = batch;
      row["appenders"] = appenders;
      row["store"] = Must("store", BenchStore(dir / "store", batch, appenders, st.seconds));
      row["postgres"] = Must("postgres", BenchPostgres(*pg, batch, appenders, st.seconds));
      row["raw_rocksdb"] = Must("raw", BenchRawRocks(dir / "raw", batch, appenders, st.seconds));
      if (batch == 1) pg_batch1[appenders] = row["postgres"].get<double>();
      p1.push_back(row);
    }
  }
  out["p1_library"] = p1;
  pg.reset();

  json grpc = json::array();
  for (int clients : {1, 16}) {
    Progress(absl::StrCat("P1 gRPC: ", clients, " clients"));
    json row;
    row["batch"] = 1;
    row["appenders"] = clients;
    row["service"] = Must("grpc", BenchGrpcCommands(dir / "grpc", clients, st.seconds));
    row["postgres"] = pg_batch1[clients];
    grpc.push_back(row);
  }
  out["p1_grpc"] = grpc;

  Progress("relay");
  RelayResult relay = Must("relay", BenchRelay(dir / "relay", st.relay_events));
  out["relay"] = {{"events_per_s", relay.events_per_s}, {"raw_produce_per_s", relay.raw_produce_per_s}};

  Progress("P2: apply from Kafka");
  ApplyResult apply = Must("apply", BenchApply(dir / "apply", st.p2_events));
  out["p2"] = {{"apply_per_s", apply.apply_per_s}, {"raw_consume_per_s", apply.raw_consume_per_s}, {"events", apply.events}};

  json rebuild;
  json rss;
  for (uint64_t factor : {1, 2}) {
    const uint64_t n = st.rebuild_events * factor;
    Progress(absl::StrCat("P2: writing a mix of ", n, " events"));
    MixStores mix = Must("mix", WriteMix(dir / "mix", n));
    Progress(absl::StrCat("P2: rebuilding ", mix.events, " events"));
    const double s = Must("rebuild", BenchRebuild(dir / "views", mix));
    const char* field = factor == 1 ? "events_1m_s" : "events_2m_s";
    rebuild[field] = s;
    rebuild[factor == 1 ? "events_1m" : "events_2m"] = mix.events;
    rebuild[factor == 1 ? "administrations_1m" : "administrations_2m"] = mix.administrations;
    if (factor == 1) {
      const uint64_t planning_head = mix.planning->head().position.value();
      const uint64_t measurement_head = mix.measurement->head().position.value();
      mix = MixStores();  // closed: the services open them
      Progress("RSS: the services on the first mix");
      ServicesRss services = Must("services", MeasureServicesRss(dir / "mix", planning_head, measurement_head));
      for (const auto& [name, mib] : services.rss_mib) rss[name] = mib;
      rss["events"] = planning_head + measurement_head;
      rss["projection_catch_up_s"] = services.projection_catch_up_s;
    }
    mix = MixStores();
    fs::remove_all(dir / "mix");
  }
  out["rebuild"] = rebuild;

  Progress("P3: scored tree");
  TreeResult tree = Must("tree", BenchTree(dir / "tree", st.tree_indicators, st.tree_repetitions));
  out["p3"] = {{"tree_ms", tree.tree_ms},
               {"tree_uncached_ms", tree.tree_uncached_ms},
               {"raw_scan_ms", tree.raw_scan_ms},
               {"records", tree.records}};

  Progress("P4: freshness");
  FreshnessResult fresh = Must("freshness", BenchFreshness(dir / "fresh", st.p4_seconds, st.p4_rate));
  out["p4"] = {{"p50_ms", fresh.p50_ms}, {"p99_ms", fresh.p99_ms}, {"samples", fresh.samples}};
  out["rss_mib"] = rss;

  // The targets of issue 14, from this run.
  auto row = [&](int batch, int appenders) -> const json& {
    for (const json& r : out["p1_library"]) {
      if (r["batch"] == batch && r["appenders"] == appenders) return r;
    }
    return out["p1_library"][0];
  };
  const json& b1 = row(1, 16);
  const json& b100 = row(100, 16);
  const json& g16 = out["p1_grpc"][1];
  json targets = json::array();
  auto target = [&](const std::string& name, double value, double goal, bool at_most) {
    targets.push_back({{"target", name}, {"value", value}, {"goal", goal},
                       {"met", at_most ? value <= goal : value >= goal}});
  };
  target("p1_library store/postgres, batch 1, 16 appenders", Ratio(b1["store"], b1["postgres"]), 5, false);
  target("p1_library store/raw_rocksdb, batch 100, 16 appenders", Ratio(b100["store"], b100["raw_rocksdb"]), 0.5, false);
  target("p1_grpc service/postgres, batch 1, 16 clients", Ratio(g16["service"], g16["postgres"]), 3, false);
  target("relay events/raw produce", Ratio(relay.events_per_s, relay.raw_produce_per_s), 0.3, false);
  target("p2 apply/raw consume", Ratio(apply.apply_per_s, apply.raw_consume_per_s), 0.5, false);
  target("rebuild 2N/N", Ratio(rebuild["events_2m_s"], rebuild["events_1m_s"]), 2.2, true);
  target("p3 tree/raw scan", Ratio(tree.tree_ms, tree.raw_scan_ms), 5, true);
  target("p4 p99 ms", fresh.p99_ms, 50, true);
  out["targets"] = targets;
  return out;
}

void PrintMarkdown(const json& r) {
  std::printf("Machine: %s, %d cores, %s, %s; %s\n\n", r["machine"]["cpu"].get<std::string>().c_str(),
              r["machine"]["cores"].get<int>(), r["machine"]["memory"].get<std::string>().c_str(),
              r["machine"]["os"].get<std::string>().c_str(), r["machine"]["date"].get<std::string>().c_str());
  std::printf("| batch | appenders | store ev/s | PostgreSQL ev/s | raw RocksDB ev/s | store/PG | store/raw |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const json& x : r["p1_library"]) {
    const double s = x["store"], p = x["postgres"], w = x["raw_rocksdb"];
    std::printf("| %d | %d | %.0f | %.0f | %.0f | %.2f | %.2f |\n", x["batch"].get<int>(), x["appenders"].get<int>(), s,
                p, w, Ratio(s, p), Ratio(s, w));
  }
  std::printf("\n| gRPC clients | service ev/s | PostgreSQL ev/s | service/PG |\n|---:|---:|---:|---:|\n");
  for (const json& x : r["p1_grpc"]) {
    const double s = x["service"], p = x["postgres"];
    std::printf("| %d | %.0f | %.0f | %.2f |\n", x["appenders"].get<int>(), s, p, Ratio(s, p));
  }
  std::printf("\nrelay %.0f ev/s, raw produce %.0f ev/s\n", r["relay"]["events_per_s"].get<double>(),
              r["relay"]["raw_produce_per_s"].get<double>());
  std::printf("P2 apply %.0f ev/s, raw consume %.0f ev/s\n", r["p2"]["apply_per_s"].get<double>(),
              r["p2"]["raw_consume_per_s"].get<double>());
  std::printf("rebuild %s\n", r["rebuild"].dump().c_str());
  std::printf("P3 %s\nP4 %s\nRSS MiB %s\n\n", r["p3"].dump().c_str(), r["p4"].dump().c_str(), r["rss_mib"].dump().c_str());
  std::printf("| target | value | goal | met |\n|---|---:|---:|---|\n");
  for (const json& t : r["targets"]) {
    std::printf("| %s | %.2f | %.1f | %s |\n", t["target"].get<std::string>().c_str(), t["value"].get<double>(),
                t["goal"].get<double>(), t["met"].get<bool>() ? "yes" : "no");
  }
}

}  // namespace
}  // namespace piao::bench

int main(int argc, char** argv) {
  using namespace piao::bench;
  piao::Config config;
  config.Declare("dir", "", "scratch directory (removed); default: a new one from mkdtemp under $TMPDIR")
      .Declare("json", "false", "print one JSON object instead of Markdown tables")
      .Declare("seconds", "3", "seconds per throughput measurement (P1)")
      .Declare("relay-events", "200000", "events published by the relay measurement (at 20,000 the bare producer finishes in ~50 ms: too short to time)")
      .Declare("p2-events", "8000", "events of the mix applied from Kafka (P2 apply; the mock cluster drops a partition's oldest segments past a few MB, about 20,000 events of the mix)")
      .Declare("rebuild-events", "1000000", "events of the first rebuild (the second has twice as many)")
      .Declare("tree-indicators", "300", "indicators of the plan of P3")
      .Declare("tree-repetitions", "50", "queries of P3 (the p50 is reported)")
      .Declare("p4-seconds", "10", "seconds of steady write load of P4")
      .Declare("p4-rate", "200", "appends per second of P4's write load")
      .Declare("only-rebuild", "false",
               "only write a mix of --rebuild-events and rebuild it once (for profiling, e.g. under callgrind)")
      .Declare("only-relay", "false", "only run the relay measurement of --relay-events (for profiling)")
      .Declare("only-p2", "false", "only run the P2 apply measurement (--p2-events)")
      .Declare("only-p4", "false", "only run the P4 freshness measurement (--p4-seconds, --p4-rate)")
      .Declare("relay-trace", "false", "with --only-relay: print the relay's published/delivered counts every 2 ms");
  if (auto s = config.ParseFromProcess(argc, argv); !s.ok()) {
    std::fprintf(stderr, "%s\n%s", std::string(s.message()).c_str(), config.Usage().c_str());
    return 2;
  }
  Settings st;
  auto number = [&](const char* name, double* out) {
    if (!absl::SimpleAtod(config.Get(name), out) || *out <= 0) {
      std::fprintf(stderr, "--%s: a positive number\n", name);
      std::exit(2);
    }
  };
  double v = 0;
  number("seconds", &st.seconds);
  number("relay-events", &v), st.relay_events = static_cast<int>(v);
  number("p2-events", &v), st.p2_events = static_cast<uint64_t>(v);
  number("rebuild-events", &v), st.rebuild_events = static_cast<uint64_t>(v);
  number("tree-indicators", &v), st.tree_indicators = static_cast<int>(v);
  number("tree-repetitions", &v), st.tree_repetitions = static_cast<int>(v);
  number("p4-seconds", &st.p4_seconds);
  number("p4-rate", &v), st.p4_rate = static_cast<int>(v);
  fs::path dir = config.Get("dir");
  if (dir.empty()) {
    absl::StatusOr<std::string> made = piao::MakeTempDirectory("piao-bench-");
    if (!made.ok()) Die("scratch directory", made.status());
    dir = *made;
  }
  fs::create_directories(dir);
  if (config.GetBool("only-rebuild")) {
    MixStores mix = Must("mix", WriteMix(dir / "mix", st.rebuild_events));
    const double seconds = Must("rebuild", BenchRebuild(dir / "views", mix));
    std::printf("{\"events\": %llu, \"rebuild_s\": %.3f}\n", static_cast<unsigned long long>(mix.events), seconds);
    mix = MixStores();
    fs::remove_all(dir);
    return 0;
  }
  if (config.GetBool("only-relay")) {
    const RelayResult relay = Must("relay", BenchRelay(dir / "relay", st.relay_events, config.GetBool("relay-trace")));
    std::printf("{\"events_per_s\": %.1f, \"raw_produce_per_s\": %.1f}\n", relay.events_per_s,
                relay.raw_produce_per_s);
    fs::remove_all(dir);
    return 0;
  }
  if (config.GetBool("only-p2")) {
    const ApplyResult apply = Must("apply", BenchApply(dir / "apply", st.p2_events));
    std::printf("{\"events\": %llu, \"apply_per_s\": %.1f, \"raw_consume_per_s\": %.1f}\n",
                static_cast<unsigned long long>(apply.events), apply.apply_per_s, apply.raw_consume_per_s);
    fs::remove_all(dir);
    return 0;
  }
  if (config.GetBool("only-p4")) {
    const FreshnessResult fresh = Must("freshness", BenchFreshness(dir / "fresh", st.p4_seconds, st.p4_rate));
    std::printf("{\"p50_ms\": %.2f, \"p99_ms\": %.2f, \"samples\": %llu}\n", fresh.p50_ms, fresh.p99_ms,
                static_cast<unsigned long long>(fresh.samples));
    fs::remove_all(dir);
    return 0;
  }
  const json result = Run(st, dir);
  fs::remove_all(dir);
  if (config.GetBool("json")) {
    std::printf("%s\n", result.dump(2).c_str());
  } else {
    PrintMarkdown(result);
  }
  return 0;
}
