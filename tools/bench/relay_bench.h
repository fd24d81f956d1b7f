// The outbox relay against librdkafka alone, and librdkafka's consume rate (the ceiling of P2's apply).
#ifndef PIAO_TOOLS_BENCH_RELAY_BENCH_H_
#define PIAO_TOOLS_BENCH_RELAY_BENCH_H_

#include <filesystem>
#include <string>

#include "absl/status/statusor.h"

namespace piao::bench {

struct RelayResult {
  double events_per_s = 0;       // the relay: from start until the outbox is empty (every delivery recorded)
  double raw_produce_per_s = 0;  // librdkafka alone: the same messages, keys, headers and producer settings
};

// Appends `events` events (unsynced, so only publishing is measured), then times a relay draining them to an
// in-process mock cluster (3 partitions, acks=all, idempotent producer), and a bare producer with the same
// settings sending the same serialized envelopes to another topic of the same cluster until every delivery
// report arrived.
// With `trace`, prints to stderr every 2 ms the relay's published and delivered counts (a wall-clock timeline).
absl::StatusOr<RelayResult> BenchRelay(const std::filesystem::path& dir, int events, bool trace = false);

// Messages per second of a bare librdkafka consumer (same group settings as the projection's, assigned every
// partition from the beginning) reading all `messages` of `topics` from `bootstrap`: nothing is done with them.
// The messages `topics` still hold from offset 0: FAILED_PRECONDITION when a partition no longer starts at 0
// (librdkafka's mock cluster drops a partition's oldest segments past a few MB, so a larger run cannot be read
// back from the beginning and would wait for ever).
absl::StatusOr<uint64_t> RetainedMessages(const std::string& bootstrap, const std::vector<std::string>& topics,
                                          int partitions);
absl::StatusOr<double> BenchRawConsume(const std::string& bootstrap, const std::vector<std::string>& topics,
                                       int partitions, uint64_t messages);

}  // namespace piao::bench

#endif  // PIAO_TOOLS_BENCH_RELAY_BENCH_H_
