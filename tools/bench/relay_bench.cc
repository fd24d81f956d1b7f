#include "tools/bench/relay_bench.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "libs/base/log.h"
#include "libs/base/status_macros.h"
#include "libs/eventstore/event_store.h"
#include "libs/kafka/kafka_conf.h"
#include "libs/kafka/mock_cluster.h"
#include "libs/kafka/outbox_relay.h"

namespace piao::bench {

absl::StatusOr<RelayResult> BenchRelay(const std::filesystem::path& dir, int events) {
  std::filesystem::remove_all(dir);
  eventstore::Options o;
  o.source_service = ServiceName("bench");
  o.sync = false;
  PIAO_ASSIGN_OR_RETURN(auto store, eventstore::EventStore::Open(dir.string(), o));
  eventstore::CommandContext ctx;
  ctx.actor.set_id("svc:bench");
  for (int done = 0; done < events;) {
    std::vector<eventstore::NewEvent> batch;
    for (int i = 0; i < 100 && done < events; ++i, ++done) {
      batch.push_back(eventstore::NewEvent{"piao.v1.Bench", 1, absl::InfinitePast(), std::string(200, 'x')});
    }
    StreamId stream{"bench", absl::StrCat("s", done % 16)};
    PIAO_RETURN_IF_ERROR(store->Append(stream, eventstore::ExpectedVersion::Any(), std::move(batch), ctx).status());
  }
  PIAO_ASSIGN_OR_RETURN(auto cluster, kafka::MockKafkaCluster::Create(1));
  PIAO_RETURN_IF_ERROR(cluster->CreateTopic(kafka::EventsTopic(ServiceName("bench")), 3));
  kafka::RelayOptions ro;
  ro.partitions = 3;
  ro.kafka["bootstrap.servers"] = cluster->bootstrap_servers();
  PIAO_ASSIGN_OR_RETURN(auto relay, kafka::OutboxRelay::Create(store.get(), ro));
  const auto start = std::chrono::steady_clock::now();
  PIAO_RETURN_IF_ERROR(relay->Start());
  PIAO_RETURN_IF_ERROR(relay->Flush(absl::Minutes(5)));
  RelayResult r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  relay->Stop();
  PIAO_ASSIGN_OR_RETURN(uint64_t left, store->OutboxSize());
  if (left != 0) return absl::InternalError(absl::StrCat(left, " outbox entries left after the flush"));
  relay.reset();
  store.reset();
  std::filesystem::remove_all(dir);
  return r;
}

}  // namespace piao::bench
