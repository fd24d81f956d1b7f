#include "libs/base/json_strict.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace piao {
namespace {

using ::testing::HasSubstr;

TEST(ParseJsonStrictTest, ParsesAValidDocument) {
  auto j = ParseJsonStrict(R"({"a": [1, {"b": "x"}], "c": null})", "file");
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ((*j)["a"][1]["b"], "x");
}

TEST(ParseJsonStrictTest, RefusesADuplicateKeyNamingItsPath) {
  auto j = ParseJsonStrict(R"({"objectives": [{"code": "A"}, {"code": "B", "indicators": [{"target": 1, "target": 2}]}]})",
                           "plan");
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(j.status().message(), HasSubstr("objectives[1].indicators[0].target: duplicate key"));
}

TEST(ParseJsonStrictTest, RefusesADuplicateTopLevelKeyWithTheRootPrefix) {
  auto j = ParseJsonStrict(R"({"format": "a", "staff": [], "format": "b"})", "hr", "$");
  ASSERT_FALSE(j.ok());
  EXPECT_THAT(j.status().message(), HasSubstr("$.format: duplicate key"));
}

TEST(ParseJsonStrictTest, TheSameKeyInSiblingObjectsIsFine) {
  auto j = ParseJsonStrict(R"([{"k": 1}, {"k": 2}, {"k": {"k": 3}}])", "x");
  ASSERT_TRUE(j.ok()) << j.status();
}

TEST(ParseJsonStrictTest, RefusesDeepNesting) {
  const std::string deep = std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']');
  auto j = ParseJsonStrict(deep, "x");
  ASSERT_FALSE(j.ok());
  EXPECT_THAT(j.status().message(), HasSubstr("nested deeper than 64"));
  const std::string ok = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_TRUE(ParseJsonStrict(ok, "x").ok());
}

TEST(ParseJsonStrictTest, SyntaxErrorsAndBadUtf8AndHugeNumbersAreInvalidArgument) {
  for (const std::string& text : {std::string("{\"a\": }"), std::string("{\"a\": \"\xff\"}"), std::string("[1e999]"),
                                 std::string(""), std::string("{} {}")}) {
    auto j = ParseJsonStrict(text, "file");
    ASSERT_FALSE(j.ok()) << text;
    EXPECT_EQ(j.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(j.status().message(), HasSubstr("file is not valid JSON"));
  }
}

TEST(CheckKnownKeysTest, NamesTheUnknownKeyAndWhatWasExpected) {
  const nlohmann::json j = {{"op", ">="}, {"value", 1}, {"vaule", 2}};
  absl::Status s = CheckKnownKeys(j, {"op", "value", "unit"}, "objectives[3].indicators[0].target");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("objectives[3].indicators[0].target.vaule: unknown key"));
  EXPECT_THAT(s.message(), HasSubstr("op, value, unit"));
  EXPECT_TRUE(CheckKnownKeys(j, {"op", "value", "vaule"}, "t").ok());
  EXPECT_TRUE(CheckKnownKeys(nlohmann::json::array(), {"a"}, "t").ok());
}

}  // namespace
}  // namespace piao
