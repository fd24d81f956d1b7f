// piao-web: the web workspace. Server-rendered Italian pages over the projection's query services and the
// planning service, every call made with the signed-in user's own bearer token (the component has none).
//
//   piao-web --projection=HOST:PORT [--planning=HOST:PORT] [--listen=127.0.0.1:0] [--address-file=FILE]
//            [--tls-cert=FILE --tls-key=FILE]                              (HTTPS for browsers)
//            [--tls-ca=FILE --tls-client-cert=FILE --tls-client-key=FILE]  (mTLS to the services)
//            [--session-idle-minutes=30] [--max-sessions=1000] [--call-timeout-seconds=15]
// The address file receives the URL ("http://127.0.0.1:PORT", or https under TLS). SIGTERM/SIGINT stop it.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/base/config.h"
#include "libs/base/files.h"
#include "libs/base/log.h"
#include "libs/service/client.h"
#include "services/web/web_server.h"

namespace {

int Fail(const std::string& what, const absl::Status& s) {
  piao::log::Error(what, {{"error", s.ToString()}});
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  piao::log::SetComponent("web");
  piao::Config config;
  config.Declare("listen", "127.0.0.1:0", "host:port to serve HTTP(S) on (port 0: any free port)")
      .Declare("address-file", "", "file receiving the URL once listening")
      .Declare("projection", "", "the projection's gRPC address (Projection, RiskViews, HrViews)")
      .Declare("planning", "", "the planning service's gRPC address (writes)")
      .Declare("tls-cert", "", "PEM certificate served to browsers (with --tls-key: HTTPS)")
      .Declare("tls-key", "", "the private key of --tls-cert")
      .Declare("session-idle-minutes", "30", "a session unused this long ends")
      .Declare("max-sessions", "1000", "sessions kept at most (the least recently used is dropped)")
      .Declare("call-timeout-seconds", "15", "deadline of every gRPC call");
  piao::service::DeclareClientTlsFlags(config);
  if (absl::Status s = config.ParseFromProcess(argc, argv); !s.ok()) {
    std::fprintf(stderr, "piao-web: %s\n%s", s.ToString().c_str(), config.Usage().c_str());
    return 2;
  }
  piao::web::WebOptions options;
  const std::string listen = config.Get("listen");
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &options.port)) {
    std::fprintf(stderr, "piao-web: --listen: host:port, e.g. 127.0.0.1:0\n");
    return 2;
  }
  options.host = listen.substr(0, colon);
  options.tls_cert_file = config.Get("tls-cert");
  options.tls_key_file = config.Get("tls-key");
  if (config.Get("projection").empty()) {
    std::fprintf(stderr, "piao-web: --projection is required\n");
    return 2;
  }
  const piao::service::ChannelOptions client = piao::service::ClientTlsFromConfig(config);
  options.projection = client;
  options.projection.address = config.Get("projection");
  options.planning = client;
  options.planning.address = config.Get("planning");
  absl::StatusOr<int64_t> idle = config.GetInt("session-idle-minutes");
  absl::StatusOr<int64_t> max_sessions = config.GetInt("max-sessions");
  absl::StatusOr<int64_t> timeout = config.GetInt("call-timeout-seconds");
  if (!idle.ok() || !max_sessions.ok() || !timeout.ok() || *idle <= 0 || *max_sessions <= 0 || *timeout <= 0) {
    std::fprintf(stderr, "piao-web: --session-idle-minutes, --max-sessions and --call-timeout-seconds: positive numbers\n");
    return 2;
  }
  options.sessions.idle = absl::Minutes(*idle);
  options.sessions.max_sessions = static_cast<size_t>(*max_sessions);
  options.call_timeout = absl::Seconds(*timeout);

  // SIGTERM / SIGINT are taken by one thread (blocked everywhere else, before any thread starts).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  absl::StatusOr<std::unique_ptr<piao::web::WebServer>> server = piao::web::WebServer::Create(options);
  if (!server.ok()) return Fail("cannot start", server.status());
  absl::StatusOr<std::string> url = (*server)->Bind();
  if (!url.ok()) return Fail("cannot listen", url.status());
  if (!config.Get("address-file").empty()) {
    if (absl::Status s = piao::WriteFileAtomically(config.Get("address-file"), *url + "\n"); !s.ok()) {
      return Fail("cannot write the address file", s);
    }
  }
  piao::log::Info("serving", {{"url", *url}, {"projection", options.projection.address}});
  std::thread stopper([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    piao::log::Info("stopping", {{"signal", absl::StrCat(sig)}});
    (*server)->Stop();
  });
  (*server)->Run();
  // Stopped by a signal: the stopper has returned. Stopped otherwise (listen failed): wake the stopper.
  pthread_kill(stopper.native_handle(), SIGTERM);
  stopper.join();
  return 0;
}
