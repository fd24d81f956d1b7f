// How far a running stack's projection members are, lane by lane: what the fault harness (tools/chaos) and the
// load generator (tools/loadgen) wait for before they compare or measure.
#ifndef PIAO_TOOLS_PIAO_STACK_PROGRESS_H_
#define PIAO_TOOLS_PIAO_STACK_PROGRESS_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace piao::cli {

// (source service, partition) -> a global position of that source.
using LanePositions = std::map<std::pair<std::string, int32_t>, uint64_t>;

// Each lane's last event in the stores of `services` (read through their EventLogs), with `partitions` the
// stack's partition count; `events` counts the events read.
absl::StatusOr<LanePositions> StoreLaneHeads(const std::string& dir, const std::vector<std::string>& services,
                                             int partitions, uint64_t* events);

// What the running projection members report.
struct MembersProgress {
  LanePositions applied;                                // of each lane, by the member owning its partition
  std::map<int32_t, int> owners;                        // partition -> how many members own it
  std::map<std::string, std::vector<int32_t>> owned_by;  // member ("projection", "projection-2", ...) -> partitions
  bool degraded = false;                                // a member holds quarantined events
};
absl::StatusOr<MembersProgress> ReadMembersProgress(const std::string& dir);

// Waits until every partition has exactly one owner and every lane of `heads` is applied up to its head;
// DEADLINE_EXCEEDED naming what is behind, FAILED_PRECONDITION when a member quarantined events.
absl::StatusOr<MembersProgress> WaitMembersCaughtUp(const std::string& dir, const LanePositions& heads,
                                                    int partitions, absl::Duration timeout);

}  // namespace piao::cli

#endif  // PIAO_TOOLS_PIAO_STACK_PROGRESS_H_
