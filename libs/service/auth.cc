#include "libs/service/auth.h"

#include <fstream>
#include <sstream>

#include <google/protobuf/descriptor.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
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

absl::StatusOr<TokenAuthenticator> TokenAuthenticator::Parse(absl::string_view text, absl::string_view source) {
  TokenAuthenticator auth;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    line = absl::StripAsciiWhitespace(line);  // also drops a trailing '\r'
    if (line.empty() || line.front() == '#') continue;
    std::vector<absl::string_view> fields = absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (fields.size() != 3) {
      return LineError(source, line_no,
                       absl::StrCat("expected '<sha256-hex> <principal-id> <role1,role2,...>', got ",
                                    fields.size(), " field(s)"));
    }
    if (!IsHexDigest(fields[0])) {
      return LineError(source, line_no, "first field must be the 64-hex-digit SHA-256 of the token");
    }
    std::string hash = absl::AsciiStrToLower(fields[0]);
    v1::Principal principal;
    principal.set_id(std::string(fields[1]));
    for (absl::string_view role : absl::StrSplit(fields[2], ',')) {
      if (!roles::IsKnown(role)) {
        return LineError(source, line_no,
                         absl::StrCat("unknown role '", role, "' (known: ", absl::StrJoin(roles::kAll, ","), ")"));
      }
      principal.add_roles(std::string(role));
    }
    if (!auth.by_hash_.emplace(hash, std::move(principal)).second) {
      return LineError(source, line_no, "the same token hash appears on an earlier line");
    }
  }
  return auth;
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

absl::StatusOr<v1::Principal> Authorizer::Authorize(const grpc::ServerContextBase& ctx,
                                                    absl::string_view full_method) const {
  absl::StatusOr<v1::Principal> principal = tokens_->Authenticate(ctx);
  if (!principal.ok()) return principal.status();
  if (absl::Status s = policy_.Check(*principal, full_method); !s.ok()) return s;
  return principal;
}

std::string FullMethodName(absl::string_view service_full_name, absl::string_view method) {
  return absl::StrCat("/", service_full_name, "/", method);
}

}  // namespace piao::service
