#include "libs/base/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace piao {

absl::StatusOr<pid_t> Spawn(const std::vector<std::string>& argv, const SpawnOptions& options) {
  if (argv.empty()) return absl::InvalidArgumentError("argv must not be empty");
  if (::access(argv[0].c_str(), X_OK) != 0) {
    return absl::NotFoundError(absl::StrCat("cannot execute ", argv[0], ": ", std::strerror(errno)));
  }
  int log_fd = -1;
  if (!options.log_file.empty()) {
    log_fd = ::open(options.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) return absl::UnavailableError(absl::StrCat("cannot open ", options.log_file, ": ", std::strerror(errno)));
  }
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    if (log_fd >= 0) ::close(log_fd);
    return absl::UnavailableError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    if (options.new_session) ::setsid();
    if (log_fd >= 0) {
      ::dup2(log_fd, STDOUT_FILENO);
      ::dup2(log_fd, STDERR_FILENO);
      int devnull = ::open("/dev/null", O_RDONLY);
      if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    }
    // Nothing else of the parent's: a daemon (the stack's services, its brokers) must not hold the caller's
    // files, sockets or locks open for its whole life (a build lock held by a test's leftover stack did).
    ::close_range(3, ~0U, 0);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  if (log_fd >= 0) ::close(log_fd);
  return pid;
}

bool IsAlive(pid_t pid) {
  if (pid <= 0) return false;
  int status = 0;
  // Reap our own exited child so it does not linger as a zombie that kill(0) reports alive.
  if (::waitpid(pid, &status, WNOHANG) == pid) return false;
  if (::kill(pid, 0) != 0) return false;
  // Someone else's zombie (a detached stack process whose parent died): check /proc.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (std::getline(stat, line)) {
    auto close = line.rfind(')');
    if (close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z') return false;
  }
  return true;
}

absl::Status Terminate(pid_t pid, absl::Duration grace, Clock* clock) { return TerminateAll({pid}, grace, clock); }

absl::Status TerminateAll(const std::vector<pid_t>& pids, absl::Duration grace, Clock* clock) {
  std::vector<pid_t> waiting;
  for (pid_t pid : pids) {
    if (!IsAlive(pid)) continue;
    if (::kill(pid, SIGTERM) != 0 && errno != ESRCH) {
      return absl::PermissionDeniedError(absl::StrCat("kill ", pid, ": ", std::strerror(errno)));
    }
    waiting.push_back(pid);
  }
  const absl::Time deadline = clock->Now() + grace;
  while (!waiting.empty() && clock->Now() < deadline) {
    std::erase_if(waiting, [](pid_t pid) { return !IsAlive(pid); });
    if (!waiting.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::erase_if(waiting, [](pid_t pid) { return !IsAlive(pid); });
  if (waiting.empty()) return absl::OkStatus();
  for (pid_t pid : waiting) KillNow(pid);
  return absl::DeadlineExceededError(absl::StrCat("process(es) ", absl::StrJoin(waiting, ", "), " ignored SIGTERM for ",
                                                  absl::FormatDuration(grace), " and were killed"));
}

void KillNow(pid_t pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

absl::StatusOr<std::string> WaitForFile(const std::string& path, absl::Duration timeout, Clock* clock) {
  const absl::Time deadline = clock->Now() + timeout;
  for (;;) {
    auto content = ReadFile(path);
    if (content.ok()) {
      std::string trimmed(absl::StripTrailingAsciiWhitespace(*content));
      if (!trimmed.empty()) return trimmed;
    }
    if (clock->Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat("waited ", absl::FormatDuration(timeout), " for ", path));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace piao
