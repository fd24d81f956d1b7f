#include "libs/base/config.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

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

TEST(Config, AMistypedBooleanIsAnErrorNeverSilentlyFalse) {
  auto parse = [](std::vector<const char*> argv, std::map<std::string, std::string> env, Config* c) {
    c->Declare("relay", "true", "r").Declare("json", "false", "j");
    argv.insert(argv.begin(), "prog");
    return c->Parse(static_cast<int>(argv.size()), argv.data(), [&](const char* n) -> const char* {
      auto it = env.find(n);
      return it == env.end() ? nullptr : it->second.c_str();
    });
  };
  for (const char* spelling : {"false", "FALSE", "0", "no"}) {
    Config c;
    ASSERT_TRUE(parse({}, {{"PIAO_RELAY", spelling}}, &c).ok()) << spelling;
    EXPECT_FALSE(c.GetBool("relay")) << spelling;
  }
  for (const char* spelling : {"true", "Yes", "1"}) {
    Config c;
    ASSERT_TRUE(parse({}, {{"PIAO_JSON", spelling}}, &c).ok()) << spelling;
    EXPECT_TRUE(c.GetBool("json")) << spelling;
  }
  Config flag;
  absl::Status s = parse({"--relay=ture"}, {}, &flag);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("--relay"), std::string::npos) << s;
  EXPECT_NE(s.message().find("'ture'"), std::string::npos) << s;
  Config env;
  s = parse({}, {{"PIAO_RELAY", "off"}}, &env);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("PIAO_RELAY"), std::string::npos) << s;
  Config undeclared;
  s = parse({"--relai=false"}, {}, &undeclared);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("--relai"), std::string::npos) << s;
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
