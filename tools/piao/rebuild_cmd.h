// `piao rebuild [--data DIR] [--json]`: rebuilds the projection's views from offset zero. It reads the
// write services' heads, stops the projection, deletes its views, starts it again and waits (with a
// progress bar on a terminal) until it has re-applied every event up to those heads. The views are
// deterministic functions of the events, so the answers afterwards are the same as before.
#ifndef PIAO_TOOLS_PIAO_REBUILD_CMD_H_
#define PIAO_TOOLS_PIAO_REBUILD_CMD_H_

#include <string>

#include "absl/status/status.h"

namespace piao::cli {

struct RebuildOptions {
  std::string data_dir;
  bool json = false;
};
// Prints {"rebuilt": true, "events": N, "seconds": S, "applied": {source: position}} with --json.
absl::Status RunRebuild(const RebuildOptions& options);

}  // namespace piao::cli

#endif  // PIAO_TOOLS_PIAO_REBUILD_CMD_H_
