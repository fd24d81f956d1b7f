// Client side of the services: channels (plaintext, TLS, mTLS), per-call bearer token and deadline, the
// address file a server writes, and the standard health check.
//
//   auto channel = MakeChannel(ChannelOptions::Plaintext(*ReadAddressFile(path)));
//   auto stub = v1::EventLog::NewStub(*channel);
//   grpc::ClientContext ctx;
//   PrepareContext(&ctx, token, absl::Seconds(5));   // every call in this project sets a deadline
//   grpc::Status s = stub->GetHead(&ctx, req, &resp);
#ifndef PIAO_LIBS_SERVICE_CLIENT_H_
#define PIAO_LIBS_SERVICE_CLIENT_H_

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/base/clock.h"
#include "libs/base/config.h"

namespace piao::service {

struct ChannelOptions {
  std::string address;               // host:port
  std::string tls_ca_file;           // PEM CA bundle that signed the server certificate; empty: plaintext
  std::string tls_client_cert_file;  // with tls_client_key_file: present a client certificate (mTLS)
  std::string tls_client_key_file;
  std::string tls_server_name;       // name to check in the server certificate instead of the address host

  static ChannelOptions Plaintext(std::string address) {
    ChannelOptions o;
    o.address = std::move(address);
    return o;
  }
};

// A channel to `options.address`. Connection happens lazily. Errors name the setting (tls-ca,
// tls-client-cert, tls-client-key) and the file: NOT_FOUND if a file cannot be read; INVALID_ARGUMENT for an
// empty address, a client certificate without TLS, only one of client cert / key, or a file that holds no
// PEM certificate (tls-ca, tls-client-cert) or no PEM private key (tls-client-key).
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const ChannelOptions& options);

// The largest gRPC message servers accept and clients send or receive: a whole plan of several MB is one
// command (the service splits it into events below the event size limit), and its GetPlan answer one message.
inline constexpr int kMaxGrpcMessageBytes = 64 * 1024 * 1024;

// The client side of TLS, declared once for every client (the projection's connections to its sources, the
// CLI, tools), each also settable as PIAO_<NAME>:
//   tls-ca            PEM CA bundle that signed the servers' certificates; set: TLS, empty: plaintext
//   tls-client-cert   PEM client certificate chain, presented to servers that require mTLS (with the key)
//   tls-client-key    its private key
//   tls-server-name   name to verify in the server certificate instead of the address's host
// (The server side, tls-cert / tls-key / tls-client-ca, is DeclareCommonFlags in host.h.)
void DeclareClientTlsFlags(Config& config);
// Those settings as ChannelOptions without an address (fill it in per server). Validated by MakeChannel.
ChannelOptions ClientTlsFromConfig(const Config& config);
// The PIAO_* environment variables of the settings above, for callers that read only these from the
// environment (the CLI): maps "PIAO_TLS_CA" etc. to getenv, anything else to nullptr.
const char* ClientTlsEnv(const char* name);

// The longest deadline PrepareContext sets (an infinite timeout is clamped to it).
inline constexpr absl::Duration kMaxCallTimeout = absl::Hours(24);

// Prepares a call: ALWAYS sets the deadline clock->Now() + `timeout` (clamped to kMaxCallTimeout; a non-positive
// timeout gives an already expired deadline), and, unless `token` is empty, the metadata
// `authorization: Bearer <token>`. Works on plaintext and TLS channels alike.
void PrepareContext(grpc::ClientContext* ctx, absl::string_view token, absl::Duration timeout,
                    Clock* clock = Clock::Real());

// A bearer token kept in a file (whitespace around it removed). INVALID_ARGUMENT naming `flag` when the path
// is empty or the file is empty, NOT_FOUND when it cannot be read.
absl::StatusOr<std::string> ReadTokenFile(absl::string_view flag, const std::string& path);

// The address a server wrote to its --address-file (trailing whitespace removed). NOT_FOUND if the file is
// missing or empty.
absl::StatusOr<std::string> ReadAddressFile(const std::string& path);
// Polls for the address file until it is non-empty or `timeout` passes on `clock` (DEADLINE_EXCEEDED).
absl::StatusOr<std::string> WaitForAddressFile(const std::string& path, absl::Duration timeout,
                                               Clock* clock = Clock::Real());

// Calls grpc.health.v1.Health/Check for `service` ("" = the whole server). True when SERVING, false for any
// other status; the call's error otherwise (e.g. UNAVAILABLE when nothing listens, NOT_FOUND for an unknown
// service). No token needed.
absl::StatusOr<bool> CheckHealth(const std::shared_ptr<grpc::Channel>& channel, absl::Duration timeout,
                                 absl::string_view service = "");

}  // namespace piao::service

#endif  // PIAO_LIBS_SERVICE_CLIENT_H_
