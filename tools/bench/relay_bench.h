// The outbox relay's publish rate to the embedded broker.
#ifndef PIAO_TOOLS_BENCH_RELAY_BENCH_H_
#define PIAO_TOOLS_BENCH_RELAY_BENCH_H_

#include <filesystem>

#include "absl/status/statusor.h"

namespace piao::bench {

struct RelayResult {
  double seconds = 0;  // from relay start until the outbox is empty
};

// Appends `events` events (unsynced, so only the relay is measured), then times a relay draining them to
// an in-process mock cluster (3 partitions, acks=all, idempotent producer).
absl::StatusOr<RelayResult> BenchRelay(const std::filesystem::path& dir, int events);

}  // namespace piao::bench

#endif  // PIAO_TOOLS_BENCH_RELAY_BENCH_H_
