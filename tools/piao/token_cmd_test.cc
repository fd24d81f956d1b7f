#include "tools/piao/token_cmd.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libs/base/process.h"

namespace piao::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "piao-token-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp";
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(TokenCmdTest, FlagsAreValidatedNamingTheFlag) {
  EXPECT_TRUE(ValidatePrincipalId("user:m.rossi").ok());
  EXPECT_TRUE(ValidatePrincipalId("svc:infocamere-feed@cciaa+to_1").ok());
  for (const char* bad : {"", "user m.rossi", "user:\x01x", "#user", "user,x", "utente:è"}) {
    absl::Status s = ValidatePrincipalId(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(s.message(), HasSubstr("--principal")) << bad;
  }
  EXPECT_EQ(ValidatePrincipalId(std::string(129, 'a')).code(), absl::StatusCode::kInvalidArgument);

  EXPECT_THAT(*ParseRolesFlag("planner,oiv"), ElementsAre("planner", "oiv"));
  for (const char* bad : {"", "wizard", "planner,", "planner,planner", "Planner"}) {
    absl::StatusOr<std::vector<std::string>> r = ParseRolesFlag(bad);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(r.status().message(), HasSubstr("--roles")) << bad;
  }

  EXPECT_THAT(*ParseAdministrationsFlag(""), ElementsAre("*"));
  EXPECT_THAT(*ParseAdministrationsFlag("*"), ElementsAre("*"));
  EXPECT_THAT(*ParseAdministrationsFlag("CCIAA-TO,CCIAA-MI"), ElementsAre("CCIAA-TO", "CCIAA-MI"));
  for (const char* bad : {"CCIAA TO", "A,,B", "A,*", "A*", "A\tB", ","}) {
    absl::StatusOr<std::vector<std::string>> r = ParseAdministrationsFlag(bad);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(r.status().message(), HasSubstr("--administration")) << bad;
  }
}

TEST(TokenCmdTest, IssueStoresOnlyTheHashInAPrivateFileAndTheTokenAuthenticates) {
  TempDir dir;
  absl::StatusOr<std::string> token = IssueToken(dir.path(), "user:m.rossi", {"planner"}, {"CCIAA-TO"});
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->size(), 64u) << "256 random bits in hex";
  absl::StatusOr<std::string> other = IssueToken(dir.path(), "user:m.rossi", {"planner"}, {"CCIAA-TO"});
  ASSERT_TRUE(other.ok());
  EXPECT_NE(*token, *other);

  const std::string path = dir.path() + "/tokens";
  absl::StatusOr<std::string> text = ReadFile(path);
  ASSERT_TRUE(text.ok());
  EXPECT_THAT(*text, Not(HasSubstr(*token)));
  EXPECT_THAT(*text, HasSubstr(service::HashToken(*token) + " user:m.rossi planner CCIAA-TO"));
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  for (const auto& e : fs::directory_iterator(dir.path())) {
    EXPECT_THAT(e.path().filename().string(), Not(HasSubstr(".tmp."))) << "no temporary file left";
  }

  absl::StatusOr<service::TokenAuthenticator> auth = service::TokenAuthenticator::Load(path);
  ASSERT_TRUE(auth.ok()) << auth.status();
  absl::StatusOr<v1::Principal> p = auth->AuthenticateToken(*token);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->id(), "user:m.rossi");
  EXPECT_THAT(p->administrations(), ElementsAre("CCIAA-TO"));
}

TEST(TokenCmdTest, BadInputWritesNothing) {
  TempDir dir;
  ASSERT_TRUE(IssueToken(dir.path(), "user:a", {"oiv"}, {"*"}).ok());
  const std::string before = *ReadFile(dir.path() + "/tokens");
  EXPECT_EQ(IssueToken(dir.path(), "bad principal", {"oiv"}, {"*"}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RevokeTokens(dir.path(), "user:nobody").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*ReadFile(dir.path() + "/tokens"), before);

  // A malformed file is refused, never rewritten (the services keep the tokens they had).
  ASSERT_TRUE(WriteSecretFile(dir.path() + "/tokens", before + "garbage line\n").ok());
  absl::StatusOr<std::string> refused = IssueToken(dir.path(), "user:b", {"oiv"}, {"*"});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("line 2"));
  EXPECT_EQ(*ReadFile(dir.path() + "/tokens"), before + "garbage line\n");
}

TEST(TokenCmdTest, RevokeRemovesEveryTokenOfThePrincipalAndKeepsTheRest) {
  const std::string text = "# keep me\n" + service::HashToken("a1") + " user:a planner CCIAA-TO\n" +
                           service::HashToken("b") + " user:b oiv\n" + service::HashToken("a2") + "\tuser:a  hr *\n";
  int removed = 0;
  absl::StatusOr<std::string> out = RemovePrincipalLines(text, "user:a", &removed);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(removed, 2);
  EXPECT_EQ(*out, "# keep me\n" + service::HashToken("b") + " user:b oiv\n");
  EXPECT_EQ(*RemovePrincipalLines(text, "user:ab", &removed), text);
  EXPECT_EQ(removed, 0);
}

TEST(TokenCmdTest, ListNeverShowsHashesAndHasTheJsonShape) {
  TempDir dir;
  ASSERT_TRUE(IssueToken(dir.path(), "user:m.rossi", {"planner", "oiv"}, {"CCIAA-TO", "CCIAA-MI"}).ok());
  ASSERT_TRUE(IssueToken(dir.path(), "svc:feed", {"feed"}, {"*"}).ok());
  absl::StatusOr<std::vector<service::TokenEntry>> entries = ListTokens(dir.path());
  ASSERT_TRUE(entries.ok());
  const nlohmann::json j = TokenListJson(*entries);
  EXPECT_EQ(j, nlohmann::json::parse(R"({"tokens":[
      {"principal":"user:m.rossi","roles":["planner","oiv"],"administrations":["CCIAA-TO","CCIAA-MI"]},
      {"principal":"svc:feed","roles":["feed"],"administrations":["*"]}]})"));
  const std::string listed = TokenListText(*entries);
  EXPECT_THAT(listed, HasSubstr("user:m.rossi"));
  EXPECT_THAT(listed, HasSubstr("planner,oiv | CCIAA-TO,CCIAA-MI"));
  EXPECT_THAT(listed, Not(HasSubstr((*entries)[0].hash)));
  EXPECT_THAT(listed, Not(HasSubstr((*entries)[0].hash.substr(0, 8))));

  ASSERT_EQ(*RevokeTokens(dir.path(), "user:m.rossi"), 1);
  EXPECT_EQ(TokenListJson(*ListTokens(dir.path()))["tokens"].size(), 1u);
}

TEST(TokenCmdTest, ConcurrentIssuesLoseNoLine) {
  TempDir dir;
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      EXPECT_TRUE(IssueToken(dir.path(), "user:u" + std::to_string(i), {"oiv"}, {"*"}).ok());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ListTokens(dir.path())->size(), 8u);
}

}  // namespace
}  // namespace piao::cli
