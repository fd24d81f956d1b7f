// Bearer-token authentication, per-method role authorization and per-administration grants for every gRPC
// service.
//
// Tokens file (--tokens-file / PIAO_TOKENS_FILE): one token per line,
//
//   <sha256-hex-of-token> <principal-id> <role1,role2,...> [<administration1,administration2,...> | *]
//
// fields separated by spaces or tabs; the hex digest is 64 hex digits (either case); roles are
// comma-separated without spaces and each must be one of roles::kAll. The optional fourth field says on which
// administrations (tenants, e.g. CCIAA-TO) the roles apply: a comma-separated list, or `*` for every
// administration. A line with only three fields grants its roles on every administration (`*`), as before
// administrations existed; write the fourth field to grant less. Lines whose first non-blank character is
// '#' and blank lines are ignored. The file holds only hashes, never tokens: `piao token issue` writes it
// (or hash a new token with `printf %s "$TOKEN" | sha256sum`).
// Example:
//   # planning office of Torino, expires with the 2026 plan cycle
//   9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 user:m.rossi planner CCIAA-TO
//   60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752 svc:projection service *
//
// Clients send the token as gRPC metadata `authorization: Bearer <token>` (client.h: PrepareContext).
//
// In a handler, authorization is one line at the top. A method about one administration passes it, so a
// principal granted other administrations only gets PERMISSION_DENIED naming it:
//   PIAO_GRPC_ASSIGN_OR_RETURN(v1::Principal who,
//                              authorizer_->Authorize(ctx, "/piao.v1.Planning/CreatePlan", request->administration()));
// A method spanning every administration (EventLog.ReadEvents, VerifyChain) uses AuthorizeAllAdministrations.
// Running services see issued and revoked tokens without a restart through ReloadingTokenFile.
#ifndef PIAO_LIBS_SERVICE_AUTH_H_
#define PIAO_LIBS_SERVICE_AUTH_H_

#include <grpcpp/server_context.h>

#include <initializer_list>
#include <map>
#include <optional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/base/clock.h"
#include "piao/v1/event.pb.h"

namespace google::protobuf {
class ServiceDescriptor;
}

namespace piao::service {

// Lower-case hex SHA-256 of a token: the first field of its tokens-file line.
std::string HashToken(absl::string_view token);

// The administrations entry granting every administration.
inline constexpr absl::string_view kAllAdministrations = "*";

// One line of a tokens file.
struct TokenEntry {
  std::string hash;                          // lower-case hex SHA-256 of the token
  std::string principal;                     // "user:m.rossi"
  std::vector<std::string> roles;            // each in roles::kAll
  std::vector<std::string> administrations;  // {"*"} = every administration
  int line = 0;                              // 1-based line in the file (0 when not from a file)
};

// Parses tokens-file text into its entries, in file order; `source` names it in error messages.
// INVALID_ARGUMENT naming the source and line for a malformed line, an unknown role, a bad administrations
// field or a repeated hash.
absl::StatusOr<std::vector<TokenEntry>> ParseTokenEntries(absl::string_view text, absl::string_view source);
// The tokens-file line of `entry` (no newline); the administrations field is always written.
std::string FormatTokenEntry(const TokenEntry& entry);

// Whether `principal` was granted `administration` (or every administration).
bool CoversAdministration(const v1::Principal& principal, absl::string_view administration);
bool CoversAllAdministrations(const v1::Principal& principal);
// OK if `principal` may act on `administration`; PERMISSION_DENIED naming the administration and the grant
// otherwise. An empty administration is OK only for a principal granted every administration (requests
// without one are refused later as INVALID_ARGUMENT, or resolved by the query); for anyone else it is
// INVALID_ARGUMENT asking to name one.
absl::Status CheckAdministration(const v1::Principal& principal, absl::string_view administration);
// The administration a query is about. A named one must be covered (else PERMISSION_DENIED as above). When
// none is named: "" for a principal granted every administration (the query resolves it as before), the
// principal's only administration when it holds exactly one, otherwise INVALID_ARGUMENT listing its grant.
absl::StatusOr<std::string> ScopeAdministration(const v1::Principal& principal, absl::string_view requested);

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

// Where an Authorizer gets the tokens it checks against: fixed, or a file re-read when it changes.
class TokenSource {
 public:
  virtual ~TokenSource() = default;
  // The tokens in force now (never null).
  virtual std::shared_ptr<const TokenAuthenticator> Current() = 0;
};

// The tokens of a tokens file, re-read when the file changes (inode, size or modification time), checked at
// most once per `check_every` when a call needs the tokens. A file that became unreadable or malformed keeps
// the tokens in force and logs an error once per change, so a bad edit never locks everyone out (nor lets a
// revoked token back in: revocation is a well-formed file without the line). Thread-safe.
class ReloadingTokenFile : public TokenSource {
 public:
  // Loads the file now: its errors as TokenAuthenticator::Load's.
  static absl::StatusOr<std::shared_ptr<ReloadingTokenFile>> Open(std::string path, Clock* clock = Clock::Real(),
                                                                  absl::Duration check_every = absl::Seconds(1));

  std::shared_ptr<const TokenAuthenticator> Current() override;
  // Checks the file now, whatever the interval. OK when unchanged or reloaded; otherwise the error that kept
  // the previous tokens.
  absl::Status CheckNow();
  // How many times new tokens were loaded after Open.
  int reloads() const;

 private:
  struct Signature {
    uint64_t device = 0, inode = 0, size = 0;
    int64_t mtime_ns = 0, ctime_ns = 0;
    bool operator==(const Signature&) const = default;
  };
  ReloadingTokenFile(std::string path, Clock* clock, absl::Duration check_every)
      : path_(std::move(path)), clock_(clock), check_every_(check_every) {}
  absl::Status CheckLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  Clock* const clock_;
  const absl::Duration check_every_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const TokenAuthenticator> current_ ABSL_GUARDED_BY(mu_);
  Signature loaded_ ABSL_GUARDED_BY(mu_);     // of the file current_ came from
  std::optional<Signature> rejected_ ABSL_GUARDED_BY(mu_);  // of the last file refused (logged once, not re-read)
  absl::Status rejected_error_ ABSL_GUARDED_BY(mu_);
  absl::Time last_check_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int reloads_ ABSL_GUARDED_BY(mu_) = 0;
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
  // Fixed tokens (tests, tools).
  Authorizer(std::shared_ptr<const TokenAuthenticator> tokens, RolePolicy policy);
  // Tokens from a source, e.g. a ReloadingTokenFile (services).
  Authorizer(std::shared_ptr<TokenSource> tokens, RolePolicy policy)
      : tokens_(std::move(tokens)), policy_(std::move(policy)) {}

  // The caller's principal if its token is known (else UNAUTHENTICATED) and one of its roles may call
  // `full_method` (else PERMISSION_DENIED).
  absl::StatusOr<v1::Principal> Authorize(const grpc::ServerContextBase& ctx, absl::string_view full_method) const;
  absl::StatusOr<v1::Principal> Authorize(const grpc::ServerContextBase* ctx,
                                          absl::string_view full_method) const {
    return Authorize(*ctx, full_method);
  }
  // As above, and the principal's grant covers `administration` (CheckAdministration): what every method
  // about one administration calls.
  absl::StatusOr<v1::Principal> Authorize(const grpc::ServerContextBase& ctx, absl::string_view full_method,
                                          absl::string_view administration) const;
  absl::StatusOr<v1::Principal> Authorize(const grpc::ServerContextBase* ctx, absl::string_view full_method,
                                          absl::string_view administration) const {
    return Authorize(*ctx, full_method, administration);
  }
  // As Authorize(ctx, method), and the principal is granted every administration (PERMISSION_DENIED
  // otherwise): for methods whose answer spans administrations (EventLog.ReadEvents, VerifyChain).
  absl::StatusOr<v1::Principal> AuthorizeAllAdministrations(const grpc::ServerContextBase& ctx,
                                                            absl::string_view full_method) const;

  const RolePolicy& policy() const { return policy_; }
  std::shared_ptr<const TokenAuthenticator> tokens() const { return tokens_->Current(); }

 private:
  std::shared_ptr<TokenSource> tokens_;
  RolePolicy policy_;
};

// "/" + service full name + "/" + method, e.g. FullMethodName("piao.v1.EventLog", "GetHead").
std::string FullMethodName(absl::string_view service_full_name, absl::string_view method);

}  // namespace piao::service

#endif  // PIAO_LIBS_SERVICE_AUTH_H_
