#include "libs/base/key_codec.h"

#include <gtest/gtest.h>

#include <set>

#include "libs/base/hostile_corpus.h"

namespace piao {
namespace {

TEST(KeyCodecTest, RoundTripsAnyBytes) {
  std::vector<std::string> values = {"", std::string("\0", 1), std::string("\0\x01", 2), std::string("\0\xff", 2),
                                     "a", "a\x01", std::string("\xff\0", 2)};
  for (const auto& v : testing::HostileCorpus()) values.push_back(v.bytes);
  for (const std::string& a : values) {
    for (const std::string& b : {std::string(), std::string("x\0y", 3)}) {
      std::string k;
      AppendKeyPart(&k, a);
      AppendKeyPart(&k, b);
      absl::StatusOr<std::vector<std::string>> parts = SplitKeyParts(k);
      ASSERT_TRUE(parts.ok()) << parts.status();
      ASSERT_EQ(parts->size(), 2u);
      EXPECT_EQ((*parts)[0], a);
      EXPECT_EQ((*parts)[1], b);
    }
  }
}

TEST(KeyCodecTest, Injective) {
  // Splitting the same bytes differently into parts must never give the same key.
  const std::string s("ab\0c", 4);
  std::set<std::string> keys;
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    keys.insert(EncodeKeyParts({s.substr(0, cut), s.substr(cut)}));
  }
  EXPECT_EQ(keys.size(), s.size() + 1);
  EXPECT_NE(EncodeKeyParts({"a", ""}), EncodeKeyParts({"a"}));
}

TEST(KeyCodecTest, SortsAsTuples) {
  EXPECT_LT(EncodeKeyParts({"a", "z"}), EncodeKeyParts({"ab", "a"}));
  EXPECT_LT(EncodeKeyParts({std::string("a\0", 2)}), EncodeKeyParts({"a\x01"}));
  EXPECT_LT(EncodeKeyParts({"a"}), EncodeKeyParts({std::string("a\0", 2)}));
}

TEST(KeyCodecTest, RefusesMalformed) {
  EXPECT_EQ(SplitKeyParts(std::string("a\0", 2)).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(SplitKeyParts(std::string("a\0\x02", 3)).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(SplitKeyParts("abc").status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace piao
