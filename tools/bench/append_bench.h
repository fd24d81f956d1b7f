// P1 at the library level: durable appends of the event store (group commit, synced WAL) and the raw RocksDB
// ceiling (synced WriteBatches of the same record count, no event-store logic).
#ifndef PIAO_TOOLS_BENCH_APPEND_BENCH_H_
#define PIAO_TOOLS_BENCH_APPEND_BENCH_H_

#include <filesystem>

#include "absl/status/statusor.h"

namespace piao::bench {

// `appenders` threads, each appending `batch` events of 200 bytes per call to its own stream at the expected
// version (as a command does), with sync=true, for `seconds`. Events per second.
absl::StatusOr<double> BenchStore(const std::filesystem::path& dir, int batch, int appenders, double seconds);

// The same thread count writing synced WriteBatches of `batch` records of 300 bytes (about an envelope with a
// 200-byte payload). Records per second.
absl::StatusOr<double> BenchRawRocks(const std::filesystem::path& dir, int batch, int appenders, double seconds);

}  // namespace piao::bench

#endif  // PIAO_TOOLS_BENCH_APPEND_BENCH_H_
