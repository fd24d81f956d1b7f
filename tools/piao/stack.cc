#include "tools/piao/stack.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "libs/base/files.h"
#include "libs/base/process.h"
#include "libs/base/sha256.h"
#include "libs/base/status_macros.h"
#include "libs/service/auth.h"
#include "libs/service/client.h"

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

json LoadStack(const std::string& dir) {
  auto text = ReadFile(StackFile(dir).string());
  if (!text.ok()) return json::object();
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  return j.is_object() ? j : json::object();
}

absl::Status SaveStack(const std::string& dir, const json& j) {
  return WriteFileAtomically(StackFile(dir).string(), j.dump(2) + "\n");
}

std::string RandomToken() {
  std::random_device rd;
  std::string raw;
  for (int i = 0; i < 32; ++i) raw.push_back(static_cast<char>(rd() & 0xff));
  return ToHex(raw);
}

// The operator's token and the tokens file, created once per data directory.
absl::Status EnsureTokens(const std::string& dir) {
  const fs::path token_file = fs::path(dir) / "operator.token";
  const fs::path tokens = fs::path(dir) / "tokens";
  if (fs::exists(token_file) && fs::exists(tokens)) return absl::OkStatus();
  const std::string operator_token = RandomToken();
  const std::string service_token = RandomToken();
  PIAO_RETURN_IF_ERROR(WriteFileAtomically(token_file.string(), operator_token + "\n"));
  ::chmod(token_file.c_str(), 0600);
  PIAO_RETURN_IF_ERROR(WriteFileAtomically((fs::path(dir) / "service.token").string(), service_token + "\n"));
  ::chmod((fs::path(dir) / "service.token").c_str(), 0600);
  std::string text = absl::StrCat(
      "# Written by `piao stack up`. Hashes only; the tokens are in operator.token and service.token.\n",
      service::HashToken(operator_token), " user:local-operator admin,planner,measurer,feed,oiv,rpct,hr\n",
      service::HashToken(service_token), " svc:local-stack service\n");
  return WriteFileAtomically(tokens.string(), text);
}

absl::StatusOr<pid_t> StartComponent(const std::string& bin, std::vector<std::string> args, const fs::path& log) {
  args.insert(args.begin(), bin);
  return Spawn(args, SpawnOptions{log.string(), /*new_session=*/true});
}

bool Alive(const json& entry) { return entry.is_object() && IsAlive(entry.value("pid", 0)); }

}  // namespace

absl::StatusOr<std::vector<ComponentStatus>> StackUp(const std::string& dir, const std::string& bin_dir,
                                                     absl::Duration timeout) {
  PIAO_RETURN_IF_ERROR(EnsurePrivateDirectory(dir));  // tokens, stores and logs: the operator's alone
  PIAO_RETURN_IF_ERROR(EnsurePrivateDirectory((fs::path(dir) / "logs").string()));
  PIAO_RETURN_IF_ERROR(EnsureTokens(dir));
  json stack = LoadStack(dir);
  const absl::Time deadline = absl::Now() + timeout;

  bool broker_restarted = false;
  if (!Alive(stack["broker"])) {
    const fs::path bootstrap_file = fs::path(dir) / "broker.bootstrap";
    fs::remove(bootstrap_file);
    PIAO_ASSIGN_OR_RETURN(pid_t pid, StartComponent(bin_dir + "/piao-broker",
                                                    {"--bootstrap-file", bootstrap_file.string()},
                                                    fs::path(dir) / "logs/broker.log"));
    PIAO_ASSIGN_OR_RETURN(std::string bootstrap, WaitForFile(bootstrap_file.string(), deadline - absl::Now()));
    stack["broker"] = {{"pid", pid}, {"bootstrap", bootstrap}, {"log", (fs::path(dir) / "logs/broker.log").string()}};
    broker_restarted = true;
    PIAO_RETURN_IF_ERROR(SaveStack(dir, stack));
  }
  const std::string bootstrap = stack["broker"].value("bootstrap", "");

  bool source_restarted = false;
  for (const std::string& name : StackServices()) {
    json& entry = stack["services"][name];
    const bool stale = broker_restarted || (name == "projection" && source_restarted);
    if (Alive(entry) && stale) {
      // Its producer points at the old broker: restart it on the new one (the outbox keeps what is unsent).
      PIAO_RETURN_IF_ERROR(Terminate(entry.value("pid", 0), absl::Seconds(15)));
    } else if (Alive(entry)) {
      continue;
    }
    const fs::path address_file = fs::path(dir) / (name + ".addr");
    fs::remove(address_file);
    const fs::path log = fs::path(dir) / "logs" / (name + ".log");
    std::vector<std::string> args = {"--data-dir", (fs::path(dir) / name).string(), "--tokens-file",
                                     (fs::path(dir) / "tokens").string(), "--bootstrap-servers", bootstrap,
                                     "--address-file", address_file.string()};
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
    }
    PIAO_ASSIGN_OR_RETURN(pid_t pid, StartComponent(bin_dir + "/piao-" + name, args, log));
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
    entry = {{"pid", pid}, {"address", *address}, {"log", log.string()}};
    if (name != "projection") source_restarted = true;
    PIAO_RETURN_IF_ERROR(SaveStack(dir, stack));
  }
  // Healthy means the health service answers SERVING.
  for (const std::string& name : StackServices()) {
    PIAO_ASSIGN_OR_RETURN(auto channel, service::MakeChannel(service::ChannelOptions::Plaintext(
                                            stack["services"][name].value("address", ""))));
    for (;;) {
      auto healthy = service::CheckHealth(channel, absl::Seconds(2));
      if (healthy.ok() && *healthy) break;
      if (absl::Now() > deadline) return absl::DeadlineExceededError(absl::StrCat(name, " is not healthy"));
      absl::SleepFor(absl::Milliseconds(50));
    }
  }
  return StackStatus(dir);
}

absl::Status StackDown(const std::string& dir) {
  json stack = LoadStack(dir);
  absl::Status result;
  for (auto it = StackServices().rbegin(); it != StackServices().rend(); ++it) {
    const json& entry = stack["services"][*it];
    if (Alive(entry)) result.Update(Terminate(entry.value("pid", 0), absl::Seconds(20)));
  }
  if (Alive(stack["broker"])) result.Update(Terminate(stack["broker"].value("pid", 0), absl::Seconds(10)));
  return result;
}

absl::Status StopComponent(const std::string& dir, const std::string& name) {
  json stack = LoadStack(dir);
  const json& entry = name == "broker" ? stack["broker"] : stack["services"][name];
  if (!Alive(entry)) return absl::OkStatus();
  return Terminate(entry.value("pid", 0), absl::Seconds(20));
}

absl::StatusOr<std::vector<ComponentStatus>> StackStatus(const std::string& dir) {
  json stack = LoadStack(dir);
  std::vector<ComponentStatus> out;
  {
    ComponentStatus b;
    b.name = "broker";
    b.pid = stack["broker"].is_object() ? stack["broker"].value("pid", 0) : 0;
    b.alive = Alive(stack["broker"]);
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
      auto channel = service::MakeChannel(service::ChannelOptions::Plaintext(c.address));
      if (channel.ok()) {
        auto h = service::CheckHealth(*channel, absl::Seconds(2));
        c.healthy = h.ok() && *h;
      }
    }
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
  PIAO_ASSIGN_OR_RETURN(c.channel, service::MakeChannel(service::ChannelOptions::Plaintext(c.address)));
  if (const char* t = std::getenv("PIAO_TOKEN"); t != nullptr && *t != '\0') {
    c.token = t;
  } else {
    PIAO_ASSIGN_OR_RETURN(std::string token, ReadFile((fs::path(dir) / "operator.token").string()));
    while (!token.empty() && (token.back() == '\n' || token.back() == ' ')) token.pop_back();
    c.token = token;
  }
  return c;
}

absl::StatusOr<std::string> BootstrapServers(const std::string& dir) {
  json stack = LoadStack(dir);
  if (!Alive(stack["broker"])) return absl::UnavailableError("the broker is not running under " + dir);
  return stack["broker"].value("bootstrap", "");
}

}  // namespace piao::cli
