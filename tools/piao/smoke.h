// `piao smoke`: pushes a small workload through the running stack and checks each guarantee end to end.
#ifndef PIAO_TOOLS_PIAO_SMOKE_H_
#define PIAO_TOOLS_PIAO_SMOKE_H_

#include <string>

#include "absl/status/status.h"

namespace piao::cli {

struct SmokeOptions {
  std::string data_dir;
  int plans = 200;
  int threads = 8;
  bool json = false;
};

// Prints a summary (or one JSON object); an error names the check that failed.
absl::Status RunSmoke(const SmokeOptions& options);

}  // namespace piao::cli

#endif  // PIAO_TOOLS_PIAO_SMOKE_H_
