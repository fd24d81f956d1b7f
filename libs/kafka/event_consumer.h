// A Kafka consumer of event topics that applies each event exactly once, in order per stream and complete per
// lane, to the consumer's own RocksDB (see EventApplier for the guarantees).
//
// - enable.auto.commit=false: Kafka's committed offsets are never used. Each partition's next offset is
//   stored in the consumer's RocksDB, in the same WriteBatch as the view writes, and on assignment the
//   consumer starts every partition there (unknown partitions: from the beginning).
// - Kafka is transport; the event stores are the source of truth: gaps are filled from the GapFiller, and
//   CatchUp applies a source's events up to its head without Kafka. No Kafka transactions are used.
// - Each message's lane header (kLanePrevHeader) goes to the applier with its topic, partition and offset.
// - Poll drives everything on the calling thread; Start/Stop run Poll in a background thread instead.
#ifndef PIAO_LIBS_KAFKA_EVENT_CONSUMER_H_
#define PIAO_LIBS_KAFKA_EVENT_CONSUMER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/base/clock.h"
#include "libs/kafka/event_applier.h"
#include "libs/kafka/kafka_conf.h"

namespace RdKafka {
class KafkaConsumer;
class RebalanceCb;
class EventCb;
}  // namespace RdKafka

namespace piao::kafka {

struct ConsumerOptions {
  KafkaProperties kafka;            // bootstrap.servers and group.id are required
  std::vector<std::string> topics;  // e.g. {EventsTopic(ServiceName("planning")), EventsTopic(ServiceName("hr"))}
  ApplierOptions applier;
  // Scale-out: when set, this consumer is one MEMBER of the group `group.id`, which splits the partition
  // numbers among its members (cooperative-sticky assignment of this topic's partitions, which must have
  // applier.share.count of them; e.g. EventsTopic(ServiceName("planning"))). The member applies every topic's partitions of
  // the numbers it owns — whole administrations, since topics are co-partitioned — read by a second consumer
  // that assigns them itself (the group's own consumer only holds the assignment, paused). On gaining numbers
  // it first catches their lanes up from the stores, then follows them on Kafka from the offsets stored with
  // its views; on losing numbers it stops applying them (and the applier's share says so to queries).
  // Unset: the consumer subscribes to `topics` and applies every partition (applier.share must own them all).
  std::string membership_topic;
  Clock* clock = Clock::Real();  // Poll's deadline is measured on it
};

struct ConsumerStats {
  uint64_t messages = 0;   // Kafka messages received
  uint64_t malformed = 0;  // messages that were not an event envelope (skipped, offset stored)
  ApplierStats applier;
  int assigned_partitions = 0;
  PartitionShare owned;  // the partition numbers this consumer applies
};

class EventConsumer {
 public:
  // `db` must outlive the consumer. Subscribes to the topics; partitions are assigned during Poll.
  static absl::StatusOr<std::unique_ptr<EventConsumer>> Create(rocksdb::DB* db, ConsumerOptions options,
                                                               EventHandler handler,
                                                               std::shared_ptr<SourceReader> reader);
  // Stops and closes (leaving the group).
  ~EventConsumer();
  EventConsumer(const EventConsumer&) = delete;
  EventConsumer& operator=(const EventConsumer&) = delete;

  // Waits up to `timeout` (on options.clock) for messages and applies what arrived. Returns the number of
  // messages handled.
  // A handler, filler or DB error is returned and the same message is retried by the next Poll.
  absl::StatusOr<size_t> Poll(absl::Duration timeout);

  // Applies `source`'s events of the owned partitions after each lane's position up to its head, from the store.
  // Call before following Kafka to start from the store. Returns the number applied.
  absl::StatusOr<uint64_t> CatchUp(const ServiceName& source);

  // Runs Poll in a thread until Stop (errors are logged and retried after a pause).
  absl::Status Start();
  void Stop();
  // Leaves the group; later Polls are FAILED_PRECONDITION. Called by the destructor.
  absl::Status Close();

  GlobalPosition LastApplied(const ServiceName& source) const { return applier_->LastApplied(source); }
  EventApplier& applier() { return *applier_; }
  absl::StatusOr<std::optional<KafkaOffset>> StoredOffset(const std::string& topic, int32_t partition) const {
    return applier_->StoredOffset(topic, partition);
  }
  ConsumerStats stats() const;

 private:
  class Rebalance;
  class MemberRebalance;
  struct Pending {
    v1::EventEnvelope event;
    InputPosition input;
  };
  EventConsumer(std::unique_ptr<EventApplier> applier, Clock* clock);
  absl::Status HandleLocked(const Pending& message);
  // Member mode: serves the group member's callbacks and applies the ownership they changed (catch-up of gained
  // lanes, then the data consumer's assignment).
  absl::Status FollowMembershipLocked();
  // Adds (at their stored offsets) or removes the partitions of every followed topic.
  absl::Status ChangeAssignmentLocked(const std::vector<int32_t>& partitions, bool add);

  std::unique_ptr<EventApplier> applier_;
  Clock* const clock_;
  std::unique_ptr<Rebalance> rebalance_cb_;
  std::unique_ptr<RdKafka::EventCb> event_cb_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;  // after its callbacks: destroyed before them
  // Member mode: the group member (holds the assignment of the membership topic, paused) and what it changed.
  std::unique_ptr<MemberRebalance> member_cb_;
  std::unique_ptr<RdKafka::KafkaConsumer> member_;
  std::vector<std::string> topics_;
  std::vector<ServiceName> sources_;
  std::mutex ownership_mu_;  // taken inside the member's callback (under mu_) and by FollowMembershipLocked
  std::vector<int32_t> owned_by_group_;  // the numbers the group gave this member, latest
  bool ownership_changed_ = false;

  // Serialises Poll, CatchUp and Close; the rebalance callback runs inside consume() under it.
  std::mutex mu_;
  std::optional<Pending> pending_;  // a message whose application failed: retried first
  bool closed_ = false;

  std::atomic<uint64_t> messages_{0};
  std::atomic<uint64_t> malformed_{0};
  std::atomic<int> assigned_{0};

  std::atomic<int> catch_up_waiting_{0};  // CatchUp calls waiting for mu_: the polling thread lets them in
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace piao::kafka

#endif  // PIAO_LIBS_KAFKA_EVENT_CONSUMER_H_
