#include "libs/service/auth.h"

#include <grpcpp/client_context.h>
#include <grpcpp/server_context.h>
#include <grpcpp/test/client_context_test_peer.h>
#include <grpcpp/test/server_context_test_spouse.h>

#include <google/protobuf/descriptor.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/service/client.h"
#include "libs/service/event_log_service.h"
#include "libs/service/grpc_status.h"
#include "libs/service/roles.h"
#include "libs/service/service_test_util.h"
#include "piao/v1/event_log.grpc.pb.h"

namespace piao::service {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(RolesTest, KnownRoles) {
  EXPECT_TRUE(roles::IsKnown("oiv"));
  EXPECT_TRUE(roles::IsKnown(roles::kService));
  EXPECT_FALSE(roles::IsKnown("Admin"));
  EXPECT_FALSE(roles::IsKnown(""));
}

TEST(TokenAuthenticatorTest, HashTokenIsLowerHexSha256) {
  // sha256("test"), as printed by `printf %s test | sha256sum`.
  EXPECT_EQ(HashToken("test"), "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
}

TEST(TokenAuthenticatorTest, ParsesCommentsBlankLinesTabsCrlfAndUpperCaseHex) {
  std::string upper = HashToken("b");
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string text = "# header\n\n   # indented comment\n" + HashToken("a") + " user:a planner,measurer\r\n" +
                     upper + "\tsvc:b\tservice\n  \n";
  auto auth = TokenAuthenticator::Parse(text, "tokens.txt");
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(auth->size(), 2u);

  auto a = auth->AuthenticateToken("a");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->id(), "user:a");
  EXPECT_THAT(a->roles(), ElementsAre("planner", "measurer"));

  auto b = auth->AuthenticateToken("b");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->id(), "svc:b");
  EXPECT_THAT(b->roles(), ElementsAre("service"));

  auto unknown = auth->AuthenticateToken("c");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kUnauthenticated);
  // The file holds hashes: presenting the hash itself is not the token.
  EXPECT_EQ(auth->AuthenticateToken(HashToken("a")).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST(TokenAuthenticatorTest, EmptyFileHasNoTokens) {
  auto auth = TokenAuthenticator::Parse("# nobody yet\n", "t");
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(auth->size(), 0u);
}

void ExpectBadLine(const std::string& text, int line, const std::string& what) {
  auto auth = TokenAuthenticator::Parse(text, "tokens.txt");
  ASSERT_FALSE(auth.ok()) << text;
  EXPECT_EQ(auth.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(auth.status().message(), HasSubstr("tokens.txt line " + std::to_string(line) + ":"));
  EXPECT_THAT(auth.status().message(), HasSubstr(what));
}

TEST(TokenAuthenticatorTest, BadLinesAreNamed) {
  const std::string good = HashToken("a") + " user:a planner\n";
  ExpectBadLine(good + HashToken("b") + " user:b\n", 2, "got 2 field(s)");
  ExpectBadLine("# c\n" + good + HashToken("b") + " user:b planner A extra\n", 3, "got 5 field(s)");
  ExpectBadLine("abc123 user:b planner\n", 1, "64-hex-digit SHA-256");
  ExpectBadLine(std::string(63, 'a') + "g user:b planner\n", 1, "64-hex-digit SHA-256");
  ExpectBadLine(good + HashToken("b") + " user:b planner,wizard\n", 2, "unknown role 'wizard'");
  ExpectBadLine(good + HashToken("b") + " user:b planner,,oiv\n", 2, "unknown role ''");
  ExpectBadLine(good + HashToken("a") + " user:other oiv\n", 2, "same token hash");
  // "planner, oiv" splits into 4 fields: roles must not contain spaces.
  ExpectBadLine(HashToken("b") + " user:b planner, oiv\n", 1, "unknown role ''");
  ExpectBadLine(HashToken("b") + " user:b planner A,,B\n", 1, "administrations: an empty name");
  ExpectBadLine(HashToken("b") + " user:b planner A,*\n", 1, "'*' (every administration) must stand alone");
  ExpectBadLine(HashToken("b") + " user:b planner A*\n", 1, "mixes '*'");
}

TEST(TokenAuthenticatorTest, LoadReadsFileAndReportsMissingFile) {
  testing::TempDir dir;
  testing::WriteText(dir.File("tokens"), testing::TestTokensText());
  auto auth = TokenAuthenticator::Load(dir.File("tokens"));
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_EQ(auth->size(), 4u);

  auto missing = TokenAuthenticator::Load(dir.File("nope"));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("nope"));

  testing::WriteText(dir.File("bad"), "\n\nnot a line\n");
  auto bad = TokenAuthenticator::Load(dir.File("bad"));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr(dir.File("bad") + " line 3"));
}

class AuthorizeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tokens = TokenAuthenticator::Parse(testing::TestTokensText(), "test");
    ASSERT_TRUE(tokens.ok()) << tokens.status();
    RolePolicy policy;
    AllowEventLog(policy);
    policy.Allow("/piao.v1.Planning/CreatePlan", {roles::kPlanner, roles::kAdmin});
    authorizer_ = std::make_unique<Authorizer>(std::make_shared<TokenAuthenticator>(*std::move(tokens)),
                                               std::move(policy));
  }

  // A server context whose client sent `authorization: <value>` (no metadata if value is null).
  absl::StatusOr<v1::Principal> AuthorizeWith(const char* value, absl::string_view method) {
    grpc::ServerContext ctx;
    grpc::testing::ServerContextTestSpouse spouse(&ctx);
    spouse.AddClientMetadata("x-other", "1");
    if (value != nullptr) spouse.AddClientMetadata("authorization", value);
    return authorizer_->Authorize(&ctx, method);
  }

  std::unique_ptr<Authorizer> authorizer_;
};

TEST_F(AuthorizeTest, MissingTokenIsUnauthenticated) {
  auto p = AuthorizeWith(nullptr, kGetHeadMethod);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(p.status().message(), HasSubstr("missing bearer token"));
}

TEST_F(AuthorizeTest, NonBearerOrEmptyTokenIsUnauthenticated) {
  EXPECT_EQ(AuthorizeWith("Basic dXNlcjpwdw==", kGetHeadMethod).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(AuthorizeWith("Bearer ", kGetHeadMethod).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(AuthorizeWith("Bearer    ", kGetHeadMethod).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(AuthorizeWith("svc-token", kGetHeadMethod).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(AuthorizeTest, UnknownTokenIsUnauthenticated) {
  auto p = AuthorizeWith("Bearer not-a-token", kGetHeadMethod);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(p.status().message(), HasSubstr("unknown bearer token"));
}

TEST_F(AuthorizeTest, WrongRoleIsPermissionDeniedNamingTheRequiredRoles) {
  auto p = AuthorizeWith("Bearer planner-token", kReadEventsMethod);
  EXPECT_EQ(p.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(p.status().message(), HasSubstr("user:m.rossi may not call /piao.v1.EventLog/ReadEvents"));
  EXPECT_THAT(p.status().message(), HasSubstr("admin, oiv, service"));

  auto oiv = AuthorizeWith("Bearer oiv-token", "/piao.v1.Planning/CreatePlan");
  EXPECT_EQ(oiv.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(oiv.status().message(), HasSubstr("admin, planner"));
}

TEST_F(AuthorizeTest, MethodWithoutPolicyIsDeniedToEveryone) {
  auto p = AuthorizeWith("Bearer admin-token", "/piao.v1.Planning/DeleteEverything");
  EXPECT_EQ(p.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(p.status().message(), HasSubstr("no role may call /piao.v1.Planning/DeleteEverything"));
}

TEST_F(AuthorizeTest, RightRoleGivesThePrincipal) {
  for (const char* token : {"svc-token", "oiv-token", "admin-token"}) {
    auto p = AuthorizeWith((std::string("Bearer ") + token).c_str(), kReadEventsMethod);
    ASSERT_TRUE(p.ok()) << token << ": " << p.status();
  }
  auto p = AuthorizeWith("bearer planner-token", "/piao.v1.Planning/CreatePlan");  // scheme is case-blind
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->id(), "user:m.rossi");
  EXPECT_THAT(p->roles(), ElementsAre("planner"));
}

TEST(RolePolicyTest, CheckCoversFindsMissingAndUnknownMethods) {
  const auto* event_log = v1::EventLog::service_full_name();
  const auto* desc = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(event_log);
  ASSERT_NE(desc, nullptr);

  RolePolicy full;
  AllowEventLog(full);
  EXPECT_TRUE(full.CheckCovers({desc}).ok()) << full.CheckCovers({desc});
  EXPECT_EQ(FullMethodName(event_log, "GetHead"), kGetHeadMethod);

  RolePolicy partial;
  partial.Allow(kGetHeadMethod, {roles::kOiv}).Allow("/piao.v1.EventLog/GetHaed", {roles::kOiv});
  absl::Status s = partial.CheckCovers({desc});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("no roles for /piao.v1.EventLog/ReadEvents, /piao.v1.EventLog/ReadPartitions, /piao.v1.EventLog/ReadStream, /piao.v1.EventLog/VerifyChain"));
  EXPECT_THAT(s.message(), HasSubstr("unknown methods /piao.v1.EventLog/GetHaed"));
  EXPECT_THAT(partial.AllowedRoles(kGetHeadMethod), ElementsAre("oiv"));
  EXPECT_TRUE(partial.AllowedRoles(kReadEventsMethod).empty());
}

TEST(PrepareContextTest, AlwaysSetsDeadlineAndBearerMetadata) {
  grpc::ClientContext ctx;
  auto before = std::chrono::system_clock::now();
  PrepareContext(&ctx, "tok", absl::Seconds(30));
  auto deadline = ctx.deadline();
  EXPECT_GE(deadline, before + std::chrono::seconds(29));
  EXPECT_LE(deadline, std::chrono::system_clock::now() + std::chrono::seconds(31));
  grpc::testing::ClientContextTestPeer peer(&ctx);
  auto md = peer.GetSendInitialMetadata();
  ASSERT_EQ(md.count("authorization"), 1u);
  EXPECT_EQ(md.find("authorization")->second, "Bearer tok");

  grpc::ClientContext no_token;
  PrepareContext(&no_token, "", absl::InfiniteDuration());
  EXPECT_LE(no_token.deadline(), std::chrono::system_clock::now() + std::chrono::hours(25));
  EXPECT_GE(no_token.deadline(), before + std::chrono::hours(23));
  EXPECT_EQ(grpc::testing::ClientContextTestPeer(&no_token).GetSendInitialMetadata().count("authorization"), 0u);
}

TEST(TokenAuthenticatorTest, FourthFieldGrantsAdministrationsAndThreeFieldsMeanEvery) {
  const std::string text = HashToken("to") + " user:m.rossi planner CCIAA-TO\n" + HashToken("two") +
                           " user:oiv oiv CCIAA-TO,CCIAA-MI\n" + HashToken("all") + " user:ops admin *\n" +
                           HashToken("old") + " user:old admin\n";
  auto auth = TokenAuthenticator::Parse(text, "tokens.txt");
  ASSERT_TRUE(auth.ok()) << auth.status();
  EXPECT_THAT(auth->AuthenticateToken("to")->administrations(), ElementsAre("CCIAA-TO"));
  EXPECT_THAT(auth->AuthenticateToken("two")->administrations(), ElementsAre("CCIAA-TO", "CCIAA-MI"));
  EXPECT_THAT(auth->AuthenticateToken("all")->administrations(), ElementsAre("*"));
  EXPECT_THAT(auth->AuthenticateToken("old")->administrations(), ElementsAre("*"));

  auto entries = ParseTokenEntries(text, "tokens.txt");
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 4u);
  EXPECT_EQ(FormatTokenEntry((*entries)[1]), HashToken("two") + " user:oiv oiv CCIAA-TO,CCIAA-MI");
  EXPECT_EQ(FormatTokenEntry((*entries)[3]), HashToken("old") + " user:old admin *");
  EXPECT_EQ((*entries)[3].line, 4);
}

v1::Principal Granted(std::initializer_list<const char*> administrations) {
  v1::Principal p;
  p.set_id("user:m.rossi");
  p.add_roles("planner");
  for (const char* a : administrations) p.add_administrations(a);
  return p;
}

TEST(AdministrationGrantTest, CheckNamesTheAdministrationRefused) {
  EXPECT_TRUE(CheckAdministration(Granted({"CCIAA-TO"}), "CCIAA-TO").ok());
  EXPECT_TRUE(CheckAdministration(Granted({"*"}), "CCIAA-MI").ok());
  absl::Status s = CheckAdministration(Granted({"CCIAA-TO"}), "CCIAA-MI");
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(s.message(), HasSubstr("user:m.rossi may not act on administration 'CCIAA-MI': granted CCIAA-TO"));
  // A prefix or a case variant is another administration.
  EXPECT_EQ(CheckAdministration(Granted({"CCIAA-TO"}), "CCIAA-T").code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CheckAdministration(Granted({"CCIAA-TO"}), "cciaa-to").code(), absl::StatusCode::kPermissionDenied);
  // No grant at all: nothing (deny by default).
  EXPECT_EQ(CheckAdministration(Granted({}), "CCIAA-TO").code(), absl::StatusCode::kPermissionDenied);
  // No administration named: fine for "*" (validation or resolution follows), else name one.
  EXPECT_TRUE(CheckAdministration(Granted({"*"}), "").ok());
  EXPECT_EQ(CheckAdministration(Granted({"CCIAA-TO"}), "").code(), absl::StatusCode::kInvalidArgument);
}

TEST(AdministrationGrantTest, ScopeFillsTheOnlyAdministration) {
  EXPECT_EQ(*ScopeAdministration(Granted({"CCIAA-TO"}), ""), "CCIAA-TO");
  EXPECT_EQ(*ScopeAdministration(Granted({"CCIAA-TO"}), "CCIAA-TO"), "CCIAA-TO");
  EXPECT_EQ(*ScopeAdministration(Granted({"*"}), ""), "");
  EXPECT_EQ(*ScopeAdministration(Granted({"*"}), "CCIAA-MI"), "CCIAA-MI");
  EXPECT_EQ(ScopeAdministration(Granted({"CCIAA-TO"}), "CCIAA-MI").status().code(),
            absl::StatusCode::kPermissionDenied);
  auto two = ScopeAdministration(Granted({"CCIAA-TO", "CCIAA-MI"}), "");
  EXPECT_EQ(two.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(two.status().message(), HasSubstr("CCIAA-TO, CCIAA-MI"));
}

TEST(AdministrationGrantTest, AuthorizerChecksRoleThenAdministration) {
  const std::string text = HashToken("to-planner") + " user:m.rossi planner CCIAA-TO\n" + HashToken("to-oiv") +
                           " user:oiv.to oiv CCIAA-TO\n" + HashToken("oiv") + " user:oiv oiv *\n";
  auto tokens = TokenAuthenticator::Parse(text, "test");
  ASSERT_TRUE(tokens.ok());
  RolePolicy policy;
  AllowEventLog(policy);
  policy.Allow("/piao.v1.Planning/CreatePlan", {roles::kPlanner});
  Authorizer authorizer(std::make_shared<const TokenAuthenticator>(*std::move(tokens)), std::move(policy));
  auto call = [&](const char* token, absl::string_view method, const char* admin) {
    grpc::ServerContext ctx;
    grpc::testing::ServerContextTestSpouse spouse(&ctx);
    spouse.AddClientMetadata("authorization", std::string("Bearer ") + token);
    return admin == nullptr ? authorizer.AuthorizeAllAdministrations(ctx, method)
                            : authorizer.Authorize(ctx, method, admin);
  };
  EXPECT_TRUE(call("to-planner", "/piao.v1.Planning/CreatePlan", "CCIAA-TO").ok());
  auto other = call("to-planner", "/piao.v1.Planning/CreatePlan", "CCIAA-MI");
  EXPECT_EQ(other.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(other.status().message(), HasSubstr("administration 'CCIAA-MI'"));
  // The role is checked first: an OIV of the right administration still may not write.
  auto oiv_write = call("to-oiv", "/piao.v1.Planning/CreatePlan", "CCIAA-TO");
  EXPECT_THAT(oiv_write.status().message(), HasSubstr("requires one of the roles planner"));
  // Methods spanning administrations need "*".
  EXPECT_TRUE(call("oiv", kReadEventsMethod, nullptr).ok());
  auto spans = call("to-oiv", kReadEventsMethod, nullptr);
  EXPECT_EQ(spans.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(spans.status().message(), HasSubstr("spans every administration"));
  // Every role reads a head, whatever its administrations.
  grpc::ServerContext ctx;
  grpc::testing::ServerContextTestSpouse spouse(&ctx);
  spouse.AddClientMetadata("authorization", "Bearer to-planner");
  EXPECT_TRUE(authorizer.Authorize(ctx, kGetHeadMethod).ok());
}

// Writes `text` the way `piao token` does: a new file renamed over the old one.
void ReplaceFile(const std::string& path, const std::string& text) {
  testing::WriteText(path + ".new", text);
  std::filesystem::rename(path + ".new", path);
}

TEST(ReloadingTokenFileTest, IssuedAndRevokedTokensTakeEffectAfterTheCheckInterval) {
  testing::TempDir dir;
  const std::string path = dir.File("tokens");
  testing::WriteText(path, HashToken("a") + " user:a planner CCIAA-TO\n");
  FakeClock clock(absl::FromUnixSeconds(1000));
  auto file = ReloadingTokenFile::Open(path, &clock, absl::Seconds(1));
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE((*file)->Current()->AuthenticateToken("a").ok());

  // Issue b, revoke a.
  ReplaceFile(path, HashToken("b") + " user:b oiv *\n");
  clock.Advance(absl::Milliseconds(500));
  EXPECT_TRUE((*file)->Current()->AuthenticateToken("a").ok()) << "checked at most once per interval";
  clock.Advance(absl::Milliseconds(500));
  EXPECT_FALSE((*file)->Current()->AuthenticateToken("a").ok()) << "revoked";
  EXPECT_TRUE((*file)->Current()->AuthenticateToken("b").ok()) << "issued";
  EXPECT_EQ((*file)->reloads(), 1);

  // Rewritten in place (same inode): the size or modification time tells.
  testing::WriteText(path, HashToken("c") + " user:c.longer oiv *\n");
  EXPECT_TRUE((*file)->CheckNow().ok());
  EXPECT_TRUE((*file)->Current()->AuthenticateToken("c").ok());
  EXPECT_EQ((*file)->reloads(), 2);
}

TEST(ReloadingTokenFileTest, MalformedOrMissingFileKeepsThePreviousTokens) {
  testing::TempDir dir;
  const std::string path = dir.File("tokens");
  testing::WriteText(path, HashToken("a") + " user:a planner\n");
  FakeClock clock(absl::FromUnixSeconds(1000));
  auto file = ReloadingTokenFile::Open(path, &clock, absl::Seconds(1));
  ASSERT_TRUE(file.ok());

  ReplaceFile(path, HashToken("b") + " user:b wizard\n");
  absl::Status bad = (*file)->CheckNow();
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.message(), HasSubstr("unknown role 'wizard'"));
  clock.Advance(absl::Seconds(5));
  EXPECT_TRUE((*file)->Current()->AuthenticateToken("a").ok());
  EXPECT_FALSE((*file)->Current()->AuthenticateToken("b").ok());
  EXPECT_EQ((*file)->CheckNow().code(), absl::StatusCode::kInvalidArgument) << "still the same bad file";

  std::filesystem::remove(path);
  EXPECT_EQ((*file)->CheckNow().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE((*file)->Current()->AuthenticateToken("a").ok());

  testing::WriteText(path, HashToken("b") + " user:b oiv\n");  // fixed
  EXPECT_TRUE((*file)->CheckNow().ok());
  EXPECT_TRUE((*file)->Current()->AuthenticateToken("b").ok());
  EXPECT_FALSE((*file)->Current()->AuthenticateToken("a").ok());

  EXPECT_EQ(ReloadingTokenFile::Open(dir.File("missing")).status().code(), absl::StatusCode::kNotFound);
}

TEST(ReloadingTokenFileTest, AnAuthorizerOnTheFileSeesNewTokens) {
  testing::TempDir dir;
  const std::string path = dir.File("tokens");
  testing::WriteText(path, HashToken("a") + " user:a planner\n");
  FakeClock clock(absl::FromUnixSeconds(1000));
  auto file = ReloadingTokenFile::Open(path, &clock, absl::Seconds(1));
  ASSERT_TRUE(file.ok());
  RolePolicy policy;
  AllowEventLog(policy);
  Authorizer authorizer(*file, std::move(policy));
  auto head = [&](const char* token) {
    grpc::ServerContext ctx;
    grpc::testing::ServerContextTestSpouse spouse(&ctx);
    spouse.AddClientMetadata("authorization", std::string("Bearer ") + token);
    return authorizer.Authorize(ctx, kGetHeadMethod).status().code();
  };
  EXPECT_EQ(head("b"), absl::StatusCode::kUnauthenticated);
  ReplaceFile(path, HashToken("b") + " user:b hr CCIAA-TO\n");
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(head("b"), absl::StatusCode::kOk);
  EXPECT_EQ(head("a"), absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace piao::service
