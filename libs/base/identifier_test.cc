#include "libs/base/identifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libs/base/hostile_corpus.h"

namespace piao {
namespace {

using ::testing::HasSubstr;

TEST(IdentifierTest, HostileCorpus) {
  for (const testing::HostileValue& v : testing::HostileCorpus()) {
    absl::Status id = ValidateIdentifier("objectives[0].code", v.bytes);
    EXPECT_EQ(id.ok(), v.valid_identifier) << v.name << ": " << id;
    if (!id.ok()) {
      EXPECT_EQ(id.code(), absl::StatusCode::kInvalidArgument) << v.name;
      EXPECT_THAT(id.message(), HasSubstr("objectives[0].code")) << v.name;
    }
    absl::Status text = ValidateText("title", v.bytes);
    EXPECT_EQ(text.ok(), v.valid_text) << v.name << ": " << text;
  }
}

TEST(IdentifierTest, NamesTheRule) {
  EXPECT_THAT(ValidateIdentifier("code", std::string("A\0B", 3)).message(), HasSubstr("control characters (U+0000)"));
  EXPECT_THAT(ValidateIdentifier("code", std::string(300, 'a')).message(), HasSubstr("at most 256 bytes, got 300"));
  EXPECT_THAT(ValidateIdentifier("code", "A\xe2\x80\xae").message(), HasSubstr("U+202E"));
  EXPECT_THAT(ValidateText("reason", "\xff").message(), HasSubstr("valid UTF-8 (at byte 0)"));
}

TEST(IdentifierTest, EmptyAndPlainAreFine) {
  EXPECT_TRUE(ValidateIdentifier("code", "").ok());
  EXPECT_TRUE(ValidateIdentifier("code", "kpi3.1.1_01").ok());
  EXPECT_TRUE(ValidateIdentifier("act", "delibera di Giunta n. 81 del 24/05/2022").ok());
  EXPECT_TRUE(ValidateIdentifier("unit", "\xe2\x82\xac").ok());  // €
}

}  // namespace
}  // namespace piao
