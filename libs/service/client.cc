#include "libs/service/client.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/channel_arguments.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "libs/base/process.h"
#include "libs/base/status_macros.h"
#include "libs/service/grpc_status.h"

namespace piao::service {

namespace {

// The content of the PEM file of setting `setting`, checked to hold `marker` (a certificate or a key).
absl::StatusOr<std::string> ReadPem(const char* setting, const std::string& path, const char* marker,
                                    const char* what) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return absl::NotFoundError(absl::StrCat(setting, ": cannot read ", path));
  if (text->find(marker) == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(setting, ": ", path, " holds no PEM ", what));
  }
  return text;
}

constexpr char kCertificateMarker[] = "-----BEGIN CERTIFICATE-----";
constexpr char kKeyMarker[] = "PRIVATE KEY-----";

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const ChannelOptions& options) {
  if (options.address.empty()) return absl::InvalidArgumentError("no server address");
  bool client_cert = !options.tls_client_cert_file.empty() || !options.tls_client_key_file.empty();
  if (options.tls_client_cert_file.empty() != options.tls_client_key_file.empty()) {
    return absl::InvalidArgumentError(
        "tls-client-cert and tls-client-key: a client certificate needs both the certificate and the key file");
  }
  if (options.tls_ca_file.empty()) {
    if (client_cert) {
      return absl::InvalidArgumentError("tls-client-cert: a client certificate needs TLS: set tls-ca as well");
    }
    grpc::ChannelArguments args;
    args.SetMaxSendMessageSize(kMaxGrpcMessageBytes);
    args.SetMaxReceiveMessageSize(kMaxGrpcMessageBytes);
    return grpc::CreateCustomChannel(options.address, grpc::InsecureChannelCredentials(), args);
  }
  grpc::SslCredentialsOptions ssl;
  PIAO_ASSIGN_OR_RETURN(ssl.pem_root_certs,
                        ReadPem("tls-ca", options.tls_ca_file, kCertificateMarker, "CA certificate"));
  if (client_cert) {
    PIAO_ASSIGN_OR_RETURN(ssl.pem_cert_chain, ReadPem("tls-client-cert", options.tls_client_cert_file,
                                                      kCertificateMarker, "certificate"));
    PIAO_ASSIGN_OR_RETURN(ssl.pem_private_key,
                          ReadPem("tls-client-key", options.tls_client_key_file, kKeyMarker, "private key"));
  }
  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(kMaxGrpcMessageBytes);
  args.SetMaxReceiveMessageSize(kMaxGrpcMessageBytes);
  if (!options.tls_server_name.empty()) args.SetSslTargetNameOverride(options.tls_server_name);
  return grpc::CreateCustomChannel(options.address, grpc::SslCredentials(ssl), args);
}

void DeclareClientTlsFlags(Config& config) {
  config.Declare("tls-ca", "", "client TLS: PEM CA bundle that signed the servers' certificates (empty: plaintext)")
      .Declare("tls-client-cert", "", "client TLS: PEM certificate presented to servers requiring mTLS")
      .Declare("tls-client-key", "", "client TLS: the private key of --tls-client-cert")
      .Declare("tls-server-name", "", "client TLS: name checked in the server certificate (default: the host)");
}

ChannelOptions ClientTlsFromConfig(const Config& config) {
  ChannelOptions o;
  o.tls_ca_file = config.Get("tls-ca");
  o.tls_client_cert_file = config.Get("tls-client-cert");
  o.tls_client_key_file = config.Get("tls-client-key");
  o.tls_server_name = config.Get("tls-server-name");
  return o;
}

const char* ClientTlsEnv(const char* name) {
  for (const char* known : {"PIAO_TLS_CA", "PIAO_TLS_CLIENT_CERT", "PIAO_TLS_CLIENT_KEY", "PIAO_TLS_SERVER_NAME"}) {
    if (std::strcmp(name, known) == 0) return std::getenv(name);
  }
  return nullptr;
}

void PrepareContext(grpc::ClientContext* ctx, absl::string_view token, absl::Duration timeout, Clock* clock) {
  if (timeout > kMaxCallTimeout) timeout = kMaxCallTimeout;
  ctx->set_deadline(absl::ToChronoTime(clock->Now() + timeout));
  if (!token.empty()) ctx->AddMetadata("authorization", absl::StrCat("Bearer ", token));
}

absl::StatusOr<std::string> ReadTokenFile(absl::string_view flag, const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError(absl::StrCat("--", flag, " is required (a token file)"));
  absl::StatusOr<std::string> content = ReadFile(path);
  if (!content.ok()) return absl::NotFoundError(absl::StrCat("--", flag, ": cannot read ", path));
  std::string token(absl::StripAsciiWhitespace(*content));
  if (token.empty()) return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", path, " is empty"));
  return token;
}

absl::StatusOr<std::string> ReadAddressFile(const std::string& path) {
  absl::StatusOr<std::string> content = ReadFile(path);
  if (!content.ok()) return absl::NotFoundError(absl::StrCat("no address file ", path));
  std::string address(absl::StripAsciiWhitespace(*content));
  if (address.empty()) return absl::NotFoundError(absl::StrCat("address file ", path, " is empty"));
  return address;
}

absl::StatusOr<std::string> WaitForAddressFile(const std::string& path, absl::Duration timeout, Clock* clock) {
  return WaitForFile(path, timeout, clock);
}

namespace {

// grpc.health.v1.HealthCheckRequest {string service = 1;} in protobuf wire format.
std::string EncodeHealthRequest(absl::string_view service) {
  std::string out;
  if (service.empty()) return out;
  out.push_back(0x0a);  // field 1, length-delimited
  for (size_t n = service.size();;) {
    unsigned char b = n & 0x7f;
    n >>= 7;
    if (n == 0) {
      out.push_back(static_cast<char>(b));
      break;
    }
    out.push_back(static_cast<char>(b | 0x80));
  }
  out.append(service.data(), service.size());
  return out;
}

// grpc.health.v1.HealthCheckResponse {ServingStatus status = 1;}: the status, 0 (UNKNOWN) when absent.
absl::StatusOr<uint64_t> DecodeHealthStatus(const std::string& bytes) {
  uint64_t status = 0;
  size_t i = 0;
  auto varint = [&](uint64_t* v) -> bool {
    *v = 0;
    for (int shift = 0; i < bytes.size() && shift < 64; shift += 7) {
      unsigned char b = static_cast<unsigned char>(bytes[i++]);
      *v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  };
  while (i < bytes.size()) {
    uint64_t tag = 0, v = 0;
    if (!varint(&tag)) return absl::DataLossError("malformed health response");
    switch (tag & 7) {
      case 0:
        if (!varint(&v)) return absl::DataLossError("malformed health response");
        if ((tag >> 3) == 1) status = v;
        break;
      case 2:
        if (!varint(&v) || v > bytes.size() - i) return absl::DataLossError("malformed health response");
        i += v;
        break;
      default:
        return absl::DataLossError("unexpected field in health response");
    }
  }
  return status;
}

}  // namespace

absl::StatusOr<bool> CheckHealth(const std::shared_ptr<grpc::Channel>& channel, absl::Duration timeout,
                                 absl::string_view service) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  PrepareContext(&ctx, "", timeout);
  std::string request_bytes = EncodeHealthRequest(service);
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  if (!status.ok()) return FromGrpcStatus(status);
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return absl::DataLossError("unreadable health response");
  std::string bytes;
  for (const grpc::Slice& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  PIAO_ASSIGN_OR_RETURN(uint64_t serving_status, DecodeHealthStatus(bytes));
  return serving_status == 1;  // SERVING
}

}  // namespace piao::service
