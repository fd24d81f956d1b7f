#include "tools/bench/relay_bench.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <vector>

#include <librdkafka/rdkafkacpp.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/base/status_macros.h"
#include "libs/eventstore/event_store.h"
#include "libs/kafka/kafka_conf.h"
#include "libs/kafka/mock_cluster.h"
#include "libs/kafka/outbox_relay.h"
#include "libs/kafka/partitioning.h"
#include "tools/bench/bench_util.h"

namespace piao::bench {
namespace {

class CountingDelivery : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& m) override {
    if (m.err() == RdKafka::ERR_NO_ERROR) {
      delivered.fetch_add(1);
    } else {
      failed.fetch_add(1);
    }
  }
  std::atomic<uint64_t> delivered{0}, failed{0};
};

// A bare producer with the relay's settings (enable.idempotence, acks=all) sending `messages` (serialized
// envelopes, as the relay sends them) with their keys, partitions and lane headers.
absl::StatusOr<double> RawProduce(const std::string& bootstrap, const std::string& topic,
                                  const std::vector<v1::EventEnvelope>& envelopes, int partitions) {
  kafka::KafkaProperties props{{"bootstrap.servers", bootstrap}, {"enable.idempotence", "true"}, {"acks", "all"}};
  PIAO_ASSIGN_OR_RETURN(std::unique_ptr<RdKafka::Conf> conf, kafka::MakeConf(props));
  CountingDelivery cb;
  std::string err;
  if (conf->set("dr_cb", &cb, err) != RdKafka::Conf::CONF_OK) return absl::InternalError(err);
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), err));
  if (producer == nullptr) return absl::InternalError("raw producer: " + err);
  if (envelopes.size() < 2) return absl::InvalidArgumentError("raw produce: needs a warm-up message and more");
  std::map<int32_t, uint64_t> lane_last;
  auto start = std::chrono::steady_clock::now();
  bool warm = false;
  for (const v1::EventEnvelope& e : envelopes) {
    const std::string value = e.SerializeAsString();
    const std::string key = kafka::AdministrationOfStream(e.stream());
    const int32_t partition = kafka::PartitionOf(key, partitions);
    std::unique_ptr<RdKafka::Headers> headers(RdKafka::Headers::create());
    headers->add(kafka::kLanePrevHeader, std::to_string(lane_last[partition]));
    lane_last[partition] = e.global_position();
    for (;;) {
      RdKafka::ErrorCode code = producer->produce(topic, partition, RdKafka::Producer::RK_MSG_COPY,
                                                  const_cast<char*>(value.data()), value.size(), key.data(),
                                                  key.size(), 0, headers.get(), nullptr);
      if (code == RdKafka::ERR_NO_ERROR) {
        headers.release();
        break;
      }
      if (code != RdKafka::ERR__QUEUE_FULL) return absl::InternalError(RdKafka::err2str(code));
      producer->poll(10);
    }
    producer->poll(0);
    if (!warm) {  // as the relay: the first message is delivered before the clock starts
      while (cb.delivered.load() + cb.failed.load() < 1) {
        producer->poll(10);
        if (SecondsSince(start) > 60) return absl::DeadlineExceededError("raw produce: warm-up report missing");
      }
      warm = true;
      start = std::chrono::steady_clock::now();
    }
  }
  while (cb.delivered.load() + cb.failed.load() < envelopes.size()) {
    producer->poll(10);
    if (SecondsSince(start) > 300) return absl::DeadlineExceededError("raw produce: reports missing");
  }
  const double elapsed = SecondsSince(start);
  if (cb.failed.load() != 0) return absl::InternalError(absl::StrCat("raw produce: ", cb.failed.load(), " failed"));
  return static_cast<double>(envelopes.size() - 1) / elapsed;
}

}  // namespace

absl::StatusOr<RelayResult> BenchRelay(const std::filesystem::path& dir, int events, bool trace) {
  std::filesystem::remove_all(dir);
  eventstore::Options o;
  o.source_service = ServiceName("bench");
  o.sync = false;
  PIAO_ASSIGN_OR_RETURN(auto store, eventstore::EventStore::Open(dir.string(), o));
  eventstore::CommandContext ctx;
  ctx.actor.set_id("svc:bench");
  auto append = [&](int count) -> absl::Status {
    for (int done = 0; done < count;) {
      std::vector<eventstore::NewEvent> batch;
      for (int i = 0; i < 100 && done < count; ++i, ++done) {
        batch.push_back(eventstore::NewEvent{"piao.v1.Bench", 1, absl::InfinitePast(), std::string(200, 'x')});
      }
      StreamId stream{"bench", absl::StrCat("s", done % 16)};
      PIAO_RETURN_IF_ERROR(store->Append(stream, eventstore::ExpectedVersion::Any(), std::move(batch), ctx).status());
    }
    return absl::OkStatus();
  };
  PIAO_ASSIGN_OR_RETURN(auto cluster, kafka::MockKafkaCluster::Create(1));
  PIAO_RETURN_IF_ERROR(cluster->CreateTopic(kafka::EventsTopic(ServiceName("bench")), 3));
  PIAO_RETURN_IF_ERROR(cluster->CreateTopic("piao.bench-raw.events.v1", 3));
  kafka::RelayOptions ro;
  ro.partitions = 3;
  ro.kafka["bootstrap.servers"] = cluster->bootstrap_servers();
  PIAO_ASSIGN_OR_RETURN(auto relay, kafka::OutboxRelay::Create(store.get(), ro));
  // Warm-up, not timed, for both sides alike: a new idempotent producer first connects, fetches metadata and
  // obtains its producer id (about a second on the mock cluster, during which nothing is delivered; it happens
  // once per process). One event is relayed (or produced) and delivered before the clock starts.
  PIAO_RETURN_IF_ERROR(append(1));
  PIAO_RETURN_IF_ERROR(relay->Start());
  PIAO_RETURN_IF_ERROR(relay->Flush(absl::Minutes(1)));
  relay->Stop();
  PIAO_RETURN_IF_ERROR(append(events));
  PIAO_ASSIGN_OR_RETURN(std::vector<v1::EventEnvelope> envelopes, store->ReadAll(GlobalPosition(1)));
  const auto start = std::chrono::steady_clock::now();
  const uint64_t delivered_before = relay->stats().delivered;
  PIAO_RETURN_IF_ERROR(relay->Start());
  if (trace) {
    for (kafka::RelayStats st = relay->stats(); st.delivered < delivered_before + events; st = relay->stats()) {
      std::fprintf(stderr, "relay-trace %.1f ms published %llu delivered %llu\n", SecondsSince(start) * 1000,
                   static_cast<unsigned long long>(st.published), static_cast<unsigned long long>(st.delivered));
      if (SecondsSince(start) > 300) return absl::DeadlineExceededError("relay trace: deliveries missing");
      absl::SleepFor(absl::Milliseconds(2));
    }
  }
  PIAO_RETURN_IF_ERROR(relay->Flush(absl::Minutes(5)));
  RelayResult r;
  r.events_per_s = events / SecondsSince(start);
  relay->Stop();
  if (relay->stats().delivered - delivered_before != static_cast<uint64_t>(events)) {
    return absl::InternalError(absl::StrCat(relay->stats().delivered - delivered_before, " deliveries for ", events,
                                            " events"));
  }
  PIAO_ASSIGN_OR_RETURN(uint64_t left, store->OutboxSize());
  if (left != 0) return absl::InternalError(absl::StrCat(left, " outbox entries left after the flush"));
  relay.reset();
  PIAO_ASSIGN_OR_RETURN(r.raw_produce_per_s,
                        RawProduce(cluster->bootstrap_servers(), "piao.bench-raw.events.v1", envelopes, 3));
  store.reset();
  std::filesystem::remove_all(dir);
  return r;
}

absl::StatusOr<uint64_t> RetainedMessages(const std::string& bootstrap, const std::vector<std::string>& topics,
                                          int partitions) {
  kafka::KafkaProperties props{{"bootstrap.servers", bootstrap}};
  PIAO_ASSIGN_OR_RETURN(std::unique_ptr<RdKafka::Conf> conf, kafka::MakeConf(props));
  std::string err;
  std::unique_ptr<RdKafka::Producer> client(RdKafka::Producer::create(conf.get(), err));
  if (client == nullptr) return absl::InternalError("watermarks client: " + err);
  uint64_t total = 0;
  for (const std::string& t : topics) {
    for (int p = 0; p < partitions; ++p) {
      int64_t low = 0, high = 0;
      RdKafka::ErrorCode code = client->query_watermark_offsets(t, p, &low, &high, 10000);
      if (code != RdKafka::ERR_NO_ERROR) {
        return absl::UnavailableError(absl::StrCat("watermarks of ", t, "/", p, ": ", RdKafka::err2str(code)));
      }
      if (low != 0) {
        return absl::FailedPreconditionError(absl::StrCat(
            t, "/", p, " keeps only offsets ", low, "..", high, ": the mock cluster dropped its oldest segments; "
            "measure P2 on fewer events (--p2-events)"));
      }
      total += static_cast<uint64_t>(high);
    }
  }
  return total;
}

absl::StatusOr<double> BenchRawConsume(const std::string& bootstrap, const std::vector<std::string>& topics,
                                       int partitions, uint64_t messages) {
  kafka::KafkaProperties props{{"bootstrap.servers", bootstrap},
                               {"group.id", "piao-bench-raw"},
                               {"enable.auto.commit", "false"},
                               {"enable.auto.offset.store", "false"}};
  PIAO_ASSIGN_OR_RETURN(std::unique_ptr<RdKafka::Conf> conf, kafka::MakeConf(props));
  std::string err;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (consumer == nullptr) return absl::InternalError("raw consumer: " + err);
  std::vector<RdKafka::TopicPartition*> parts;
  for (const std::string& t : topics) {
    for (int p = 0; p < partitions; ++p) parts.push_back(RdKafka::TopicPartition::create(t, p, RdKafka::Topic::OFFSET_BEGINNING));
  }
  RdKafka::ErrorCode code = consumer->assign(parts);
  RdKafka::TopicPartition::destroy(parts);
  if (code != RdKafka::ERR_NO_ERROR) return absl::InternalError(RdKafka::err2str(code));
  const auto start = std::chrono::steady_clock::now();
  uint64_t got = 0;
  uint64_t bytes = 0;
  while (got < messages) {
    std::unique_ptr<RdKafka::Message> m(consumer->consume(100));
    if (m->err() == RdKafka::ERR_NO_ERROR) {
      ++got;
      bytes += m->len();
    }
    if (SecondsSince(start) > 300) return absl::DeadlineExceededError("raw consume: messages missing");
  }
  const double elapsed = SecondsSince(start);
  consumer->close();
  return bytes > 0 ? static_cast<double>(got) / elapsed : 0.0;
}

}  // namespace piao::bench
