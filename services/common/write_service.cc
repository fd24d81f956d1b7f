#include "services/common/write_service.h"

#include <cstdio>
#include <filesystem>

#include "absl/strings/str_split.h"
#include "libs/base/config.h"
#include "libs/base/files.h"
#include "libs/base/log.h"
#include "libs/kafka/kafka_conf.h"
#include "libs/kafka/outbox_relay.h"
#include "libs/service/event_log_service.h"
#include "libs/service/host.h"
#include "google/protobuf/descriptor.h"
#include "piao/v1/event_log.grpc.pb.h"

namespace piao::services {

int RunWriteService(int argc, char** argv, const WriteServiceSpec& spec) {
  log::SetComponent(spec.name);
  Config config;
  service::DeclareCommonFlags(config);
  config.Declare("relay", "true", "publish the outbox to Kafka (false: store only, e.g. for tools)")
      .Declare("kafka-properties", "", "extra librdkafka producer properties, k=v separated by ';'")
      .Declare("flush-seconds", "10", "how long shutdown waits for the outbox to reach Kafka")
      .Declare("max-event-bytes", std::to_string(eventstore::kDefaultMaxEventBytes),
               "largest event accepted (bytes); the relay's message.max.bytes is this plus headroom, and topics' "
               "max.message.bytes must be at least that (deploy/README.md)");
  if (spec.flags) spec.flags(config);
  if (absl::Status s = config.ParseFromProcess(argc, argv); !s.ok()) {
    std::fprintf(stderr, "%s: %s\nsettings:\n%s", spec.name.c_str(), std::string(s.message()).c_str(),
                 config.Usage().c_str());
    return 2;
  }
  auto fail = [&](absl::string_view what, const absl::Status& s) {
    log::Error(std::string(what), {{"error", s.ToString()}});
    return 1;
  };
  absl::StatusOr<service::HostOptions> host_options = service::HostOptions::FromConfig(config, spec.name);
  if (!host_options.ok()) return fail("bad settings", host_options.status());
  if (config.Get("data-dir").empty()) return fail("bad settings", absl::InvalidArgumentError("--data-dir is required"));
  if (config.Get("tokens-file").empty()) {
    return fail("bad settings", absl::InvalidArgumentError("--tokens-file is required: every call is authenticated"));
  }
  // Re-read when it changes: `piao token issue|revoke` take effect within a second or two, without a restart.
  auto tokens = service::ReloadingTokenFile::Open(config.Get("tokens-file"));
  if (!tokens.ok()) return fail("cannot load tokens", tokens.status());

  service::RolePolicy policy;
  service::AllowEventLog(policy);
  spec.policy(policy);
  std::vector<const google::protobuf::ServiceDescriptor*> descriptors = spec.descriptors;
  descriptors.push_back(google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("piao.v1.EventLog"));
  if (absl::Status s = policy.CheckCovers(descriptors); !s.ok()) return fail("role policy incomplete", s);
  service::Authorizer authorizer(std::move(*tokens), std::move(policy));

  const std::filesystem::path data_dir = config.Get("data-dir");
  if (absl::Status s = EnsurePrivateDirectory(data_dir.string()); !s.ok()) return fail("cannot create data dir", s);
  // The store's own directory too: the data dir may be a volume whose mode the orchestrator sets.
  if (absl::Status s = EnsurePrivateDirectory((data_dir / "events").string()); !s.ok()) {
    return fail("cannot create data dir", s);
  }
  auto max_event_bytes = config.GetInt("max-event-bytes");
  if (!max_event_bytes.ok()) return fail("bad settings", max_event_bytes.status());
  if (*max_event_bytes < 1024) {
    return fail("bad settings", absl::InvalidArgumentError("--max-event-bytes: at least 1024"));
  }
  eventstore::Options store_options;
  store_options.source_service = ServiceName(spec.name);
  store_options.max_event_bytes = static_cast<size_t>(*max_event_bytes);
  auto store = eventstore::EventStore::Open((data_dir / "events").string(), store_options);
  if (!store.ok()) return fail("cannot open event store", store.status());

  std::unique_ptr<kafka::OutboxRelay> relay;
  if (config.GetBool("relay")) {
    kafka::RelayOptions relay_options;
    auto partitions = config.GetInt("kafka-partitions");
    if (!partitions.ok()) return fail("bad settings", partitions.status());
    if (*partitions < 1 || *partitions > 10000) {
      return fail("bad settings", absl::InvalidArgumentError("--kafka-partitions: must be 1..10000"));
    }
    relay_options.partitions = static_cast<int32_t>(*partitions);
    relay_options.kafka["bootstrap.servers"] = config.Get("bootstrap-servers");
    relay_options.kafka["client.id"] = "piao-" + spec.name + "-relay";
    // One setting sizes both ends: every event the store accepts fits in one Kafka message.
    relay_options.kafka["message.max.bytes"] =
        std::to_string(store_options.max_event_bytes + eventstore::kKafkaMessageHeadroom);
    auto extra = kafka::ParseKafkaProperties(config.Get("kafka-properties"), "kafka-properties");
    if (!extra.ok()) return fail("bad settings", extra.status());
    for (const auto& [k, v] : *extra) relay_options.kafka[k] = v;
    if (config.Get("bootstrap-servers").empty()) {
      return fail("bad settings", absl::InvalidArgumentError("--bootstrap-servers is required unless --relay=false"));
    }
    auto r = kafka::OutboxRelay::Create(store->get(), relay_options);
    if (!r.ok()) return fail("cannot create outbox relay", r.status());
    relay = std::move(*r);
    if (absl::Status s = relay->Start(); !s.ok()) return fail("cannot start outbox relay", s);
  }
  auto flush_seconds = config.GetInt("flush-seconds");
  if (!flush_seconds.ok()) return fail("bad settings", flush_seconds.status());

  service::ServiceHost host(*host_options);
  WriteServiceContext ctx{store->get(), &authorizer, Clock::Real(), &config, data_dir.string(),
                          [&host](std::string name, std::function<void()> hook) {
                            host.AddDrainHook(std::move(name), std::move(hook));
                          }};
  auto made = spec.make_services(ctx);
  if (!made.ok()) return fail("cannot start the service", made.status());
  std::vector<std::unique_ptr<grpc::Service>> services = std::move(*made);
  service::EventLogService event_log(store->get(), &authorizer);

  host.AddService(&event_log);
  for (auto& s : services) host.AddService(s.get());
  host.AddDrainHook("stop event followers", [&] { event_log.StopFollowing(); });
  // NOT_SERVING while the store cannot write (a full disk, failed syncs), SERVING again once it can.
  host.AddReadinessCheck("event store writable", [&] { return (*store)->Writable(); });
  host.AddShutdownHook("flush outbox", [&] {
    if (relay == nullptr) return;
    if (absl::Status s = relay->Flush(absl::Seconds(*flush_seconds)); !s.ok()) {
      // Nothing is lost: undelivered entries stay in the outbox for the next start.
      log::Warn("outbox not fully flushed", {{"error", s.ToString()}});
    }
    relay->Stop();
    relay.reset();
  });
  host.AddShutdownHook("close event store", [&] { store->reset(); });
  absl::Status s = host.Run();
  if (!s.ok()) return fail("service stopped with an error", s);
  return 0;
}

}  // namespace piao::services
