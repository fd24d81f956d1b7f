#include "libs/service/auth.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <google/protobuf/descriptor.h>

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "libs/base/log.h"
#include "libs/base/sha256.h"
#include "libs/service/roles.h"

namespace piao::service {
namespace {

bool IsHexDigest(absl::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

absl::Status LineError(absl::string_view source, int line, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("tokens file ", source, " line ", line, ": ", what));
}

}  // namespace

std::string HashToken(absl::string_view token) {
  return ToHex(Sha256({std::string_view(token.data(), token.size())}));
}

absl::StatusOr<TokenAuthenticator> TokenAuthenticator::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read tokens file ", path));
  std::stringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return absl::UnavailableError(absl::StrCat("error reading tokens file ", path));
  return Parse(buf.str(), path);
}

absl::StatusOr<std::vector<TokenEntry>> ParseTokenEntries(absl::string_view text, absl::string_view source) {
  std::vector<TokenEntry> entries;
  std::set<std::string> hashes;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    line = absl::StripAsciiWhitespace(line);  // also drops a trailing '\r'
    if (line.empty() || line.front() == '#') continue;
    std::vector<absl::string_view> fields = absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (fields.size() != 3 && fields.size() != 4) {
      return LineError(source, line_no,
                       absl::StrCat("expected '<sha256-hex> <principal-id> <role1,role2,...> [<administration,...>|*]', got ",
                                    fields.size(), " field(s)"));
    }
    if (!IsHexDigest(fields[0])) {
      return LineError(source, line_no, "first field must be the 64-hex-digit SHA-256 of the token");
    }
    TokenEntry entry;
    entry.line = line_no;
    entry.hash = absl::AsciiStrToLower(fields[0]);
    for (char c : fields[1]) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        return LineError(source, line_no, "principal-id must not contain control characters");
      }
    }
    entry.principal = std::string(fields[1]);
    for (absl::string_view role : absl::StrSplit(fields[2], ',')) {
      if (!roles::IsKnown(role)) {
        return LineError(source, line_no,
                         absl::StrCat("unknown role '", role, "' (known: ", absl::StrJoin(roles::kAll, ","), ")"));
      }
      entry.roles.emplace_back(role);
    }
    if (fields.size() == 3) {
      entry.administrations.emplace_back(kAllAdministrations);  // three fields: as before tenants existed
    } else {
      for (absl::string_view admin : absl::StrSplit(fields[3], ',')) {
        if (admin.empty()) return LineError(source, line_no, "administrations: an empty name (stray comma?)");
        for (char c : admin) {
          if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            return LineError(source, line_no, "administrations: control characters are not allowed");
          }
        }
        if (admin.find('*') != absl::string_view::npos && admin != kAllAdministrations) {
          return LineError(source, line_no, absl::StrCat("administrations: '", admin, "' mixes '*' into a name"));
        }
        entry.administrations.emplace_back(admin);
      }
      if (entry.administrations.size() > 1 &&
          std::find(entry.administrations.begin(), entry.administrations.end(), kAllAdministrations) !=
              entry.administrations.end()) {
        return LineError(source, line_no, "administrations: '*' (every administration) must stand alone");
      }
    }
    if (!hashes.insert(entry.hash).second) {
      return LineError(source, line_no, "the same token hash appears on an earlier line");
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::string FormatTokenEntry(const TokenEntry& entry) {
  return absl::StrCat(entry.hash, " ", entry.principal, " ", absl::StrJoin(entry.roles, ","), " ",
                      entry.administrations.empty() ? std::string(kAllAdministrations)
                                                    : absl::StrJoin(entry.administrations, ","));
}

absl::StatusOr<TokenAuthenticator> TokenAuthenticator::Parse(absl::string_view text, absl::string_view source) {
  absl::StatusOr<std::vector<TokenEntry>> entries = ParseTokenEntries(text, source);
  if (!entries.ok()) return entries.status();
  TokenAuthenticator auth;
  for (TokenEntry& e : *entries) {
    v1::Principal principal;
    principal.set_id(std::move(e.principal));
    for (std::string& r : e.roles) principal.add_roles(std::move(r));
    for (std::string& a : e.administrations) principal.add_administrations(std::move(a));
    auth.by_hash_.emplace(std::move(e.hash), std::move(principal));
  }
  return auth;
}

bool CoversAllAdministrations(const v1::Principal& principal) {
  for (const std::string& a : principal.administrations()) {
    if (a == kAllAdministrations) return true;
  }
  return false;
}

bool CoversAdministration(const v1::Principal& principal, absl::string_view administration) {
  for (const std::string& a : principal.administrations()) {
    if (a == kAllAdministrations || a == administration) return true;
  }
  return false;
}

absl::Status CheckAdministration(const v1::Principal& principal, absl::string_view administration) {
  if (administration.empty()) {
    if (CoversAllAdministrations(principal)) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat("administration: required; ", principal.id(),
                                                   " may act only on ", absl::StrJoin(principal.administrations(), ", ")));
  }
  if (CoversAdministration(principal, administration)) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      principal.id(), " may not act on administration '", administration, "': granted ",
      principal.administrations().empty() ? std::string("no administration")
                                          : absl::StrJoin(principal.administrations(), ", ")));
}

absl::StatusOr<std::string> ScopeAdministration(const v1::Principal& principal, absl::string_view requested) {
  if (!requested.empty() || CoversAllAdministrations(principal)) {
    if (absl::Status s = CheckAdministration(principal, requested); !s.ok()) return s;
    return std::string(requested);
  }
  if (principal.administrations_size() == 1) return principal.administrations(0);
  return CheckAdministration(principal, requested);  // INVALID_ARGUMENT asking to name one
}

absl::StatusOr<v1::Principal> TokenAuthenticator::AuthenticateToken(absl::string_view token) const {
  auto it = by_hash_.find(HashToken(token));
  if (it == by_hash_.end()) return absl::UnauthenticatedError("unknown bearer token");
  return it->second;
}

absl::StatusOr<v1::Principal> TokenAuthenticator::Authenticate(const grpc::ServerContextBase& ctx) const {
  const auto& md = ctx.client_metadata();
  auto it = md.find("authorization");
  if (it == md.end()) {
    return absl::UnauthenticatedError("missing bearer token: send metadata 'authorization: Bearer <token>'");
  }
  absl::string_view value(it->second.data(), it->second.size());
  constexpr absl::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() || !absl::StartsWithIgnoreCase(value, kScheme)) {
    return absl::UnauthenticatedError("authorization metadata is not 'Bearer <token>'");
  }
  absl::string_view token = absl::StripAsciiWhitespace(value.substr(kScheme.size()));
  if (token.empty()) return absl::UnauthenticatedError("empty bearer token");
  return AuthenticateToken(token);
}

RolePolicy& RolePolicy::Allow(absl::string_view full_method, std::initializer_list<absl::string_view> roles) {
  auto& set = allowed_[std::string(full_method)];
  for (absl::string_view r : roles) set.emplace(r);
  return *this;
}

std::vector<std::string> RolePolicy::AllowedRoles(absl::string_view full_method) const {
  auto it = allowed_.find(full_method);
  if (it == allowed_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

absl::Status RolePolicy::Check(const v1::Principal& principal, absl::string_view full_method) const {
  auto it = allowed_.find(full_method);
  if (it == allowed_.end() || it->second.empty()) {
    return absl::PermissionDeniedError(absl::StrCat("no role may call ", full_method));
  }
  for (const std::string& role : principal.roles()) {
    if (it->second.contains(role)) return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat(principal.id(), " may not call ", full_method,
                                                  ": requires one of the roles ", absl::StrJoin(it->second, ", "),
                                                  " (holds: ", absl::StrJoin(principal.roles(), ", "), ")"));
}

absl::Status RolePolicy::CheckCovers(
    const std::vector<const google::protobuf::ServiceDescriptor*>& services) const {
  std::set<std::string> methods;
  for (const auto* s : services) {
    for (int i = 0; i < s->method_count(); ++i) methods.insert(FullMethodName(s->full_name(), s->method(i)->name()));
  }
  std::vector<std::string> uncovered, unknown;
  for (const std::string& m : methods) {
    if (!allowed_.contains(m)) uncovered.push_back(m);
  }
  for (const auto& [m, roles] : allowed_) {
    if (!methods.contains(m)) unknown.push_back(m);
  }
  if (uncovered.empty() && unknown.empty()) return absl::OkStatus();
  std::string msg = "role policy does not match the served methods:";
  if (!uncovered.empty()) absl::StrAppend(&msg, " no roles for ", absl::StrJoin(uncovered, ", "), ";");
  if (!unknown.empty()) absl::StrAppend(&msg, " policy names unknown methods ", absl::StrJoin(unknown, ", "), ";");
  msg.pop_back();
  return absl::FailedPreconditionError(msg);
}

Authorizer::Authorizer(std::shared_ptr<const TokenAuthenticator> tokens, RolePolicy policy)
    : policy_(std::move(policy)) {
  class Fixed : public TokenSource {
   public:
    explicit Fixed(std::shared_ptr<const TokenAuthenticator> t) : t_(std::move(t)) {}
    std::shared_ptr<const TokenAuthenticator> Current() override { return t_; }

   private:
    std::shared_ptr<const TokenAuthenticator> t_;
  };
  tokens_ = std::make_shared<Fixed>(std::move(tokens));
}

absl::StatusOr<v1::Principal> Authorizer::Authorize(const grpc::ServerContextBase& ctx,
                                                    absl::string_view full_method) const {
  absl::StatusOr<v1::Principal> principal = tokens_->Current()->Authenticate(ctx);
  if (!principal.ok()) return principal.status();
  if (absl::Status s = policy_.Check(*principal, full_method); !s.ok()) return s;
  return principal;
}

absl::StatusOr<v1::Principal> Authorizer::Authorize(const grpc::ServerContextBase& ctx,
                                                    absl::string_view full_method,
                                                    absl::string_view administration) const {
  absl::StatusOr<v1::Principal> principal = Authorize(ctx, full_method);
  if (!principal.ok()) return principal.status();
  if (absl::Status s = CheckAdministration(*principal, administration); !s.ok()) return s;
  return principal;
}

absl::StatusOr<v1::Principal> Authorizer::AuthorizeAllAdministrations(const grpc::ServerContextBase& ctx,
                                                                      absl::string_view full_method) const {
  absl::StatusOr<v1::Principal> principal = Authorize(ctx, full_method);
  if (!principal.ok()) return principal.status();
  if (!CoversAllAdministrations(*principal)) {
    return absl::PermissionDeniedError(absl::StrCat(
        principal->id(), " may not call ", full_method,
        ": its answer spans every administration and the token is granted only ",
        absl::StrJoin(principal->administrations(), ", ")));
  }
  return principal;
}

absl::StatusOr<std::shared_ptr<ReloadingTokenFile>> ReloadingTokenFile::Open(std::string path, Clock* clock,
                                                                             absl::Duration check_every) {
  std::shared_ptr<ReloadingTokenFile> f(new ReloadingTokenFile(std::move(path), clock, check_every));
  absl::MutexLock l(&f->mu_);
  if (absl::Status s = f->CheckLocked(); !s.ok()) return s;
  return f;
}

absl::Status ReloadingTokenFile::CheckLocked() {
  last_check_ = clock_->Now();
  struct stat st;
  Signature sig;
  int stat_errno = 0;
  if (::stat(path_.c_str(), &st) == 0) {
    sig.device = st.st_dev;
    sig.inode = st.st_ino;
    sig.size = static_cast<uint64_t>(st.st_size);
    sig.mtime_ns = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
    sig.ctime_ns = int64_t{st.st_ctim.tv_sec} * 1000000000 + st.st_ctim.tv_nsec;
  } else {
    stat_errno = errno;
  }
  if (current_ != nullptr && sig == loaded_) return absl::OkStatus();
  if (current_ != nullptr && rejected_.has_value() && sig == *rejected_) return rejected_error_;  // refused already: not re-read
  absl::Status error;
  if (stat_errno != 0) {
    error = absl::NotFoundError(absl::StrCat("cannot read tokens file ", path_, ": ", std::strerror(stat_errno)));
  } else {
    absl::StatusOr<TokenAuthenticator> loaded = TokenAuthenticator::Load(path_);
    if (loaded.ok()) {
      const bool initial = current_ == nullptr;
      current_ = std::make_shared<const TokenAuthenticator>(std::move(*loaded));
      loaded_ = sig;
      rejected_.reset();
      if (!initial) {
        ++reloads_;
        log::Info("tokens file reloaded", {{"file", path_}, {"tokens", std::to_string(current_->size())}});
      }
      return absl::OkStatus();
    }
    error = loaded.status();
  }
  if (current_ != nullptr) {
    rejected_ = sig;
    rejected_error_ = error;
    log::Error("tokens file not reloaded; the previous tokens stay in force", {{"error", error.ToString()}});
  }
  return error;
}

std::shared_ptr<const TokenAuthenticator> ReloadingTokenFile::Current() {
  absl::MutexLock l(&mu_);
  if (clock_->Now() - last_check_ >= check_every_) CheckLocked().IgnoreError();
  return current_;
}

absl::Status ReloadingTokenFile::CheckNow() {
  absl::MutexLock l(&mu_);
  return CheckLocked();
}

int ReloadingTokenFile::reloads() const {
  absl::MutexLock l(&mu_);
  return reloads_;
}

std::string FullMethodName(absl::string_view service_full_name, absl::string_view method) {
  return absl::StrCat("/", service_full_name, "/", method);
}

}  // namespace piao::service
