// piao-projection: consumes the planning and measurement events (catch-up from each source's EventLog, then
// Kafka), keeps the scoring views and indicator histories in its own RocksDB, and serves piao.v1.Projection.
//
//   piao-projection --listen=127.0.0.1:0 --data-dir=DIR --tokens-file=FILE --bootstrap-servers=HOST:PORT
//                   --sources=planning=HOST:PORT,measurement=HOST:PORT --service-token-file=FILE
//                   [--address-file=FILE] [--kafka-properties=k=v;k=v] [--max-wait-seconds=30]
//                   [--tls-ca=FILE --tls-client-cert=FILE --tls-client-key=FILE]   (TLS/mTLS to the sources)
// Without --bootstrap-servers it follows the sources' EventLogs by polling (every --poll-ms); with it, a source
// that Kafka stops delivering is followed from its EventLog the same way until Kafka catches up.
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "libs/base/config.h"
#include "libs/base/files.h"
#include "libs/base/log.h"
#include "libs/eventstore/rocksdb_log.h"
#include "libs/eventstore/rocksdb_status.h"
#include "libs/kafka/event_applier.h"
#include "libs/kafka/event_consumer.h"
#include "libs/kafka/kafka_conf.h"
#include "libs/service/client.h"
#include "libs/service/event_log_client.h"
#include "libs/service/host.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "services/projection/hr_view.h"
#include "services/projection/oiv_view.h"
#include <unistd.h>

#include "services/projection/members.h"
#include "services/projection/projection_service.h"
#include "services/projection/routing.h"
#include "services/projection/risk_views_service.h"
#include "services/projection/view.h"

namespace piao::projection {
namespace {

int Fail(absl::string_view what, const absl::Status& s) {
  log::Error(std::string(what), {{"error", s.ToString()}});
  return 1;
}

// "planning=127.0.0.1:4001,measurement=127.0.0.1:4002" -> {planning: ..., measurement: ...}.
absl::StatusOr<std::map<std::string, std::string>> ParseSources(const std::string& text) {
  std::map<std::string, std::string> out;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(item, absl::MaxSplits('=', 1));
    absl::StripAsciiWhitespace(&kv.first);
    absl::StripAsciiWhitespace(&kv.second);
    if (kv.first.empty() || kv.second.empty()) {
      return absl::InvalidArgumentError("--sources: '" + std::string(item) + "' is not name=host:port");
    }
    out[kv.first] = kv.second;
  }
  if (out.empty()) {
    return absl::InvalidArgumentError("--sources is required, e.g. planning=127.0.0.1:4001,measurement=127.0.0.1:4002");
  }
  return out;
}


// The views' key format (view.h). Views written in another format are dropped and rebuilt from the sources,
// which hold the truth: the projection never reads keys it cannot decode.
constexpr char kFormatKey[] = "\x01piao.views/format";
constexpr char kFormat[] =
    "13: key_codec parts, quarantine, scores period, feed batches, bands and deviations, typed values, typed changes, "
    "lanes and stream versions, typed objective levels, risk and HR facts in their current schema, no stored scored tree, "
    "OIV acts and deviations, plan stamps";

absl::StatusOr<std::unique_ptr<rocksdb::DB>> OpenViews(const std::string& path) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.info_log = eventstore::RocksDbLogger();  // no LOG file on the data disk
  for (int attempt = 0; attempt < 2; ++attempt) {
    rocksdb::DB* raw = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(options, path, &raw);
    PIAO_RETURN_IF_ERROR(eventstore::FromRocksDb(s, "opening the views at " + path));
    std::unique_ptr<rocksdb::DB> db(raw);
    std::string format;
    s = db->Get(rocksdb::ReadOptions(), kFormatKey, &format);
    if (s.ok() && format == kFormat) return db;
    if (!s.IsNotFound()) PIAO_RETURN_IF_ERROR(eventstore::FromRocksDb(s, "reading the views' format"));
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
    it->SeekToFirst();
    PIAO_RETURN_IF_ERROR(eventstore::FromRocksDb(it->status(), "reading the views"));
    if (!it->Valid()) {
      rocksdb::WriteOptions wo;
      wo.sync = true;
      PIAO_RETURN_IF_ERROR(eventstore::FromRocksDb(db->Put(wo, kFormatKey, kFormat), "writing the views' format"));
      return db;
    }
    log::Warn("the views were written in another format: rebuilding them from the sources",
              {{"found", s.ok() ? format : "none"}, {"expected", kFormat}});
    it.reset();
    db.reset();
    PIAO_RETURN_IF_ERROR(eventstore::FromRocksDb(rocksdb::DestroyDB(path, options), "dropping the old views"));
  }
  return absl::InternalError("views could not be recreated");
}

// Keeps the sources caught up: catch-up rounds with backoff until each source answered once, then Kafka
// (or, without Kafka, catch-up polling forever). While following Kafka it also watches for a stall: a source
// whose applied position did not move for a poll period is caught up from its EventLog, so reads stay fresh
// from the stores while the broker is unreachable (duplicates of what Kafka delivers later are ignored).
class Follower {
 public:
  Follower(std::vector<std::string> sources, kafka::EventConsumer* consumer, kafka::EventApplier* applier,
           absl::Duration poll)
      : sources_(std::move(sources)), consumer_(consumer), applier_(applier), poll_(poll) {}
  ~Follower() { Stop(); }

  void Start() { thread_ = std::thread([this] { Run(); }); }
  void Stop() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  absl::StatusOr<uint64_t> CatchUp(const std::string& source) {
    return consumer_ != nullptr ? consumer_->CatchUp(ServiceName(source)) : applier_->CatchUp(ServiceName(source));
  }
  GlobalPosition Applied(const std::string& source) const {
    return consumer_ != nullptr ? consumer_->LastApplied(ServiceName(source)) : applier_->LastApplied(ServiceName(source));
  }
  // Sleeps `d` unless stopped; false once stopped.
  bool Sleep(absl::Duration d) {
    std::unique_lock<std::mutex> l(mu_);
    return !cv_.wait_for(l, absl::ToChronoMilliseconds(d), [this] { return stop_; });
  }
  void Run() {
    std::set<std::string> pending(sources_.begin(), sources_.end());
    absl::Duration backoff = absl::Milliseconds(200);
    bool following = false;
    while (true) {
      for (auto it = pending.begin(); it != pending.end();) {
        absl::StatusOr<uint64_t> n = CatchUp(*it);
        if (n.ok()) {
          log::Info("caught up", {{"source", *it}, {"applied", std::to_string(*n)}});
          it = pending.erase(it);
        } else {
          log::Warn("catch-up failed; retrying", {{"source", *it}, {"error", n.status().ToString()}});
          ++it;
        }
      }
      if (!following && consumer_ != nullptr) {
        // Kafka fills its own gaps from the sources, so follow it even while a source is still down.
        if (absl::Status s = consumer_->Start(); !s.ok()) {
          log::Error("cannot follow Kafka", {{"error", s.ToString()}});
        } else {
          following = true;
          log::Info("following Kafka");
        }
      }
      if (pending.empty()) {
        if (consumer_ != nullptr && following) {
          WatchForStalls();
          return;
        }
        // No Kafka: poll the sources' EventLogs.
        if (!Sleep(poll_)) return;
        pending.insert(sources_.begin(), sources_.end());
        continue;
      }
      if (!Sleep(backoff)) return;
      backoff = std::min(backoff * 2, absl::Seconds(10));
    }
  }
  // Until stopped: every poll period, a source whose applied position did not move is read from its EventLog.
  // While Kafka flows the positions move and nothing is read twice; an idle source costs one empty read.
  void WatchForStalls() {
    std::map<std::string, GlobalPosition> seen;
    bool stalled_before = false;
    // While Kafka is stalled (a broker or the whole cluster down) the EventLogs are the way in: read them ten
    // times as often, so read-your-writes waits a tenth of the poll period, not a whole one.
    while (Sleep(stalled_before ? std::min(poll_, absl::Milliseconds(50)) : poll_)) {
      bool stalled = false;
      for (const std::string& source : sources_) {
        const GlobalPosition now = Applied(source);
        auto [it, inserted] = seen.try_emplace(source, now);
        if (!inserted && it->second != now) {
          it->second = now;
          continue;
        }
        absl::StatusOr<uint64_t> n = CatchUp(source);
        if (!n.ok()) {
          log::Warn("stall check: the source's EventLog cannot be read", {{"source", source}, {"error", n.status().ToString()}});
        } else if (*n > 0) {
          stalled = true;
          if (!stalled_before) {
            log::Warn("Kafka is behind the source: following its EventLog until Kafka catches up",
                      {{"source", source}, {"applied", std::to_string(*n)}});
          }
        }
        it->second = Applied(source);
      }
      if (stalled_before && !stalled) log::Info("Kafka is keeping up again");
      stalled_before = stalled;
    }
  }

  const std::vector<std::string> sources_;
  kafka::EventConsumer* consumer_;
  kafka::EventApplier* applier_;
  const absl::Duration poll_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

int Run(int argc, char** argv) {
  log::SetComponent("projection");
  Config config;
  service::DeclareCommonFlags(config);
  service::DeclareClientTlsFlags(config);  // catch-up and gap filling from the sources' EventLogs
  config.Declare("sources", "", "source services' EventLog addresses: planning=HOST:PORT,measurement=HOST:PORT")
      .Declare("service-token-file", "", "file holding the bearer token (role service) for the sources' EventLogs")
      .Declare("kafka-properties", "", "extra librdkafka consumer properties, k=v separated by ';'")
      .Declare("max-wait-seconds", "30", "longest read-your-writes wait of a query without a shorter deadline")
      .Declare("member", "false",
               "scale out: join the consumer group piao-projection-members as one member serving a share of the partitions; "
               "queries about other administrations are forwarded to the member serving them")
      .Declare("advertise-address", "",
               "member mode: host:port other members reach this one at (default: the bound address)")
      .Declare("poll-ms", "500", "how often the sources' EventLogs are polled (without --bootstrap-servers), or read for a stall of Kafka");
  if (absl::Status s = config.ParseFromProcess(argc, argv); !s.ok()) {
    std::fprintf(stderr, "projection: %s\nsettings:\n%s", std::string(s.message()).c_str(), config.Usage().c_str());
    return 2;
  }
  absl::StatusOr<service::HostOptions> host_options = service::HostOptions::FromConfig(config, "projection");
  if (!host_options.ok()) return Fail("bad settings", host_options.status());
  if (config.Get("data-dir").empty()) return Fail("bad settings", absl::InvalidArgumentError("--data-dir is required"));
  if (config.Get("tokens-file").empty()) {
    return Fail("bad settings", absl::InvalidArgumentError("--tokens-file is required: every call is authenticated"));
  }
  auto sources = ParseSources(config.Get("sources"));
  if (!sources.ok()) return Fail("bad settings", sources.status());
  auto token = service::ReadTokenFile("service-token-file", config.Get("service-token-file"));
  if (!token.ok()) return Fail("bad settings", token.status());
  auto max_wait = config.GetInt("max-wait-seconds");
  if (!max_wait.ok()) return Fail("bad settings", max_wait.status());
  auto poll_ms = config.GetInt("poll-ms");
  if (!poll_ms.ok()) return Fail("bad settings", poll_ms.status());
  // Re-read when it changes: issued and revoked tokens take effect without a restart.
  auto tokens = service::ReloadingTokenFile::Open(config.Get("tokens-file"));
  if (!tokens.ok()) return Fail("cannot load tokens", tokens.status());

  service::RolePolicy policy;
  AllowProjection(policy);
  AllowRiskViews(policy);
  AllowHrViews(policy);
  AllowOivViews(policy);
  if (absl::Status s = policy.CheckCovers(
          {google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("piao.v1.Projection"),
           google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("piao.v1.RiskViews"),
           google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("piao.v1.HrViews"),
           google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("piao.v1.OivViews")});
      !s.ok()) {
    return Fail("role policy incomplete", s);
  }
  service::Authorizer authorizer(std::move(*tokens), std::move(policy));

  std::map<std::string, service::EventLogEndpoint> endpoints;
  std::vector<std::string> source_names;
  const service::ChannelOptions source_tls = service::ClientTlsFromConfig(config);
  for (const auto& [name, address] : *sources) {
    service::ChannelOptions channel_options = source_tls;
    channel_options.address = address;
    auto channel = service::MakeChannel(channel_options);
    if (!channel.ok()) return Fail("bad settings", channel.status());
    endpoints[name] = service::EventLogEndpoint{*channel, *token, absl::Seconds(30)};
    source_names.push_back(name);
  }
  std::shared_ptr<kafka::SourceReader> reader = service::RemoteSourceReader(endpoints);
  auto partitions = config.GetInt("kafka-partitions");
  if (!partitions.ok()) return Fail("bad settings", partitions.status());
  if (*partitions < 1 || *partitions > 10000) {
    return Fail("bad settings", absl::InvalidArgumentError("--kafka-partitions: must be 1..10000"));
  }
  kafka::ApplierOptions applier_options;
  // Every partition; a member (--member) serves what the group assigns it.
  applier_options.share = kafka::PartitionShare::All(static_cast<int32_t>(*partitions));
  const bool member = config.GetBool("member");
  if (member && config.Get("bootstrap-servers").empty()) {
    return Fail("bad settings", absl::InvalidArgumentError("--member needs --bootstrap-servers: members split Kafka's partitions"));
  }

  const std::filesystem::path data_dir = config.Get("data-dir");
  if (absl::Status s = EnsurePrivateDirectory(data_dir.string()); !s.ok()) return Fail("cannot create data dir", s);
  // The views' own directory too: the data dir may be a volume whose mode the orchestrator sets.
  if (absl::Status s = EnsurePrivateDirectory((data_dir / "views").string()); !s.ok()) {
    return Fail("cannot create data dir", s);
  }
  auto opened = OpenViews((data_dir / "views").string());
  if (!opened.ok()) return Fail("cannot open views", opened.status());
  std::unique_ptr<rocksdb::DB> db = std::move(*opened);

  std::mutex unknown_mu;
  std::set<std::string> unknown_logged;
  kafka::EventHandler handler = MakeViewHandler(db.get(), [&](const v1::EventEnvelope& e) {
    std::lock_guard<std::mutex> l(unknown_mu);
    if (unknown_logged.insert(e.event_type()).second) {
      log::Info("skipping events of an unknown type", {{"type", e.event_type()}, {"source", e.source_service()}});
    }
  });

  std::unique_ptr<kafka::EventConsumer> consumer;
  std::unique_ptr<kafka::EventApplier> applier;
  if (!config.Get("bootstrap-servers").empty()) {
    kafka::ConsumerOptions options;
    options.kafka["bootstrap.servers"] = config.Get("bootstrap-servers");
    options.kafka["group.id"] = "piao-projection";
    options.kafka["client.id"] = "piao-projection";
    options.kafka["session.timeout.ms"] = "6000";
    options.kafka["heartbeat.interval.ms"] = "1000";
    auto extra = kafka::ParseKafkaProperties(config.Get("kafka-properties"), "kafka-properties");
    if (!extra.ok()) return Fail("bad settings", extra.status());
    for (const auto& [k, v] : *extra) options.kafka[k] = v;
    for (const std::string& s : source_names) options.topics.push_back(kafka::EventsTopic(ServiceName(s)));
    options.applier = applier_options;
    if (member) {
      // The members' group shares the partition numbers of the first source's topic (all are co-partitioned).
      options.membership_topic = options.topics.front();
      // Its own group: members use the cooperative protocol, which a group of unsplit projections does not
      // share (mixing them is refused by Kafka, and crashes librdkafka's mock broker).
      options.kafka["group.id"] = "piao-projection-members";
      options.kafka["client.id"] = absl::StrCat("piao-projection-", ::getpid(), "-", absl::ToUnixMicros(absl::Now()));
    }
    auto c = kafka::EventConsumer::Create(db.get(), options, handler, reader);
    if (!c.ok()) return Fail("cannot create Kafka consumer", c.status());
    consumer = std::move(*c);
  } else {
    log::Warn("no --bootstrap-servers: following the sources' EventLogs by polling");
    auto a = kafka::EventApplier::Open(db.get(), handler, reader, applier_options);
    if (!a.ok()) return Fail("cannot open the applier", a.status());
    applier = std::move(*a);
  }
  kafka::EventApplier* const the_applier = consumer != nullptr ? &consumer->applier() : applier.get();
  AppliedFn applied = [the_applier](const std::string& source, const std::string& administration) {
    return the_applier->Applied(ServiceName(source), administration);
  };

  Follower follower(source_names, consumer.get(), applier.get(), absl::Milliseconds(*poll_ms));
  ProjectionService projection(db.get(), &authorizer, source_names, applied, absl::Seconds(*max_wait));
  projection.SetApplier(the_applier);
  HrViewsService hr_views(db.get(), &authorizer, source_names, applied, absl::Seconds(*max_wait));
  service::ServiceHost host(*host_options);
  host.AddService(&projection);
  RiskViewsService risk_views(db.get(), &authorizer, source_names, applied, absl::Seconds(*max_wait));
  host.AddService(&risk_views);
  host.AddService(&hr_views);
  OivViewsService oiv_views(db.get(), &authorizer, source_names, applied, absl::Seconds(*max_wait));
  host.AddService(&oiv_views);
  // Member mode: the directory of members and the router of queries about administrations served elsewhere.
  std::unique_ptr<MemberDirectory> directory;
  std::unique_ptr<Router> router;
  host.AddShutdownHook("stop following", [&] {
    follower.Stop();
    if (consumer != nullptr) consumer->Stop();
    directory.reset();  // publishes that this member left
  });
  host.AddShutdownHook("close views", [&] {
    consumer.reset();
    applier.reset();
    db.reset();
  });
  if (absl::Status started = host.Start(); !started.ok()) return Fail("cannot start serving", started);
  if (member) {
    MemberDirectoryOptions d;
    d.kafka["bootstrap.servers"] = config.Get("bootstrap-servers");
    auto extra = kafka::ParseKafkaProperties(config.Get("kafka-properties"), "kafka-properties");
    if (!extra.ok()) return Fail("bad settings", extra.status());
    for (const auto& [k, v] : *extra) d.kafka[k] = v;
    d.address = config.Get("advertise-address").empty() ? host.address() : config.Get("advertise-address");
    d.member = absl::StrCat("projection@", d.address);
    d.share = [the_applier] { return the_applier->share(); };
    auto created = MemberDirectory::Create(std::move(d));
    if (!created.ok()) return Fail("cannot join the members' directory", created.status());
    directory = std::move(*created);
    directory->Start();
    router = std::make_unique<Router>(
        [the_applier](const std::string& administration) { return the_applier->share().OwnsAdministration(administration); },
        [&directory](const std::string& administration) { return directory->OwnerOf(administration); }, source_tls);
    projection.SetRouter(router.get());
    risk_views.SetRouter(router.get());
    hr_views.SetRouter(router.get());
    oiv_views.SetRouter(router.get());
    log::Info("projection member", {{"address", host.address()}});
  }
  follower.Start();
  absl::Status s = host.Run();
  if (!s.ok()) return Fail("service stopped with an error", s);
  return 0;
}

}  // namespace
}  // namespace piao::projection

int main(int argc, char** argv) { return piao::projection::Run(argc, argv); }
