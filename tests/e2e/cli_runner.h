// Runs the piao CLI as a child process for end-to-end tests.
#ifndef PIAO_TESTS_E2E_CLI_RUNNER_H_
#define PIAO_TESTS_E2E_CLI_RUNNER_H_

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

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

// Runs `piao <args>` through the shell (args are trusted test strings); stderr goes to the test log.
// `env` is prefixed to the command line ("PIAO_TOKEN=... ").
inline CliResult RunPiao(const std::string& args, const std::string& env = "") {
  CliResult r;
  const std::string cmd = env + BinDir() + "/piao " + args;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace piao::e2e

#endif  // PIAO_TESTS_E2E_CLI_RUNNER_H_
