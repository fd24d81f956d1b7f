// Test-only helpers for libs/service tests: temporary directories, a tokens file with one token per role
// under test, and a small EventStore.
#ifndef PIAO_LIBS_SERVICE_SERVICE_TEST_UTIL_H_
#define PIAO_LIBS_SERVICE_SERVICE_TEST_UTIL_H_

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "libs/eventstore/event_store.h"
#include "libs/service/auth.h"
#include "libs/service/client.h"
#include "libs/service/host.h"

namespace piao::service::testing {

// A fresh directory under TMPDIR, removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "piao-service-XXXXXX").string();
    char* made = ::mkdtemp(tmpl.data());
    if (made == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

// Tokens: "svc-token" (service), "oiv-token" (oiv), "admin-token" (admin), "planner-token" (planner).
inline std::string TestTokensText() {
  return "# test tokens\n" + HashToken("svc-token") + " svc:projection service\n" + HashToken("oiv-token") +
         " user:oiv oiv\n" + HashToken("admin-token") + " user:admin admin\n" + HashToken("planner-token") +
         " user:m.rossi planner\n";
}

// An authorizer over `tokens_text` ("<hash> <principal> <roles>" lines) with the rules `allow` adds.
inline std::unique_ptr<Authorizer> TestAuthorizer(const std::string& tokens_text,
                                                  const std::function<void(RolePolicy&)>& allow) {
  auto tokens = TokenAuthenticator::Parse(tokens_text, "test");
  EXPECT_TRUE(tokens.ok()) << tokens.status();
  if (!tokens.ok()) return nullptr;
  RolePolicy policy;
  allow(policy);
  return std::make_unique<Authorizer>(std::make_shared<TokenAuthenticator>(*std::move(tokens)), policy);
}

// An in-process server on 127.0.0.1:0 serving `services`, and a plaintext channel to it.
struct TestServer {
  std::unique_ptr<ServiceHost> host;
  std::shared_ptr<grpc::Channel> channel;
};
inline TestServer StartTestServer(const std::vector<grpc::Service*>& services) {
  TestServer out;
  out.host = std::make_unique<ServiceHost>(HostOptions());
  for (grpc::Service* s : services) out.host->AddService(s);
  absl::Status started = out.host->Start();
  EXPECT_TRUE(started.ok()) << started;
  auto channel = MakeChannel(ChannelOptions::Plaintext(out.host->address()));
  EXPECT_TRUE(channel.ok()) << channel.status();
  if (channel.ok()) out.channel = *channel;
  return out;
}

inline std::unique_ptr<eventstore::EventStore> OpenTestStore(const std::string& dir) {
  eventstore::Options options;
  options.source_service = ServiceName("test");
  options.sync = false;
  auto store = eventstore::EventStore::Open(dir, options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(*store) : nullptr;
}

// Appends one event with `payload` to stream plan/<stream_id>; returns its global position (0 on failure).
inline GlobalPosition AppendTestEvent(eventstore::EventStore& store, const std::string& stream_id,
                                const std::string& payload) {
  eventstore::NewEvent e;
  e.event_type = "piao.v1.TestHappened";
  e.payload = payload;
  eventstore::CommandContext ctx;
  ctx.actor.set_id("user:test");
  ctx.actor.add_roles("admin");
  auto r = store.Append(StreamId{"plan", stream_id}, eventstore::ExpectedVersion::Any(), {e}, ctx);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? r->last_position : GlobalPosition(0);
}

}  // namespace piao::service::testing

#endif  // PIAO_LIBS_SERVICE_SERVICE_TEST_UTIL_H_
