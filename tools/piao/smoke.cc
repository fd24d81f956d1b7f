#include "tools/piao/smoke.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/eventstore/rocksdb_status.h"
#include "libs/base/files.h"
#include "libs/base/sha256.h"
#include "libs/base/status_macros.h"
#include "libs/kafka/event_consumer.h"
#include "libs/kafka/kafka_conf.h"
#include "libs/service/client.h"
#include "libs/service/event_log_client.h"
#include "libs/service/grpc_status.h"
#include "piao/v1/planning.grpc.pb.h"
#include "rocksdb/db.h"
#include "tools/piao/stack.h"

namespace piao::cli {
namespace fs = std::filesystem;

namespace {

std::string RunId() {
  std::random_device rd;
  std::string raw;
  for (int i = 0; i < 4; ++i) raw.push_back(static_cast<char>(rd() & 0xff));
  return ToHex(raw);
}

absl::StatusOr<v1::CommandAck> CreatePlan(v1::Planning::Stub& stub, const std::string& token, const std::string& admin,
                                          int year, const std::string& key) {
  grpc::ClientContext ctx;
  service::PrepareContext(&ctx, token, absl::Seconds(10));
  v1::CreatePlanRequest req;
  req.mutable_meta()->set_idempotency_key(key);
  req.mutable_meta()->set_correlation_id("smoke");
  req.set_administration(admin);
  req.set_year(year);
  v1::CommandAck ack;
  grpc::Status s = stub.CreatePlan(&ctx, req, &ack);
  if (!s.ok()) return service::FromGrpcStatus(s);
  return ack;
}

}  // namespace

absl::Status RunSmoke(const SmokeOptions& options) {
  PIAO_ASSIGN_OR_RETURN(ServiceConnection planning, Connect(options.data_dir, "planning"));
  PIAO_ASSIGN_OR_RETURN(std::string bootstrap, BootstrapServers(options.data_dir));
  service::EventLogEndpoint log_endpoint{planning.channel, planning.token, absl::Seconds(30)};
  PIAO_ASSIGN_OR_RETURN(v1::GetHeadResponse head_before, service::GetHead(log_endpoint));
  auto stub = v1::Planning::NewStub(planning.channel);
  const std::string run = RunId();

  // 1. Concurrent commands.
  std::atomic<int> next{0}, failed{0};
  std::string first_error;
  std::mutex error_mu;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < options.threads; ++t) {
    threads.emplace_back([&] {
      for (int i = next++; i < options.plans; i = next++) {
        auto ack = CreatePlan(*stub, planning.token, absl::StrCat("SMOKE-", run, "-", i), 2026,
                              absl::StrCat("smoke-", run, "-", i));
        if (!ack.ok()) {
          failed++;
          std::lock_guard<std::mutex> l(error_mu);
          if (first_error.empty()) first_error = ack.status().ToString();
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  const double command_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (failed > 0) return absl::InternalError(absl::StrCat(failed.load(), " commands failed, first: ", first_error));

  // 2. A retried command is answered from its idempotency record; bad input is refused by name.
  PIAO_ASSIGN_OR_RETURN(v1::CommandAck retry, CreatePlan(*stub, planning.token, absl::StrCat("SMOKE-", run, "-0"),
                                                         2026, absl::StrCat("smoke-", run, "-0")));
  if (!retry.duplicate()) return absl::InternalError("a retried command was applied twice");
  absl::StatusOr<v1::CommandAck> bad = CreatePlan(*stub, planning.token, "SMOKE", 26, "");
  if (bad.ok() || bad.status().code() != absl::StatusCode::kInvalidArgument) {
    return absl::InternalError(absl::StrCat("bad input was not refused as INVALID_ARGUMENT: ", bad.status().ToString()));
  }
  PIAO_ASSIGN_OR_RETURN(v1::GetHeadResponse head, service::GetHead(log_endpoint));
  const uint64_t expected_head = head_before.global_position() + options.plans;
  if (head.global_position() != expected_head) {
    return absl::InternalError(absl::StrCat("store head is ", head.global_position(), ", expected ", expected_head));
  }

  // 3. A fresh consumer group reads the topic from Kafka, deduplicating by position, filling gaps from the store.
  PIAO_ASSIGN_OR_RETURN(const std::string scratch, MakeTempDirectory("piao-smoke-"));
  const fs::path consumer_dir = fs::path(scratch) / "consumer";
  rocksdb::Options ro;
  ro.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status open = rocksdb::DB::Open(ro, consumer_dir.string(), &raw);
  if (!open.ok()) return absl::UnavailableError(open.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::atomic<uint64_t> smoke_events{0};
  kafka::ConsumerOptions co;
  co.kafka = {{"bootstrap.servers", bootstrap},
              {"group.id", absl::StrCat("piao-smoke-", run)},
              {"session.timeout.ms", "6000"},
              {"heartbeat.interval.ms", "1000"}};
  co.topics = {kafka::EventsTopic(ServiceName("planning"))};
  const std::string prefix = absl::StrCat("SMOKE-", run, "-");
  auto consumer = kafka::EventConsumer::Create(
      db.get(), co,
      [&](const v1::EventEnvelope& e, rocksdb::WriteBatch* batch) -> absl::Status {
        v1::PlanCreated p;
        if (e.event_type() == "piao.v1.PlanCreated" && p.ParseFromString(e.payload()) &&
            p.administration().rfind(prefix, 0) == 0) {
          smoke_events++;
        }
        return eventstore::FromRocksDb(batch->Put(absl::StrCat("seen/", e.global_position()), e.event_id()),
                                       "smoke consumer record");
      },
      service::RemoteSourceReader({{"planning", log_endpoint}}));
  if (!consumer.ok()) return consumer.status();
  const auto consume_start = std::chrono::steady_clock::now();
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while ((*consumer)->LastApplied(ServiceName("planning")).value() < expected_head) {
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat("consumer reached position ",
                                                      (*consumer)->LastApplied(ServiceName("planning")).value(), " of ", expected_head));
    }
    PIAO_RETURN_IF_ERROR((*consumer)->Poll(absl::Milliseconds(200)).status());
  }
  const double consume_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - consume_start).count();
  kafka::ConsumerStats stats = (*consumer)->stats();
  consumer->reset();
  db.reset();
  std::error_code ec;
  fs::remove_all(scratch, ec);
  if (smoke_events != static_cast<uint64_t>(options.plans)) {
    return absl::InternalError(absl::StrCat("consumer saw ", smoke_events.load(), " smoke events, expected ", options.plans));
  }

  // 4. The chain is intact.
  PIAO_ASSIGN_OR_RETURN(v1::VerifyChainResponse verify, service::VerifyChain(log_endpoint));
  if (!verify.intact()) return absl::DataLossError("planning hash chain broken: " + verify.problem());

  const uint64_t via_kafka = stats.applier.applied - stats.applier.filled;
  if (options.json) {
    nlohmann::json j = {{"commands", options.plans},
                        {"command_seconds", command_seconds},
                        {"commands_per_second", options.plans / command_seconds},
                        {"retry_deduplicated", retry.duplicate()},
                        {"bad_input_code", "INVALID_ARGUMENT"},
                        {"store_head", head.global_position()},
                        {"consumer_applied", stats.applier.applied},
                        {"consumer_via_kafka", via_kafka},
                        {"consumer_filled_from_store", stats.applier.filled},
                        {"consumer_duplicates_ignored", stats.applier.duplicates},
                        {"consume_seconds", consume_seconds},
                        {"chain_intact", verify.intact()},
                        {"chain_events", verify.events_checked()}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("smoke: %d CreatePlan commands from %d clients in %.2f s (%.0f/s), each acknowledged after a synced write\n",
                options.plans, options.threads, command_seconds, options.plans / command_seconds);
    std::printf("smoke: a retried command was answered from its idempotency record; bad input was refused: %s\n",
                std::string(bad.status().message()).c_str());
    std::printf("smoke: a fresh consumer applied %llu events from topic %s in %.2f s (%llu via Kafka, %llu filled from "
                "the store, %llu duplicates ignored)\n",
                static_cast<unsigned long long>(stats.applier.applied), kafka::EventsTopic(ServiceName("planning")).c_str(),
                consume_seconds, static_cast<unsigned long long>(via_kafka),
                static_cast<unsigned long long>(stats.applier.filled),
                static_cast<unsigned long long>(stats.applier.duplicates));
    std::printf("smoke: planning hash chain intact over %llu events\n",
                static_cast<unsigned long long>(verify.events_checked()));
  }
  return absl::OkStatus();
}

}  // namespace piao::cli
