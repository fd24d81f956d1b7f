// Co-partitioning by administration: every event of one administration goes to the same partition number of
// every event topic, so a consumer-group member that owns partition k owns whole administrations.
//
// The partition is Kafka's own default for a keyed record (org.apache.kafka.clients.producer.internals.
// BuiltInPartitioner: toPositive(murmur2(key)) % partitions) with the administration as the key, so a
// producer in any language that keys by administration agrees, and librdkafka's `murmur2_random` partitioner
// too. Topics must have the same partition count (`piao stack up --partitions P` creates them so).
#ifndef PIAO_LIBS_KAFKA_PARTITIONING_H_
#define PIAO_LIBS_KAFKA_PARTITIONING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "piao/v1/event.pb.h"

namespace piao::kafka {

// Kafka's murmur2 (Utils.murmur2, seed 0x9747b28c) of `key`'s bytes, as a signed 32-bit value like Java's.
int32_t Murmur2(absl::string_view key);

// The partition of `administration` among `partition_count` (>= 1) partitions.
int32_t PartitionOf(absl::string_view administration, int32_t partition_count);

// A lane is one source's events in one partition, in the source's order. The relay stamps every message with
// the header kLanePrevHeader: the global position of the source's previous event in the same partition, in
// decimal ("0": none before it); absent when the relay does not know it (its first message to a partition
// after a restart). A consumer that has applied its lane up to that position knows the message continues it;
// otherwise it fills the lane from the source's store (EventLog.ReadEvents with a partition filter).
inline constexpr char kLanePrevHeader[] = "piao-lane-prev";

// The administration an event's stream belongs to: its aggregate id up to the first '/' (every stream's id is
// "<administration>" or "<administration>/<year>").
std::string AdministrationOfStream(const v1::StreamRef& stream);

// Which partitions of the co-partitioned topics a consumer applies: `count` partitions in all, of which it owns
// `owned` (sorted, each in [0, count)). The unsplit projection owns them all.
struct PartitionShare {
  int32_t count = 1;
  std::vector<int32_t> owned = {0};

  static PartitionShare All(int32_t count);
  bool Owns(int32_t partition) const;
  bool OwnsAdministration(absl::string_view administration) const {
    return Owns(PartitionOf(administration, count));
  }
};

}  // namespace piao::kafka

#endif  // PIAO_LIBS_KAFKA_PARTITIONING_H_
