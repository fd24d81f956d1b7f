// Bearer-token authentication and per-method role authorization for every gRPC service.
//
// Tokens file (--tokens-file / PIAO_TOKENS_FILE): one token per line,
//
//   <sha256-hex-of-token> <principal-id> <role1,role2,...>
//
// fields separated by spaces or tabs; the hex digest is 64 hex digits (either case); roles are
// comma-separated without spaces and each must be one of roles::kAll. Lines whose first non-blank character is
// '#' and blank lines are ignored. The file holds only hashes, never tokens: hash a new token with
//   printf %s "$TOKEN" | sha256sum
// Example:
//   # planning office, expires with the 2026 plan cycle
//   9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 user:m.rossi planner
//   60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752 svc:projection service
//
// Clients send the token as gRPC metadata `authorization: Bearer <token>` (client.h: PrepareContext).
//
// In a handler, authorization is one line at the top:
//   PIAO_GRPC_ASSIGN_OR_RETURN(v1::Principal who, authorizer_->Authorize(ctx, "/piao.v1.EventLog/GetHead"));
#ifndef PIAO_LIBS_SERVICE_AUTH_H_
#define PIAO_LIBS_SERVICE_AUTH_H_

#include <grpcpp/server_context.h>

#include <initializer_list>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "piao/v1/event.pb.h"

namespace google::protobuf {
class ServiceDescriptor;
}

namespace piao::service {

// Lower-case hex SHA-256 of a token: the first field of its tokens-file line.
std::string HashToken(absl::string_view token);

// Maps token hashes to principals. Immutable after loading; safe to share between threads.
class TokenAuthenticator {
 public:
  // Reads and parses a tokens file. NOT_FOUND if it cannot be read; INVALID_ARGUMENT naming the file and line
  // for a malformed line, an unknown role or a repeated hash.
  static absl::StatusOr<TokenAuthenticator> Load(const std::string& path);
  // Parses tokens-file text; `source` names it in error messages.
  static absl::StatusOr<TokenAuthenticator> Parse(absl::string_view text, absl::string_view source);

  // The principal of the bearer token in the call's `authorization` metadata. UNAUTHENTICATED if there is
  // none, it is not a Bearer token, or the token is unknown.
  absl::StatusOr<v1::Principal> Authenticate(const grpc::ServerContextBase& ctx) const;
  // The principal holding `token` (the token itself, not its hash); UNAUTHENTICATED if unknown.
  absl::StatusOr<v1::Principal> AuthenticateToken(absl::string_view token) const;

  size_t size() const { return by_hash_.size(); }

 private:
  absl::flat_hash_map<std::string, v1::Principal> by_hash_;  // lower-case hex digest -> principal
};

// Which roles may call which method, by full method name ("/piao.v1.EventLog/ReadEvents"). A method with no
// entry may be called by nobody (deny by default).
class RolePolicy {
 public:
  // Allows `roles` (in addition to any already allowed) to call `full_method`.
  RolePolicy& Allow(absl::string_view full_method, std::initializer_list<absl::string_view> roles);

  // OK if `principal` holds at least one role allowed on `full_method`; otherwise PERMISSION_DENIED naming the
  // method and the roles that would be accepted.
  absl::Status Check(const v1::Principal& principal, absl::string_view full_method) const;

  // Cross-checks the policy against the services a server registers: FAILED_PRECONDITION listing every method
  // of `services` without an entry and every entry that names no method of `services`. Call at start-up so a
  // typo in a method name fails fast instead of denying every call.
  absl::Status CheckCovers(const std::vector<const google::protobuf::ServiceDescriptor*>& services) const;

  // The roles allowed on `full_method` (empty if none).
  std::vector<std::string> AllowedRoles(absl::string_view full_method) const;

 private:
  std::map<std::string, std::set<std::string>, std::less<>> allowed_;
};

// Authentication then authorization: what a handler calls first.
class Authorizer {
 public:
  Authorizer(std::shared_ptr<const TokenAuthenticator> tokens, RolePolicy policy)
      : tokens_(std::move(tokens)), policy_(std::move(policy)) {}

  // The caller's principal if its token is known (else UNAUTHENTICATED) and one of its roles may call
  // `full_method` (else PERMISSION_DENIED).
  absl::StatusOr<v1::Principal> Authorize(const grpc::ServerContextBase& ctx, absl::string_view full_method) const;
  absl::StatusOr<v1::Principal> Authorize(const grpc::ServerContextBase* ctx,
                                          absl::string_view full_method) const {
    return Authorize(*ctx, full_method);
  }

  const RolePolicy& policy() const { return policy_; }
  const TokenAuthenticator& tokens() const { return *tokens_; }

 private:
  std::shared_ptr<const TokenAuthenticator> tokens_;
  RolePolicy policy_;
};

// "/" + service full name + "/" + method, e.g. FullMethodName("piao.v1.EventLog", "GetHead").
std::string FullMethodName(absl::string_view service_full_name, absl::string_view method);

}  // namespace piao::service

#endif  // PIAO_LIBS_SERVICE_AUTH_H_
