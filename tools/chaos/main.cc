// piao-chaos: the kill -9 harness (issue 11 §7). It starts a local stack, drives a bounded concurrent load of
// commands against the four write services, and SIGKILLs each of the five services (planning, measurement,
// risk, hr, projection) at random points, restarting them with `piao stack up` after every round. Clients
// retry an unanswered command with the same idempotency key, as a real integration would. Then it proves:
//   1. every acknowledged command is in its service's store, at the position it was acknowledged with;
//   2. no command was written twice (each idempotency key's events are one append), and nothing else was;
//   3. every store's hash chain is intact (Verify);
//   4. the projection, after catching up, equals a fresh replay of the stores byte for byte (views, applied
//      positions and hashes, quarantine records; only Kafka offsets and the format marker are left out), so
//      no event was applied twice or skipped.
// It prints the figures as one JSON object and exits 0 only when every check holds.
//
//   piao-chaos --data DIR [--rounds 20] [--clients-per-service 2] [--rate 25] [--seed N] [--bin-dir DIR]
//              [--keep true]
//
// `tools/dev chaos [ROUNDS]` runs it as a soak; the test suite runs it with 20 rounds (chaos_e2e_test).
#include <signal.h>
#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fstream>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/base/config.h"
#include "libs/base/process.h"
#include "libs/base/status_macros.h"
#include "libs/eventstore/event_store.h"
#include "libs/kafka/event_applier.h"
#include "libs/service/client.h"
#include "libs/service/grpc_status.h"
#include "piao/v1/event_log.grpc.pb.h"
#include "piao/v1/hr.grpc.pb.h"
#include "piao/v1/measurement.grpc.pb.h"
#include "piao/v1/planning.grpc.pb.h"
#include "piao/v1/projection.grpc.pb.h"
#include "piao/v1/risk.grpc.pb.h"
#include "rocksdb/db.h"
#include "services/projection/projection_service.h"
#include "tools/piao/stack.h"

namespace piao::chaos {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const std::vector<std::string>& WriteServices() {
  static const auto* s = new std::vector<std::string>{"planning", "measurement", "risk", "hr"};
  return *s;
}

// One command a client sent, and what it was told.
struct Sent {
  std::string service;
  std::string key;           // idempotency key: unique per command
  bool acknowledged = false;
  v1::CommandAck ack;
  int attempts = 0;
};

// Sends command `n` of `service` once; the ack, or the call's status.
// Measurement's actuals of one administration and year are one stream: each client writes its own, and the
// two clients of a service share one for a tenth of their commands (conflicts: ABORTED, decided again).
absl::StatusOr<v1::CommandAck> SendOnce(const std::string& service, const cli::ServiceConnection& c,
                                        const std::string& run, int client, int n, const std::string& key) {
  grpc::ClientContext ctx;
  service::PrepareContext(&ctx, c.token, absl::Seconds(5));
  v1::CommandMeta meta;
  meta.set_idempotency_key(key);
  meta.set_correlation_id("chaos-" + run);
  grpc::Status s;
  v1::CommandAck ack;
  if (service == "planning") {
    v1::CreatePlanRequest req;
    *req.mutable_meta() = meta;
    req.set_administration(absl::StrCat("CHAOS-", run, "-P", n));
    req.set_year(2026);
    s = v1::Planning::NewStub(c.channel)->CreatePlan(&ctx, req, &ack);
  } else if (service == "measurement") {
    v1::RecordActualRequest req;
    *req.mutable_meta() = meta;
    req.set_administration(absl::StrCat("CHAOS-", run, "-M", n % 10 == 0 ? 0 : client));
    req.set_year(2026);
    req.mutable_objective()->set_level_kind(v1::OBJECTIVE_LEVEL_STRATEGIC);
    req.mutable_objective()->set_code(absl::StrCat("OS", n));
    req.set_indicator("I1");
    req.set_period("year-end");
    req.mutable_value()->mutable_quantity()->set_value(n);
    req.mutable_value()->mutable_quantity()->set_unit("N.");
    req.set_source("chaos");
    v1::RecordActualResponse resp;
    s = v1::Measurement::NewStub(c.channel)->RecordActual(&ctx, req, &resp);
    ack = resp.ack();
  } else if (service == "risk") {
    v1::DefineAreasRequest req;
    *req.mutable_meta() = meta;
    req.set_administration(absl::StrCat("CHAOS-", run, "-R", n));
    req.set_year(2026);
    v1::RiskArea* area = req.add_areas();
    area->set_code("A");
    area->set_name(absl::StrCat("Area ", n));
    v1::RiskCommandResponse resp;
    s = v1::RiskRegistry::NewStub(c.channel)->DefineAreas(&ctx, req, &resp);
    ack = resp.ack();
  } else {
    v1::SetYearSettingsRequest req;
    *req.mutable_meta() = meta;
    req.set_administration(absl::StrCat("CHAOS-", run, "-H", n));
    req.mutable_body()->set_year(2026);
    req.mutable_body()->mutable_accessory_top_up()->set_zero_below(70);
    req.mutable_body()->mutable_accessory_top_up()->set_full_from(90);
    v1::HrCommandResponse resp;
    s = v1::HrCapacity::NewStub(c.channel)->SetYearSettings(&ctx, req, &resp);
    ack = resp.ack();
  }
  if (!s.ok()) return service::FromGrpcStatus(s);
  return ack;
}

// What a client retries with the same key: the service is down, restarting, or did not answer in time; or
// another client's command on the same stream came first (ABORTED: nothing was written, decide again).
bool Retryable(const absl::Status& s) {
  return absl::IsUnavailable(s) || absl::IsDeadlineExceeded(s) || absl::IsCancelled(s) || absl::IsAborted(s);
}

// Every key/value of a RocksDB directory, opened read-only.
absl::StatusOr<std::map<std::string, std::string>> DumpDb(const std::string& path) {
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::OpenForReadOnly(rocksdb::Options(), path, &raw);
  if (!s.ok()) return absl::UnavailableError(absl::StrCat("open ", path, ": ", s.ToString()));
  std::unique_ptr<rocksdb::DB> db(raw);
  std::map<std::string, std::string> out;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) out[it->key().ToString()] = it->value().ToString();
  if (!it->status().ok()) return absl::UnavailableError(it->status().ToString());
  return out;
}

// What differs between two view dumps, ignoring what legitimately differs between a Kafka-fed projection and
// an offline replay: Kafka offsets and the views' format marker.
std::vector<std::string> DiffViews(const std::map<std::string, std::string>& live,
                                   const std::map<std::string, std::string>& replay) {
  auto ignored = [](const std::string& key) {
    return key.rfind(std::string("\x01piao.consumer/offset/"), 0) == 0 || key.rfind("\x01piao.views/", 0) == 0;
  };
  auto printable = [](const std::string& key) {
    std::string out;
    for (unsigned char c : key) out += (c >= 0x20 && c < 0x7f) ? std::string(1, c) : absl::StrCat("\\x", absl::Hex(c));
    return out;
  };
  std::vector<std::string> diffs;
  for (const auto& [k, v] : live) {
    if (ignored(k)) continue;
    auto r = replay.find(k);
    if (r == replay.end()) diffs.push_back("only in the live projection: " + printable(k));
    else if (r->second != v) diffs.push_back("differs: " + printable(k));
  }
  for (const auto& [k, v] : replay) {
    if (!ignored(k) && live.count(k) == 0) diffs.push_back("only in the replay: " + printable(k));
  }
  return diffs;
}

int Run(int argc, char** argv) {
  Config config;
  config.Declare("data", "", "the stack's data directory (created; must not hold another stack)")
      .Declare("rounds", "20", "kill rounds: every round kills each of the five services once, at random points")
      .Declare("clients-per-service", "2", "concurrent clients per write service (the bounded load)")
      .Declare("rate", "25", "commands per second each client sends at most")
      .Declare("seed", "0", "random seed (0: from the clock); printed, so a run can be repeated")
      .Declare("bin-dir", "", "where the piao-* binaries are (default: this binary's directory)")
      .Declare("keep", "false", "leave the stack's data directory in place afterwards");
  if (absl::Status s = config.ParseFromProcess(argc, argv); !s.ok()) {
    std::fprintf(stderr, "piao-chaos: %s\nsettings:\n%s", std::string(s.message()).c_str(), config.Usage().c_str());
    return 2;
  }
  const std::string dir = config.Get("data");
  auto rounds = config.GetInt("rounds");
  auto clients = config.GetInt("clients-per-service");
  auto seed_flag = config.GetInt("seed");
  auto rate = config.GetInt("rate");
  if (dir.empty() || !rounds.ok() || !clients.ok() || !seed_flag.ok() || !rate.ok() || *rounds < 1 || *clients < 1 ||
      *rate < 1) {
    std::fprintf(stderr, "piao-chaos: --data is required; --rounds, --clients-per-service and --rate are positive\n");
    return 2;
  }
  if (fs::exists(fs::path(dir) / "stack.json")) {
    std::fprintf(stderr, "piao-chaos: %s already holds a stack; give an empty directory\n", dir.c_str());
    return 2;
  }
  const std::string bin_dir = config.Get("bin-dir").empty() ? cli::SelfDir() : config.Get("bin-dir");
  const uint64_t seed = *seed_flag != 0 ? static_cast<uint64_t>(*seed_flag)
                                        : static_cast<uint64_t>(absl::ToUnixNanos(absl::Now()));
  std::mt19937_64 rng(seed);
  const std::string run = absl::StrCat(seed % 1000000);
  const absl::Time started = absl::Now();

  auto up = cli::StackUp(dir, bin_dir, absl::Seconds(120));
  if (!up.ok()) {
    std::fprintf(stderr, "piao-chaos: stack up: %s\n", up.status().ToString().c_str());
    return 1;
  }

  // The load: each client sends its commands one after the other, retrying an unanswered one with the same key.
  std::mutex mu;
  std::vector<Sent> sent;
  std::atomic<bool> stop{false};
  std::atomic<int> next_command{0};
  std::atomic<uint64_t> retries{0}, conflicts{0}, duplicates_answered{0};
  std::string client_failure;
  std::vector<std::thread> load;
  for (const std::string& service : WriteServices()) {
    for (int c = 0; c < *clients; ++c) {
      load.emplace_back([&, service, c] {
        absl::StatusOr<cli::ServiceConnection> conn = absl::UnavailableError("not connected");
        const absl::Duration interval = absl::Seconds(1) / *rate;
        absl::Time next_send = absl::Now();
        while (!stop.load()) {
          absl::SleepFor(next_send - absl::Now());
          next_send = std::max(next_send + interval, absl::Now() - interval);
          const int n = next_command++;
          Sent one;
          one.service = service;
          one.key = absl::StrCat("chaos-", run, "-", service, "-", n);
          // Retry until answered; once stopping, give up on an unanswered command (it may or may not be stored).
          while (true) {
            if (!conn.ok()) conn = cli::Connect(dir, service);
            // No connection (the stack file names no address while the service restarts): try again.
            absl::StatusOr<v1::CommandAck> ack = conn.ok() ? SendOnce(service, *conn, run, c, n, one.key)
                                                           : absl::UnavailableError(conn.status().ToString());
            ++one.attempts;
            if (ack.ok()) {
              one.acknowledged = true;
              one.ack = *ack;
              if (ack->duplicate()) ++duplicates_answered;
              break;
            }
            if (!Retryable(ack.status())) {
              std::lock_guard<std::mutex> l(mu);
              if (client_failure.empty()) client_failure = absl::StrCat(service, " ", one.key, ": ", ack.status().ToString());
              stop = true;
              break;
            }
            if (absl::IsAborted(ack.status())) {
              ++conflicts;
              continue;
            }
            ++retries;
            conn = absl::UnavailableError("reconnect");  // the service may have a new address after a restart
            if (stop.load() && one.attempts > 1) break;
            absl::SleepFor(absl::Milliseconds(50));
          }
          std::lock_guard<std::mutex> l(mu);
          sent.push_back(std::move(one));
        }
      });
    }
  }

  // The kills: every round, each service is SIGKILLed once at a random point, then the stack is brought up.
  std::map<std::string, int> kills;
  std::vector<std::string> victims = cli::StackServices();
  std::uniform_int_distribution<int> gap_ms(20, 400), run_ms(200, 1200);
  std::string harness_failure;
  for (int round = 0; round < *rounds && harness_failure.empty() && !stop.load(); ++round) {
    std::shuffle(victims.begin(), victims.end(), rng);
    for (const std::string& victim : victims) {
      absl::SleepFor(absl::Milliseconds(gap_ms(rng)));
      auto status = cli::StackStatus(dir);
      if (!status.ok()) {
        harness_failure = "stack status: " + status.status().ToString();
        break;
      }
      for (const cli::ComponentStatus& c : *status) {
        if (c.name != victim || !c.alive || c.pid <= 0 || ::kill(c.pid, SIGKILL) != 0) continue;
        ++kills[victim];
        // A crash is over before anyone restarts the service: wait until the process is gone (our child is
        // reaped by IsAlive), or `stack up` could see it still exiting, leave it, and wait for it forever.
        for (int i = 0; i < 500 && IsAlive(c.pid); ++i) absl::SleepFor(absl::Milliseconds(10));
      }
    }
    if (!harness_failure.empty()) break;
    auto again = cli::StackUp(dir, bin_dir, absl::Seconds(120));
    if (!again.ok()) {
      harness_failure = absl::StrCat("stack up after round ", round + 1, ": ", again.status().ToString());
      break;
    }
    absl::SleepFor(absl::Milliseconds(run_ms(rng)));
  }
  stop = true;
  for (std::thread& t : load) t.join();

  json out;
  out["seed"] = seed;
  out["rounds"] = *rounds;
  out["clients"] = *clients * static_cast<int>(WriteServices().size());
  out["rate_per_client"] = *rate;
  out["kills"] = kills;
  out["retries"] = retries.load();
  out["duplicates_answered"] = duplicates_answered.load();
  out["conflicts_decided_again"] = conflicts.load();
  std::vector<std::string> problems;
  if (!harness_failure.empty()) problems.push_back(harness_failure);
  if (!client_failure.empty()) problems.push_back("a client got a non-retryable error: " + client_failure);

  // Let the projection catch up with every store's head, then stop the stack to read the stores directly.
  std::map<std::string, uint64_t> heads;
  if (problems.empty()) {
    if (auto s = cli::StackUp(dir, bin_dir, absl::Seconds(120)); !s.ok()) problems.push_back("final stack up: " + s.status().ToString());
  }
  if (problems.empty()) {
    for (const std::string& service : WriteServices()) {
      auto conn = cli::Connect(dir, service);
      v1::GetHeadResponse head;
      grpc::ClientContext ctx;
      if (conn.ok()) service::PrepareContext(&ctx, conn->token, absl::Seconds(10));
      grpc::Status s = conn.ok() ? v1::EventLog::NewStub(conn->channel)->GetHead(&ctx, v1::GetHeadRequest(), &head)
                                 : grpc::Status(grpc::StatusCode::UNAVAILABLE, "no connection");
      if (!s.ok()) problems.push_back(absl::StrCat("head of ", service, ": ", s.error_message()));
      heads[service] = head.global_position();
    }
    auto conn = cli::Connect(dir, "projection");
    const absl::Time deadline = absl::Now() + absl::Seconds(120);
    bool caught_up = false;
    while (conn.ok() && !caught_up && absl::Now() < deadline) {
      grpc::ClientContext ctx;
      service::PrepareContext(&ctx, conn->token, absl::Seconds(5));
      v1::Progress progress;
      if (v1::Projection::NewStub(conn->channel)->GetProgress(&ctx, v1::GetProgressRequest(), &progress).ok()) {
        caught_up = progress.state() != v1::Progress::DEGRADED;
        for (const auto& [service, head] : heads) {
          auto applied = progress.applied().find(service);
          caught_up &= applied != progress.applied().end() && applied->second >= head;
        }
        if (progress.state() == v1::Progress::DEGRADED) problems.push_back("the projection quarantined events");
        if (progress.state() == v1::Progress::DEGRADED) break;
      }
      if (!caught_up) absl::SleepFor(absl::Milliseconds(200));
    }
    if (!caught_up && problems.empty()) problems.push_back("the projection did not catch up with the stores' heads");
  }
  if (absl::Status s = cli::StackDown(dir); !s.ok()) problems.push_back("stack down: " + s.ToString());

  // 1–3: the stores.
  std::map<std::string, std::unique_ptr<eventstore::EventStore>> stores;
  for (const std::string& service : WriteServices()) {
    eventstore::Options o;
    o.source_service = ServiceName(service);
    auto store = eventstore::EventStore::Open((fs::path(dir) / service / "events").string(), o);
    if (!store.ok()) {
      problems.push_back(absl::StrCat("open the ", service, " store: ", store.status().ToString()));
      continue;
    }
    stores[service] = std::move(*store);
  }
  uint64_t acknowledged = 0, unanswered = 0, lost = 0, written_twice = 0, foreign = 0, events_total = 0;
  std::map<std::string, uint64_t> acked_per_service;
  for (const auto& [service, store] : stores) {
    eventstore::VerifyReport verify = store->Verify();
    if (!verify.intact) problems.push_back(absl::StrCat(service, " store: ", verify.problem));
    auto events = store->ReadAll(GlobalPosition(1));
    if (!events.ok()) {
      problems.push_back(absl::StrCat("read the ", service, " store: ", events.status().ToString()));
      continue;
    }
    events_total += events->size();
    // key -> positions of its events
    std::map<std::string, std::vector<uint64_t>> by_key;
    for (const v1::EventEnvelope& e : *events) by_key[e.idempotency_key()].push_back(e.global_position());
    std::set<std::string> ours;
    for (const Sent& one : sent) {
      if (one.service != service) continue;
      ours.insert(one.key);
      auto it = by_key.find(one.key);
      if (one.acknowledged) {
        ++acknowledged;
        ++acked_per_service[service];
        if (it == by_key.end() || it->second.back() != one.ack.global_position()) {
          ++lost;
          if (lost <= 5) {
            problems.push_back(absl::StrCat(service, " acknowledged ", one.key, " at position ",
                                            one.ack.global_position(), " but its store ",
                                            it == by_key.end() ? "does not hold it" : "holds it elsewhere"));
          }
        }
      } else {
        ++unanswered;
      }
      if (it != by_key.end()) {
        // One append: consecutive positions.
        const std::vector<uint64_t>& p = it->second;
        if (p.back() - p.front() + 1 != p.size()) {
          ++written_twice;
          if (written_twice <= 5) problems.push_back(absl::StrCat(service, " wrote ", one.key, " more than once"));
        }
      }
    }
    for (const auto& [key, positions] : by_key) {
      if (ours.count(key) == 0) {
        foreign += positions.size();
        if (foreign <= 5) problems.push_back(absl::StrCat(service, " holds events of a command nobody sent: '", key, "'"));
      }
    }
  }
  out["acknowledged"] = acknowledged;
  out["acknowledged_per_service"] = acked_per_service;
  out["unanswered_at_stop"] = unanswered;
  out["events"] = events_total;
  out["lost"] = lost;
  out["written_twice"] = written_twice;
  out["unexplained_events"] = foreign;

  // 4: the projection against a fresh replay of the stores.
  const fs::path replay_dir = fs::path(dir) / "replay-views";
  bool projection_equal = false;
  size_t view_keys = 0;
  if (stores.size() == WriteServices().size()) {
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    fs::remove_all(replay_dir);
    rocksdb::Status s = rocksdb::DB::Open(o, replay_dir.string(), &raw);
    std::unique_ptr<rocksdb::DB> db(raw);
    if (!s.ok()) problems.push_back("open the replay views: " + s.ToString());
    if (s.ok()) {
      std::map<ServiceName, std::shared_ptr<kafka::SourceReader>> readers;
      for (const auto& [name, store] : stores) readers[ServiceName(name)] = kafka::StoreSourceReader(store.get());
      kafka::ApplierOptions ao;
      ao.sync = false;
      // The live projection's partitioning (its lanes are compared byte for byte): the stack's partition count.
      std::ifstream stack_file(fs::path(dir) / "stack.json");
      const json stack = json::parse(stack_file, nullptr, /*allow_exceptions=*/false);
      const int partitions = stack.is_object() && stack.contains("kafka") ? stack["kafka"].value("partitions", 1) : 1;
      ao.share = kafka::PartitionShare::All(partitions);
      auto applier = kafka::EventApplier::Open(db.get(), projection::MakeViewHandler(db.get()),
                                               kafka::ReaderPerSource(std::move(readers)), ao);
      if (!applier.ok()) problems.push_back("replay applier: " + applier.status().ToString());
      for (const std::string& service : WriteServices()) {
        if (!applier.ok()) break;
        if (auto n = (*applier)->CatchUp(ServiceName(service)); !n.ok()) problems.push_back("replay " + service + ": " + n.status().ToString());
      }
      if (applier.ok()) applier->reset();
      db.reset();
      auto live = DumpDb((fs::path(dir) / "projection" / "views").string());
      auto replay = DumpDb(replay_dir.string());
      if (!live.ok() || !replay.ok()) {
        problems.push_back("dump views: " + (live.ok() ? replay.status() : live.status()).ToString());
      } else {
        view_keys = live->size();
        std::vector<std::string> diffs = DiffViews(*live, *replay);
        projection_equal = diffs.empty();
        for (size_t i = 0; i < diffs.size() && i < 5; ++i) problems.push_back("projection vs replay: " + diffs[i]);
        if (diffs.size() > 5) problems.push_back(absl::StrCat("projection vs replay: ", diffs.size(), " differences"));
      }
    }
  }
  out["projection_equals_replay"] = projection_equal;
  out["view_keys"] = view_keys;
  out["seconds"] = absl::ToDoubleSeconds(absl::Now() - started);
  out["problems"] = problems;
  out["ok"] = problems.empty();
  std::printf("%s\n", out.dump(2).c_str());
  stores.clear();
  if (problems.empty() && config.Get("keep") != "true") fs::remove_all(dir);
  return problems.empty() ? 0 : 1;
}

}  // namespace
}  // namespace piao::chaos

int main(int argc, char** argv) { return piao::chaos::Run(argc, argv); }
