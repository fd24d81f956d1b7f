// piao-web's HTTP side (cpp-httplib, Debian's libcpp-httplib-dev): sign-in, sessions, CSRF, security headers,
// and one handler per page that asks the services over gRPC WITH THE SIGNED-IN USER'S TOKEN and hands the
// answers to the pure renderers of pages.h. The component holds no token of its own: whatever a user sees or
// does is what the services grant that user's token.
#ifndef PIAO_SERVICES_WEB_WEB_SERVER_H_
#define PIAO_SERVICES_WEB_WEB_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/service/client.h"
#include "services/web/session.h"

namespace piao::web {

struct WebOptions {
  std::string host = "127.0.0.1";
  int port = 0;                       // 0: any free port
  std::string tls_cert_file;          // with tls_key_file: HTTPS (the stack's local PKI under --tls)
  std::string tls_key_file;
  service::ChannelOptions projection; // the projection (Projection, RiskViews, HrViews), with client TLS
  service::ChannelOptions planning;   // the planning service (writes)
  absl::Duration call_timeout = absl::Seconds(15);
  SessionStore::Options sessions;
};

class WebServer {
 public:
  // INVALID_ARGUMENT for a bad channel setting or an unreadable certificate.
  static absl::StatusOr<std::unique_ptr<WebServer>> Create(WebOptions options);
  ~WebServer();
  // Binds the listening socket; returns the URL ("http(s)://127.0.0.1:PORT").
  absl::StatusOr<std::string> Bind();
  // Serves until Stop(); returns when stopped.
  void Run();
  void Stop();

 private:
  struct Impl;
  explicit WebServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace piao::web

#endif  // PIAO_SERVICES_WEB_WEB_SERVER_H_
