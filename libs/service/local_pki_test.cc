// The local CA of `piao stack up --tls`: files and modes, made once, and the certificates really give
// mutual TLS between ServiceHost and MakeChannel (a client without a certificate is refused).
#include "libs/service/local_pki.h"

#include <sys/stat.h>

#include <cstdlib>
#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/base/log.h"
#include "libs/base/process.h"
#include "libs/service/client.h"
#include "libs/service/event_log_service.h"
#include "libs/service/host.h"
#include "libs/service/service_test_util.h"

namespace piao::service {
namespace {

using ::testing::HasSubstr;

int Mode(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 0777);
}

class LocalPkiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v openssl >/dev/null 2>&1") != 0) GTEST_SKIP() << "openssl binary not found";
  }
  testing::TempDir dir_;
};

TEST_F(LocalPkiTest, MakesPrivateFilesOnceAndAddsOnlyWhatIsMissing) {
  const std::string tls = dir_.File("data/tls");
  auto pki = EnsureLocalPki(tls, {"planning", "projection"}, {"operator"});
  ASSERT_TRUE(pki.ok()) << pki.status();
  EXPECT_EQ(pki->dir, tls);
  EXPECT_EQ(Mode(tls), 0700);
  for (const std::string& key : {tls + "/ca.key", pki->server_key("planning"), pki->server_key("projection"),
                                 pki->client_key("operator")}) {
    EXPECT_EQ(Mode(key), 0600) << key;
  }
  for (const std::string& cert : {pki->ca_file(), pki->server_cert("planning"), pki->client_cert("operator")}) {
    auto text = ReadFile(cert);
    ASSERT_TRUE(text.ok()) << cert;
    EXPECT_THAT(*text, HasSubstr("-----BEGIN CERTIFICATE-----")) << cert;
  }
  const std::string ca = *ReadFile(pki->ca_file());
  const std::string planning = *ReadFile(pki->server_cert("planning"));

  // Again, with one more client: the CA and existing certificates are kept, the new one is added.
  auto again = EnsureLocalPki(tls, {"planning", "projection"}, {"operator", "projection"});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*ReadFile(again->ca_file()), ca);
  EXPECT_EQ(*ReadFile(again->server_cert("planning")), planning);
  EXPECT_EQ(Mode(again->client_key("projection")), 0600);
  // No staging directory is left behind.
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_.File("data"))) {
    ++entries;
    EXPECT_EQ(e.path().filename(), "tls");
  }
  EXPECT_EQ(entries, 1);
}

TEST_F(LocalPkiTest, RefusesNamesThatAreNotFileSafe) {
  EXPECT_EQ(EnsureLocalPki(dir_.File("tls"), {"../x"}, {}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EnsureLocalPki(dir_.File("tls"), {}, {""}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(dir_.File("tls"))) << "nothing made for a refused request";
}

TEST_F(LocalPkiTest, CertificatesGiveMutualTlsOnLoopback) {
  auto pki = EnsureLocalPki(dir_.File("tls"), {"planning"}, {"operator"});
  ASSERT_TRUE(pki.ok()) << pki.status();
  log::SetMinLevelWarning(true);
  auto store = testing::OpenTestStore(dir_.File("store"));
  ASSERT_NE(store, nullptr);
  auto tokens = TokenAuthenticator::Parse(testing::TestTokensText(), "test");
  ASSERT_TRUE(tokens.ok());
  RolePolicy policy;
  AllowEventLog(policy);
  Authorizer authorizer(std::make_shared<TokenAuthenticator>(*std::move(tokens)), policy);
  EventLogService service(store.get(), &authorizer);
  HostOptions options;
  options.tls_cert_file = pki->server_cert("planning");
  options.tls_key_file = pki->server_key("planning");
  options.tls_client_ca_file = pki->ca_file();
  ServiceHost host(options);
  host.AddService(&service);
  ASSERT_TRUE(host.Start().ok());

  auto get_head = [&](ChannelOptions o) {
    o.address = host.address();
    auto channel = MakeChannel(o);
    EXPECT_TRUE(channel.ok()) << channel.status();
    if (!channel.ok()) return grpc::StatusCode::INTERNAL;
    auto stub = v1::EventLog::NewStub(*channel);
    grpc::ClientContext ctx;
    PrepareContext(&ctx, "svc-token", absl::Seconds(5));
    v1::GetHeadResponse head;
    return stub->GetHead(&ctx, v1::GetHeadRequest(), &head).error_code();
  };
  EXPECT_EQ(get_head(pki->ClientOptions("operator")), grpc::StatusCode::OK);
  ChannelOptions localhost = pki->ClientOptions("operator");
  localhost.tls_server_name = "localhost";
  EXPECT_EQ(get_head(localhost), grpc::StatusCode::OK) << "the certificate names DNS:localhost too";
  EXPECT_EQ(get_head(ChannelOptions()), grpc::StatusCode::UNAVAILABLE) << "plaintext";
  ChannelOptions no_cert;
  no_cert.tls_ca_file = pki->ca_file();
  EXPECT_EQ(get_head(no_cert), grpc::StatusCode::UNAVAILABLE) << "TLS without a client certificate";
  // A server certificate is not a client certificate (extendedKeyUsage serverAuth only).
  ChannelOptions server_as_client = no_cert;
  server_as_client.tls_client_cert_file = pki->server_cert("planning");
  server_as_client.tls_client_key_file = pki->server_key("planning");
  EXPECT_EQ(get_head(server_as_client), grpc::StatusCode::UNAVAILABLE);
  host.Shutdown();
  log::SetMinLevelWarning(false);
}

}  // namespace
}  // namespace piao::service
