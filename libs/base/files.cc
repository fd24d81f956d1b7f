#include "libs/base/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace piao {
namespace {

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

std::string ParentOf(const std::string& path) {
  std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? std::string(".") : parent;
}

absl::Status WriteAll(int fd, absl::string_view content, const std::string& path) {
  while (!content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("cannot write", path);
    }
    content.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open directory", dir);
  const int rc = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  errno = saved;
  if (rc != 0) return Errno("cannot sync directory", dir);
  return absl::OkStatus();
}

absl::Status WriteFileAtomically(const std::string& path, absl::string_view content, mode_t mode) {
  static std::atomic<unsigned> counter{0};
  // A unique temporary beside the target (same filesystem, so the rename is atomic), created exclusively:
  // an attacker's file or symlink of that name makes open fail instead of being written through.
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    tmp = absl::StrCat(path, ".tmp.", ::getpid(), ".", counter.fetch_add(1));
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0 && errno != EEXIST) return Errno("cannot create", tmp);
  }
  if (fd < 0) return Errno("cannot create", tmp);
  absl::Status s = WriteAll(fd, content, tmp);
  if (s.ok() && ::fsync(fd) != 0) s = Errno("cannot sync", tmp);
  if (::close(fd) != 0 && s.ok()) s = Errno("cannot close", tmp);
  if (s.ok() && std::rename(tmp.c_str(), path.c_str()) != 0) {
    s = absl::UnavailableError(absl::StrCat("rename ", tmp, " -> ", path, ": ", std::strerror(errno)));
  }
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  return SyncDirectory(ParentOf(path));
}

absl::Status EnsurePrivateDirectory(const std::string& dir) {
  if (dir.empty()) return absl::InvalidArgumentError("a data directory is required");
  std::error_code ec;
  const std::filesystem::path p = std::filesystem::path(dir).lexically_normal();
  // Create missing components one by one, each 0700 from the start (mkdir's mode, never a later chmod).
  std::filesystem::path so_far;
  for (const auto& part : p) {
    so_far /= part;
    if (so_far.empty() || so_far == so_far.root_path()) continue;
    if (::mkdir(so_far.c_str(), 0700) != 0 && errno != EEXIST) return Errno("cannot create directory", so_far.string());
  }
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return Errno("cannot stat", p.string());
  if (!S_ISDIR(st.st_mode)) return absl::FailedPreconditionError(absl::StrCat(p.string(), " is not a directory"));
  if (st.st_uid != ::geteuid()) return absl::OkStatus();  // not ours to chmod (see the header)
  if ((st.st_mode & 07777) != 0700 && ::chmod(p.c_str(), 0700) != 0) return Errno("cannot chmod 0700", p.string());
  return absl::OkStatus();
}

absl::StatusOr<std::string> MakeTempDirectory(absl::string_view prefix) {
  const char* env = std::getenv("TMPDIR");
  const std::string base = env != nullptr && *env != '\0' ? env : "/tmp";
  std::string tmpl = absl::StrCat(base, "/", prefix, "XXXXXX");
  if (::mkdtemp(tmpl.data()) == nullptr) return Errno("mkdtemp", tmpl);
  return tmpl;
}

}  // namespace piao
