#include "tools/bench/projection_bench.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "libs/base/status_macros.h"
#include "libs/eventstore/rocksdb_status.h"
#include "libs/kafka/event_applier.h"
#include "libs/kafka/event_consumer.h"
#include "libs/kafka/kafka_conf.h"
#include "libs/kafka/mock_cluster.h"
#include "libs/kafka/outbox_relay.h"
#include "piao/v1/measurement.pb.h"
#include "rocksdb/db.h"
#include "services/projection/projection_service.h"
#include "services/projection/query.h"
#include "services/projection/view.h"
#include "tools/bench/bench_util.h"
#include "tools/bench/relay_bench.h"

namespace piao::bench {
namespace {

namespace fs = std::filesystem;
const ServiceName kPlanning("planning");
const ServiceName kMeasurement("measurement");

absl::StatusOr<std::unique_ptr<rocksdb::DB>> OpenViews(const fs::path& dir) {
  fs::remove_all(dir);
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  PIAO_RETURN_IF_ERROR(eventstore::FromRocksDb(rocksdb::DB::Open(options, dir.string(), &raw), "opening views"));
  return std::unique_ptr<rocksdb::DB>(raw);
}

std::shared_ptr<kafka::SourceReader> Readers(const eventstore::EventStore* planning,
                                             const eventstore::EventStore* measurement) {
  return kafka::ReaderPerSource({{kPlanning, kafka::StoreSourceReader(planning)},
                                 {kMeasurement, kafka::StoreSourceReader(measurement)}});
}

absl::Status Relay(eventstore::EventStore* store, const std::string& bootstrap, int partitions) {
  kafka::RelayOptions ro;
  ro.partitions = partitions;
  ro.kafka["bootstrap.servers"] = bootstrap;
  PIAO_ASSIGN_OR_RETURN(auto relay, kafka::OutboxRelay::Create(store, ro));
  PIAO_RETURN_IF_ERROR(relay->Start());
  PIAO_RETURN_IF_ERROR(relay->Flush(absl::Minutes(10)));
  relay->Stop();
  return absl::OkStatus();
}

kafka::ConsumerOptions ProjectionConsumerOptions(const std::string& bootstrap, int partitions) {
  kafka::ConsumerOptions options;
  options.kafka["bootstrap.servers"] = bootstrap;
  options.kafka["group.id"] = "piao-projection";
  options.kafka["client.id"] = "piao-projection";
  options.kafka["session.timeout.ms"] = "6000";
  options.kafka["heartbeat.interval.ms"] = "1000";
  options.topics = {kafka::EventsTopic(kPlanning), kafka::EventsTopic(kMeasurement)};
  options.applier.share = kafka::PartitionShare::All(partitions);
  return options;
}

}  // namespace

absl::StatusOr<ApplyResult> BenchApply(const fs::path& dir, uint64_t events) {
  constexpr int kPartitions = 3;
  PIAO_ASSIGN_OR_RETURN(MixStores mix, WriteMix(dir / "sources", events));
  PIAO_ASSIGN_OR_RETURN(auto cluster, kafka::MockKafkaCluster::Create(1));
  for (const ServiceName& s : {kPlanning, kMeasurement}) {
    PIAO_RETURN_IF_ERROR(cluster->CreateTopic(kafka::EventsTopic(s), kPartitions));
  }
  PIAO_RETURN_IF_ERROR(Relay(mix.planning.get(), cluster->bootstrap_servers(), kPartitions));
  PIAO_RETURN_IF_ERROR(Relay(mix.measurement.get(), cluster->bootstrap_servers(), kPartitions));
  // Both sides read every event from Kafka: the topics must still hold all of them.
  PIAO_ASSIGN_OR_RETURN(uint64_t retained,
                        RetainedMessages(cluster->bootstrap_servers(),
                                         {kafka::EventsTopic(kPlanning), kafka::EventsTopic(kMeasurement)}, kPartitions));
  if (retained < mix.events) {
    return absl::FailedPreconditionError(absl::StrCat("P2: the topics hold ", retained, " of ", mix.events, " events"));
  }
  ApplyResult r;
  r.events = mix.events;
  PIAO_ASSIGN_OR_RETURN(std::unique_ptr<rocksdb::DB> db, OpenViews(dir / "views"));
  {
    PIAO_ASSIGN_OR_RETURN(std::unique_ptr<kafka::EventConsumer> consumer,
                          kafka::EventConsumer::Create(db.get(), ProjectionConsumerOptions(cluster->bootstrap_servers(), kPartitions),
                                                       projection::MakeViewHandler(db.get()),
                                                       Readers(mix.planning.get(), mix.measurement.get())));
    // The clock starts with the first Poll after the group assigned the partitions (the join is not timed).
    std::optional<std::chrono::steady_clock::time_point> start;
    uint64_t at_start = 0;
    const auto began = std::chrono::steady_clock::now();
    for (;;) {
      const kafka::ConsumerStats before = consumer->stats();
      if (!start.has_value() && before.assigned_partitions > 0) {
        start = std::chrono::steady_clock::now();
        at_start = before.applier.applied + before.applier.duplicates;
      }
      PIAO_RETURN_IF_ERROR(consumer->Poll(absl::Milliseconds(100)).status());
      const kafka::ApplierStats st = consumer->stats().applier;
      if (st.applied + st.duplicates >= mix.events) break;
      if (SecondsSince(began) > 1200) return absl::DeadlineExceededError("apply: not every event was applied");
    }
    if (!start.has_value()) start = began;
    const double elapsed = SecondsSince(*start);
    r.apply_per_s = static_cast<double>(mix.events - at_start) / elapsed;
    if (at_start == mix.events) r.apply_per_s = static_cast<double>(mix.events) / SecondsSince(began);
  }
  PIAO_ASSIGN_OR_RETURN(r.raw_consume_per_s,
                        BenchRawConsume(cluster->bootstrap_servers(),
                                        {kafka::EventsTopic(kPlanning), kafka::EventsTopic(kMeasurement)}, kPartitions,
                                        mix.events));
  db.reset();
  mix = MixStores();
  fs::remove_all(dir);
  return r;
}

absl::StatusOr<double> BenchRebuild(const fs::path& views_dir, const MixStores& mix) {
  PIAO_ASSIGN_OR_RETURN(std::unique_ptr<rocksdb::DB> db, OpenViews(views_dir));
  const auto start = std::chrono::steady_clock::now();
  {
    PIAO_ASSIGN_OR_RETURN(std::unique_ptr<kafka::EventApplier> applier,
                          kafka::EventApplier::Open(db.get(), projection::MakeViewHandler(db.get()),
                                                    Readers(mix.planning.get(), mix.measurement.get())));
    PIAO_ASSIGN_OR_RETURN(uint64_t p, applier->CatchUp(kPlanning));
    PIAO_ASSIGN_OR_RETURN(uint64_t m, applier->CatchUp(kMeasurement));
    if (p + m != mix.events) {
      return absl::InternalError(absl::StrCat("rebuild applied ", p + m, " of ", mix.events, " events"));
    }
  }
  const double elapsed = SecondsSince(start);
  db.reset();
  fs::remove_all(views_dir);
  return elapsed;
}

absl::StatusOr<TreeResult> BenchTree(const fs::path& dir, int indicators, int repetitions) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  eventstore::Options o;
  o.sync = false;
  o.source_service = kPlanning;
  PIAO_ASSIGN_OR_RETURN(auto planning, eventstore::EventStore::Open((dir / "planning").string(), o));
  o.source_service = kMeasurement;
  PIAO_ASSIGN_OR_RETURN(auto measurement, eventstore::EventStore::Open((dir / "measurement").string(), o));
  const std::string admin = "PA-LARGE";
  PIAO_ASSIGN_OR_RETURN(AdministrationEvents plan, LargePlanFor(admin, indicators));
  PIAO_RETURN_IF_ERROR(AppendAll(*planning, plan.planning));
  PIAO_RETURN_IF_ERROR(AppendAll(*measurement, plan.measurement));
  PIAO_ASSIGN_OR_RETURN(std::unique_ptr<rocksdb::DB> db, OpenViews(dir / "views"));
  {
    PIAO_ASSIGN_OR_RETURN(std::unique_ptr<kafka::EventApplier> applier,
                          kafka::EventApplier::Open(db.get(), projection::MakeViewHandler(db.get()),
                                                    Readers(planning.get(), measurement.get())));
    PIAO_RETURN_IF_ERROR(applier->CatchUp(kPlanning).status());
    PIAO_RETURN_IF_ERROR(applier->CatchUp(kMeasurement).status());
  }
  v1::GetScoresRequest request;
  request.set_administration(admin);
  request.set_year(2022);
  TreeResult r;
  std::vector<double> tree, uncached, scan;
  projection::ScoresCache cache;  // as ProjectionService::GetScores holds one
  for (int i = 0; i < repetitions; ++i) {
    auto start = std::chrono::steady_clock::now();
    {
      projection::SnapshotReader snapshot(db.get());
      PIAO_ASSIGN_OR_RETURN(v1::ScoresView view, projection::QueryScores(snapshot.reader(), request, &cache));
      if (view.objectives_size() == 0) return absl::InternalError("the large plan scored no objective");
    }
    tree.push_back(SecondsSince(start) * 1000);
    start = std::chrono::steady_clock::now();
    {
      projection::SnapshotReader snapshot(db.get());
      PIAO_ASSIGN_OR_RETURN(v1::ScoresView view, projection::QueryScores(snapshot.reader(), request));
      if (view.objectives_size() == 0) return absl::InternalError("the large plan scored no objective");
    }
    uncached.push_back(SecondsSince(start) * 1000);
    start = std::chrono::steady_clock::now();
    {
      const rocksdb::Snapshot* snap = db->GetSnapshot();
      rocksdb::ReadOptions ro;
      ro.snapshot = snap;
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro));
      const std::string prefix = projection::PlanPrefix(admin, 2022);
      uint64_t n = 0;
      size_t bytes = 0;
      for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
        std::string k = it->key().ToString(), v = it->value().ToString();
        bytes += k.size() + v.size();
        ++n;
      }
      absl::Status s = eventstore::FromRocksDb(it->status(), "raw scan");
      it.reset();
      db->ReleaseSnapshot(snap);
      PIAO_RETURN_IF_ERROR(s);
      r.records = n;
      if (bytes == 0) return absl::InternalError("raw scan read nothing");
    }
    scan.push_back(SecondsSince(start) * 1000);
  }
  if (cache.stats().hits + 1 != static_cast<uint64_t>(repetitions)) {
    return absl::InternalError("P3: the repeated queries did not hit the scores cache");
  }
  r.tree_ms = Quantile(tree, 0.5);
  r.tree_uncached_ms = Quantile(uncached, 0.5);
  r.raw_scan_ms = Quantile(scan, 0.5);
  db.reset();
  fs::remove_all(dir);
  return r;
}

absl::StatusOr<FreshnessResult> BenchFreshness(const fs::path& dir, double seconds, int rate) {
  constexpr int kPartitions = 3;
  fs::remove_all(dir);
  fs::create_directories(dir);
  eventstore::Options o;
  o.sync = true;
  o.source_service = kPlanning;
  PIAO_ASSIGN_OR_RETURN(auto planning, eventstore::EventStore::Open((dir / "planning").string(), o));
  o.source_service = kMeasurement;
  PIAO_ASSIGN_OR_RETURN(auto measurement, eventstore::EventStore::Open((dir / "measurement").string(), o));
  const std::string admin = "PA-FRESH";
  PIAO_ASSIGN_OR_RETURN(AdministrationEvents plan, MixFor(admin));
  PIAO_RETURN_IF_ERROR(AppendAll(*planning, plan.planning));
  PIAO_ASSIGN_OR_RETURN(auto cluster, kafka::MockKafkaCluster::Create(1));
  for (const ServiceName& s : {kPlanning, kMeasurement}) {
    PIAO_RETURN_IF_ERROR(cluster->CreateTopic(kafka::EventsTopic(s), kPartitions));
  }
  kafka::RelayOptions ro;
  ro.partitions = kPartitions;
  ro.kafka["bootstrap.servers"] = cluster->bootstrap_servers();
  PIAO_ASSIGN_OR_RETURN(auto planning_relay, kafka::OutboxRelay::Create(planning.get(), ro));
  PIAO_ASSIGN_OR_RETURN(auto measurement_relay, kafka::OutboxRelay::Create(measurement.get(), ro));
  PIAO_RETURN_IF_ERROR(planning_relay->Start());
  PIAO_RETURN_IF_ERROR(measurement_relay->Start());
  PIAO_ASSIGN_OR_RETURN(std::unique_ptr<rocksdb::DB> db, OpenViews(dir / "views"));
  PIAO_ASSIGN_OR_RETURN(std::unique_ptr<kafka::EventConsumer> consumer,
                        kafka::EventConsumer::Create(db.get(), ProjectionConsumerOptions(cluster->bootstrap_servers(), kPartitions),
                                                     projection::MakeViewHandler(db.get()),
                                                     Readers(planning.get(), measurement.get())));
  PIAO_RETURN_IF_ERROR(consumer->Start());
  // Warm up: the plan and one actual are applied before the clock starts: the group has joined and both relays'
  // producers are connected and hold their producer ids (a new idempotent producer delivers nothing for about a
  // second on the mock cluster, once per process: without this the first second of samples measured that).
  {
    v1::EventEnvelope first = plan.measurement.front();
    v1::ActualRecorded a;
    if (!a.ParseFromString(first.payload())) return absl::InternalError("freshness: undecodable mix actual");
    a.set_actual_id(absl::StrCat(admin, "/fresh/warm-up"));
    first.set_payload(a.SerializeAsString());
    PIAO_RETURN_IF_ERROR(AppendAll(*measurement, {first}));
  }
  const GlobalPosition plan_head = planning->head().position;
  const GlobalPosition warm_actual = measurement->head().position;
  const auto warm = std::chrono::steady_clock::now();
  while (consumer->applier().Applied(kPlanning, admin) < plan_head ||
         consumer->applier().Applied(kMeasurement, admin) < warm_actual) {
    if (SecondsSince(warm) > 60) return absl::DeadlineExceededError("freshness: the warm-up was not applied in 60 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  struct Pending {
    GlobalPosition position;
    std::chrono::steady_clock::time_point acked;
  };
  absl::Mutex mu;
  std::deque<Pending> pending;
  std::vector<double> latencies;
  std::atomic<bool> writing{true};
  std::atomic<bool> abandon{false};
  absl::Status write_error;
  std::thread watcher([&] {
    for (;;) {
      const GlobalPosition applied = consumer->applier().Applied(kMeasurement, admin);
      const auto now = std::chrono::steady_clock::now();
      {
        absl::MutexLock l(&mu);
        while (!pending.empty() && pending.front().position <= applied) {
          latencies.push_back(std::chrono::duration<double, std::milli>(now - pending.front().acked).count());
          pending.pop_front();
        }
        if ((!writing.load() && pending.empty()) || abandon.load()) return;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  {
    const auto start = std::chrono::steady_clock::now();
    const auto period = std::chrono::duration<double>(1.0 / rate);
    size_t i = 0;
    while (SecondsSince(start) < seconds) {
      const v1::EventEnvelope& e = plan.measurement[i % plan.measurement.size()];
      v1::ActualRecorded a;
      a.ParseFromString(e.payload());
      a.set_actual_id(absl::StrCat(admin, "/fresh/", i));
      v1::EventEnvelope copy = e;
      copy.set_payload(a.SerializeAsString());
      absl::Status s = AppendAll(*measurement, {copy});
      if (!s.ok()) {
        write_error = s;
        break;
      }
      {
        absl::MutexLock l(&mu);
        pending.push_back(Pending{measurement->head().position, std::chrono::steady_clock::now()});
      }
      ++i;
      std::this_thread::sleep_until(start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(period * i));
    }
  }
  writing = false;
  // The watcher ends once every acknowledged append is visible; give up after 60 s.
  const auto drain = std::chrono::steady_clock::now();
  for (;;) {
    {
      absl::MutexLock l(&mu);
      if (pending.empty()) break;
    }
    if (SecondsSince(drain) > 60) {
      abandon = true;
      watcher.join();
      consumer->Stop();
      return absl::DeadlineExceededError("freshness: acknowledged appends not visible after 60 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  watcher.join();
  consumer->Stop();
  planning_relay->Stop();
  measurement_relay->Stop();
  PIAO_RETURN_IF_ERROR(write_error);
  FreshnessResult r;
  r.samples = latencies.size();
  r.p50_ms = Quantile(latencies, 0.5);
  r.p99_ms = Quantile(latencies, 0.99);
  consumer.reset();
  db.reset();
  fs::remove_all(dir);
  return r;
}

}  // namespace piao::bench
