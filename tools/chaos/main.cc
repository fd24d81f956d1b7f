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
// The faults of a round (--fault), on the stack's Kafka (--kafka mock|apache, --brokers, --partitions,
// --projections as for `piao stack up`):
//   services     each of the write services and every projection member SIGKILLed once (the default)
//   broker       one Apache broker SIGKILLed, left down --fault-seconds, restarted (needs --brokers >= 2)
//   member       one projection member other than the first SIGKILLed, left down --fault-seconds, restarted:
//                its partitions move to the others and back (needs --projections >= 2)
//   outage       every broker SIGKILLed, the cluster down --fault-seconds, restarted
//   broker-data  every broker SIGKILLed and its log directory deleted: a new, empty cluster
// Meanwhile a probe writes a plan every 200 ms and reads it back through the projection with read-your-writes:
// the figures say how long a write took to become visible during the faults and outside them (the pause).
// With several members, each member's views must equal a replay of the stores restricted to its partitions.
//
//   piao-chaos --data DIR [--rounds 20] [--clients-per-service 2] [--rate 25] [--seed N] [--bin-dir DIR]
//              [--keep true] [--fault F] [--fault-seconds S] [--kafka K] [--brokers N] [--partitions P]
//              [--projections M]
//
// `tools/dev chaos [ROUNDS]` runs it as a soak and `tools/dev soak FAULT [ROUNDS]` the faults of the real
// engine; the test suite runs short versions (chaos_e2e_test, kafka_faults_e2e_test).
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

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/base/config.h"
#include "libs/base/key_codec.h"
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
#include "tools/piao/stack_progress.h"

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
// `lane_heads`: each (source, partition)'s last event in the stores.
std::vector<std::string> DiffViews(const std::map<std::string, std::string>& live,
                                   const std::map<std::string, std::string>& replay,
                                   const std::map<std::pair<std::string, int32_t>, uint64_t>& lane_heads) {
  static const std::string kLanePrefix = std::string("\x01piao.consumer/lane/");
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
    if (r == replay.end()) {
      diffs.push_back("only in the live projection: " + printable(k));
    } else if (k.rfind(kLanePrefix, 0) == 0) {
      // A lane record is "<position> 0 <hash>": the hash is known only when the lane's last event was applied
      // there, not when the lane advanced over a redelivered one (a member that took partitions over). The
      // position must be the same.
      // A lane's position says it is complete up to there: up to its last event, or further, to where a read of
      // the store ended. Two positions agree when no event of the lane lies between them: here, when both are
      // at or past the lane's last event in the store.
      const std::string live_position = v.substr(0, v.find(' '));
      const std::string replay_position = r->second.substr(0, r->second.find(' '));
      uint64_t live_at = 0, replay_at = 0;
      auto parts = SplitKeyParts(absl::string_view(k).substr(kLanePrefix.size()));
      int32_t partition = -1;
      uint64_t head = 0;
      if (parts.ok() && parts->size() == 3 && absl::SimpleAtoi((*parts)[2], &partition)) {
        auto h = lane_heads.find({(*parts)[0], partition});
        if (h != lane_heads.end()) head = h->second;
      }
      const bool both_complete = absl::SimpleAtoi(live_position, &live_at) &&
                                 absl::SimpleAtoi(replay_position, &replay_at) && live_at >= head && replay_at >= head;
      if (live_position != replay_position && !both_complete) {
        diffs.push_back(absl::StrCat("lane position differs: ", printable(k), " live ", live_position, ", replay ",
                                     replay_position));
      }
    } else if (r->second != v) {
      diffs.push_back("differs: " + printable(k));
    }
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
      .Declare("keep", "false", "leave the stack's data directory in place afterwards")
      .Declare("fault", "services", "what each round breaks: services, broker, member, outage or broker-data")
      .Declare("fault-seconds", "5", "how long a broker, member or the cluster stays down in a round")
      .Declare("kafka", "mock", "the stack's Kafka: mock or apache")
      .Declare("brokers", "1", "Apache brokers")
      .Declare("partitions", "3", "partitions of every topic")
      .Declare("projections", "1", "projection members");
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
  const std::string fault = config.Get("fault");
  auto fault_seconds = config.GetInt("fault-seconds");
  cli::StackKafka kafka;
  kafka.mode = config.Get("kafka");
  auto brokers = config.GetInt("brokers");
  auto partitions = config.GetInt("partitions");
  auto projections = config.GetInt("projections");
  if (!fault_seconds.ok() || !brokers.ok() || !partitions.ok() || !projections.ok() || *fault_seconds < 0 ||
      *brokers < 1 || *partitions < 1 || *projections < 1) {
    std::fprintf(stderr, "piao-chaos: --fault-seconds, --brokers, --partitions and --projections are numbers >= 1\n");
    return 2;
  }
  kafka.brokers = *brokers;
  kafka.partitions = *partitions;
  kafka.projections = *projections;
  const std::set<std::string> faults = {"services", "broker", "member", "outage", "broker-data"};
  std::string misuse;
  if (faults.count(fault) == 0) misuse = "--fault: one of services, broker, member, outage, broker-data";
  if ((fault == "broker" || fault == "outage" || fault == "broker-data") && kafka.mode != "apache") {
    misuse = "--fault " + fault + " needs --kafka apache";
  }
  if (fault == "broker" && *brokers < 2) misuse = "--fault broker needs --brokers >= 2 (one stays up)";
  if (fault == "member" && *projections < 2) misuse = "--fault member needs --projections >= 2";
  if (!misuse.empty()) {
    std::fprintf(stderr, "piao-chaos: %s\n", misuse.c_str());
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

  const auto stack_up = [&] { return cli::StackUp(dir, bin_dir, absl::Seconds(180), /*tls=*/false, kafka); };
  auto up = stack_up();
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

  // The probe: a plan written every 200 ms and read back through the projection with read-your-writes (its
  // scores, an empty tree, waiting for planning's acknowledged position): how long a write takes to become visible,
  // during the faults and outside them.
  struct ProbeResult {
    double seconds = 0;          // from sending the command to reading it back
    bool during_fault = false;   // a fault was under way at some point of it
    bool visible = false;
    bool visible_while_down = false;  // read back while no broker ran: from the stores, not Kafka
  };
  std::vector<ProbeResult> probe_results;  // guarded by mu
  std::atomic<bool> in_fault{false};
  std::atomic<bool> cluster_down{false};  // outage and broker-data: from the kill until the restart begins
  std::thread probe([&] {
    absl::StatusOr<cli::ServiceConnection> planning = absl::UnavailableError("not connected");
    absl::StatusOr<cli::ServiceConnection> projection = absl::UnavailableError("not connected");
    for (int k = 0; !stop.load(); ++k) {
      absl::SleepFor(absl::Milliseconds(200));
      Sent one;
      one.service = "planning";
      one.key = absl::StrCat("chaos-", run, "-probe-", k);
      const std::string administration = absl::StrCat("PROBE-", run, "-", k);
      ProbeResult r;
      r.during_fault = in_fault.load();
      const absl::Time started_at = absl::Now();
      while (!stop.load() || one.attempts == 0) {
        if (!planning.ok()) planning = cli::Connect(dir, "planning");
        ++one.attempts;
        if (!planning.ok()) {
          absl::SleepFor(absl::Milliseconds(50));
          continue;
        }
        grpc::ClientContext ctx;
        service::PrepareContext(&ctx, planning->token, absl::Seconds(5));
        v1::CreatePlanRequest req;
        req.mutable_meta()->set_idempotency_key(one.key);
        req.mutable_meta()->set_correlation_id("chaos-probe-" + run);
        req.set_administration(administration);
        req.set_year(2026);
        grpc::Status s = v1::Planning::NewStub(planning->channel)->CreatePlan(&ctx, req, &one.ack);
        if (s.ok()) {
          one.acknowledged = true;
          break;
        }
        if (!Retryable(service::FromGrpcStatus(s))) break;  // reported by the store checks (never acknowledged)
        planning = absl::UnavailableError("reconnect");
        absl::SleepFor(absl::Milliseconds(50));
      }
      const uint64_t position = one.ack.global_position();
      const bool acknowledged = one.acknowledged;
      {
        std::lock_guard<std::mutex> l(mu);
        sent.push_back(std::move(one));
      }
      if (!acknowledged) continue;
      // Read back: every acknowledged probe must become visible, within 60 s even after the load stopped.
      const absl::Time give_up = absl::Now() + absl::Seconds(60);
      while (!r.visible && absl::Now() < give_up) {
        r.during_fault |= in_fault.load();
        if (!projection.ok()) projection = cli::Connect(dir, "projection");
        if (projection.ok()) {
          grpc::ClientContext ctx;
          service::PrepareContext(&ctx, projection->token, absl::Seconds(5));
          v1::GetScoresRequest req;
          req.set_administration(administration);
          req.set_year(2026);
          (*req.mutable_consistency()->mutable_min_positions())["planning"] = position;
          v1::ScoresView scores;
          grpc::Status s = v1::Projection::NewStub(projection->channel)->GetScores(&ctx, req, &scores);
          r.visible = s.ok() && scores.administration() == administration;
          r.visible_while_down = r.visible && cluster_down.load();
          if (!s.ok() && s.error_code() == grpc::StatusCode::UNAVAILABLE) projection = absl::UnavailableError("reconnect");
        }
        if (!r.visible) absl::SleepFor(absl::Milliseconds(100));
      }
      r.during_fault |= in_fault.load();
      r.seconds = absl::ToDoubleSeconds(absl::Now() - started_at);
      std::lock_guard<std::mutex> l(mu);
      probe_results.push_back(r);
    }
  });

  // The faults of the real engine: a broker, a member, the whole cluster, or the cluster's data.
  const auto break_kafka = [&](std::map<std::string, int>& kills) -> absl::Status {
    PIAO_ASSIGN_OR_RETURN(std::vector<cli::ComponentStatus> status, cli::StackStatus(dir));
    std::vector<cli::ComponentStatus> targets;
    for (const cli::ComponentStatus& c : status) {
      const bool broker = c.name.rfind("broker-", 0) == 0;
      const bool member = c.name.rfind("projection-", 0) == 0;
      if (c.alive && c.pid > 0 && (fault == "member" ? member : broker)) targets.push_back(c);
    }
    if (targets.empty()) return absl::FailedPreconditionError("nothing to break: no " + fault + " target is running");
    if (fault == "broker" || fault == "member") {
      std::uniform_int_distribution<size_t> pick(0, targets.size() - 1);
      targets = {targets[pick(rng)]};
    }
    in_fault = true;
    cluster_down = fault == "outage" || fault == "broker-data";
    for (const cli::ComponentStatus& c : targets) {
      if (::kill(c.pid, SIGKILL) != 0) continue;
      ++kills[c.name];
      for (int i = 0; i < 500 && IsAlive(c.pid); ++i) absl::SleepFor(absl::Milliseconds(10));
    }
    if (fault == "broker-data") {
      for (const auto& entry : fs::directory_iterator(fs::path(dir) / "kafka")) {
        std::error_code ec;
        fs::remove_all(entry.path() / "data", ec);
        if (ec) return absl::InternalError("delete " + (entry.path() / "data").string() + ": " + ec.message());
      }
    }
    absl::SleepFor(absl::Seconds(*fault_seconds));
    cluster_down = false;
    auto again = stack_up();
    in_fault = false;
    return again.status();
  };

  // The kills: every round, each service is SIGKILLed once at a random point, then the stack is brought up.
  std::map<std::string, int> kills;
  std::vector<std::string> victims = cli::StackServices();
  std::uniform_int_distribution<int> gap_ms(20, 400), run_ms(200, 1200);
  std::string harness_failure;
  for (int round = 0; round < *rounds && harness_failure.empty() && !stop.load(); ++round) {
    if (fault != "services") {
      absl::SleepFor(absl::Seconds(3) + absl::Milliseconds(run_ms(rng)));  // the load and the probe, unbroken
      if (absl::Status s = break_kafka(kills); !s.ok()) {
        harness_failure = absl::StrCat(fault, " fault, round ", round + 1, ": ", s.ToString());
      }
      continue;
    }
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
    auto again = stack_up();
    if (!again.ok()) {
      harness_failure = absl::StrCat("stack up after round ", round + 1, ": ", again.status().ToString());
      break;
    }
    absl::SleepFor(absl::Milliseconds(run_ms(rng)));
  }
  // The last round's recovery is watched under load too.
  if (fault != "services") absl::SleepFor(absl::Seconds(3) + absl::Milliseconds(run_ms(rng)));
  stop = true;
  for (std::thread& t : load) t.join();
  probe.join();

  json out;
  out["seed"] = seed;
  out["rounds"] = *rounds;
  out["clients"] = *clients * static_cast<int>(WriteServices().size());
  out["rate_per_client"] = *rate;
  out["kills"] = kills;
  out["retries"] = retries.load();
  out["duplicates_answered"] = duplicates_answered.load();
  out["conflicts_decided_again"] = conflicts.load();
  out["fault"] = fault;
  out["kafka"] = {{"mode", kafka.mode}, {"brokers", kafka.brokers}, {"partitions", kafka.partitions},
                  {"projections", kafka.projections}, {"fault_seconds", *fault_seconds}};
  std::vector<std::string> problems;
  {
    // The probe's write -> visible times, during the faults and outside them (milliseconds).
    const auto summary = [&](bool during) {
      std::vector<double> ms;
      uint64_t invisible = 0, while_down = 0;
      for (const ProbeResult& r : probe_results) {
        if (r.during_fault != during) continue;
        if (r.visible_while_down) ++while_down;
        if (r.visible) ms.push_back(r.seconds * 1000);
        else ++invisible;
      }
      std::sort(ms.begin(), ms.end());
      const auto at = [&](double q) { return ms.empty() ? 0.0 : ms[std::min(ms.size() - 1, static_cast<size_t>(q * ms.size()))]; };
      return json{{"probes", ms.size() + invisible}, {"never_visible", invisible}, {"p50_ms", at(0.5)},
                  {"p99_ms", at(0.99)}, {"max_ms", ms.empty() ? 0.0 : ms.back()},
                  {"visible_while_cluster_down", while_down}};
    };
    out["write_to_visible"] = {{"during_faults", summary(true)}, {"outside_faults", summary(false)}};
    for (const char* when : {"during_faults", "outside_faults"}) {
      const uint64_t n = out["write_to_visible"][when]["never_visible"];
      if (n > 0) problems.push_back(absl::StrCat(n, " acknowledged probe writes ", when, " never became visible"));
    }
  }
  if (!harness_failure.empty()) problems.push_back(harness_failure);
  if (!client_failure.empty()) problems.push_back("a client got a non-retryable error: " + client_failure);

  // Let every member catch up with its lanes' heads, then stop the stack to read the stores directly.
  std::map<std::string, std::vector<int32_t>> owned_by;  // projection member -> its partitions at the end
  std::map<std::pair<std::string, int32_t>, uint64_t> lane_heads;  // (source, partition) -> its last event
  if (problems.empty()) {
    if (auto s = stack_up(); !s.ok()) problems.push_back("final stack up: " + s.status().ToString());
  }
  if (problems.empty()) {
    // Each (source, partition)'s last event, from the stores' EventLogs (the load has stopped): the members
    // together must have applied every lane up to it, each partition owned by exactly one of them.
    uint64_t read = 0;
    auto store_heads = cli::StoreLaneHeads(dir, WriteServices(), *partitions, &read);
    if (!store_heads.ok()) problems.push_back("read the stores: " + store_heads.status().ToString());
    if (store_heads.ok()) {
      lane_heads = *store_heads;
      auto caught_up = cli::WaitMembersCaughtUp(dir, lane_heads, *partitions, absl::Minutes(3));
      if (caught_up.ok()) {
        owned_by = caught_up->owned_by;
      } else {
        problems.push_back(std::string(caught_up.status().message()));
      }
    }
  }
  // A component that needed SIGKILL after its grace is reported, not failed: the stores and views are checked
  // below as they are after any kill, so the guarantees hold either way; a slow graceful stop is its own finding.
  if (absl::Status s = cli::StackDown(dir); absl::IsDeadlineExceeded(s)) {
    out["slow_stop"] = std::string(s.message());
  } else if (!s.ok()) {
    problems.push_back("stack down: " + s.ToString());
  }

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

  // 4: each projection member against a fresh replay of the stores restricted to the partitions it owns at the
  // end (an unsplit projection owns them all). Every key of the replay must be in the member's views with the
  // same bytes; a member that served partitions earlier in the run keeps their views (no longer served), so keys
  // only in a member's views are counted, not failed, when several members ran.
  bool projection_equal = !owned_by.empty();
  size_t view_keys = 0, stale_keys = 0;
  json members_compared = json::object();
  for (const auto& [member, owned] : owned_by) {
    if (stores.size() != WriteServices().size()) break;
    const fs::path replay_dir = fs::path(dir) / ("replay-" + member);
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    fs::remove_all(replay_dir);
    rocksdb::Status s = rocksdb::DB::Open(o, replay_dir.string(), &raw);
    std::unique_ptr<rocksdb::DB> db(raw);
    if (!s.ok()) {
      problems.push_back("open the replay views: " + s.ToString());
      projection_equal = false;
      continue;
    }
    std::map<ServiceName, std::shared_ptr<kafka::SourceReader>> readers;
    for (const auto& [name, store] : stores) readers[ServiceName(name)] = kafka::StoreSourceReader(store.get());
    kafka::ApplierOptions ao;
    ao.sync = false;
    ao.share = kafka::PartitionShare{static_cast<int32_t>(*partitions), owned};
    auto applier = kafka::EventApplier::Open(db.get(), projection::MakeViewHandler(db.get()),
                                             kafka::ReaderPerSource(std::move(readers)), ao);
    if (!applier.ok()) problems.push_back("replay applier: " + applier.status().ToString());
    for (const std::string& service : WriteServices()) {
      if (!applier.ok()) break;
      if (auto n = (*applier)->CatchUp(ServiceName(service)); !n.ok()) problems.push_back("replay " + service + ": " + n.status().ToString());
    }
    if (applier.ok()) applier->reset();
    db.reset();
    auto live = DumpDb((fs::path(dir) / member / "views").string());
    auto replay = DumpDb(replay_dir.string());
    if (!live.ok() || !replay.ok()) {
      problems.push_back("dump views: " + (live.ok() ? replay.status() : live.status()).ToString());
      projection_equal = false;
      continue;
    }
    view_keys += live->size();
    size_t only_live = 0;
    std::vector<std::string> diffs;
    for (std::string& d : DiffViews(*live, *replay, lane_heads)) {
      if (owned_by.size() > 1 && d.rfind("only in the live projection", 0) == 0) {
        ++only_live;
      } else {
        diffs.push_back(member + ": " + d);
      }
    }
    stale_keys += only_live;
    members_compared[member] = {{"partitions", owned}, {"keys", live->size()}, {"equal", diffs.empty()},
                                {"keys_of_partitions_served_earlier", only_live}};
    projection_equal &= diffs.empty();
    for (size_t i = 0; i < diffs.size() && i < 5; ++i) problems.push_back("projection vs replay: " + diffs[i]);
    if (diffs.size() > 5) problems.push_back(absl::StrCat("projection vs replay: ", diffs.size(), " differences"));
  }
  if (owned_by.empty() && problems.empty()) problems.push_back("no projection member answered");
  out["members_compared"] = members_compared;
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
