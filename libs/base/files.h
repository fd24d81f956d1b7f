// Files the system writes, with the modes and durability the threat model asks for (docs/SECURITY.md):
//   - data directories are private (0700): stores, tokens, keys, logs and addresses live there;
//   - a file is written to a fresh temporary created with O_CREAT|O_EXCL in its final mode (0600 unless
//     the caller asks otherwise), fsynced, renamed over the target, then the directory is fsynced: a reader
//     sees the old content or the new, never a torn file, and a token is never readable by others, not even
//     for an instant and not even under umask 0 (the mode is given at creation, never chmod-ed afterwards);
//   - scratch directories come from mkdtemp (unpredictable names, 0700).
#ifndef PIAO_LIBS_BASE_FILES_H_
#define PIAO_LIBS_BASE_FILES_H_

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace piao {

// Owner read/write only: tokens, keys, state files. The default.
inline constexpr mode_t kPrivateFile = 0600;
// Reports and other outputs meant to be shared: 0644 (less whatever the umask removes).
inline constexpr mode_t kSharedFile = 0644;

// Writes `content` to `path` atomically and durably (see above), the new file having `mode` (a umask may
// only remove bits from it). UNAVAILABLE naming the file and the system error; on failure the target is
// untouched and no temporary is left behind.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view content, mode_t mode = kPrivateFile);

// Creates `dir` (and missing parents) with mode 0700 from the start. An existing directory owned by this
// user is tightened to 0700. One owned by someone else (a volume mounted by an orchestrator, owned by root
// with group access for the service) is left as its owner set it: callers keep their files one level down,
// in a directory of their own made here. FAILED_PRECONDITION when `dir` exists and is not a directory.
absl::Status EnsurePrivateDirectory(const std::string& dir);

// A new, empty directory under $TMPDIR (else /tmp) named `prefix` + six random characters, mode 0700
// (mkdtemp). The caller removes it.
absl::StatusOr<std::string> MakeTempDirectory(absl::string_view prefix);

// fsync()s a directory, making a rename or a creation inside it durable.
absl::Status SyncDirectory(const std::string& dir);

}  // namespace piao

#endif  // PIAO_LIBS_BASE_FILES_H_
