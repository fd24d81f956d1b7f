// Small helpers shared by piao-bench's measurements: wall time, percentiles, a process's resident memory and
// where the project's binaries are.
#ifndef PIAO_TOOLS_BENCH_BENCH_UTIL_H_
#define PIAO_TOOLS_BENCH_BENCH_UTIL_H_

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace piao::bench {

// Seconds since `start` on the steady clock.
inline double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The q-quantile (0..1, nearest rank) of `samples`; 0 for none. Sorts a copy.
double Quantile(std::vector<double> samples, double q);

// VmRSS of `pid` in MiB (/proc/<pid>/status).
absl::StatusOr<double> RssMiB(pid_t pid);

// The directory piao-bench was started from (the build's bin/, where piao-planning etc. are).
std::string BinDir();

}  // namespace piao::bench

#endif  // PIAO_TOOLS_BENCH_BENCH_UTIL_H_
