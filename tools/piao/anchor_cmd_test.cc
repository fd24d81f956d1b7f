#include "tools/piao/anchor_cmd.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/base/process.h"

namespace piao::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class AnchorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("piao_anchor_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  static std::vector<AnchorHead> Heads() {
    return {AnchorHead{"planning", 12, std::string(32, '\x11')}, AnchorHead{"hr", 0, ""},
            AnchorHead{"measurement", 3, std::string(32, '\xab')}};
  }
  fs::path dir_;
};

TEST_F(AnchorTest, KeyIsCreated0600EvenWithAPermissiveUmaskAndReused) {
  const mode_t old = ::umask(0);
  auto key = LoadOrCreateAnchorKey(Path("anchor.key"), Path("anchor.pub"));
  ::umask(old);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->private_key.size(), 32u);
  EXPECT_EQ(key->public_key.size(), 32u);
  struct stat st;
  ASSERT_EQ(::stat(Path("anchor.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto pub = LoadAnchorPublicKey(Path("anchor.pub"));
  ASSERT_TRUE(pub.ok()) << pub.status();
  EXPECT_EQ(*pub, key->public_key);

  auto again = LoadOrCreateAnchorKey(Path("anchor.key"), Path("anchor.pub"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->private_key, key->private_key) << "the existing key is used, never replaced";
}

TEST_F(AnchorTest, ExposedKeySymlinkOrMismatchedPublicKeyIsRefused) {
  ASSERT_TRUE(LoadOrCreateAnchorKey(Path("anchor.key"), Path("anchor.pub")).ok());
  ASSERT_EQ(::chmod(Path("anchor.key").c_str(), 0644), 0);
  auto exposed = LoadOrCreateAnchorKey(Path("anchor.key"), Path("anchor.pub"));
  EXPECT_EQ(exposed.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(exposed.status().message(), HasSubstr("0644"));
  ASSERT_EQ(::chmod(Path("anchor.key").c_str(), 0600), 0);

  ASSERT_EQ(::symlink(Path("anchor.key").c_str(), Path("link.key").c_str()), 0);
  EXPECT_EQ(LoadOrCreateAnchorKey(Path("link.key"), Path("link.pub")).status().code(),
            absl::StatusCode::kFailedPrecondition);

  ASSERT_TRUE(LoadOrCreateAnchorKey(Path("other.key"), Path("other.pub")).ok());
  // anchor.pub replaced by another key's: the private key and the trusted public key disagree.
  ASSERT_TRUE(WriteFileAtomically(Path("anchor.pub"), *ReadFile(Path("other.pub"))).ok());
  auto mismatch = LoadOrCreateAnchorKey(Path("anchor.key"), Path("anchor.pub"));
  EXPECT_EQ(mismatch.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(mismatch.status().message(), HasSubstr("another public key"));
}

TEST_F(AnchorTest, SignedBytesAreCanonical) {
  AnchorDocument doc;
  doc.created_at = "2026-12-04T20:00:00Z";
  doc.heads = {AnchorHead{"hr", 0, ""}, AnchorHead{"planning", 2, std::string(32, '\x01')}};
  EXPECT_EQ(AnchorSignedBytes(doc),
            "piao-anchor/1\ncreated_at=2026-12-04T20:00:00Z\nhead=hr 0 \n"
            "head=planning 2 0101010101010101010101010101010101010101010101010101010101010101\n");
}

TEST_F(AnchorTest, SignedAnchorRoundTripsAndVerifiesWithTheTrustedKey) {
  auto key = LoadOrCreateAnchorKey(Path("anchor.key"), Path("anchor.pub"));
  ASSERT_TRUE(key.ok()) << key.status();
  auto doc = SignAnchor(*key, "2026-12-04T20:00:00Z", Heads());
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->heads[0].service, "hr") << "sorted by service";
  auto parsed = ParseAnchor(AnchorToJson(*doc));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->heads.size(), 3u);
  EXPECT_EQ(parsed->heads[2].service, "planning");
  EXPECT_EQ(parsed->heads[2].position, 12u);
  EXPECT_EQ(parsed->heads[2].hash, std::string(32, '\x11'));
  EXPECT_TRUE(CheckAnchorSignature(*parsed, *LoadAnchorPublicKey(Path("anchor.pub"))).ok());
}

TEST_F(AnchorTest, EditedAnchorFailsTheSignature) {
  auto key = LoadOrCreateAnchorKey(Path("anchor.key"), Path("anchor.pub"));
  ASSERT_TRUE(key.ok());
  auto doc = SignAnchor(*key, "2026-12-04T20:00:00Z", Heads());
  ASSERT_TRUE(doc.ok());
  // Someone moves the planning anchor back to hide a truncated tail.
  AnchorDocument edited = *ParseAnchor(AnchorToJson(*doc));
  edited.heads[2].position = 11;
  absl::Status s = CheckAnchorSignature(*ParseAnchor(AnchorToJson(edited)), key->public_key);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("does not verify"));
}

TEST_F(AnchorTest, AnchorResignedWithAnotherKeyIsRefusedByTheTrustedKeyOnly) {
  auto trusted = LoadOrCreateAnchorKey(Path("anchor.key"), Path("anchor.pub"));
  auto forger = LoadOrCreateAnchorKey(Path("forger.key"), Path("forger.pub"));
  ASSERT_TRUE(trusted.ok() && forger.ok());
  std::vector<AnchorHead> heads = Heads();
  heads[0].position = 11;
  auto forged = SignAnchor(*forger, "2026-12-04T20:00:00Z", heads);
  ASSERT_TRUE(forged.ok());
  // Self-consistent: its own embedded key verifies it — which is why the embedded key alone proves nothing.
  EXPECT_TRUE(CheckAnchorSignature(*forged, forged->public_key).ok());
  absl::Status s = CheckAnchorSignature(*forged, trusted->public_key);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr(KeyFingerprint(trusted->public_key)));
}

TEST_F(AnchorTest, MalformedAnchorsAreInvalidArgumentNamingTheField) {
  auto key = LoadOrCreateAnchorKey(Path("anchor.key"), Path("anchor.pub"));
  ASSERT_TRUE(key.ok());
  const std::string good = AnchorToJson(*SignAnchor(*key, "2026-12-04T20:00:00Z", Heads()));
  auto expect = [&](std::string text, const std::string& field) {
    auto r = ParseAnchor(text);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(r.status().message(), HasSubstr(field)) << text;
  };
  expect("[]", "not a JSON object");
  expect(std::string(good).insert(1, "\"extra\": 1,"), "unknown key 'extra'");
  std::string s = good;
  s.replace(s.find("piao-anchor/1"), 13, "piao-anchor/2");
  expect(s, "format");
  s = good;
  s.replace(s.find("\"hr\""), 4, "\"zz\"");
  expect(s, "sorted by service");
  s = good;
  s.replace(s.find("\"hr\""), 4, "\"h r\"");
  expect(s, "heads[0].service");
  s = good;
  s.replace(s.find("1111"), 4, "11G1");
  expect(s, "heads[2].hash");
  s = good;
  s.replace(s.find("2026-12-04T20:00:00Z"), 20, "yesterday");
  expect(s, "created_at");
  EXPECT_EQ(PublicKeyPathFor("/d/anchor.key"), "/d/anchor.pub");
  EXPECT_EQ(PublicKeyPathFor("/d/k"), "/d/k.pub");
}

}  // namespace
}  // namespace piao::cli
