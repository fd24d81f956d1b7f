#include "libs/base/files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "libs/base/process.h"

namespace piao {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// Runs the test body under a given umask and restores the old one.
class UmaskGuard {
 public:
  explicit UmaskGuard(mode_t m) : old_(::umask(m)) {}
  ~UmaskGuard() { ::umask(old_); }

 private:
  mode_t old_;
};

class FilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = MakeTempDirectory("piao-files-test-");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = *dir;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

TEST_F(FilesTest, TokenFilesArePrivateEvenUnderUmaskZero) {
  UmaskGuard umask(0);
  const std::string token = dir_ + "/operator.token";
  ASSERT_TRUE(WriteFileAtomically(token, "secret\n").ok());
  EXPECT_EQ(ModeOf(token), 0600u);
  // Rewriting keeps it private (the new file is created 0600, not inherited from a looser old one).
  ASSERT_EQ(::chmod(token.c_str(), 0644), 0);
  ASSERT_TRUE(WriteFileAtomically(token, "other\n").ok());
  EXPECT_EQ(ModeOf(token), 0600u);
  EXPECT_EQ(*ReadFile(token), "other\n");
}

TEST_F(FilesTest, SharedFilesFollowTheUmask) {
  UmaskGuard umask(027);
  const std::string report = dir_ + "/report.html";
  ASSERT_TRUE(WriteFileAtomically(report, "<html/>", kSharedFile).ok());
  EXPECT_EQ(ModeOf(report), 0640u);
}

TEST_F(FilesTest, LeavesNoTemporaryAndFailsCleanly) {
  ASSERT_TRUE(WriteFileAtomically(dir_ + "/a", "1").ok());
  ASSERT_TRUE(WriteFileAtomically(dir_ + "/a", "22").ok());
  int entries = 0;
  for (const auto& e : fs::directory_iterator(dir_)) {
    ++entries;
    EXPECT_EQ(e.path().filename(), "a");
  }
  EXPECT_EQ(entries, 1);
  absl::Status s = WriteFileAtomically(dir_ + "/missing/a", "1");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(s.message(), HasSubstr("missing/a.tmp"));
}

TEST_F(FilesTest, DoesNotWriteThroughPlantedSymlinks) {
  // Someone who can write in the directory plants symlinks where the writer's temporary files would go
  // (the old "<path>.tmp.<pid>" and this writer's names) and at the target: the files they point to keep
  // their content, because temporaries are created with O_EXCL and the target is replaced by rename.
  const std::string victim = dir_ + "/victim";
  ASSERT_TRUE(WriteFileAtomically(victim, "keep").ok());
  const std::string target = dir_ + "/stack.json";
  const std::string pid = std::to_string(::getpid());
  fs::create_symlink(victim, target + ".tmp." + pid);
  for (int i = 0; i < 50; ++i) fs::create_symlink(victim, target + ".tmp." + pid + "." + std::to_string(i));
  fs::create_symlink(victim, target);
  (void)WriteFileAtomically(target, "new");  // may fail when every name it tries is taken; never writes through
  EXPECT_EQ(*ReadFile(victim), "keep");
}

TEST_F(FilesTest, DataDirectoriesArePrivate) {
  UmaskGuard umask(0);
  const std::string data = dir_ + "/x/y/data";
  ASSERT_TRUE(EnsurePrivateDirectory(data).ok());
  EXPECT_EQ(ModeOf(data), 0700u);
  EXPECT_EQ(ModeOf(dir_ + "/x"), 0700u);  // parents it had to create too
  // An existing, looser directory of ours is tightened.
  ASSERT_EQ(::chmod(data.c_str(), 0755), 0);
  ASSERT_TRUE(EnsurePrivateDirectory(data).ok());
  EXPECT_EQ(ModeOf(data), 0700u);
  // A file in the way is refused.
  ASSERT_TRUE(WriteFileAtomically(dir_ + "/file", "").ok());
  EXPECT_EQ(EnsurePrivateDirectory(dir_ + "/file").code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(FilesTest, TempDirectoriesAreUniqueAndPrivate) {
  UmaskGuard umask(0);
  auto a = MakeTempDirectory("piao-files-test-");
  auto b = MakeTempDirectory("piao-files-test-");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_EQ(ModeOf(*a), 0700u);
  fs::remove_all(*a);
  fs::remove_all(*b);
}

}  // namespace
}  // namespace piao
