#include "tools/piao/token_cmd.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <set>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "libs/base/process.h"
#include "libs/base/sha256.h"
#include "libs/base/status_macros.h"
#include "libs/service/roles.h"
#include "tools/piao/stack.h"

namespace piao::cli {
namespace fs = std::filesystem;

namespace {

std::string TokensPath(const std::string& dir) { return (fs::path(dir) / "tokens").string(); }

absl::StatusOr<std::string> ReadTokensText(const std::string& dir) {
  const std::string path = TokensPath(dir);
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::string();  // a new stack: no tokens yet
  return ReadFile(path);
}

absl::Status Errno(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

}  // namespace

absl::Status ValidatePrincipalId(absl::string_view principal) {
  if (principal.empty() || principal.size() > 128) {
    return absl::InvalidArgumentError("--principal: 1 to 128 characters are required (e.g. user:m.rossi)");
  }
  for (char c : principal) {
    const bool ok = absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' ||
                    c == '@' || c == '+' || c == '-';
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--principal: only letters, digits and . _ : @ + - are allowed (e.g. user:m.rossi); got '",
          absl::CHexEscape(principal), "'"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> ParseRolesFlag(absl::string_view csv) {
  if (csv.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--roles: at least one role is required (", absl::StrJoin(service::roles::kAll, ","), ")"));
  }
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (absl::string_view r : absl::StrSplit(csv, ',')) {
    if (!service::roles::IsKnown(r)) {
      return absl::InvalidArgumentError(absl::StrCat("--roles: unknown role '", absl::CHexEscape(r),
                                                     "' (known: ", absl::StrJoin(service::roles::kAll, ","), ")"));
    }
    if (!seen.emplace(r).second) {
      return absl::InvalidArgumentError(absl::StrCat("--roles: role '", r, "' is named twice"));
    }
    out.emplace_back(r);
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> ParseAdministrationsFlag(absl::string_view value) {
  if (value.empty() || value == service::kAllAdministrations) {
    return std::vector<std::string>{std::string(service::kAllAdministrations)};
  }
  std::vector<std::string> out;
  for (absl::string_view a : absl::StrSplit(value, ',')) {
    if (a.empty() || a.size() > 128) {
      return absl::InvalidArgumentError("--administration: each name must have 1 to 128 bytes (no empty names)");
    }
    for (char c : a) {
      const unsigned char u = static_cast<unsigned char>(c);
      if (u <= 0x20 || u == 0x7f || c == '*' || c == ',') {
        return absl::InvalidArgumentError(absl::StrCat(
            "--administration: '", absl::CHexEscape(a),
            "' contains a space, a control character or '*' (use --administration '*' alone for every one)"));
      }
    }
    out.emplace_back(a);
  }
  return out;
}

absl::StatusOr<std::string> AddTokenLine(absl::string_view text, const service::TokenEntry& entry) {
  PIAO_RETURN_IF_ERROR(service::ParseTokenEntries(text, "tokens").status());
  std::string out(text);
  if (!out.empty() && out.back() != '\n') out.push_back('\n');
  absl::StrAppend(&out, service::FormatTokenEntry(entry), "\n");
  PIAO_RETURN_IF_ERROR(service::ParseTokenEntries(out, "tokens").status());
  return out;
}

absl::StatusOr<std::string> RemovePrincipalLines(absl::string_view text, absl::string_view principal, int* removed) {
  PIAO_RETURN_IF_ERROR(service::ParseTokenEntries(text, "tokens").status());
  *removed = 0;
  std::string out;
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    absl::string_view line = lines[i];
    absl::string_view stripped = absl::StripAsciiWhitespace(line);
    if (!stripped.empty() && stripped.front() != '#') {
      std::vector<absl::string_view> fields = absl::StrSplit(stripped, absl::ByAnyChar(" \t"), absl::SkipEmpty());
      if (fields.size() >= 2 && fields[1] == principal) {
        ++*removed;
        continue;
      }
    }
    out.append(line.data(), line.size());
    if (i + 1 < lines.size()) out.push_back('\n');
  }
  return out;
}

nlohmann::json TokenListJson(const std::vector<service::TokenEntry>& entries) {
  nlohmann::json tokens = nlohmann::json::array();
  for (const service::TokenEntry& e : entries) {
    tokens.push_back({{"principal", e.principal}, {"roles", e.roles}, {"administrations", e.administrations}});
  }
  return {{"tokens", tokens}};
}

std::string TokenListText(const std::vector<service::TokenEntry>& entries) {
  size_t width = std::string("principal").size();
  for (const auto& e : entries) width = std::max(width, e.principal.size());
  std::string out = absl::StrCat("principal", std::string(width - 9 + 2, ' '), "roles | administrations\n");
  for (const auto& e : entries) {
    absl::StrAppend(&out, e.principal, std::string(width - e.principal.size() + 2, ' '), absl::StrJoin(e.roles, ","),
                    " | ", absl::StrJoin(e.administrations, ","), "\n");
  }
  if (entries.empty()) out += "(no tokens)\n";
  return out;
}

absl::StatusOr<std::string> NewRandomToken() {
  unsigned char raw[32];
  size_t got = 0;
  while (got < sizeof raw) {
    ssize_t n = ::getrandom(raw + got, sizeof raw - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::UnavailableError(absl::StrCat("getrandom: ", std::strerror(errno)));
    got += static_cast<size_t>(n);
  }
  return ToHex(std::string(reinterpret_cast<const char*>(raw), sizeof raw));
}

absl::Status WriteSecretFile(const std::string& path, const std::string& content) {
  const fs::path target(path);
  std::string tmpl = (target.parent_path() / (target.filename().string() + ".tmp.XXXXXX")).string();
  const int fd = ::mkstemp(tmpl.data());  // created 0600: never readable by others, not even briefly
  if (fd < 0) return Errno("cannot create a temporary file for", path);
  size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      absl::Status s = Errno("cannot write", tmpl);
      ::close(fd);
      ::unlink(tmpl.c_str());
      return s;
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    absl::Status s = Errno("cannot fsync", tmpl);
    ::close(fd);
    ::unlink(tmpl.c_str());
    return s;
  }
  ::close(fd);
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    absl::Status s = Errno("cannot rename into", path);
    ::unlink(tmpl.c_str());
    return s;
  }
  const std::string dir = target.parent_path().empty() ? "." : target.parent_path().string();
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    const int rc = ::fsync(dfd);
    ::close(dfd);
    if (rc != 0) return Errno("cannot fsync directory", dir);
  }
  return absl::OkStatus();
}

absl::Status WithTokensLock(const std::string& data_dir, const std::function<absl::Status()>& fn) {
  std::error_code ec;
  fs::create_directories(data_dir, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", data_dir, ": ", ec.message()));
  const std::string lock_path = (fs::path(data_dir) / "tokens.lock").string();
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("cannot open", lock_path);
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno != EINTR) {
      absl::Status s = Errno("cannot lock", lock_path);
      ::close(fd);
      return s;
    }
  }
  absl::Status s = fn();
  ::close(fd);  // releases the lock
  return s;
}

absl::StatusOr<std::string> IssueToken(const std::string& data_dir, const std::string& principal,
                                       const std::vector<std::string>& roles,
                                       const std::vector<std::string>& administrations) {
  PIAO_RETURN_IF_ERROR(ValidatePrincipalId(principal));
  PIAO_ASSIGN_OR_RETURN(std::string token, NewRandomToken());
  service::TokenEntry entry;
  entry.hash = service::HashToken(token);
  entry.principal = principal;
  entry.roles = roles;
  entry.administrations = administrations;
  PIAO_RETURN_IF_ERROR(WithTokensLock(data_dir, [&]() -> absl::Status {
    PIAO_ASSIGN_OR_RETURN(std::string text, ReadTokensText(data_dir));
    PIAO_ASSIGN_OR_RETURN(std::string updated, AddTokenLine(text, entry));
    return WriteSecretFile(TokensPath(data_dir), updated);
  }));
  return token;
}

absl::StatusOr<int> RevokeTokens(const std::string& data_dir, const std::string& principal) {
  PIAO_RETURN_IF_ERROR(ValidatePrincipalId(principal));
  int removed = 0;
  PIAO_RETURN_IF_ERROR(WithTokensLock(data_dir, [&]() -> absl::Status {
    PIAO_ASSIGN_OR_RETURN(std::string text, ReadTokensText(data_dir));
    PIAO_ASSIGN_OR_RETURN(std::string updated, RemovePrincipalLines(text, principal, &removed));
    if (removed == 0) {
      return absl::NotFoundError(absl::StrCat("no token of principal ", principal, " in ", TokensPath(data_dir)));
    }
    return WriteSecretFile(TokensPath(data_dir), updated);
  }));
  return removed;
}

absl::StatusOr<std::vector<service::TokenEntry>> ListTokens(const std::string& data_dir) {
  PIAO_ASSIGN_OR_RETURN(std::string text, ReadTokensText(data_dir));
  return service::ParseTokenEntries(text, TokensPath(data_dir));
}

absl::Status RunTokenIssue(const TokenOptions& o) {
  PIAO_RETURN_IF_ERROR(ValidatePrincipalId(o.principal));
  PIAO_ASSIGN_OR_RETURN(std::vector<std::string> roles, ParseRolesFlag(o.roles));
  PIAO_ASSIGN_OR_RETURN(std::vector<std::string> admins, ParseAdministrationsFlag(o.administration));
  PIAO_ASSIGN_OR_RETURN(std::string token, IssueToken(o.data_dir, o.principal, roles, admins));
  std::printf("%s\n", token.c_str());
  std::fprintf(stderr, "piao: issued a token for %s: roles %s on %s (running services accept it within seconds)\n",
               o.principal.c_str(), absl::StrJoin(roles, ",").c_str(),
               admins == std::vector<std::string>{"*"} ? "every administration" : absl::StrJoin(admins, ",").c_str());
  return absl::OkStatus();
}

absl::Status RunTokenRevoke(const TokenOptions& o) {
  PIAO_ASSIGN_OR_RETURN(int removed, RevokeTokens(o.data_dir, o.principal));
  if (o.json) {
    std::printf("%s\n", nlohmann::json{{"principal", o.principal}, {"revoked", removed}}.dump().c_str());
  } else {
    std::printf("revoked %d token(s) of %s\n", removed, o.principal.c_str());
  }
  return absl::OkStatus();
}

absl::Status RunTokenList(const TokenOptions& o) {
  PIAO_ASSIGN_OR_RETURN(std::vector<service::TokenEntry> entries, ListTokens(o.data_dir));
  if (o.json) {
    std::printf("%s\n", TokenListJson(entries).dump().c_str());
  } else {
    std::fputs(TokenListText(entries).c_str(), stdout);
  }
  return absl::OkStatus();
}

}  // namespace piao::cli
