#include "libs/service/host.h"

#include <signal.h>
#include <unistd.h>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/client_callback.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/base/log.h"
#include "libs/service/client.h"
#include "libs/service/event_log_service.h"
#include "libs/service/service_test_util.h"

namespace piao::service {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class HostTest : public ::testing::Test {
 protected:
  void SetUp() override { log::SetMinLevelWarning(true); }
  void TearDown() override { log::SetMinLevelWarning(false); }
  testing::TempDir dir_;
};

TEST_F(HostTest, CommonFlagsHaveDefaultsAndReadFlagsAndEnvironment) {
  Config config;
  DeclareCommonFlags(config);
  const char* argv[] = {"svc", "--tls-cert=c.pem", "--tls-key", "k.pem", "--address-file=/tmp/a"};
  ASSERT_TRUE(config
                  .Parse(5, argv,
                         [](const char* name) -> const char* {
                           return std::string(name) == "PIAO_DRAIN_SECONDS" ? "2" : nullptr;
                         })
                  .ok());
  auto o = HostOptions::FromConfig(config, "planning");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->name, "planning");
  EXPECT_EQ(o->listen, "127.0.0.1:0");
  EXPECT_EQ(o->tls_cert_file, "c.pem");
  EXPECT_EQ(o->tls_key_file, "k.pem");
  EXPECT_EQ(o->address_file, "/tmp/a");
  EXPECT_EQ(o->drain_deadline, absl::Seconds(2));
  for (const char* flag : {"data-dir", "tokens-file", "tls-client-ca", "bootstrap-servers"}) {
    EXPECT_THAT(config.Usage(), HasSubstr(std::string("--") + flag)) << flag;
  }
}

TEST_F(HostTest, FromConfigRejectsHalfTlsAndBadDrain) {
  auto parse = [](std::vector<const char*> args) {
    Config config;
    DeclareCommonFlags(config);
    args.insert(args.begin(), "svc");
    absl::Status s = config.Parse(static_cast<int>(args.size()), args.data(), [](const char*) { return nullptr; });
    EXPECT_TRUE(s.ok()) << s;
    return HostOptions::FromConfig(config, "x");
  };
  EXPECT_EQ(parse({"--tls-cert=c"}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(parse({"--tls-key=k"}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(parse({"--tls-client-ca=ca"}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(parse({"--drain-seconds=soon"}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(parse({"--drain-seconds=-1"}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(parse({"--listen=4000"}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(parse({"--listen=0.0.0.0:0"}).ok());
}

TEST_F(HostTest, StartsOnFreePortWritesAddressFileAndReportsHealth) {
  HostOptions options;
  options.address_file = dir_.File("addr");
  ServiceHost host(options);
  ASSERT_TRUE(host.Start().ok());
  EXPECT_GT(host.port(), 0);
  EXPECT_EQ(host.address(), "127.0.0.1:" + std::to_string(host.port()));
  EXPECT_FALSE(host.tls());

  auto addr = ReadAddressFile(dir_.File("addr"));
  ASSERT_TRUE(addr.ok()) << addr.status();
  EXPECT_EQ(*addr, host.address());
  EXPECT_FALSE(std::filesystem::exists(dir_.File("addr") + ".tmp." + std::to_string(::getpid())));

  auto channel = MakeChannel(ChannelOptions::Plaintext(*addr));
  ASSERT_TRUE(channel.ok()) << channel.status();
  auto serving = CheckHealth(*channel, absl::Seconds(5));
  ASSERT_TRUE(serving.ok()) << serving.status();
  EXPECT_TRUE(*serving);

  EXPECT_EQ(host.Start().code(), absl::StatusCode::kFailedPrecondition);
  host.Shutdown();
  EXPECT_FALSE(std::filesystem::exists(dir_.File("addr"))) << "address file must not outlive the server";
  auto after = CheckHealth(*channel, absl::Seconds(2));
  EXPECT_FALSE(after.ok());
}

TEST_F(HostTest, WildcardListenReportsLoopbackAddress) {
  HostOptions options;
  options.listen = "0.0.0.0:0";
  ServiceHost host(options);
  ASSERT_TRUE(host.Start().ok());
  EXPECT_EQ(host.address(), "127.0.0.1:" + std::to_string(host.port()));
  auto channel = MakeChannel(ChannelOptions::Plaintext(host.address()));
  ASSERT_TRUE(channel.ok());
  auto serving = CheckHealth(*channel, absl::Seconds(5));
  ASSERT_TRUE(serving.ok()) << serving.status();
  EXPECT_TRUE(*serving);
}

TEST_F(HostTest, PortInUseIsUnavailable) {
  ServiceHost first(HostOptions{});
  ASSERT_TRUE(first.Start().ok());
  HostOptions same;
  same.listen = first.address();
  ServiceHost second(same);
  absl::Status s = second.Start();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_THAT(s.message(), HasSubstr(first.address()));
}

TEST_F(HostTest, MissingCertificateFileIsNotFound) {
  HostOptions options;
  options.tls_cert_file = dir_.File("missing-cert.pem");
  options.tls_key_file = dir_.File("missing-key.pem");
  ServiceHost host(options);
  absl::Status s = host.Start();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
}

TEST_F(HostTest, ShutdownMarksNotServingThenDrainsThenRunsHooksInOrder) {
  ServiceHost host(HostOptions{});
  ASSERT_TRUE(host.Start().ok());
  auto channel = MakeChannel(ChannelOptions::Plaintext(host.address()));
  ASSERT_TRUE(channel.ok());
  std::vector<std::string> order;
  absl::StatusOr<bool> health_during_drain = absl::UnknownError("drain hook did not run");
  host.AddDrainHook("check health", [&] {
    order.push_back("drain");
    // The server still answers, but reports NOT_SERVING.
    health_during_drain = CheckHealth(*channel, absl::Seconds(5));
  });
  host.AddShutdownHook("first", [&] { order.push_back("first"); });
  host.AddShutdownHook("second", [&] { order.push_back("second"); });
  host.Shutdown();
  host.Shutdown();  // idempotent: hooks run once
  EXPECT_THAT(order, ElementsAre("drain", "first", "second"));
  ASSERT_TRUE(health_during_drain.ok()) << health_during_drain.status();
  EXPECT_FALSE(*health_during_drain);
}

TEST_F(HostTest, RunReturnsOnShutdownFromAnotherThread) {
  ServiceHost host(HostOptions{});
  bool hook_ran = false;
  host.AddShutdownHook("flag", [&] { hook_ran = true; });
  absl::Status run_status = absl::UnknownError("not returned");
  std::thread runner([&] { run_status = host.Run(); });
  ASSERT_TRUE(host.WaitUntilRunning(absl::Seconds(10)));
  EXPECT_GT(host.port(), 0);
  host.Shutdown();
  runner.join();
  EXPECT_TRUE(run_status.ok()) << run_status;
  EXPECT_TRUE(hook_ran);
}

TEST_F(HostTest, RunStopsGracefullyOnSigterm) {
  ServiceHost host(HostOptions{});
  bool hook_ran = false;
  host.AddShutdownHook("flag", [&] { hook_ran = true; });
  absl::Status run_status = absl::UnknownError("not returned");
  std::thread runner([&] { run_status = host.Run(); });
  ASSERT_TRUE(host.WaitUntilRunning(absl::Seconds(10)));
  auto channel = MakeChannel(ChannelOptions::Plaintext(host.address()));
  ASSERT_TRUE(channel.ok());
  auto serving = CheckHealth(*channel, absl::Seconds(5));
  ASSERT_TRUE(serving.ok() && *serving);
  ASSERT_EQ(::kill(::getpid(), SIGTERM), 0);
  runner.join();
  EXPECT_TRUE(run_status.ok()) << run_status;
  EXPECT_TRUE(hook_ran);
  // Run() restored the previous (default) disposition.
  struct sigaction now {};
  ASSERT_EQ(::sigaction(SIGTERM, nullptr, &now), 0);
  EXPECT_EQ(now.sa_handler, SIG_DFL);
}

// Sends one reflection request (ServerReflectionRequest{list_services: ""}) and collects the raw response.
class ReflectionCall : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  explicit ReflectionCall(std::shared_ptr<grpc::Channel> channel) : stub_(std::move(channel)) {
    PrepareContext(&ctx_, "", absl::Seconds(5));
    const std::string list_services("\x3a\x00", 2);  // field 7 (list_services), length-delimited, empty
    grpc::Slice slice(list_services);
    request_ = grpc::ByteBuffer(&slice, 1);
    stub_.PrepareBidiStreamingCall(&ctx_, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                                   grpc::StubOptions(), this);
    StartWriteLast(&request_, grpc::WriteOptions());
    StartRead(&response_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (ok) {
      std::vector<grpc::Slice> slices;
      if (response_.Dump(&slices).ok()) {
        for (const auto& s : slices) bytes_.append(reinterpret_cast<const char*>(s.begin()), s.size());
      }
    }
  }
  void OnDone(const grpc::Status& s) override {
    status_ = s;
    done_.Notify();
  }
  grpc::Status Await(std::string* bytes) {
    done_.WaitForNotification();
    *bytes = bytes_;
    return status_;
  }

 private:
  grpc::GenericStub stub_;
  grpc::ClientContext ctx_;
  grpc::ByteBuffer request_, response_;
  std::string bytes_;
  grpc::Status status_;
  absl::Notification done_;
};

TEST_F(HostTest, ServesReflectionListingRegisteredServices) {
  testing::WriteText(dir_.File("tokens"), testing::TestTokensText());
  auto tokens = TokenAuthenticator::Load(dir_.File("tokens"));
  ASSERT_TRUE(tokens.ok());
  RolePolicy policy;
  AllowEventLog(policy);
  Authorizer authorizer(std::make_shared<TokenAuthenticator>(*std::move(tokens)), policy);
  auto store = testing::OpenTestStore(dir_.File("store"));
  ASSERT_NE(store, nullptr);
  EventLogService event_log(store.get(), &authorizer);

  ServiceHost host(HostOptions{});
  host.AddService(&event_log);
  ASSERT_TRUE(host.Start().ok());
  auto channel = MakeChannel(ChannelOptions::Plaintext(host.address()));
  ASSERT_TRUE(channel.ok());
  ReflectionCall call(*channel);
  std::string bytes;
  grpc::Status s = call.Await(&bytes);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_THAT(bytes, HasSubstr("piao.v1.EventLog"));
  EXPECT_THAT(bytes, HasSubstr("grpc.health.v1.Health"));
  EXPECT_THAT(bytes, HasSubstr("grpc.reflection.v1alpha.ServerReflection"));
}

// The drain deadline is read from the injected clock. This one stands in 2000, so at shutdown "now + one hour"
// is long past and a running call is cancelled at once; on the real clock the open follow stream below would
// hold the shutdown for the whole hour.
TEST_F(HostTest, TheDrainDeadlineIsReadFromTheInjectedClock) {
  testing::WriteText(dir_.File("tokens"), testing::TestTokensText());
  auto tokens = TokenAuthenticator::Load(dir_.File("tokens"));
  ASSERT_TRUE(tokens.ok());
  RolePolicy policy;
  AllowEventLog(policy);
  Authorizer authorizer(std::make_shared<TokenAuthenticator>(*std::move(tokens)), policy);
  auto store = testing::OpenTestStore(dir_.File("store"));
  ASSERT_NE(store, nullptr);
  ASSERT_GT(testing::AppendTestEvent(*store, "A", "first"), GlobalPosition(0));
  EventLogService event_log(store.get(), &authorizer);

  FakeClock clock(absl::FromUnixSeconds(946684800));  // 2000-01-01
  HostOptions options;
  options.clock = &clock;
  options.drain_deadline = absl::Hours(1);
  ServiceHost host(options);
  host.AddService(&event_log);
  ASSERT_TRUE(host.Start().ok());
  auto channel = MakeChannel(ChannelOptions::Plaintext(host.address()));
  ASSERT_TRUE(channel.ok());
  auto stub = v1::EventLog::NewStub(*channel);
  grpc::ClientContext ctx;
  PrepareContext(&ctx, "svc-token", absl::Seconds(120));
  v1::ReadEventsRequest request;
  request.set_follow(true);
  auto reader = stub->ReadEvents(&ctx, request);
  v1::EventEnvelope e;
  ASSERT_TRUE(reader->Read(&e));  // the stream is open and following

  std::future<void> shutdown = std::async(std::launch::async, [&] { host.Shutdown(); });
  const bool drained = shutdown.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
  EXPECT_TRUE(drained) << "shutdown waited for the running call: the drain deadline was not read from the clock";
  if (!drained) event_log.StopFollowing();  // ends the stream, so the shutdown can finish
  shutdown.wait();
  while (reader->Read(&e)) {
  }
  EXPECT_FALSE(reader->Finish().ok());
}

}  // namespace
}  // namespace piao::service
