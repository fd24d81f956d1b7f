#include "tools/piao/stack.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "libs/base/files.h"
#include "libs/base/process.h"
#include "libs/base/sha256.h"
#include "libs/base/status_macros.h"
#include "libs/service/auth.h"
#include "libs/service/client.h"
#include "piao/v1/event_log.grpc.pb.h"
#include "piao/v1/projection.grpc.pb.h"
#include "libs/service/local_pki.h"
#include "libs/kafka/kafka_conf.h"
#include "tools/piao/kafka_cluster.h"
#include "tools/piao/token_cmd.h"

namespace piao::cli {
namespace fs = std::filesystem;
using json = nlohmann::json;

const std::vector<std::string>& StackServices() {
  static const auto* services = new std::vector<std::string>{"planning", "measurement", "risk", "hr", "projection"};
  return *services;
}

std::string ResolveDataDir(const std::string& flag_value) {
  if (!flag_value.empty()) return fs::absolute(flag_value).string();
  if (const char* env = std::getenv("PIAO_DATA"); env != nullptr && *env != '\0') return fs::absolute(env).string();
  const char* home = std::getenv("HOME");
  return (fs::path(home != nullptr ? home : "/tmp") / ".local/share/piao").string();
}

std::string SelfDir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "." : exe.parent_path().string();
}

namespace {

fs::path StackFile(const std::string& dir) { return fs::path(dir) / "stack.json"; }

// The CLI's bearer token: $PIAO_TOKEN, else the local operator's (DIR/operator.token).
absl::StatusOr<std::string> OperatorToken(const std::string& dir) {
  if (const char* t = std::getenv("PIAO_TOKEN"); t != nullptr && *t != '\0') return std::string(t);
  PIAO_ASSIGN_OR_RETURN(std::string token, ReadFile((fs::path(dir) / "operator.token").string()));
  while (!token.empty() && (token.back() == '\n' || token.back() == ' ')) token.pop_back();
  return token;
}

json LoadStack(const std::string& dir) {
  auto text = ReadFile(StackFile(dir).string());
  if (!text.ok()) return json::object();
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  return j.is_object() ? j : json::object();
}

absl::Status SaveStack(const std::string& dir, const json& j) {
  return WriteFileAtomically(StackFile(dir).string(), j.dump(2) + "\n");
}

// A token file's content, or a new random token written to it (0600) when it is missing or empty.
absl::StatusOr<std::string> EnsureTokenFile(const fs::path& file) {
  if (absl::StatusOr<std::string> text = ReadFile(file.string()); text.ok()) {
    std::string token(absl::StripAsciiWhitespace(*text));
    if (!token.empty()) return token;
  }
  PIAO_ASSIGN_OR_RETURN(std::string token, NewRandomToken());
  PIAO_RETURN_IF_ERROR(WriteSecretFile(file.string(), token + "\n"));
  return token;
}

// The stack hands out two tokens, both on every administration: the local operator's (DIR/operator.token,
// every role but service: the local administrator, which the CLI uses by default) and the projection's
// (DIR/service.token, role service). Every other principal gets its own with `piao token issue`. Lines other
// than these two principals' are kept; theirs are rewritten when they do not match the token files.
absl::Status EnsureTokens(const std::string& dir) {
  return WithTokensLock(dir, [&]() -> absl::Status {
    PIAO_ASSIGN_OR_RETURN(const std::string operator_token, EnsureTokenFile(fs::path(dir) / "operator.token"));
    PIAO_ASSIGN_OR_RETURN(const std::string service_token, EnsureTokenFile(fs::path(dir) / "service.token"));
    const fs::path tokens = fs::path(dir) / "tokens";
    std::string text = "# Tokens file of `piao stack up`: hashes only. operator.token and service.token hold the\n"
                       "# stack's own two tokens; `piao token issue|revoke|list` manage the others.\n";
    if (fs::exists(tokens)) {
      PIAO_ASSIGN_OR_RETURN(text, ReadFile(tokens.string()));
    }
    PIAO_ASSIGN_OR_RETURN(std::vector<service::TokenEntry> entries, service::ParseTokenEntries(text, tokens.string()));
    const std::string operator_hash = service::HashToken(operator_token);
    const std::string service_hash = service::HashToken(service_token);
    bool operator_ok = false, service_ok = false;
    for (const service::TokenEntry& e : entries) {
      operator_ok |= e.hash == operator_hash && e.principal == "user:local-operator";
      service_ok |= e.hash == service_hash && e.principal == "svc:local-stack";
    }
    if (operator_ok && service_ok) return absl::OkStatus();
    int removed = 0;
    PIAO_ASSIGN_OR_RETURN(text, RemovePrincipalLines(text, "user:local-operator", &removed));
    PIAO_ASSIGN_OR_RETURN(text, RemovePrincipalLines(text, "svc:local-stack", &removed));
    service::TokenEntry op, svc;
    op.hash = operator_hash;
    op.principal = "user:local-operator";
    op.roles = {"admin", "planner", "measurer", "feed", "oiv", "rpct", "hr"};
    op.administrations = {std::string(service::kAllAdministrations)};
    svc.hash = service_hash;
    svc.principal = "svc:local-stack";
    svc.roles = {"service"};
    svc.administrations = {std::string(service::kAllAdministrations)};
    PIAO_ASSIGN_OR_RETURN(text, AddTokenLine(text, op));
    PIAO_ASSIGN_OR_RETURN(text, AddTokenLine(text, svc));
    return WriteSecretFile(tokens.string(), text);
  });
}

absl::StatusOr<pid_t> StartComponent(const std::string& bin, std::vector<std::string> args, const fs::path& log) {
  args.insert(args.begin(), bin);
  return Spawn(args, SpawnOptions{log.string(), /*new_session=*/true});
}

bool Alive(const json& entry) { return entry.is_object() && IsAlive(entry.value("pid", 0)); }

// Asks the projection which events it could not apply, and a write service which events Kafka refused; a
// failed call leaves the status as it was (healthy).
void DescribeProblems(const std::string& dir, ComponentStatus& c);
// The command's --tls-* flags / PIAO_TLS_* (SetClientTlsOverrides); empty fields leave the stack's record.
service::ChannelOptions& ClientTlsOverrides() {
  static auto* o = new service::ChannelOptions();
  return *o;
}

// The CLI's channel to `address` of the stack described by `stack`.
service::ChannelOptions ClientOptions(const json& stack, const std::string& address) {
  service::ChannelOptions o;
  if (stack.contains("tls") && stack["tls"].is_object()) {
    const json& tls = stack["tls"];
    o.tls_ca_file = tls.value("ca", "");
    o.tls_client_cert_file = tls.value("client_cert", "");
    o.tls_client_key_file = tls.value("client_key", "");
  }
  const service::ChannelOptions& over = ClientTlsOverrides();
  if (!over.tls_ca_file.empty()) o.tls_ca_file = over.tls_ca_file;
  if (!over.tls_client_cert_file.empty()) o.tls_client_cert_file = over.tls_client_cert_file;
  if (!over.tls_client_key_file.empty()) o.tls_client_key_file = over.tls_client_key_file;
  if (!over.tls_server_name.empty()) o.tls_server_name = over.tls_server_name;
  o.address = address;
  return o;
}

fs::path TlsDir(const std::string& dir) { return fs::path(dir) / "tls"; }

bool TlsOn(const std::string& dir, const json& stack) {
  return stack.contains("tls") || fs::exists(TlsDir(dir) / "ca.pem");
}

}  // namespace

bool StackUsesTls(const std::string& data_dir) { return TlsOn(data_dir, LoadStack(data_dir)); }

void SetClientTlsOverrides(const service::ChannelOptions& tls) {
  ClientTlsOverrides() = tls;
  ClientTlsOverrides().address.clear();
}

namespace {

// The stack's topics: every write service's events topic and the projection members' directory
// (services/projection/members.h; the CLI links no service code).
std::vector<std::string> StackTopics() {
  std::vector<std::string> topics;
  for (const std::string& name : StackServices()) {
    if (name != "projection") topics.push_back(kafka::EventsTopic(ServiceName(name)));
  }
  topics.push_back("piao.projection.members.v1");
  return topics;
}

// The stack's Kafka settings: the request, else stack.json's record, else the defaults; a request that
// contradicts the record is refused.
absl::StatusOr<json> ResolveKafka(const json& recorded, const StackKafka& asked) {
  json k = recorded.is_object() ? recorded : json::object();
  const auto keep = [&](const char* key, const json& want, const json& fallback) -> absl::Status {
    if (want.is_null()) {
      if (!k.contains(key)) k[key] = fallback;
      return absl::OkStatus();
    }
    if (k.contains(key) && k[key] != want && std::string(key) != "projections") {
      return absl::FailedPreconditionError(absl::StrCat("this data directory's stack runs with --", key, " ",
                                                        k[key].dump(), ", not ", want.dump(),
                                                        ": `piao stack down` and use another --data"));
    }
    k[key] = want;
    return absl::OkStatus();
  };
  PIAO_RETURN_IF_ERROR(keep("kafka", asked.mode.empty() ? json() : json(asked.mode), "mock"));
  const std::string mode = k["kafka"];
  if (mode != "mock" && mode != "apache" && mode != "external") {
    return absl::InvalidArgumentError("--kafka: must be mock or apache (or --bootstrap-servers for an external cluster)");
  }
  PIAO_RETURN_IF_ERROR(keep("partitions", asked.partitions > 0 ? json(asked.partitions) : json(), 3));
  PIAO_RETURN_IF_ERROR(keep("projections", asked.projections > 0 ? json(asked.projections) : json(), 1));
  if (mode == "apache") PIAO_RETURN_IF_ERROR(keep("brokers", asked.brokers > 0 ? json(asked.brokers) : json(), 1));
  if (mode == "external") PIAO_RETURN_IF_ERROR(keep("bootstrap", asked.bootstrap.empty() ? json() : json(asked.bootstrap), ""));
  if (mode == "external" && k.value("bootstrap", "").empty()) {
    return absl::InvalidArgumentError("--bootstrap-servers: required for an external cluster");
  }
  if (k["partitions"].get<int>() < 1 || k["partitions"].get<int>() > 1000) {
    return absl::InvalidArgumentError("--partitions: must be 1..1000");
  }
  if (k["projections"].get<int>() < 1 || k["projections"].get<int>() > k["partitions"].get<int>()) {
    return absl::InvalidArgumentError("--projections: must be 1..the partition count (a member without a partition "
                                      "serves nothing)");
  }
  return k;
}

std::vector<KafkaBroker> BrokersOf(const json& stack) {
  std::vector<KafkaBroker> out;
  if (!stack.contains("brokers") || !stack["brokers"].is_array()) return out;
  for (const json& b : stack["brokers"]) {
    out.push_back(KafkaBroker{b.value("node", 0), b.value("port", 0), b.value("controller_port", 0), b.value("pid", 0),
                              b.value("log", "")});
  }
  return out;
}

json BrokersJson(const std::vector<KafkaBroker>& brokers) {
  json out = json::array();
  for (const KafkaBroker& b : brokers) {
    out.push_back({{"node", b.node}, {"port", b.port}, {"controller_port", b.controller_port}, {"pid", b.pid},
                   {"log", b.log}});
  }
  return out;
}

// Whether the cluster the stack uses runs: every broker (apache), the mock broker, or assumed (external).
bool KafkaUp(const json& stack) {
  const std::string mode = stack.contains("kafka") ? stack["kafka"].value("kafka", "mock") : "mock";
  if (mode == "external") {  // set up (topics ensured) for this address once
    return stack["broker"].is_object() && stack["broker"].value("bootstrap", "") == stack["kafka"].value("bootstrap", "");
  }
  if (mode == "apache") {
    const std::vector<KafkaBroker> brokers = BrokersOf(stack);
    if (brokers.empty()) return false;
    for (const KafkaBroker& b : brokers) {
      if (!IsAlive(b.pid)) return false;
    }
    return true;
  }
  return stack.contains("broker") && Alive(stack["broker"]);
}

}  // namespace

absl::StatusOr<std::vector<ComponentStatus>> StackUp(const std::string& dir, const std::string& bin_dir,
                                                     absl::Duration timeout, bool tls, const StackKafka& asked) {
  PIAO_RETURN_IF_ERROR(EnsurePrivateDirectory(dir));  // tokens, stores and logs: the operator's alone
  PIAO_RETURN_IF_ERROR(EnsurePrivateDirectory((fs::path(dir) / "logs").string()));
  PIAO_RETURN_IF_ERROR(EnsureTokens(dir));
  json stack = LoadStack(dir);
  const absl::Time deadline = absl::Now() + timeout;

  // TLS: once on for a data directory, it stays on. Services that run plaintext are restarted with it.
  const bool use_tls = tls || TlsOn(dir, stack);
  bool tls_switched_on = false;
  service::LocalPki pki;
  if (use_tls) {
    std::vector<std::string> servers = StackServices();
    servers.push_back("web");
    PIAO_ASSIGN_OR_RETURN(pki, service::EnsureLocalPki(TlsDir(dir).string(), servers,
                                                          {"operator", "projection", "measurement", "web"}));
    const service::ChannelOptions operator_tls = pki.ClientOptions("operator");
    tls_switched_on = !stack.contains("tls");
    stack["tls"] = {{"ca", operator_tls.tls_ca_file},
                    {"client_cert", operator_tls.tls_client_cert_file},
                    {"client_key", operator_tls.tls_client_key_file},
                    {"kafka", "plaintext on loopback (the embedded mock broker has no TLS)"}};
    PIAO_RETURN_IF_ERROR(SaveStack(dir, stack));
  }

  const json recorded = stack.contains("kafka") ? stack["kafka"] : json();
  PIAO_ASSIGN_OR_RETURN(json kafka, ResolveKafka(recorded, asked));
  stack["kafka"] = kafka;
  const std::string mode = kafka["kafka"];
  const int partitions = kafka["partitions"];
  const int projections = kafka["projections"];
  // Another member count restarts the projection (with or without --member) and its members.
  const bool members_changed = recorded.is_object() && recorded.value("projections", 1) != projections;
  const std::string old_bootstrap = stack["broker"].is_object() ? stack["broker"].value("bootstrap", "") : "";
  if (!KafkaUp(stack)) {
    if (mode == "mock") {
      const fs::path bootstrap_file = fs::path(dir) / "broker.bootstrap";
      fs::remove(bootstrap_file);
      PIAO_ASSIGN_OR_RETURN(pid_t pid, StartComponent(bin_dir + "/piao-broker",
                                                      {"--bootstrap-file", bootstrap_file.string(), "--partitions",
                                                       absl::StrCat(partitions), "--topics",
                                                       absl::StrJoin(StackTopics(), ",")},
                                                      fs::path(dir) / "logs/broker.log"));
      PIAO_ASSIGN_OR_RETURN(std::string bootstrap, WaitForFile(bootstrap_file.string(), deadline - absl::Now()));
      stack["broker"] = {{"pid", pid}, {"bootstrap", bootstrap}, {"log", (fs::path(dir) / "logs/broker.log").string()}};
    } else {
      // A real cluster: ours (apache, started and formatted here) or the operator's (external).
      std::string bootstrap = kafka.value("bootstrap", "");
      int replication = 1;
      if (mode == "apache") {
        std::vector<KafkaBroker> brokers = BrokersOf(stack);
        absl::Status started = StartKafkaBrokers(dir, kafka["brokers"], brokers, deadline);
        stack["brokers"] = BrokersJson(brokers);
        PIAO_RETURN_IF_ERROR(SaveStack(dir, stack));
        PIAO_RETURN_IF_ERROR(started);
        bootstrap = BootstrapOf(brokers);
        replication = std::min<int>(static_cast<int>(brokers.size()), 3);
        stack["broker"] = {{"pid", brokers.front().pid}, {"bootstrap", bootstrap}, {"log", brokers.front().log}};
      } else {
        // The operator's cluster: replicate as widely as its size allows, as for ours.
        PIAO_ASSIGN_OR_RETURN(const int cluster, CountBrokers(bootstrap, deadline));
        replication = std::min(cluster, 3);
        stack["broker"] = {{"pid", 0}, {"bootstrap", bootstrap}, {"log", ""}};
      }
      PIAO_RETURN_IF_ERROR(EnsureTopics(bootstrap, StackTopics(), partitions, replication,
                                        {{"max.message.bytes", "1048576"},
                                         {"min.insync.replicas", replication >= 3 ? "2" : "1"}},
                                        deadline));
    }
    PIAO_RETURN_IF_ERROR(SaveStack(dir, stack));
  }
  const std::string bootstrap = stack["broker"].value("bootstrap", "");
  // Clients reconnect to a cluster that came back where it was (Apache brokers keep their ports); a new address
  // (the mock broker restarted) restarts them on it (the outboxes keep what is unsent).
  const bool bootstrap_changed = bootstrap != old_bootstrap;

  // A service's flags; a projection member differs from the projection only in its data and address file.
  const auto service_args = [&](const std::string& name, const fs::path& data, const fs::path& address_file) {
    std::vector<std::string> args = {"--data-dir", data.string(), "--tokens-file", (fs::path(dir) / "tokens").string(),
                                     "--bootstrap-servers", bootstrap, "--address-file", address_file.string(),
                                     "--kafka-partitions", absl::StrCat(partitions)};
    if (name == "measurement") {
      // Computed actuals follow planning's events (services/measurement/actuals_policy.h).
      args.insert(args.end(), {"--planning", stack["services"]["planning"].value("address", ""),
                               "--service-token-file", (fs::path(dir) / "service.token").string()});
      const service::ChannelOptions client = use_tls ? pki.ClientOptions("measurement") : service::ChannelOptions();
      args.insert(args.end(), {"--tls-ca=" + client.tls_ca_file, "--tls-client-cert=" + client.tls_client_cert_file,
                               "--tls-client-key=" + client.tls_client_key_file, "--tls-server-name="});
    }
    if (name == "projection") {
      // The projection catches up from the write services' event logs: they start before it.
      args.push_back("--sources");
      std::vector<std::string> sources;
      for (const std::string& source : StackServices()) {
        if (source != "projection") {
          sources.push_back(absl::StrCat(source, "=", stack["services"][source].value("address", "")));
        }
      }
      args.push_back(absl::StrJoin(sources, ","));
      args.push_back("--service-token-file");
      args.push_back((fs::path(dir) / "service.token").string());
      // Catch-up and gap filling reach the sources' EventLogs over mTLS with the projection's own certificate.
      const service::ChannelOptions client = use_tls ? pki.ClientOptions("projection") : service::ChannelOptions();
      args.insert(args.end(), {"--tls-ca=" + client.tls_ca_file, "--tls-client-cert=" + client.tls_client_cert_file,
                               "--tls-client-key=" + client.tls_client_key_file, "--tls-server-name="});
      if (projections > 1) args.push_back("--member");
    }
    // Always explicit (empty: plaintext), so PIAO_TLS_* in the caller's environment cannot leak into the stack.
    args.insert(args.end(), {"--tls-cert=" + (use_tls ? pki.server_cert(name) : ""),
                             "--tls-key=" + (use_tls ? pki.server_key(name) : ""),
                             "--tls-client-ca=" + (use_tls ? pki.ca_file() : "")});
    return args;
  };
  // Starts `name` (piao-<binary>) with its own data directory DIR/<name> and waits for its address.
  const auto start = [&](const std::string& name, const std::string& binary) -> absl::StatusOr<json> {
    const fs::path address_file = fs::path(dir) / (name + ".addr");
    fs::remove(address_file);
    const fs::path log = fs::path(dir) / "logs" / (name + ".log");
    PIAO_ASSIGN_OR_RETURN(pid_t pid, StartComponent(bin_dir + "/piao-" + binary,
                                                    service_args(binary, fs::path(dir) / name, address_file), log));
    absl::StatusOr<std::string> address;
    do {
      address = WaitForFile(address_file.string(), absl::Milliseconds(200));
    } while (!address.ok() && IsAlive(pid) && absl::Now() < deadline);
    if (!address.ok() && !IsAlive(pid)) {
      return absl::UnavailableError(absl::StrCat(name, " exited at start-up; see ", log.string()));
    }
    if (!address.ok()) {
      return absl::UnavailableError(absl::StrCat(name, " did not start: ", address.status().message(),
                                                 "; see ", log.string()));
    }
    return json{{"pid", pid}, {"address", *address}, {"log", log.string()}};
  };

  bool source_restarted = false;
  bool planning_restarted = false;
  bool projection_restarted = false;
  for (const std::string& name : StackServices()) {
    json& entry = stack["services"][name];
    // The projection reads every source, measurement reads planning: a restarted one has a new address.
    const bool stale = bootstrap_changed || tls_switched_on ||
                       (name == "projection" && (source_restarted || members_changed)) ||
                       (name == "measurement" && planning_restarted);
    if (Alive(entry) && stale) {
      PIAO_RETURN_IF_ERROR(Terminate(entry.value("pid", 0), absl::Seconds(15)));
    } else if (Alive(entry)) {
      continue;
    }
    PIAO_ASSIGN_OR_RETURN(entry, start(name, name));
    if (name != "projection") source_restarted = true;
    if (name == "planning") planning_restarted = true;
    if (name == "projection") projection_restarted = true;
    PIAO_RETURN_IF_ERROR(SaveStack(dir, stack));
  }
  // The other projection members (projection-2 ...): the projection's settings, each with its own views and
  // address. One that is gone is started again; all restart with the projection (they read the same sources).
  const json old_members = stack.contains("members") && stack["members"].is_array() ? stack["members"] : json::array();
  std::vector<pid_t> stale_members;
  for (size_t i = 0; i < old_members.size(); ++i) {
    if (Alive(old_members[i]) && (projection_restarted || i + 2 > static_cast<size_t>(projections))) {
      stale_members.push_back(old_members[i].value("pid", 0));
    }
  }
  PIAO_RETURN_IF_ERROR(TerminateAll(stale_members, absl::Seconds(15)));
  json members = json::array();
  for (int m = 2; m <= projections; ++m) {
    const size_t i = static_cast<size_t>(m - 2);
    if (i < old_members.size() && Alive(old_members[i])) {
      members.push_back(old_members[i]);
      continue;
    }
    const std::string member = absl::StrCat("projection-", m);
    PIAO_ASSIGN_OR_RETURN(json entry, start(member, "projection"));
    entry["name"] = member;
    members.push_back(std::move(entry));
    stack["members"] = members;
    PIAO_RETURN_IF_ERROR(SaveStack(dir, stack));
  }
  stack["members"] = members;
  PIAO_RETURN_IF_ERROR(SaveStack(dir, stack));
  // The web workspace (piao-web): HTTP(S) for browsers, the projection and planning over gRPC with each signed-in
  // user's token (it gets none from the stack). Restarted when the services it reads moved or TLS came on.
  {
    json& web = stack["web"];
    const bool stale = projection_restarted || planning_restarted || tls_switched_on;
    if (Alive(web) && stale) PIAO_RETURN_IF_ERROR(Terminate(web.value("pid", 0), absl::Seconds(15)));
    if (!Alive(web) || stale) {
      const fs::path address_file = fs::path(dir) / "web.addr";
      fs::remove(address_file);
      const fs::path log = fs::path(dir) / "logs" / "web.log";
      const service::ChannelOptions client = use_tls ? pki.ClientOptions("web") : service::ChannelOptions();
      // Always explicit (empty: plaintext), so PIAO_TLS_* in the caller's environment cannot leak into it.
      std::vector<std::string> args = {
          "--projection", stack["services"]["projection"].value("address", ""),
          "--planning", stack["services"]["planning"].value("address", ""),
          "--address-file", address_file.string(),
          "--tls-cert=" + (use_tls ? pki.server_cert("web") : ""), "--tls-key=" + (use_tls ? pki.server_key("web") : ""),
          "--tls-ca=" + client.tls_ca_file, "--tls-client-cert=" + client.tls_client_cert_file,
          "--tls-client-key=" + client.tls_client_key_file, "--tls-server-name="};
      PIAO_ASSIGN_OR_RETURN(pid_t pid, StartComponent(bin_dir + "/piao-web", args, log));
      absl::StatusOr<std::string> url;
      do {
        url = WaitForFile(address_file.string(), absl::Milliseconds(200));
      } while (!url.ok() && IsAlive(pid) && absl::Now() < deadline);
      if (!url.ok()) {
        return absl::UnavailableError(absl::StrCat("web ", IsAlive(pid) ? "did not start" : "exited at start-up",
                                                   "; see ", log.string()));
      }
      web = json{{"pid", pid}, {"address", *url}, {"log", log.string()}};
      PIAO_RETURN_IF_ERROR(SaveStack(dir, stack));
    }
  }
  // Healthy means the health service answers SERVING.
  std::vector<std::pair<std::string, json>> started;
  for (const std::string& name : StackServices()) started.emplace_back(name, stack["services"][name]);
  for (const json& m : members) started.emplace_back(m.value("name", ""), m);
  for (const auto& [name, entry] : started) {
    PIAO_ASSIGN_OR_RETURN(auto channel, service::MakeChannel(ClientOptions(stack, entry.value("address", ""))));
    const int pid = entry.value("pid", 0);
    for (;;) {
      auto healthy = service::CheckHealth(channel, absl::Seconds(2));
      if (healthy.ok() && *healthy) break;
      if (!IsAlive(pid)) {  // gone meanwhile (killed as it started, or crashed): say so now, `stack up` restarts it
        return absl::UnavailableError(absl::StrCat(name, " (pid ", pid, ") is not running; run `piao stack up` again, ",
                                                   "and see ", entry.value("log", "its log")));
      }
      if (absl::Now() > deadline) {
        return absl::DeadlineExceededError(absl::StrCat(
            name, " is not healthy: ", healthy.ok() ? "NOT_SERVING" : healthy.status().ToString()));
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
  }
  // Several members: ready when the group has given every partition to exactly one of them and every member
  // has a share (until then a query about a partition being handed over waits for its new owner, and a member
  // that just started is still joining the group).
  for (;;) {
    PIAO_ASSIGN_OR_RETURN(std::vector<ComponentStatus> status, StackStatus(dir));
    if (projections <= 1) return status;
    std::map<int, int> owners;
    int serving = 0;  // members with a share: a member still joining has none, and another holds its partitions
    for (const ComponentStatus& c : status) {
      if (c.name.rfind("projection", 0) != 0) continue;
      for (int p : c.partitions) ++owners[p];
      if (!c.partitions.empty()) ++serving;
    }
    const bool settled = static_cast<int>(owners.size()) == partitions && serving == std::min(projections, partitions) &&
                         std::all_of(owners.begin(), owners.end(), [](const auto& o) { return o.second == 1; });
    if (settled) return status;
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat("the projection members did not share the ", partitions,
                                                      " partitions out: ", owners.size(), " owned"));
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
}

absl::Status StackDown(const std::string& dir) {
  json stack = LoadStack(dir);
  absl::Status result;
  std::vector<pid_t> members;
  if (stack.contains("members") && stack["members"].is_array()) {
    for (const json& m : stack["members"]) members.push_back(m.value("pid", 0));
  }
  if (Alive(stack["web"])) result.Update(Terminate(stack["web"].value("pid", 0), absl::Seconds(20)));
  result.Update(TerminateAll(members, absl::Seconds(20)));
  for (auto it = StackServices().rbegin(); it != StackServices().rend(); ++it) {
    const json& entry = stack["services"][*it];
    if (Alive(entry)) result.Update(Terminate(entry.value("pid", 0), absl::Seconds(20)));
  }
  // Kafka brokers all at once: stopped one by one, the last ones would wait for a quorum that is gone.
  std::vector<pid_t> brokers;
  for (const KafkaBroker& b : BrokersOf(stack)) brokers.push_back(b.pid);
  result.Update(TerminateAll(brokers, absl::Seconds(30)));
  if (Alive(stack["broker"])) result.Update(Terminate(stack["broker"].value("pid", 0), absl::Seconds(10)));
  return result;
}

absl::Status StopComponent(const std::string& dir, const std::string& name) {
  json stack = LoadStack(dir);
  const json& entry = name == "broker" ? stack["broker"] : name == "web" ? stack["web"] : stack["services"][name];
  if (!Alive(entry)) return absl::OkStatus();
  return Terminate(entry.value("pid", 0), absl::Seconds(20));
}

absl::StatusOr<std::vector<ComponentStatus>> StackStatus(const std::string& dir) {
  json stack = LoadStack(dir);
  std::vector<ComponentStatus> out;
  const std::vector<KafkaBroker> brokers = BrokersOf(stack);
  const std::string mode = stack.contains("kafka") ? stack["kafka"].value("kafka", "mock") : "mock";
  if (mode == "apache") {
    for (const KafkaBroker& kb : brokers) {
      ComponentStatus b;
      b.name = absl::StrCat("broker-", kb.node);
      b.pid = kb.pid;
      b.alive = IsAlive(kb.pid);
      b.healthy = b.alive && Listening(kb);
      b.address = absl::StrCat("127.0.0.1:", kb.port);
      b.log = kb.log;
      out.push_back(b);
    }
  } else {
    ComponentStatus b;
    b.name = "broker";
    b.pid = stack["broker"].is_object() ? stack["broker"].value("pid", 0) : 0;
    b.alive = mode == "external" || Alive(stack["broker"]);
    b.healthy = b.alive;
    b.address = stack["broker"].is_object() ? stack["broker"].value("bootstrap", "") : "";
    b.log = stack["broker"].is_object() ? stack["broker"].value("log", "") : "";
    out.push_back(b);
  }
  for (const std::string& name : StackServices()) {
    const json& entry = stack["services"][name];
    ComponentStatus c;
    c.name = name;
    if (entry.is_object()) {
      c.pid = entry.value("pid", 0);
      c.address = entry.value("address", "");
      c.log = entry.value("log", "");
    }
    c.alive = Alive(entry);
    if (c.alive && !c.address.empty()) {
      auto channel = service::MakeChannel(ClientOptions(stack, c.address));
      if (channel.ok()) {
        auto h = service::CheckHealth(*channel, absl::Seconds(2));
        c.healthy = h.ok() && *h;
      }
    }
    if (c.healthy) DescribeProblems(dir, c);
    out.push_back(c);
  }
  if (stack.contains("members") && stack["members"].is_array()) {
    for (const json& m : stack["members"]) {
      ComponentStatus c;
      c.name = m.value("name", "projection-member");
      c.pid = m.value("pid", 0);
      c.address = m.value("address", "");
      c.log = m.value("log", "");
      c.alive = Alive(m);
      if (c.alive && !c.address.empty()) {
        auto channel = service::MakeChannel(ClientOptions(stack, c.address));
        if (channel.ok()) {
          auto h = service::CheckHealth(*channel, absl::Seconds(2));
          c.healthy = h.ok() && *h;
        }
      }
      if (c.healthy) DescribeProblems(dir, c);
      out.push_back(c);
    }
  }
  // The web workspace: its URL; healthy when its port accepts connections.
  if (stack.contains("web") && stack["web"].is_object()) {
    const json& web = stack["web"];
    ComponentStatus c;
    c.name = "web";
    c.pid = web.value("pid", 0);
    c.address = web.value("address", "");
    c.log = web.value("log", "");
    c.alive = Alive(web);
    int port = 0;
    const size_t colon = c.address.rfind(':');
    c.healthy = c.alive && colon != std::string::npos && absl::SimpleAtoi(c.address.substr(colon + 1), &port) &&
                LoopbackPortOpen(port);
    out.push_back(c);
  }
  return out;
}

absl::StatusOr<ServiceConnection> Connect(const std::string& dir, const std::string& service_name) {
  json stack = LoadStack(dir);
  const json& entry = stack["services"][service_name];
  if (!entry.is_object() || !Alive(entry)) {
    return absl::UnavailableError(absl::StrCat(service_name, " is not running under ", dir,
                                               ": start the stack with `piao stack up --data ", dir, "`"));
  }
  ServiceConnection c;
  c.address = entry.value("address", "");
  PIAO_ASSIGN_OR_RETURN(c.channel, service::MakeChannel(ClientOptions(stack, c.address)));
  PIAO_ASSIGN_OR_RETURN(c.token, OperatorToken(dir));
  return c;
}

absl::StatusOr<std::string> BootstrapServers(const std::string& dir) {
  json stack = LoadStack(dir);
  if (!KafkaUp(stack)) return absl::UnavailableError("the broker is not running under " + dir);
  return stack["broker"].value("bootstrap", "");
}

namespace {

void DescribeProblems(const std::string& dir, ComponentStatus& c) {
  const bool projection = c.name.rfind("projection", 0) == 0;  // projection, projection-2, ...
  json stack = LoadStack(dir);
  auto channel = service::MakeChannel(ClientOptions(stack, c.address));
  if (!channel.ok()) return;
  absl::StatusOr<std::string> token = OperatorToken(dir);
  if (!token.ok()) return;
  grpc::ClientContext ctx;
  service::PrepareContext(&ctx, *token, absl::Seconds(5));
  if (!projection) {
    auto stub = v1::EventLog::NewStub(*channel);
    v1::GetHeadResponse head;
    if (!stub->GetHead(&ctx, v1::GetHeadRequest(), &head).ok()) return;
    c.parked = head.parked_events();
    if (c.parked > 0) c.problem = absl::StrCat("parked ", head.parked_problem());
    return;
  }
  auto stub = v1::Projection::NewStub(*channel);
  v1::Progress p;
  if (!stub->GetProgress(&ctx, v1::GetProgressRequest(), &p).ok()) return;
  c.partitions.assign(p.owned_partitions().begin(), p.owned_partitions().end());
  c.quarantined = p.quarantined_total();
  if (p.quarantined_size() > 0) {
    const v1::QuarantinedEvent& q = p.quarantined(0);
    c.problem = absl::StrCat(q.source(), " position ", q.global_position(), " (", q.event_type(), ", administration '",
                             q.administration(), "'): ", q.reason());
  }
}

}  // namespace
}  // namespace piao::cli
