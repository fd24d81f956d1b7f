#include "libs/service/host.h"
#include "libs/service/client.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/base/log.h"
#include "libs/base/process.h"
#include "libs/base/status_macros.h"

namespace piao::service {
namespace {

// Self-pipe for SIGTERM/SIGINT: the handler only write()s the signal number (async-signal-safe).
int g_signal_pipe[2] = {-1, -1};
std::once_flag g_signal_pipe_once;

void OnShutdownSignal(int sig) {
  int saved_errno = errno;
  unsigned char b = static_cast<unsigned char>(sig);
  ssize_t ignored = ::write(g_signal_pipe[1], &b, 1);
  (void)ignored;
  errno = saved_errno;
}

absl::Status MakePipe(int fds[2]) {
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    return absl::InternalError(absl::StrCat("pipe2: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

std::string SignalName(int sig) {
  if (sig == SIGTERM) return "SIGTERM";
  if (sig == SIGINT) return "SIGINT";
  return absl::StrCat("signal ", sig);
}

// The address clients use to reach a server listening on `listen` at `port`.
std::string ConnectAddress(const std::string& listen, int port) {
  std::string host = listen.substr(0, listen.rfind(':'));
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  if (host == "[::]") host = "[::1]";
  return absl::StrCat(host, ":", port);
}

}  // namespace

void DeclareCommonFlags(Config& config) {
  config.Declare("listen", "127.0.0.1:0", "host:port to listen on (port 0: any free port)")
      .Declare("data-dir", "", "directory of the service's event store and state")
      .Declare("tokens-file", "", "bearer tokens file: '<sha256-hex> <principal-id> <role,...>' per line")
      .Declare("tls-cert", "", "PEM server certificate chain (with --tls-key: serve TLS)")
      .Declare("tls-key", "", "PEM server private key")
      .Declare("tls-client-ca", "", "PEM CA bundle; when set, clients must present a certificate it signed")
      .Declare("bootstrap-servers", "", "Kafka bootstrap servers")
      .Declare("kafka-partitions", "1",
               "the deployment's partition count of every event topic: an administration's events go to partition "
               "murmur2(administration) mod it in every topic (the same value for every service)")
      .Declare("address-file", "", "file the bound address is written to once listening")
      .Declare("drain-seconds", "5", "on shutdown, seconds to wait for running calls before cancelling them");
}

absl::StatusOr<HostOptions> HostOptions::FromConfig(const Config& config, std::string name) {
  HostOptions o;
  o.name = std::move(name);
  o.listen = config.Get("listen");
  o.tls_cert_file = config.Get("tls-cert");
  o.tls_key_file = config.Get("tls-key");
  o.tls_client_ca_file = config.Get("tls-client-ca");
  o.address_file = config.Get("address-file");
  if (o.listen.empty() || o.listen.find(':') == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("--listen must be host:port, got '", o.listen, "'"));
  }
  if (o.tls_cert_file.empty() != o.tls_key_file.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key must be set together");
  }
  if (!o.tls_client_ca_file.empty() && o.tls_cert_file.empty()) {
    return absl::InvalidArgumentError("--tls-client-ca needs --tls-cert and --tls-key");
  }
  PIAO_ASSIGN_OR_RETURN(int64_t drain, config.GetInt("drain-seconds"));
  if (drain < 0) return absl::InvalidArgumentError("--drain-seconds must not be negative");
  o.drain_deadline = absl::Seconds(drain);
  return o;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(const HostOptions& options) {
  if (options.tls_cert_file.empty() && options.tls_key_file.empty()) {
    if (!options.tls_client_ca_file.empty()) {
      return absl::InvalidArgumentError("a client CA (mTLS) needs a server certificate and key");
    }
    return grpc::InsecureServerCredentials();
  }
  if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
    return absl::InvalidArgumentError("TLS needs both a certificate and a key file");
  }
  grpc::SslServerCredentialsOptions ssl(options.tls_client_ca_file.empty()
                                            ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                            : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  PIAO_ASSIGN_OR_RETURN(pair.cert_chain, ReadFile(options.tls_cert_file));
  PIAO_ASSIGN_OR_RETURN(pair.private_key, ReadFile(options.tls_key_file));
  ssl.pem_key_cert_pairs.push_back(std::move(pair));
  if (!options.tls_client_ca_file.empty()) {
    PIAO_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadFile(options.tls_client_ca_file));
  }
  return grpc::SslServerCredentials(ssl);
}

ServiceHost::ServiceHost(HostOptions options) : options_(std::move(options)) {
  if (options_.clock == nullptr) options_.clock = Clock::Real();
}

ServiceHost::~ServiceHost() {
  bool serving;
  {
    absl::MutexLock l(&mu_);
    serving = started_ && !shutdown_begun_;
  }
  if (serving) Shutdown();
  for (int fd : wake_pipe_) {
    if (fd >= 0) ::close(fd);
  }
}

void ServiceHost::AddService(grpc::Service* service) { services_.push_back(service); }

void ServiceHost::AddDrainHook(std::string name, std::function<void()> hook) {
  drain_hooks_.push_back({std::move(name), std::move(hook)});
}

void ServiceHost::AddShutdownHook(std::string name, std::function<void()> hook) {
  shutdown_hooks_.push_back({std::move(name), std::move(hook)});
}

void ServiceHost::AddReadinessCheck(std::string name, std::function<absl::Status()> check, absl::Duration every) {
  checks_.push_back({std::move(name), std::move(check), every});
}

void ServiceHost::RunChecks() {
  std::vector<bool> passing(checks_.size(), true);
  absl::Duration every = absl::InfiniteDuration();
  for (const Check& c : checks_) every = std::min(every, c.every);
  while (!stop_checks_.WaitForNotificationWithTimeout(every)) {
    bool all = true;
    for (size_t i = 0; i < checks_.size(); ++i) {
      absl::Status s = checks_[i].fn();
      if (s.ok() != passing[i]) {
        if (s.ok()) {
          log::Info("ready again", {{"service", options_.name}, {"check", checks_[i].name}});
        } else {
          log::Error("not ready: health says NOT_SERVING",
                     {{"service", options_.name}, {"check", checks_[i].name}, {"error", s.ToString()}});
        }
        passing[i] = s.ok();
      }
      all &= s.ok();
    }
    absl::MutexLock l(&mu_);
    if (shutdown_begun_ || server_ == nullptr) break;  // shutdown owns the health status from now on
    if (grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService(); health != nullptr) {
      health->SetServingStatus(all);
    }
  }
}

absl::Status ServiceHost::Start() {
  absl::MutexLock l(&mu_);
  if (started_ || shutdown_begun_) return absl::FailedPreconditionError("ServiceHost already started");
  if (wake_pipe_[0] < 0) PIAO_RETURN_IF_ERROR(MakePipe(wake_pipe_));
  PIAO_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> creds, MakeServerCredentials(options_));

  static std::once_flag reflection_once;
  std::call_once(reflection_once, [] { grpc::reflection::InitProtoReflectionServerBuilderPlugin(); });
  grpc::EnableDefaultHealthCheckService(true);

  grpc::ServerBuilder builder;
  // Two servers must never share a fixed port silently.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(kMaxGrpcMessageBytes);
  builder.SetMaxSendMessageSize(kMaxGrpcMessageBytes);
  int selected_port = 0;
  builder.AddListeningPort(options_.listen, creds, &selected_port);
  for (grpc::Service* s : services_) builder.RegisterService(s);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || selected_port == 0) {
    if (server != nullptr) server->Shutdown();
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.listen));
  }
  if (grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService(); health != nullptr) {
    health->SetServingStatus(true);
  }
  port_ = selected_port;
  address_ = ConnectAddress(options_.listen, port_);
  if (!options_.address_file.empty()) {
    absl::Status written = WriteFileAtomically(options_.address_file, address_ + "\n");
    if (!written.ok()) {
      server->Shutdown();
      return written;
    }
  }
  server_ = std::move(server);
  started_ = true;
  if (!checks_.empty()) checker_ = std::thread([this] { RunChecks(); });
  log::Info("listening", {{"service", options_.name},
                          {"addr", address_},
                          {"tls", tls() ? "true" : "false"},
                          {"mtls", options_.tls_client_ca_file.empty() ? "false" : "true"}});
  return absl::OkStatus();
}

absl::Status ServiceHost::Run() {
  bool need_start;
  {
    absl::MutexLock l(&mu_);
    need_start = !started_;
  }
  if (need_start) PIAO_RETURN_IF_ERROR(Start());

  absl::Status pipe_status;
  std::call_once(g_signal_pipe_once, [&] { pipe_status = MakePipe(g_signal_pipe); });
  PIAO_RETURN_IF_ERROR(pipe_status);
  if (g_signal_pipe[0] < 0) return absl::InternalError("signal pipe unavailable");
  // Forget signals left over from an earlier Run() in this process.
  unsigned char stale;
  while (::read(g_signal_pipe[0], &stale, 1) == 1) {
  }

  struct sigaction sa {}, old_term{}, old_int{};
  sa.sa_handler = OnShutdownSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  ::sigaction(SIGTERM, &sa, &old_term);
  ::sigaction(SIGINT, &sa, &old_int);
  if (!running_.HasBeenNotified()) running_.Notify();

  std::string reason;
  while (reason.empty()) {
    pollfd fds[2] = {{g_signal_pipe[0], POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    int n = ::poll(fds, 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      reason = absl::StrCat("poll failed: ", std::strerror(errno));
      break;
    }
    unsigned char b = 0;
    if ((fds[0].revents & POLLIN) && ::read(g_signal_pipe[0], &b, 1) == 1) {
      reason = SignalName(b);
    } else if (fds[1].revents & POLLIN) {
      reason = "shutdown requested";
    }
  }
  ::sigaction(SIGTERM, &old_term, nullptr);
  ::sigaction(SIGINT, &old_int, nullptr);
  DoShutdown(reason);
  return absl::OkStatus();
}

bool ServiceHost::WaitUntilRunning(absl::Duration timeout) {
  return running_.WaitForNotificationWithTimeout(timeout);
}

void ServiceHost::Shutdown() {
  if (wake_pipe_[1] >= 0) {
    unsigned char b = 1;
    ssize_t ignored = ::write(wake_pipe_[1], &b, 1);
    (void)ignored;
  }
  DoShutdown("shutdown requested");
}

void ServiceHost::DoShutdown(absl::string_view reason) {
  {
    absl::MutexLock l(&mu_);
    if (shutdown_begun_) {
      mu_.Await(absl::Condition(&shutdown_done_));
      return;
    }
    shutdown_begun_ = true;
  }
  stop_checks_.Notify();
  if (checker_.joinable()) checker_.join();
  absl::Time begin = options_.clock->Now();
  log::Info("stopping", {{"service", options_.name}, {"reason", std::string(reason)}});
  if (server_ != nullptr) {
    // NOT_SERVING for every service name, and frozen there.
    if (grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService(); health != nullptr) {
      health->Shutdown();
    }
  }
  for (const Hook& h : drain_hooks_) {
    log::Info("drain hook", {{"service", options_.name}, {"hook", h.name}});
    h.fn();
  }
  if (server_ != nullptr) server_->Shutdown(absl::ToChronoTime(options_.clock->Now() + options_.drain_deadline));
  for (const Hook& h : shutdown_hooks_) {
    log::Info("shutdown hook", {{"service", options_.name}, {"hook", h.name}});
    h.fn();
  }
  if (server_ != nullptr && !options_.address_file.empty()) ::unlink(options_.address_file.c_str());
  log::Info("stopped", {{"service", options_.name},
                        {"took_ms", absl::StrCat(absl::ToInt64Milliseconds(options_.clock->Now() - begin))}});
  absl::MutexLock l(&mu_);
  shutdown_done_ = true;
}

}  // namespace piao::service
