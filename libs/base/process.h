// Child processes for the CLI's local stack and for cross-process tests.
#ifndef PIAO_LIBS_BASE_PROCESS_H_
#define PIAO_LIBS_BASE_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/base/clock.h"
#include "libs/base/files.h"  // WriteFileAtomically

namespace piao {

struct SpawnOptions {
  std::string log_file;     // stdout and stderr go here (appended); empty: inherit
  bool new_session = false; // setsid(): survives the parent (the CLI's `stack up`)
};

// Starts argv[0] (a path) with the given arguments. The child's environment is the parent's.
absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& argv, const SpawnOptions& options);

// True while `pid` exists and is not a zombie.
bool IsAlive(pid_t pid);

// SIGTERM, then SIGKILL if still alive after `grace` (on `clock`). Reaps the child when it is ours. OK when it
// is gone.
absl::Status Terminate(pid_t pid, absl::Duration grace, Clock* clock = Clock::Real());
// Terminate for several processes at once: SIGTERM to each, then one shared grace, then SIGKILL to those left
// (DEADLINE_EXCEEDED naming them). For peers that need each other while they stop, e.g. a Kafka quorum.
absl::Status TerminateAll(const std::vector<pid_t>& pids, absl::Duration grace, Clock* clock = Clock::Real());

// SIGKILL and reap (when ours).
void KillNow(pid_t pid);

// Polls until `path` exists and is non-empty, or `timeout` passes on `clock`; returns its content (trailing
// whitespace trimmed). DEADLINE_EXCEEDED names the file.
absl::StatusOr<std::string> WaitForFile(const std::string& path, absl::Duration timeout,
                                        Clock* clock = Clock::Real());

absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace piao

#endif  // PIAO_LIBS_BASE_PROCESS_H_
