#include "libs/base/sha256.h"

#include <gtest/gtest.h>

#include "libs/base/clock.h"

namespace piao {
namespace {

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(ToHex(Sha256({""})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(ToHex(Sha256({"abc"})), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256({"a", "bc"}), Sha256({"abc"}));
}

TEST(RandomIdGenerator, SeededIsRepeatableAndUuidShaped) {
  RandomIdGenerator a(42), b(42);
  std::string id = a.NewId();
  EXPECT_EQ(id, b.NewId());
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '4');
  EXPECT_NE(a.NewId(), id);
}

TEST(FakeClock, MovesOnlyWhenAdvanced) {
  FakeClock c(absl::FromUnixSeconds(1000));
  EXPECT_EQ(c.Now(), absl::FromUnixSeconds(1000));
  c.Advance(absl::Seconds(5));
  EXPECT_EQ(c.Now(), absl::FromUnixSeconds(1005));
}

}  // namespace
}  // namespace piao
