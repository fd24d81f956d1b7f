// TLS and mTLS between ServiceHost and MakeChannel, with certificates made at test time by the openssl CLI.
// Skipped (reported as skipped, never passed) when the openssl binary is missing.
#include <chrono>
#include <cstdlib>
#include <future>
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/base/log.h"
#include "libs/service/client.h"
#include "libs/service/event_log_service.h"
#include "libs/service/host.h"
#include "libs/service/service_test_util.h"

namespace piao::service {
namespace {

using ::testing::HasSubstr;

bool Sh(const std::string& cmd) {
  int rc = std::system((cmd + " >/dev/null 2>&1").c_str());
  if (rc != 0) ADD_FAILURE() << "failed (" << rc << "): " << cmd;
  return rc == 0;
}

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::system("command -v openssl >/dev/null 2>&1") != 0) return;
    dir_ = new testing::TempDir();
    const std::string d = dir_->path();
    const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    // Makes <name>.pem / <name>.key signed by <ca> with extensions `ext`.
    auto leaf = [&](const std::string& name, const std::string& ca, const std::string& ext) {
      testing::WriteText(d + "/" + name + ".ext", ext + "\n");
      return Sh("openssl req " + ec + " -keyout " + d + "/" + name + ".key -out " + d + "/" + name +
                ".csr -subj /CN=" + name) &&
             Sh("openssl x509 -req -in " + d + "/" + name + ".csr -CA " + d + "/" + ca + ".pem -CAkey " + d +
                "/" + ca + ".key -CAcreateserial -days 1 -out " + d + "/" + name + ".pem -extfile " + d + "/" +
                name + ".ext");
    };
    ok_ = Sh("openssl req -x509 " + ec + " -keyout " + d + "/ca.key -out " + d + "/ca.pem -days 1 -subj /CN=piao-test-ca") &&
          Sh("openssl req -x509 " + ec + " -keyout " + d + "/rogue.key -out " + d +
             "/rogue.pem -days 1 -subj /CN=rogue-ca") &&
          leaf("server", "ca", "subjectAltName=IP:127.0.0.1,DNS:localhost") &&
          leaf("client", "ca", "extendedKeyUsage=clientAuth") &&
          leaf("intruder", "rogue", "extendedKeyUsage=clientAuth");
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  void SetUp() override {
    if (dir_ == nullptr) GTEST_SKIP() << "openssl binary not found: TLS not tested";
    ASSERT_TRUE(ok_) << "certificate generation failed";
    log::SetMinLevelWarning(true);
    store_ = testing::OpenTestStore(dir_->File("store-" + std::to_string(++counter_)));
    ASSERT_NE(store_, nullptr);
    auto tokens = TokenAuthenticator::Parse(testing::TestTokensText(), "test");
    ASSERT_TRUE(tokens.ok());
    RolePolicy policy;
    AllowEventLog(policy);
    authorizer_ = std::make_unique<Authorizer>(std::make_shared<TokenAuthenticator>(*std::move(tokens)), policy);
    service_ = std::make_unique<EventLogService>(store_.get(), authorizer_.get());
  }
  void TearDown() override {
    if (host_) host_->Shutdown();
    log::SetMinLevelWarning(false);
  }

  void StartHost(bool mtls) {
    HostOptions options;
    options.tls_cert_file = File("server.pem");
    options.tls_key_file = File("server.key");
    if (mtls) options.tls_client_ca_file = File("ca.pem");
    host_ = std::make_unique<ServiceHost>(options);
    host_->AddService(service_.get());
    ASSERT_TRUE(host_->Start().ok());
    EXPECT_TRUE(host_->tls());
  }

  // GetHead over a channel made from `options` (address filled in).
  grpc::Status GetHead(ChannelOptions options) {
    options.address = host_->address();
    auto channel = MakeChannel(options);
    EXPECT_TRUE(channel.ok()) << channel.status();
    if (!channel.ok()) return grpc::Status(grpc::StatusCode::INTERNAL, "no channel");
    auto stub = v1::EventLog::NewStub(*channel);
    grpc::ClientContext ctx;
    PrepareContext(&ctx, "svc-token", absl::Seconds(5));
    v1::GetHeadResponse head;
    return stub->GetHead(&ctx, v1::GetHeadRequest(), &head);
  }

  static std::string File(const std::string& name) { return dir_->File(name); }

  static testing::TempDir* dir_;
  static bool ok_;
  static int counter_;
  std::unique_ptr<eventstore::EventStore> store_;
  std::unique_ptr<Authorizer> authorizer_;
  std::unique_ptr<EventLogService> service_;
  std::unique_ptr<ServiceHost> host_;
};

testing::TempDir* TlsTest::dir_ = nullptr;
bool TlsTest::ok_ = false;
int TlsTest::counter_ = 0;

ChannelOptions Tls(std::string ca, std::string cert = "", std::string key = "", std::string server_name = "") {
  ChannelOptions o;
  o.tls_ca_file = std::move(ca);
  o.tls_client_cert_file = std::move(cert);
  o.tls_client_key_file = std::move(key);
  o.tls_server_name = std::move(server_name);
  return o;
}

TEST_F(TlsTest, TlsServerAcceptsClientTrustingItsCa) {
  StartHost(/*mtls=*/false);
  grpc::Status s = GetHead(Tls(File("ca.pem")));
  EXPECT_TRUE(s.ok()) << s.error_message();
  s = GetHead(Tls(File("ca.pem"), "", "", "localhost"));
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST_F(TlsTest, TlsServerRejectsPlaintextAndUntrustingClients) {
  StartHost(/*mtls=*/false);
  EXPECT_EQ(GetHead(ChannelOptions()).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(GetHead(Tls(File("rogue.pem"))).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(GetHead(Tls(File("ca.pem"), "", "", "other.example")).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, MutualTlsRequiresAClientCertificateFromTheClientCa) {
  StartHost(/*mtls=*/true);
  EXPECT_EQ(GetHead(Tls(File("ca.pem"))).error_code(), grpc::StatusCode::UNAVAILABLE)
      << "no client certificate";
  EXPECT_EQ(GetHead(Tls(File("ca.pem"), File("intruder.pem"), File("intruder.key")))
                .error_code(),
            grpc::StatusCode::UNAVAILABLE)
      << "certificate from another CA";
  grpc::Status s = GetHead(Tls(File("ca.pem"), File("client.pem"), File("client.key")));
  EXPECT_TRUE(s.ok()) << s.error_message();
}

TEST(ChannelOptionsTest, InvalidCombinationsAreRejected) {
  auto with_address = [](ChannelOptions o) {
    o.address = "127.0.0.1:1";
    return o;
  };
  EXPECT_EQ(MakeChannel(ChannelOptions()).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeChannel(with_address(Tls("", "c.pem", "k.pem"))).status().code(),
            absl::StatusCode::kInvalidArgument)
      << "client certificate without TLS";
  EXPECT_EQ(MakeChannel(with_address(Tls("ca.pem", "c.pem"))).status().code(), absl::StatusCode::kInvalidArgument)
      << "certificate without key";
  EXPECT_EQ(MakeChannel(with_address(Tls("/nonexistent/ca.pem"))).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(MakeChannel(ChannelOptions::Plaintext("127.0.0.1:1")).ok());
}

// Bad or missing files give an error naming the setting and the file before any connection is tried.
TEST(ChannelOptionsTest, BadOrMissingFilesAreNamedWithTheirSetting) {
  testing::TempDir dir;
  testing::WriteText(dir.File("garbage.pem"), "not a certificate\n");
  testing::WriteText(dir.File("cert.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  testing::WriteText(dir.File("key.pem"), "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");
  auto make = [](ChannelOptions o) {
    o.address = "127.0.0.1:1";
    return MakeChannel(o).status();
  };
  absl::Status s = make(Tls(dir.File("missing.pem")));
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("tls-ca: cannot read " + dir.File("missing.pem")));
  s = make(Tls(dir.File("garbage.pem")));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("tls-ca: " + dir.File("garbage.pem") + " holds no PEM CA certificate"));
  s = make(Tls(dir.File("cert.pem"), dir.File("missing.pem"), dir.File("key.pem")));
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("tls-client-cert: cannot read"));
  s = make(Tls(dir.File("cert.pem"), dir.File("key.pem"), dir.File("key.pem")));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("tls-client-cert: " + dir.File("key.pem") + " holds no PEM certificate"));
  s = make(Tls(dir.File("cert.pem"), dir.File("cert.pem"), dir.File("cert.pem")));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("tls-client-key: " + dir.File("cert.pem") + " holds no PEM private key"));
  s = make(Tls(dir.File("cert.pem"), dir.File("cert.pem")));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("tls-client-cert and tls-client-key"));
  s = make(Tls("", dir.File("cert.pem"), dir.File("key.pem")));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("set tls-ca"));
  EXPECT_TRUE(make(Tls(dir.File("cert.pem"), dir.File("cert.pem"), dir.File("key.pem"))).ok());
}

// One declaration of the client settings: flags win over PIAO_* variables, which fill in the rest.
TEST(ClientTlsFlagsTest, FlagsAndEnvironmentFillChannelOptions) {
  Config config;
  DeclareClientTlsFlags(config);
  const char* argv[] = {"prog", "--tls-ca=/flag/ca.pem", "--tls-server-name", "localhost"};
  auto env = [](const char* name) -> const char* {
    if (std::string(name) == "PIAO_TLS_CA") return "/env/ca.pem";
    if (std::string(name) == "PIAO_TLS_CLIENT_CERT") return "/env/client.pem";
    if (std::string(name) == "PIAO_TLS_CLIENT_KEY") return "/env/client.key";
    return nullptr;
  };
  ASSERT_TRUE(config.Parse(4, argv, env).ok());
  ChannelOptions o = ClientTlsFromConfig(config);
  EXPECT_EQ(o.address, "");
  EXPECT_EQ(o.tls_ca_file, "/flag/ca.pem");
  EXPECT_EQ(o.tls_client_cert_file, "/env/client.pem");
  EXPECT_EQ(o.tls_client_key_file, "/env/client.key");
  EXPECT_EQ(o.tls_server_name, "localhost");

  ::setenv("PIAO_TLS_CLIENT_KEY", "/k", 1);
  ::setenv("PIAO_DATA_DIR", "/d", 1);
  EXPECT_STREQ(ClientTlsEnv("PIAO_TLS_CLIENT_KEY"), "/k");
  EXPECT_EQ(ClientTlsEnv("PIAO_DATA_DIR"), nullptr) << "only the client TLS variables";
  ::unsetenv("PIAO_TLS_CLIENT_KEY");
  ::unsetenv("PIAO_DATA_DIR");
}

TEST(AddressFileTest, ReadAddressFileTrimsAndReportsMissingOrEmpty) {
  testing::TempDir dir;
  testing::WriteText(dir.File("addr"), "127.0.0.1:4000\n");
  auto a = ReadAddressFile(dir.File("addr"));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(*a, "127.0.0.1:4000");
  EXPECT_EQ(ReadAddressFile(dir.File("missing")).status().code(), absl::StatusCode::kNotFound);
  testing::WriteText(dir.File("empty"), " \n");
  EXPECT_EQ(ReadAddressFile(dir.File("empty")).status().code(), absl::StatusCode::kNotFound);
  auto waited = WaitForAddressFile(dir.File("addr"), absl::Seconds(1));
  ASSERT_TRUE(waited.ok()) << waited.status();
  EXPECT_EQ(*waited, "127.0.0.1:4000");
  EXPECT_EQ(WaitForAddressFile(dir.File("missing"), absl::Milliseconds(100)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
}

// The call deadline is the injected clock's now + timeout (the real clock's unless a test injects one).
TEST(PrepareContextTest, TheDeadlineIsReadFromTheInjectedClock) {
  FakeClock clock(absl::FromUnixSeconds(1656288000));  // 2022-06-27, long before the real now
  grpc::ClientContext ctx;
  PrepareContext(&ctx, "", absl::Seconds(5), &clock);
  EXPECT_EQ(absl::FromChrono(ctx.deadline()), absl::FromUnixSeconds(1656288005));
  clock.Advance(absl::Hours(1));
  grpc::ClientContext clamped;
  PrepareContext(&clamped, "", absl::InfiniteDuration(), &clock);
  EXPECT_EQ(absl::FromChrono(clamped.deadline()), absl::FromUnixSeconds(1656288000) + absl::Hours(1) + kMaxCallTimeout);
}

TEST(AddressFileTest, WaitForAddressFileMeasuresItsTimeoutOnTheInjectedClock) {
  testing::TempDir dir;
  FakeClock clock(absl::FromUnixSeconds(1656288000));
  auto waited = std::async(std::launch::async,
                           [&] { return WaitForAddressFile(dir.File("missing"), absl::Milliseconds(50), &clock); });
  EXPECT_EQ(waited.wait_for(std::chrono::milliseconds(500)), std::future_status::timeout);  // fake time stands still
  testing::WriteText(dir.File("missing"), "127.0.0.1:4001\n");
  ASSERT_EQ(waited.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  auto address = waited.get();
  ASSERT_TRUE(address.ok()) << address.status();
  EXPECT_EQ(*address, "127.0.0.1:4001");
}

}  // namespace
}  // namespace piao::service
