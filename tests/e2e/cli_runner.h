// Runs the piao CLI as a child process for end-to-end tests.
#ifndef PIAO_TESTS_E2E_CLI_RUNNER_H_
#define PIAO_TESTS_E2E_CLI_RUNNER_H_

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace piao::e2e {

struct CliResult {
  int exit_code = -1;
  std::string out;  // stdout
};

// The directory of the project's binaries (ctest sets PIAO_BIN_DIR).
inline std::string BinDir() {
  const char* d = std::getenv("PIAO_BIN_DIR");
  return d != nullptr ? d : "bin";
}

// A file of tests/fixtures/torino-2022 (ctest sets PIAO_SOURCE_DIR).
inline std::string Fixture(const std::string& name) {
  const char* src = std::getenv("PIAO_SOURCE_DIR");
  return std::string(src != nullptr ? src : ".") + "/tests/fixtures/torino-2022/" + name;
}

// The whole content of a file ("" when it cannot be read).
inline std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs a command line of the project's binaries through the shell; its stdout and exit code.
inline CliResult RunBinary(const std::string& cmd) {
  CliResult r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// Runs `piao <args>` through the shell (args are trusted test strings); stderr goes to the test log.
// `env` is prefixed to the command line ("PIAO_TOKEN=... ").
// $PIAO_E2E_STACK_FLAGS, when set, is appended to every `stack up`: the same test runs on another Kafka, e.g.
// "--kafka apache --brokers 1 --partitions 3" (the *_apache_kafka ctest registrations, tests/CMakeLists.txt).
inline CliResult RunPiao(const std::string& args, const std::string& env = "") {
  std::string full = args;
  const char* stack_flags = std::getenv("PIAO_E2E_STACK_FLAGS");
  if (stack_flags != nullptr && args.rfind("stack up", 0) == 0) full = "stack up " + std::string(stack_flags) + args.substr(8);
  return RunBinary(env + BinDir() + "/piao " + full);
}

// The pids whose command line mentions `text` (e.g. a stack's data directory): what `stack down` must leave
// none of, JVM brokers included.
inline std::vector<int> ProcessesMentioning(const std::string& text) {
  std::vector<int> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find(text) != std::string::npos && std::stoi(name) != ::getpid()) out.push_back(std::stoi(name));
  }
  return out;
}

}  // namespace piao::e2e

#endif  // PIAO_TESTS_E2E_CLI_RUNNER_H_
