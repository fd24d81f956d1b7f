// Files on the machine (docs/SECURITY.md), with the real binaries: even under umask 0, `piao stack up`
// leaves the data directory, each component's directory and store, and the logs private (0700), and the
// token files and state files it writes readable by the operator only (0600).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "tests/e2e/cli_runner.h"

namespace piao::e2e {
namespace {

namespace fs = std::filesystem;

mode_t ModeOf(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 07777;
  return st.st_mode & 07777;
}

TEST(FilesE2eTest, StackUpUnderUmaskZeroKeepsTheDataDirectoryPrivate) {
  std::string tmpl = (fs::temp_directory_path() / "piao_e2e_files_XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const fs::path data = fs::path(tmpl) / "data";  // made by `stack up`
  const mode_t old = ::umask(0);                   // inherited by the CLI and every service it starts
  CliResult up = RunPiao("stack up --data " + data.string());
  ::umask(old);
  EXPECT_EQ(up.exit_code, 0) << up.out;

  EXPECT_EQ(ModeOf(data), 0700u);
  EXPECT_EQ(ModeOf(data / "logs"), 0700u);
  for (const char* service : {"planning", "measurement", "risk", "hr"}) {
    EXPECT_EQ(ModeOf(data / service), 0700u) << service;
    EXPECT_EQ(ModeOf(data / service / "events"), 0700u) << service;
  }
  EXPECT_EQ(ModeOf(data / "projection"), 0700u);
  EXPECT_EQ(ModeOf(data / "projection" / "views"), 0700u);
  EXPECT_EQ(ModeOf(data / "operator.token"), 0600u);
  EXPECT_EQ(ModeOf(data / "stack.json"), 0600u);
  for (const char* file : {"service.token", "tokens", "planning.addr", "broker.bootstrap"}) {
    if (fs::exists(data / file)) {
      EXPECT_EQ(ModeOf(data / file), 0600u) << file;
    }
  }

  RunPiao("stack down --data " + data.string());
  std::error_code ec;
  fs::remove_all(tmpl, ec);
}

}  // namespace
}  // namespace piao::e2e
