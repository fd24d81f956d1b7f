// A local certificate authority for running every component with mutual TLS on one machine (`piao stack up
// --tls`, tests): a CA, one server certificate per component (SAN IP:127.0.0.1 and DNS:localhost) and client
// certificates, made once per directory with Debian's `openssl` command (ECDSA P-256).
//
//   DIR/ca.pem, DIR/ca.key                    the CA (the key never leaves DIR)
//   DIR/<server>.pem, DIR/<server>.key         server certificate per component (serverAuth)
//   DIR/<client>-client.pem, .key              client certificate (clientAuth), CN=<client>
//
// DIR is 0700 and every key 0600. A fresh set is generated in a private temporary directory next to DIR and
// renamed into place, so a crash never leaves a half-made CA; later calls reuse what exists and only add
// certificates for names not yet there (signed by the same CA).
#ifndef PIAO_LIBS_SERVICE_LOCAL_PKI_H_
#define PIAO_LIBS_SERVICE_LOCAL_PKI_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/service/client.h"

namespace piao::service {

struct LocalPki {
  std::string dir;
  std::string ca_file() const { return dir + "/ca.pem"; }
  std::string server_cert(const std::string& name) const { return dir + "/" + name + ".pem"; }
  std::string server_key(const std::string& name) const { return dir + "/" + name + ".key"; }
  std::string client_cert(const std::string& name) const { return dir + "/" + name + "-client.pem"; }
  std::string client_key(const std::string& name) const { return dir + "/" + name + "-client.key"; }
  // Channel options (no address) presenting client `name`'s certificate and trusting the CA.
  ChannelOptions ClientOptions(const std::string& name) const;
};

// Makes (or reuses) the CA and the certificates of `servers` and `clients` under `dir`. FAILED_PRECONDITION
// when the openssl command is missing; INTERNAL with openssl's own message when it fails; INVALID_ARGUMENT for
// a name that is not [a-z0-9-]+.
absl::StatusOr<LocalPki> EnsureLocalPki(const std::string& dir, const std::vector<std::string>& servers,
                                        const std::vector<std::string>& clients);

}  // namespace piao::service

#endif  // PIAO_LIBS_SERVICE_LOCAL_PKI_H_
