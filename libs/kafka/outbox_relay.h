// The outbox relay: moves one service's outbox (events committed in the store but not yet confirmed by
// Kafka) to the topic piao.<service>.events.v1.
//
// - Key = the administration of the event's stream, partition = PartitionOf(administration, the topic's
//   partition count) (libs/kafka/partitioning.h): all events of one administration land in the same
//   partition number of every co-partitioned topic, in order; value = the serialized EventEnvelope; header
//   kLanePrevHeader = the source's previous event in that partition, so a consumer of some partitions only
//   knows when its lane is complete. The partition count is the deployment's (RelayOptions::partitions, the
//   services' --kafka-partitions), the same for every topic and consumer; a topic with fewer partitions
//   refuses the produce (UNKNOWN_PARTITION, retried and logged), so a mismatch is loud.
// - The producer is idempotent with acks=all (enforced: a conflicting caller setting is INVALID_ARGUMENT).
// - An outbox entry is marked delivered ONLY from its successful delivery report. An entry in flight is not
//   produced again; a failed report (broker down past message.timeout.ms, purge, fatal producer error)
//   puts it back to be produced again. Delivery is therefore at-least-once: consumers dedupe by global
//   position (see EventApplier).
// - The relay never blocks on one entry: an entry the transport refuses for good (larger than the producer or
//   topic accepts, an invalid record) is parked in the store with the reason (EventStore::ParkOutboxEntry),
//   logged as an error and counted (RelayStats::parked, EventLog.GetHead's outbox_parked); later entries go on,
//   and consumers get the parked event from the store's ReadEvents when they fill the gap.
// - Everything about the cluster (bootstrap.servers, security, timeouts) comes from the caller's
//   properties: the embedded mock broker and a real cluster differ only in configuration.
// Start, Stop and Flush are called from one controlling thread; stats() from any thread.
#ifndef PIAO_LIBS_KAFKA_OUTBOX_RELAY_H_
#define PIAO_LIBS_KAFKA_OUTBOX_RELAY_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/base/clock.h"
#include "libs/eventstore/event_store.h"
#include "libs/kafka/kafka_conf.h"

namespace RdKafka {
class Producer;
class DeliveryReportCb;
class EventCb;
class Message;
}  // namespace RdKafka

namespace piao::kafka {

struct RelayOptions {
  KafkaProperties kafka;      // librdkafka producer properties; bootstrap.servers is required
  int32_t partitions = 1;     // the deployment's partition count of every event topic (>= 1)
  size_t batch = 1000;        // outbox entries read per pass
  absl::Duration idle_wait = absl::Milliseconds(100);    // longest sleep waiting for an append
  absl::Duration retry_backoff = absl::Milliseconds(200);  // after a failed report or a store error
  // The time the retry backoff and Flush's deadline are measured on (pauses still sleep in real time).
  Clock* clock = Clock::Real();
};

struct RelayStats {
  uint64_t published = 0;  // produce() calls accepted (re-produced entries count again)
  uint64_t delivered = 0;  // successful delivery reports
  uint64_t failed = 0;     // failed delivery reports and rejected produce() calls
  uint64_t parked = 0;     // entries refused for good and parked (see above)
};

// True for librdkafka errors that no retry can cure for this message (its size or its content).
bool IsPermanentDeliveryError(int rdkafka_error_code);

class OutboxRelay {
 public:
  // `store` must outlive the relay. The topic is EventsTopic(store->source_service()).
  static absl::StatusOr<std::unique_ptr<OutboxRelay>> Create(eventstore::EventStore* store,
                                                             RelayOptions options);
  // Stops, then abandons what is still in flight: those entries stay in the outbox for the next relay.
  ~OutboxRelay();
  OutboxRelay(const OutboxRelay&) = delete;
  OutboxRelay& operator=(const OutboxRelay&) = delete;

  // Starts the relay thread. FAILED_PRECONDITION if already started.
  absl::Status Start();
  // Stops and joins the thread (without draining: call Flush first for a graceful shutdown).
  void Stop();
  // Waits until the outbox is empty and nothing is in flight (driving the relay itself when not started).
  // DEADLINE_EXCEEDED if `timeout` passes first (on options.clock), e.g. while the brokers are unreachable.
  absl::Status Flush(absl::Duration timeout);

  RelayStats stats() const;
  const std::string& topic() const { return topic_; }

 private:
  class DeliveryCb;
  OutboxRelay(eventstore::EventStore* store, RelayOptions options, std::string topic);
  absl::Status NewProducer();
  void Run();
  // One pass: produce pending entries, serve delivery reports, mark delivered, wait for work.
  void Step(absl::Duration max_wait);
  void ProducePending();
  void OnDelivery(RdKafka::Message& message);
  void MarkDeliveredBatch();
  void ParkRefused();
  void ReplaceProducerIfFatal();
  bool Drained();

  eventstore::EventStore* const store_;
  const RelayOptions options_;
  const std::string topic_;
  KafkaProperties producer_properties_;

  std::unique_ptr<DeliveryCb> delivery_cb_;
  std::unique_ptr<RdKafka::EventCb> event_cb_;
  std::unique_ptr<RdKafka::Producer> producer_;  // declared after its callbacks: destroyed before them

  mutable absl::Mutex mu_;
  absl::flat_hash_set<uint64_t> in_flight_ ABSL_GUARDED_BY(mu_);  // produced, no report handled yet
  std::vector<uint64_t> delivered_ ABSL_GUARDED_BY(mu_);          // reported delivered, not yet marked
  std::vector<std::pair<uint64_t, std::string>> refused_ ABSL_GUARDED_BY(mu_);  // to park, with the reason
  // Every undelivered outbox entry below next_from_ is in flight; a failure moves it back.
  uint64_t next_from_ ABSL_GUARDED_BY(mu_) = 1;
  absl::Time retry_after_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool more_pending_ ABSL_GUARDED_BY(mu_) = true;  // the last read filled a whole batch
  // Lanes: the last position produced to each partition in the store's order, and for each entry produced and
  // not yet marked delivered its lane predecessor (nullopt: unknown), so a re-produced entry carries the same
  // header. Every partition starts known (at 0) when the relay starts from the store's first event.
  std::map<int32_t, uint64_t> lane_last_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<uint64_t, std::optional<uint64_t>> lane_prev_ ABSL_GUARDED_BY(mu_);
  bool lanes_from_start_ ABSL_GUARDED_BY(mu_) = false;
  bool lanes_started_ ABSL_GUARDED_BY(mu_) = false;

  std::atomic<uint64_t> published_{0};
  std::atomic<uint64_t> delivered_count_{0};
  std::atomic<uint64_t> failed_{0};
  std::atomic<uint64_t> parked_{0};

  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace piao::kafka

#endif  // PIAO_LIBS_KAFKA_OUTBOX_RELAY_H_
