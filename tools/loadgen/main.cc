// piao-loadgen: many administrations through the gRPC write path (issue 13 §4), on a stack it starts itself
// (`piao stack up --kafka apache` with --brokers, --partitions, --projections) or on one already running.
//
// Every administration adopts, for each year, a plan of --indicators indicators (ten per operational
// objective), then records each indicator's actual for each of --months monthly monitoring dates (the last
// one as the year-end figure). Clients own whole administrations (an administration's actuals of a year are
// one stream: one writer each, as an integration feed would be), round robin, so the load covers every
// partition. Every --sample-every-th actual is read back through the projection with read-your-writes
// (GetIndicatorHistory waiting for measurement's acknowledged position): acknowledged -> visible.
//
// It prints one JSON object:
//   writes      commands acknowledged, events written, seconds, commands/s
//   apply       events the members applied, seconds from the first write until every lane was caught up,
//               events/s (the projection's throughput, whatever the write path)
//   visible     ack -> visible p50/p99/max in ms, samples
//   catch_up    a member's views deleted and the member restarted (a member joining from nothing): seconds
//               until every lane is caught up again, events it applied
//   disk        bytes of the stores, the views of every member and the brokers' logs; per administration
//
//   piao-loadgen --data DIR [--administrations 100] [--indicators 300] [--months 12] [--years 3]
//                [--clients 8] [--brokers 3] [--partitions 6] [--projections 1] [--sample-every 50]
//                [--bin-dir DIR] [--keep true]
//
// `tools/dev scale` runs it for 1, 2 and 3 members; the test suite runs a small one (loadgen_e2e_test).
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "libs/base/config.h"
#include "libs/base/process.h"
#include "libs/base/status_macros.h"
#include "libs/service/client.h"
#include "libs/service/grpc_status.h"
#include "piao/v1/event_log.grpc.pb.h"
#include "piao/v1/measurement.grpc.pb.h"
#include "piao/v1/planning.grpc.pb.h"
#include "piao/v1/projection.grpc.pb.h"
#include "tools/piao/stack.h"
#include "tools/piao/stack_progress.h"

namespace piao::loadgen {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct Shape {
  int administrations = 0;
  int indicators = 0;
  int months = 0;
  int years = 0;
  int first_year = 2024;
};

std::string Administration(int a) { return absl::StrFormat("PA-%03d", a); }
std::string Objective(int i) { return absl::StrFormat("OO%02d", i / 10 + 1); }
std::string Indicator(int i) { return absl::StrFormat("I%03d", i + 1); }
// The monitoring date of month m (1-based) of `year`; the last month's figure is the year-end one.
std::string Period(int year, int m, int months) {
  if (m == months) return "year-end";
  static const int kLastDay[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return absl::StrFormat("%04d-%02d-%02d", year, m, kLastDay[m - 1]);
}

bool Retryable(const grpc::Status& s) {
  return s.error_code() == grpc::StatusCode::UNAVAILABLE || s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
         s.error_code() == grpc::StatusCode::ABORTED;
}

// Calls `call` (a fresh context each time) until it answers or fails for good.
template <typename Call>
absl::Status WithRetries(Call call) {
  for (int attempt = 0;; ++attempt) {
    grpc::Status s = call();
    if (s.ok()) return absl::OkStatus();
    if (!Retryable(s) || attempt >= 50) return service::FromGrpcStatus(s);
    absl::SleepFor(absl::Milliseconds(100));
  }
}

// One administration's plan of a year: operational objectives of ten indicators each, every indicator a
// ">= 100" target with a soglia of 50.
v1::AdoptObjectivesRequest PlanRequest(const Shape& shape, int a, int year) {
  v1::AdoptObjectivesRequest req;
  req.mutable_meta()->set_idempotency_key(absl::StrCat("loadgen-adopt-", Administration(a), "-", year));
  req.set_administration(Administration(a));
  req.set_year(year);
  req.mutable_act()->set_text(absl::StrCat("Deliberazione di Giunta n. 1 del 31/01/", year));
  req.mutable_act()->set_number("1");
  req.mutable_act()->set_date(absl::StrCat(year, "-01-31"));
  req.mutable_act()->set_body("Giunta");
  v1::ObjectiveDefinition* objective = nullptr;
  for (int i = 0; i < shape.indicators; ++i) {
    if (i % 10 == 0) {
      objective = req.add_objectives();
      objective->set_code(Objective(i));
      objective->set_level_kind(v1::OBJECTIVE_LEVEL_OPERATIONAL);
      objective->set_title(absl::StrCat("Obiettivo operativo ", i / 10 + 1));
      objective->add_units("U1");
    }
    v1::IndicatorDefinition* ind = objective->add_indicators();
    ind->set_code(Indicator(i));
    ind->set_name(absl::StrCat("Indicatore ", i + 1));
    ind->set_unit("N.");
    ind->set_weight_pct(10);
    v1::Target::Comparison* c = ind->mutable_target()->mutable_comparison();
    c->set_op(">=");
    c->set_value(100);
    c->set_unit("N.");
    ind->mutable_threshold()->mutable_quantity()->set_value(50);
    ind->mutable_threshold()->mutable_quantity()->set_unit("N.");
  }
  return req;
}

uint64_t DirectoryBytes(const fs::path& p) {
  uint64_t total = 0;
  std::error_code ec;
  if (!fs::exists(p, ec)) return 0;
  for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    // Blocks on disk, not the apparent size: Kafka preallocates sparse index files.
    struct stat st;
    if (it->is_regular_file(ec) && ::stat(it->path().c_str(), &st) == 0) total += static_cast<uint64_t>(st.st_blocks) * 512;
  }
  return total;
}

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))];
}

int Run(int argc, char** argv) {
  Config config;
  config.Declare("data", "", "the stack's data directory: started here when it holds no stack")
      .Declare("administrations", "100", "administrations")
      .Declare("indicators", "300", "indicators per administration and year (ten per objective)")
      .Declare("months", "12", "monthly measurements per indicator and year (the last one is the year-end)")
      .Declare("years", "3", "plan years, from 2024")
      .Declare("clients", "8", "concurrent clients, each owning whole administrations")
      .Declare("brokers", "3", "Apache brokers of a stack started here")
      .Declare("partitions", "6", "partitions of a stack started here")
      .Declare("projections", "1", "projection members of a stack started here")
      .Declare("sample-every", "50", "read every n-th actual back through the projection")
      .Declare("bin-dir", "", "where the piao-* binaries are (default: this binary's directory)")
      .Declare("keep", "false", "leave the stack running and its data in place afterwards");
  if (absl::Status s = config.ParseFromProcess(argc, argv); !s.ok()) {
    std::fprintf(stderr, "piao-loadgen: %s\nsettings:\n%s", std::string(s.message()).c_str(), config.Usage().c_str());
    return 2;
  }
  Shape shape;
  std::map<std::string, int> n;
  for (const char* name : {"administrations", "indicators", "months", "years", "clients", "brokers", "partitions",
                           "projections", "sample-every"}) {
    auto v = config.GetInt(name);
    if (!v.ok() || *v < 1 || (std::string(name) == "months" && *v > 12)) {
      std::fprintf(stderr, "piao-loadgen: --%s: a whole number >= 1%s\n", name,
                   std::string(name) == "months" ? " and <= 12" : "");
      return 2;
    }
    n[name] = static_cast<int>(*v);
  }
  shape.administrations = n["administrations"];
  shape.indicators = n["indicators"];
  shape.months = n["months"];
  shape.years = n["years"];
  const std::string dir = config.Get("data");
  if (dir.empty()) {
    std::fprintf(stderr, "piao-loadgen: --data is required\n");
    return 2;
  }
  const std::string bin_dir = config.Get("bin-dir").empty() ? cli::SelfDir() : config.Get("bin-dir");
  cli::StackKafka kafka;
  kafka.mode = "apache";
  kafka.brokers = n["brokers"];
  kafka.partitions = n["partitions"];
  kafka.projections = n["projections"];
  const bool started_here = !fs::exists(fs::path(dir) / "stack.json");
  if (!started_here) kafka = cli::StackKafka{};  // as recorded
  auto up = cli::StackUp(dir, bin_dir, absl::Minutes(3), /*tls=*/false, kafka);
  if (!up.ok()) {
    std::fprintf(stderr, "piao-loadgen: stack up: %s\n", up.status().ToString().c_str());
    return 1;
  }
  std::ifstream stack_file(fs::path(dir) / "stack.json");
  const json stack = json::parse(stack_file, nullptr, /*allow_exceptions=*/false);
  const int partitions = stack.is_object() && stack.contains("kafka") ? stack["kafka"].value("partitions", 1) : 1;
  const int projections = stack.is_object() && stack.contains("kafka") ? stack["kafka"].value("projections", 1) : 1;
  auto planning = cli::Connect(dir, "planning");
  auto measurement = cli::Connect(dir, "measurement");
  auto projection = cli::Connect(dir, "projection");
  if (!planning.ok() || !measurement.ok() || !projection.ok()) {
    std::fprintf(stderr, "piao-loadgen: the stack does not answer\n");
    return 1;
  }

  std::mutex mu;
  std::string failure;
  std::vector<double> visible_ms;
  std::atomic<uint64_t> commands{0};
  const absl::Time write_start = absl::Now();
  std::vector<std::thread> clients;
  for (int c = 0; c < n["clients"]; ++c) {
    clients.emplace_back([&, c] {
      auto plan_stub = v1::Planning::NewStub(planning->channel);
      auto measure_stub = v1::Measurement::NewStub(measurement->channel);
      auto query_stub = v1::Projection::NewStub(projection->channel);
      uint64_t count = 0;
      const auto fail = [&](const std::string& what, const absl::Status& s) {
        std::lock_guard<std::mutex> l(mu);
        if (failure.empty()) failure = absl::StrCat(what, ": ", s.ToString());
      };
      for (int a = c; a < shape.administrations; a += n["clients"]) {
        for (int y = shape.first_year; y < shape.first_year + shape.years; ++y) {
          {
            std::lock_guard<std::mutex> l(mu);
            if (!failure.empty()) return;
          }
          v1::CreatePlanRequest create;
          create.mutable_meta()->set_idempotency_key(absl::StrCat("loadgen-plan-", Administration(a), "-", y));
          create.set_administration(Administration(a));
          create.set_year(y);
          create.set_title(absl::StrCat("PIAO ", y, "-", y + 2));
          v1::CommandAck ack;
          absl::Status s = WithRetries([&] {
            grpc::ClientContext ctx;
            service::PrepareContext(&ctx, planning->token, absl::Seconds(30));
            return plan_stub->CreatePlan(&ctx, create, &ack);
          });
          if (!s.ok()) return fail("CreatePlan " + Administration(a), s);
          const v1::AdoptObjectivesRequest adopt = PlanRequest(shape, a, y);
          v1::AdoptObjectivesResponse adopted;
          s = WithRetries([&] {
            grpc::ClientContext ctx;
            service::PrepareContext(&ctx, planning->token, absl::Seconds(60));
            return plan_stub->AdoptObjectives(&ctx, adopt, &adopted);
          });
          if (!s.ok()) return fail("AdoptObjectives " + Administration(a), s);
          const uint64_t plan_position = adopted.ack().global_position();
          commands += 2;
          for (int m = 1; m <= shape.months; ++m) {
            for (int i = 0; i < shape.indicators; ++i) {
              v1::RecordActualRequest req;
              req.mutable_meta()->set_idempotency_key(
                  absl::StrCat("loadgen-actual-", Administration(a), "-", y, "-", m, "-", i));
              req.set_administration(Administration(a));
              req.set_year(y);
              req.mutable_objective()->set_level_kind(v1::OBJECTIVE_LEVEL_OPERATIONAL);
              req.mutable_objective()->set_code(Objective(i));
              req.set_indicator(Indicator(i));
              req.set_period(Period(y, m, shape.months));
              req.mutable_value()->mutable_quantity()->set_value(40 + (a * 7 + i * 13 + m * 5) % 80);
              req.mutable_value()->mutable_quantity()->set_unit("N.");
              req.set_source("loadgen");
              v1::RecordActualResponse resp;
              s = WithRetries([&] {
                grpc::ClientContext ctx;
                service::PrepareContext(&ctx, measurement->token, absl::Seconds(30));
                return measure_stub->RecordActual(&ctx, req, &resp);
              });
              if (!s.ok()) return fail("RecordActual " + Administration(a), s);
              ++commands;
              if (++count % n["sample-every"] != 0) continue;
              const absl::Time acked = absl::Now();
              v1::GetIndicatorHistoryRequest q;
              q.set_administration(Administration(a));
              q.set_year(y);
              q.set_objective(Objective(i));
              q.set_indicator(Indicator(i));
              (*q.mutable_consistency()->mutable_min_positions())["measurement"] = resp.ack().global_position();
              (*q.mutable_consistency()->mutable_min_positions())["planning"] = plan_position;
              v1::IndicatorHistory history;
              s = WithRetries([&] {
                grpc::ClientContext ctx;
                service::PrepareContext(&ctx, projection->token, absl::Seconds(30));
                return query_stub->GetIndicatorHistory(&ctx, q, &history);
              });
              if (!s.ok()) return fail("GetIndicatorHistory " + Administration(a), s);
              std::lock_guard<std::mutex> l(mu);
              visible_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - acked));
            }
          }
        }
      }
    });
  }
  for (std::thread& t : clients) t.join();
  const double write_seconds = absl::ToDoubleSeconds(absl::Now() - write_start);
  json out;
  out["shape"] = {{"administrations", shape.administrations}, {"indicators", shape.indicators},
                  {"months", shape.months}, {"years", shape.years}, {"clients", n["clients"]},
                  {"partitions", partitions}, {"projections", projections},
                  {"brokers", stack.is_object() && stack.contains("kafka") ? stack["kafka"].value("brokers", 1) : 1}};
  std::vector<std::string> problems;
  if (!failure.empty()) problems.push_back(failure);
  uint64_t events = 0;
  auto heads = cli::StoreLaneHeads(dir, {"planning", "measurement"}, partitions, &events);
  if (!heads.ok()) problems.push_back("read the stores: " + heads.status().ToString());
  out["writes"] = {{"commands", commands.load()}, {"events", events}, {"seconds", write_seconds},
                   {"commands_per_s", commands.load() / std::max(write_seconds, 1e-9)}};
  if (heads.ok()) {
    auto applied = cli::WaitMembersCaughtUp(dir, *heads, partitions, absl::Minutes(30));
    if (!applied.ok()) problems.push_back(applied.status().ToString());
    const double s = applied.ok() ? absl::ToDoubleSeconds(absl::Now() - write_start) : 0;
    out["apply"] = {{"events", events}, {"seconds", s}, {"events_per_s", s > 0 ? events / s : 0.0}};
  }
  out["visible"] = {{"samples", visible_ms.size()}, {"p50_ms", Percentile(visible_ms, 0.5)},
                    {"p99_ms", Percentile(visible_ms, 0.99)},
                    {"max_ms", visible_ms.empty() ? 0.0 : *std::max_element(visible_ms.begin(), visible_ms.end())}};

  // A member joining from nothing: the last member's views deleted, the member started again.
  if (heads.ok() && problems.empty()) {
    const std::string member = projections > 1 ? absl::StrCat("projection-", projections) : "projection";
    auto status = cli::StackStatus(dir);
    int pid = 0;
    for (const cli::ComponentStatus& c : status.ok() ? *status : std::vector<cli::ComponentStatus>()) {
      if (c.name == member) pid = c.pid;
    }
    if (pid > 0 && ::kill(pid, SIGKILL) == 0) {
      for (int i = 0; i < 500 && IsAlive(pid); ++i) absl::SleepFor(absl::Milliseconds(10));
      std::error_code ec;
      fs::remove_all(fs::path(dir) / member / "views", ec);
      const absl::Time joined = absl::Now();
      auto again = cli::StackUp(dir, bin_dir, absl::Minutes(3), /*tls=*/false, cli::StackKafka{});
      if (!again.ok()) problems.push_back("restart " + member + ": " + again.status().ToString());
      auto caught = again.ok() ? cli::WaitMembersCaughtUp(dir, *heads, partitions, absl::Minutes(30))
                               : absl::StatusOr<cli::MembersProgress>(again.status());
      if (!caught.ok()) problems.push_back("catch-up of " + member + ": " + caught.status().ToString());
      out["catch_up"] = {{"member", member}, {"seconds", caught.ok() ? absl::ToDoubleSeconds(absl::Now() - joined) : 0.0},
                         {"views_bytes", DirectoryBytes(fs::path(dir) / member / "views")}};
    } else {
      problems.push_back("no running " + member + " to restart");
    }
  }

  // Disk at rest: measured after the stack stops (RocksDB flushes its memtables and drops the WAL on close),
  // unless it is kept running.
  const bool keep = config.Get("keep") == "true";
  if (!keep) {
    if (absl::Status s = cli::StackDown(dir); !s.ok()) problems.push_back("stack down: " + s.ToString());
  }
  uint64_t stores = 0, views = 0;
  for (const char* service : {"planning", "measurement", "risk", "hr"}) stores += DirectoryBytes(fs::path(dir) / service / "events");
  for (int m = 1; m <= projections; ++m) {
    views += DirectoryBytes(fs::path(dir) / (m == 1 ? std::string("projection") : absl::StrCat("projection-", m)) / "views");
  }
  const uint64_t brokers = DirectoryBytes(fs::path(dir) / "kafka");
  out["disk"] = {{"stores_bytes", stores}, {"views_bytes", views}, {"kafka_bytes", brokers},
                 {"per_administration_bytes", (stores + views + brokers) / shape.administrations}};
  out["problems"] = problems;
  out["ok"] = problems.empty();
  std::printf("%s\n", out.dump(2).c_str());
  if (!keep && started_here && problems.empty()) fs::remove_all(dir);
  return problems.empty() ? 0 : 1;
}

}  // namespace
}  // namespace piao::loadgen

int main(int argc, char** argv) { return piao::loadgen::Run(argc, argv); }
