// `piao stack up --tls` end to end with real processes: every component serves mutual TLS with the local CA
// the CLI made, plaintext and certificate-less clients are refused, and every CLI command works unchanged —
// import, scores, verify, and a rebuild (the projection's catch-up from the sources over mTLS).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "libs/service/client.h"
#include "tests/e2e/cli_runner.h"

namespace piao::e2e {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

// GET `path` from `host_port` over TLS, the server's certificate verified against `ca_file` and its IP address
// 127.0.0.1: the whole answer (status line, headers, body), or why not.
absl::StatusOr<std::string> HttpsGet(const std::string& host_port, const std::string& ca_file, const std::string& path) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (ctx == nullptr) return absl::InternalError("SSL_CTX_new");
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_load_verify_locations(ctx.get(), ca_file.c_str(), nullptr) != 1) {
    return absl::InternalError("cannot load " + ca_file);
  }
  std::unique_ptr<BIO, decltype(&BIO_free_all)> bio(BIO_new_ssl_connect(ctx.get()), BIO_free_all);
  if (bio == nullptr) return absl::InternalError("BIO_new_ssl_connect");
  BIO_set_conn_hostname(bio.get(), host_port.c_str());
  SSL* ssl = nullptr;
  BIO_get_ssl(bio.get(), &ssl);
  if (ssl == nullptr || X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), "127.0.0.1") != 1) {
    return absl::InternalError("cannot ask for the address 127.0.0.1 in the certificate");
  }
  if (BIO_do_connect(bio.get()) <= 0 || BIO_do_handshake(bio.get()) <= 0) {
    return absl::UnavailableError("TLS handshake with " + host_port + " failed");
  }
  if (SSL_get_verify_result(ssl) != X509_V_OK) return absl::UnavailableError("certificate not verified");
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (BIO_write(bio.get(), request.data(), static_cast<int>(request.size())) != static_cast<int>(request.size())) {
    return absl::UnavailableError("writing the request failed");
  }
  std::string answer;
  char buf[4096];
  for (int n; (n = BIO_read(bio.get(), buf, sizeof buf)) > 0;) answer.append(buf, static_cast<size_t>(n));
  return answer;
}

int Mode(const fs::path& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 0777) : -1;
}

class TlsE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("piao_e2e_tls_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    data_ = " --data " + dir_.string();
  }
  void TearDown() override {
    RunPiao("stack down" + data_);
    fs::remove_all(dir_);
  }

  std::string AddressOf(const std::string& name) {
    json j = json::parse(RunPiao("stack status --json" + data_).out, nullptr, false);
    if (!j.is_object()) return "";
    for (const json& c : j["components"]) {
      if (c["name"] == name) return c["address"].get<std::string>();
    }
    return "";
  }

  // The standard health check of `name` over a channel made from `options`: true when SERVING; an error
  // when the server refuses the connection.
  absl::StatusOr<bool> Health(const std::string& name, service::ChannelOptions options) {
    options.address = AddressOf(name);
    if (options.address.empty()) return absl::NotFoundError("no address for " + name);
    auto channel = service::MakeChannel(options);
    if (!channel.ok()) return channel.status();
    return service::CheckHealth(*channel, absl::Seconds(5));
  }

  fs::path dir_;
  std::string data_;
};

TEST_F(TlsE2eTest, EveryComponentSpeaksMutualTlsAndEveryCommandStillWorks) {
  CliResult up = RunPiao("stack up --tls" + data_);
  ASSERT_EQ(up.exit_code, 0) << up.out;
  EXPECT_NE(up.out.find("mutual TLS"), std::string::npos) << up.out;

  // The local CA: private directory, keys 0600, recorded in stack.json for the CLI.
  const fs::path tls = dir_ / "tls";
  EXPECT_EQ(Mode(tls), 0700);
  for (const char* key : {"ca.key", "planning.key", "measurement.key", "risk.key", "hr.key", "projection.key",
                          "operator-client.key", "projection-client.key", "web.key", "web-client.key"}) {
    EXPECT_EQ(Mode(tls / key), 0600) << key;
  }
  const json stack = json::parse(ReadText((dir_ / "stack.json").string()), nullptr, false);
  ASSERT_TRUE(stack.is_object());
  ASSERT_TRUE(stack["tls"].is_object()) << stack.dump();
  EXPECT_EQ(stack["tls"]["ca"], (tls / "ca.pem").string());

  // Health checks of stack status go over TLS too.
  CliResult status = RunPiao("stack status --json" + data_);
  EXPECT_EQ(status.exit_code, 0) << status.out;
  // The web workspace serves HTTPS with the stack's CA (and reaches the services with its own client certificate).
  const std::string web = ReadText((dir_ / "web.addr").string());
  EXPECT_EQ(web.rfind("https://127.0.0.1:", 0), 0u) << web;
  EXPECT_EQ(AddressOf("web") + "\n", web);
  {
    // A browser's view: the sign-in page over HTTPS, the certificate issued by the stack's CA for 127.0.0.1, with
    // HSTS; the same port refuses plain HTTP.
    const std::string host_port = web.substr(std::string("https://").size(), web.size() - 1 - std::string("https://").size());
    absl::StatusOr<std::string> page = HttpsGet(host_port, (tls / "ca.pem").string(), "/accedi");
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(page->rfind("HTTP/1.1 200", 0), 0u) << page->substr(0, 200);
    EXPECT_NE(page->find("Strict-Transport-Security"), std::string::npos) << page->substr(0, 600);
    EXPECT_NE(page->find("<form"), std::string::npos);
    absl::StatusOr<std::string> untrusted = HttpsGet(host_port, (tls / "operator-client.pem").string(), "/accedi");
    EXPECT_FALSE(untrusted.ok()) << "a certificate not issued by the CA given was accepted";
  }

  service::ChannelOptions operator_tls;
  operator_tls.tls_ca_file = (tls / "ca.pem").string();
  operator_tls.tls_client_cert_file = (tls / "operator-client.pem").string();
  operator_tls.tls_client_key_file = (tls / "operator-client.key").string();
  service::ChannelOptions no_client_cert;
  no_client_cert.tls_ca_file = operator_tls.tls_ca_file;
  for (const std::string name : {"planning", "measurement", "risk", "hr", "projection"}) {
    auto ok = Health(name, operator_tls);
    EXPECT_TRUE(ok.ok() && *ok) << name << ": " << ok.status();
    auto plaintext = Health(name, service::ChannelOptions());
    EXPECT_EQ(plaintext.status().code(), absl::StatusCode::kUnavailable) << name << " accepted plaintext";
    auto anonymous = Health(name, no_client_cert);
    EXPECT_EQ(anonymous.status().code(), absl::StatusCode::kUnavailable)
        << name << " accepted a client without a certificate";
  }

  // Every command unchanged (no TLS flags): imports, scores, verify.
  ASSERT_EQ(RunPiao("import " + Fixture("plan-2022.json") + data_).exit_code, 0);
  ASSERT_EQ(RunPiao("revise " + Fixture("revisions-2022.json") + data_).exit_code, 0);
  ASSERT_EQ(RunPiao("import " + Fixture("results-2022-strategic.json") + data_).exit_code, 0);
  CliResult scores = RunPiao("scores --year 2022 --json" + data_);
  ASSERT_EQ(scores.exit_code, 0) << scores.out;
  const json s = json::parse(scores.out, nullptr, false);
  ASSERT_TRUE(s.is_object()) << scores.out;
  const json published = json::parse(ReadText(Fixture("results-2022-strategic.json")));
  ASSERT_FALSE(s["enterprise_score_pct"].is_null()) << scores.out;
  EXPECT_NEAR(s["enterprise_score_pct"].get<double>(), published["expected"]["enterprise_score_pct"].get<double>(),
              0.1);
  CliResult verify = RunPiao("verify --json" + data_);
  ASSERT_EQ(verify.exit_code, 0) << verify.out;
  EXPECT_TRUE(json::parse(verify.out)["intact"].get<bool>());

  // The command's own client settings replace the recorded ones: a flag, or PIAO_TLS_* in the environment.
  // The planning server certificate is not a client certificate (serverAuth only): refused either way.
  const std::string as_server = " --tls-client-cert " + (tls / "planning.pem").string() + " --tls-client-key " +
                                (tls / "planning.key").string();
  EXPECT_NE(RunPiao("scores --year 2022 --json" + as_server + data_).exit_code, 0);
  ::setenv("PIAO_TLS_CLIENT_CERT", (tls / "planning.pem").string().c_str(), 1);
  ::setenv("PIAO_TLS_CLIENT_KEY", (tls / "planning.key").string().c_str(), 1);
  EXPECT_NE(RunPiao("verify --json" + data_).exit_code, 0);
  ::unsetenv("PIAO_TLS_CLIENT_CERT");
  ::unsetenv("PIAO_TLS_CLIENT_KEY");
  CliResult missing = RunPiao("verify --json --tls-ca " + (dir_ / "nowhere.pem").string() + data_);
  EXPECT_NE(missing.exit_code, 0);

  // Rebuild: the projection restarts and catches up from every source's EventLog over mTLS.
  CliResult rebuild = RunPiao("rebuild --json" + data_);
  ASSERT_EQ(rebuild.exit_code, 0) << rebuild.out;
  EXPECT_TRUE(json::parse(rebuild.out)["rebuilt"].get<bool>());
  EXPECT_EQ(RunPiao("scores --year 2022 --json" + data_).out, scores.out);

  // A later `stack up` without --tls keeps TLS on this data directory.
  ASSERT_EQ(RunPiao("stack down" + data_).exit_code, 0);
  ASSERT_EQ(RunPiao("stack up" + data_).exit_code, 0);
  EXPECT_EQ(Health("planning", service::ChannelOptions()).status().code(), absl::StatusCode::kUnavailable)
      << "TLS was switched off by a plain `stack up`";
  EXPECT_EQ(RunPiao("scores --year 2022 --json" + data_).out, scores.out);
}

}  // namespace
}  // namespace piao::e2e
