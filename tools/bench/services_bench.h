// Measurements through the real service processes (the build's bin/): P1 through a write service's gRPC
// command path, and the resident memory of each service after it served a large store.
#ifndef PIAO_TOOLS_BENCH_SERVICES_BENCH_H_
#define PIAO_TOOLS_BENCH_SERVICES_BENCH_H_

#include <filesystem>
#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace piao::bench {

// Starts piao-measurement (no relay, so only the command path is measured) on a fresh data dir and sends
// RecordActual (one event each, a new indicator each time, synced before the ack) from `clients` threads, each
// on its own channel and administration, for `seconds`. Events per second.
absl::StatusOr<double> BenchGrpcCommands(const std::filesystem::path& dir, int clients, double seconds);

struct ServicesRss {
  std::map<std::string, double> rss_mib;  // service -> VmRSS after the projection caught up
  double projection_catch_up_s = 0;       // the projection process applying everything through the EventLogs
};
// Starts piao-planning and piao-measurement on `mix_dir`/planning and `mix_dir`/measurement (WriteMix's
// layout, stores closed) and a piao-projection following their EventLogs (no Kafka), waits until the
// projection has applied both stores' heads, and reads each process's RSS.
absl::StatusOr<ServicesRss> MeasureServicesRss(const std::filesystem::path& mix_dir, uint64_t planning_head,
                                               uint64_t measurement_head);

}  // namespace piao::bench

#endif  // PIAO_TOOLS_BENCH_SERVICES_BENCH_H_
