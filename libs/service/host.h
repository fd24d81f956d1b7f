// ServiceHost: the process skeleton every gRPC service shares. It owns the grpc::Server, serves the caller's
// services plus the standard health service (grpc.health.v1.Health) and server reflection, writes the bound
// address to a file once listening, and on SIGTERM/SIGINT (or Shutdown()) stops gracefully:
//   1. health turns NOT_SERVING (load balancers and scripts stop sending calls),
//   2. drain hooks run in order (e.g. EventLogService::StopFollowing ends open follow streams),
//   3. the server stops accepting calls and waits up to the drain deadline for running calls, then cancels
//      them,
//   4. shutdown hooks run in order (e.g. flush the outbox relay, close the event store),
//   5. the address file is removed.
//
// Typical main():
//   piao::Config config;
//   piao::service::DeclareCommonFlags(config);
//   if (absl::Status s = config.ParseFromProcess(argc, argv); !s.ok()) { ...report, return 2; }
//   absl::StatusOr<HostOptions> options = HostOptions::FromConfig(config, "planning");  // check ok()
//   ServiceHost host(*options);
//   host.AddService(&planning_service);
//   host.AddDrainHook("stop event followers", [&] { event_log.StopFollowing(); });
//   host.AddShutdownHook("close store", [&] { store.reset(); });
//   return host.Run().ok() ? 0 : 1;
#ifndef PIAO_LIBS_SERVICE_HOST_H_
#define PIAO_LIBS_SERVICE_HOST_H_

#include <grpcpp/server.h>
#include <grpcpp/security/server_credentials.h>

#include <functional>
#include <thread>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "libs/base/clock.h"
#include "libs/base/config.h"

namespace piao::service {

// Declares the settings every service reads (each also settable as PIAO_<NAME>):
//   listen             host:port to listen on (default 127.0.0.1:0: any free port on loopback)
//   data-dir           directory of the service's event store and state
//   tokens-file        bearer tokens file (format in auth.h)
//   tls-cert, tls-key  PEM server certificate chain and private key; both set: TLS, both empty: plaintext
//   tls-client-ca      PEM CA bundle; when set, clients must present a certificate it signed (mTLS)
//   bootstrap-servers  Kafka bootstrap servers
//   address-file       file the bound address ("127.0.0.1:40123") is written to, atomically, once listening
//   drain-seconds      how long shutdown waits for running calls before cancelling them (default 5)
// A service that is also a client of other services (the projection) adds the client side with
// DeclareClientTlsFlags (client.h): tls-ca, tls-client-cert, tls-client-key, tls-server-name.
void DeclareCommonFlags(Config& config);

struct HostOptions {
  std::string name = "piao";           // the service name: log component
  std::string listen = "127.0.0.1:0";
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  std::string address_file;            // empty: not written
  absl::Duration drain_deadline = absl::Seconds(5);
  Clock* clock = Clock::Real();        // the drain deadline is measured on it

  // Reads the listen, tls-*, address-file and drain-seconds settings declared by DeclareCommonFlags.
  // INVALID_ARGUMENT for a bad drain-seconds or only one of tls-cert / tls-key.
  static absl::StatusOr<HostOptions> FromConfig(const Config& config, std::string name);
};

// Server credentials for `options`: plaintext, TLS, or TLS requiring verified client certificates.
// NOT_FOUND if a certificate file cannot be read.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(const HostOptions& options);

class ServiceHost {
 public:
  explicit ServiceHost(HostOptions options);
  // Shuts down (as Shutdown()) if still serving.
  ~ServiceHost();
  ServiceHost(const ServiceHost&) = delete;
  ServiceHost& operator=(const ServiceHost&) = delete;

  // Before Start(): services to serve (not owned; must outlive the host) and hooks. Hooks run once, in the
  // order added, on the thread that performs the shutdown.
  void AddService(grpc::Service* service);
  void AddDrainHook(std::string name, std::function<void()> hook);
  void AddShutdownHook(std::string name, std::function<void()> hook);
  // Before Start(): a check run every `every` while serving; the health service answers NOT_SERVING while it
  // fails (e.g. an event store that cannot write: a full disk) and SERVING again once it passes. Each change is
  // logged with the check's error.
  void AddReadinessCheck(std::string name, std::function<absl::Status()> check,
                         absl::Duration every = absl::Milliseconds(500));

  // Builds the server, binds, marks health SERVING and writes the address file. UNAVAILABLE if the address
  // cannot be bound; FAILED_PRECONDITION if already started.
  absl::Status Start();

  // Starts (unless started) and blocks until SIGTERM or SIGINT arrives or Shutdown() is called, then shuts down
  // gracefully and returns. While Run() waits, SIGTERM/SIGINT are handled through a self-pipe; the previous
  // handlers are restored once one arrives, so a second Ctrl-C during a slow drain kills the process. At most
  // one Run() per process at a time.
  absl::Status Run();
  // True once Run() has installed its signal handlers and is waiting (tests use it before raising a signal).
  bool WaitUntilRunning(absl::Duration timeout);

  // Graceful shutdown as described above; thread-safe and idempotent: every caller returns once it completed.
  // If Run() is waiting it returns too.
  void Shutdown();

  // After Start(): the bound port, and the address clients connect to ("127.0.0.1:40123"; a wildcard listen
  // host is reported as loopback).
  int port() const { return port_; }
  const std::string& address() const { return address_; }
  grpc::Server* server() { return server_.get(); }
  bool tls() const { return !options_.tls_cert_file.empty(); }

 private:
  void DoShutdown(absl::string_view reason);

  struct Hook {
    std::string name;
    std::function<void()> fn;
  };

  struct Check {
    std::string name;
    std::function<absl::Status()> fn;
    absl::Duration every;
  };
  void RunChecks();

  HostOptions options_;
  std::vector<grpc::Service*> services_;
  std::vector<Check> checks_;
  std::thread checker_;
  absl::Notification stop_checks_;
  std::vector<Hook> drain_hooks_;
  std::vector<Hook> shutdown_hooks_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::string address_;
  int wake_pipe_[2] = {-1, -1};  // Shutdown() wakes Run()
  absl::Notification running_;

  absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool shutdown_begun_ ABSL_GUARDED_BY(mu_) = false;
  bool shutdown_done_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace piao::service

#endif  // PIAO_LIBS_SERVICE_HOST_H_
