#include "tools/bench/append_bench.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "libs/base/status_macros.h"
#include "libs/eventstore/event_store.h"
#include "libs/eventstore/rocksdb_status.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "tools/bench/bench_util.h"

namespace piao::bench {

namespace fs = std::filesystem;

absl::StatusOr<double> BenchStore(const fs::path& dir, int batch, int appenders, double seconds) {
  fs::remove_all(dir);
  eventstore::Options o;
  o.source_service = ServiceName("bench");
  o.sync = true;
  PIAO_ASSIGN_OR_RETURN(std::unique_ptr<eventstore::EventStore> store, eventstore::EventStore::Open(dir.string(), o));
  std::atomic<uint64_t> events{0};
  std::atomic<bool> stop{false};
  absl::Mutex mu;
  absl::Status first_error;
  std::vector<std::thread> ts;
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < appenders; ++t) {
    ts.emplace_back([&, t] {
      eventstore::CommandContext ctx;
      ctx.actor.set_id("svc:bench");
      const StreamId stream{"bench", absl::StrCat("s", t)};
      uint64_t version = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        std::vector<eventstore::NewEvent> ev(batch);
        for (auto& e : ev) {
          e.event_type = "piao.v1.Bench";
          e.payload = std::string(200, 'x');
        }
        auto r = store->Append(stream, eventstore::ExpectedVersion::Exactly(StreamVersion(version)), std::move(ev), ctx);
        if (!r.ok()) {
          absl::MutexLock l(&mu);
          if (first_error.ok()) first_error = r.status();
          stop = true;
          return;
        }
        version = r->last_version.value();
        events.fetch_add(batch, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : ts) th.join();
  const double elapsed = SecondsSince(start);
  store.reset();
  fs::remove_all(dir);
  PIAO_RETURN_IF_ERROR(first_error);
  return static_cast<double>(events.load()) / elapsed;
}

absl::StatusOr<double> BenchRawRocks(const fs::path& dir, int batch, int appenders, double seconds) {
  fs::remove_all(dir);
  rocksdb::Options ro;
  ro.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  PIAO_RETURN_IF_ERROR(eventstore::FromRocksDb(rocksdb::DB::Open(ro, dir.string(), &raw), "raw open"));
  std::unique_ptr<rocksdb::DB> db(raw);
  std::atomic<uint64_t> records{0}, seq{0};
  std::atomic<bool> stop{false};
  absl::Mutex mu;
  absl::Status first_error;
  std::vector<std::thread> ts;
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < appenders; ++t) {
    ts.emplace_back([&] {
      rocksdb::WriteOptions wo;
      wo.sync = true;
      const std::string value(300, 'x');
      while (!stop.load(std::memory_order_relaxed)) {
        rocksdb::WriteBatch b;
        for (int i = 0; i < batch; ++i) b.Put(absl::StrCat("e", seq.fetch_add(1)), value);
        rocksdb::Status s = db->Write(wo, &b);
        if (!s.ok()) {
          absl::MutexLock l(&mu);
          if (first_error.ok()) first_error = eventstore::FromRocksDb(s, "raw write");
          stop = true;
          return;
        }
        records.fetch_add(batch, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : ts) th.join();
  const double elapsed = SecondsSince(start);
  db.reset();
  fs::remove_all(dir);
  PIAO_RETURN_IF_ERROR(first_error);
  return static_cast<double>(records.load()) / elapsed;
}

}  // namespace piao::bench
