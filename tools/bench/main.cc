// piao-bench: durable append throughput of the event store (with group commit), the raw RocksDB synced
// WriteBatch throughput at the same sizes (the ceiling), and the outbox relay's publish rate to the
// embedded Kafka broker. Prints a Markdown table for docs/BENCHMARKS.md.
//
// Usage: piao-bench [--dir DIR] [--seconds S] [--relay-events N]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "libs/base/config.h"
#include "libs/base/files.h"
#include "libs/eventstore/event_store.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "tools/bench/relay_bench.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Result {
  double appends_per_s = 0;
  double events_per_s = 0;
};

// `threads` appenders, each appending `batch` events per call to its own stream, for `seconds`.
Result BenchStore(const fs::path& dir, int batch, int threads, double seconds) {
  fs::remove_all(dir);
  piao::eventstore::Options o;
  o.source_service = piao::ServiceName("bench");
  o.sync = true;
  auto store = piao::eventstore::EventStore::Open(dir.string(), o);
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", store.status().ToString().c_str());
    std::exit(1);
  }
  std::atomic<uint64_t> appends{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> ts;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      piao::eventstore::CommandContext ctx;
      ctx.actor.set_id("svc:bench");
      piao::StreamId stream{"bench", "s" + std::to_string(t)};
      while (!stop.load(std::memory_order_relaxed)) {
        std::vector<piao::eventstore::NewEvent> ev(batch);
        for (auto& e : ev) {
          e.event_type = "piao.v1.Bench";
          e.payload = std::string(200, 'x');
        }
        auto r = (*store)->Append(stream, piao::eventstore::ExpectedVersion::Any(), std::move(ev), ctx);
        if (!r.ok()) {
          std::fprintf(stderr, "append: %s\n", r.status().ToString().c_str());
          std::exit(1);
        }
        appends.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : ts) th.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  store->reset();
  fs::remove_all(dir);
  return Result{appends / elapsed, appends * batch / elapsed};
}

// The ceiling: synced RocksDB WriteBatches of `batch` records of the same size, no event-store logic.
Result BenchRawRocks(const fs::path& dir, int batch, int threads, double seconds) {
  fs::remove_all(dir);
  rocksdb::Options ro;
  ro.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(ro, dir.string(), &raw).ok()) std::exit(1);
  std::unique_ptr<rocksdb::DB> db(raw);
  std::atomic<uint64_t> writes{0}, seq{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> ts;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&] {
      rocksdb::WriteOptions wo;
      wo.sync = true;
      const std::string value(300, 'x');  // about an envelope with a 200-byte payload
      while (!stop.load(std::memory_order_relaxed)) {
        rocksdb::WriteBatch b;
        for (int i = 0; i < batch; ++i) b.Put("e" + std::to_string(seq.fetch_add(1)), value);
        if (!db->Write(wo, &b).ok()) std::exit(1);
        writes.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : ts) th.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  db.reset();
  fs::remove_all(dir);
  return Result{writes / elapsed, writes * batch / elapsed};
}

}  // namespace

int main(int argc, char** argv) {
  piao::Config config;
  config.Declare("dir", "", "scratch directory (removed); default: a new one from mkdtemp under $TMPDIR")
      .Declare("seconds", "3", "seconds per measurement")
      .Declare("relay-events", "20000", "events published by the relay measurement");
  if (auto s = config.ParseFromProcess(argc, argv); !s.ok()) {
    std::fprintf(stderr, "%s\n%s", std::string(s.message()).c_str(), config.Usage().c_str());
    return 2;
  }
  fs::path dir = config.Get("dir");
  if (dir.empty()) {
    absl::StatusOr<std::string> made = piao::MakeTempDirectory("piao-bench-");
    if (!made.ok()) {
      std::fprintf(stderr, "%s\n", made.status().ToString().c_str());
      return 1;
    }
    dir = *made;
  }
  fs::create_directories(dir);
  const double seconds = static_cast<double>(config.GetInt("seconds").value_or(3));
  std::printf("| events per append | appenders | store appends/s | store events/s | raw RocksDB batches/s | raw events/s |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|\n");
  for (int batch : {1, 10, 100}) {
    for (int threads : {1, 8}) {
      Result s = BenchStore(dir / "store", batch, threads, seconds);
      Result r = BenchRawRocks(dir / "raw", batch, threads, seconds);
      std::printf("| %d | %d | %.0f | %.0f | %.0f | %.0f |\n", batch, threads, s.appends_per_s, s.events_per_s,
                  r.appends_per_s, r.events_per_s);
      std::fflush(stdout);
    }
  }
  const int relay_events = static_cast<int>(config.GetInt("relay-events").value_or(20000));
  auto relay = piao::bench::BenchRelay(dir / "relay", relay_events);
  if (!relay.ok()) {
    std::fprintf(stderr, "relay: %s\n", relay.status().ToString().c_str());
    return 1;
  }
  std::printf("\nOutbox relay to the embedded broker: %d events delivered (acks=all, idempotent) in %.2f s = %.0f events/s\n",
              relay_events, relay->seconds, relay_events / relay->seconds);
  fs::remove_all(dir);
  return 0;
}
