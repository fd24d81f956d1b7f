#include "libs/base/config.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace piao {
namespace {

TEST(Config, FlagsBeatEnvironmentBeatDefaults) {
  Config c;
  c.Declare("listen", "127.0.0.1:0", "address").Declare("data-dir", "/tmp/x", "dir").Declare("tls", "false", "tls")
      .Declare("partitions", "3", "n");
  std::map<std::string, std::string> env = {{"PIAO_DATA_DIR", "/env/dir"}, {"PIAO_LISTEN", "env:1"}};
  const char* argv[] = {"prog", "--listen=127.0.0.1:99", "--tls", "file.json", "--partitions", "7"};
  ASSERT_TRUE(c.Parse(6, argv, [&](const char* n) -> const char* {
                 auto it = env.find(n);
                 return it == env.end() ? nullptr : it->second.c_str();
               }).ok());
  EXPECT_EQ(c.Get("listen"), "127.0.0.1:99");
  EXPECT_EQ(c.Get("data-dir"), "/env/dir");
  EXPECT_TRUE(c.GetBool("tls"));
  EXPECT_EQ(*c.GetInt("partitions"), 7);
  ASSERT_EQ(c.positional().size(), 1u);
  EXPECT_EQ(c.positional()[0], "file.json");
}

TEST(Config, UnknownFlagAndBadIntegerAreNamed) {
  Config c;
  c.Declare("port", "1", "p");
  const char* argv[] = {"prog", "--bogus=1"};
  absl::Status s = c.Parse(2, argv, [](const char*) -> const char* { return nullptr; });
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("--bogus"), std::string::npos);

  Config d;
  d.Declare("port", "1", "p");
  const char* argv2[] = {"prog", "--port=abc"};
  ASSERT_TRUE(d.Parse(2, argv2, [](const char*) -> const char* { return nullptr; }).ok());
  EXPECT_EQ(d.GetInt("port").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(d.GetInt("port").status().message().find("--port"), std::string::npos);
}

}  // namespace
}  // namespace piao
