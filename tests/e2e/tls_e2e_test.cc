// `piao stack up --tls` end to end with real processes: every component serves mutual TLS with the local CA
// the CLI made, plaintext and certificate-less clients are refused, and every CLI command works unchanged —
// import, scores, verify, and a rebuild (the projection's catch-up from the sources over mTLS).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "libs/service/client.h"
#include "tests/e2e/cli_runner.h"

namespace piao::e2e {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

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
