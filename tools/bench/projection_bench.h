// The projection's measurements: applying from Kafka against librdkafka's consume rate (P2), a rebuild from the
// stores (P2), the scored tree query against a raw scan (P3), and command-to-visible latency (P4).
#ifndef PIAO_TOOLS_BENCH_PROJECTION_BENCH_H_
#define PIAO_TOOLS_BENCH_PROJECTION_BENCH_H_

#include <filesystem>

#include "absl/status/statusor.h"
#include "tools/bench/mix.h"

namespace piao::bench {

struct ApplyResult {
  uint64_t events = 0;
  double apply_per_s = 0;        // EventConsumer + EventApplier + the projection's view handler, from the mock broker
  double raw_consume_per_s = 0;  // a bare librdkafka consumer reading the same messages
};
// Writes a mix of about `events` events, relays it to an in-process mock cluster (3 partitions per topic),
// then times the projection's consumer applying all of it (from its first applied message, so the group join is
// not counted) and a bare consumer reading it.
absl::StatusOr<ApplyResult> BenchApply(const std::filesystem::path& dir, uint64_t events);

// Seconds for a fresh projection (views DB, applier with the production options, the projection's handler) to
// catch up with `mix`'s two stores, read directly (StoreSourceReader, as rebuild_test does).
absl::StatusOr<double> BenchRebuild(const std::filesystem::path& views_dir, const MixStores& mix);

struct TreeResult {
  double tree_ms = 0;      // p50 of QueryScores as GetScores answers repeated queries (its ScoresCache), no wait
  double tree_uncached_ms = 0;  // p50 of QueryScores scoring the plan's records every time (no cache): the
                                // first query after each write
  double raw_scan_ms = 0;  // p50 of a RocksDB iterator reading every record of that plan (keys and values)
  uint64_t records = 0;    // records scanned
};
absl::StatusOr<TreeResult> BenchTree(const std::filesystem::path& dir, int indicators, int repetitions);

struct FreshnessResult {
  uint64_t samples = 0;
  double p50_ms = 0;
  double p99_ms = 0;
};
// The whole path in one process: a synced measurement store, its outbox relay to a mock cluster, the
// projection's EventConsumer following it. A writer appends an actual `rate` times a second for `seconds`;
// each ack's latency is until the projection has applied that position (when a read-your-writes query asking
// for it answers).
absl::StatusOr<FreshnessResult> BenchFreshness(const std::filesystem::path& dir, double seconds, int rate);

}  // namespace piao::bench

#endif  // PIAO_TOOLS_BENCH_PROJECTION_BENCH_H_
