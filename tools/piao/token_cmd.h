// `piao token issue|revoke|list`: bearer tokens in DIR/tokens, the file every service of the stack reads and
// re-reads when it changes (libs/service/auth.h: format, ReloadingTokenFile), so a token works, or stops
// working, within a second or two, without restarting anything.
//
//   piao token issue --principal P --roles R1,R2 [--administration A[,B...]|*] [--data DIR]
//       prints the new token alone on stdout (256 random bits, hex); only its SHA-256 is stored. Without
//       --administration the roles apply to every administration (`*`).
//   piao token revoke --principal P [--data DIR]      removes every token of P (NOT_FOUND if it has none)
//   piao token list [--json] [--data DIR]             principal, roles, administrations; never a hash
//       --json: {"tokens":[{"principal":"user:m.rossi","roles":["planner"],"administrations":["CCIAA-TO"]}]}
//
// A bad principal, an unknown role or a bad administration is INVALID_ARGUMENT and nothing is written. The file
// is rewritten whole, under an exclusive lock (DIR/tokens.lock), through a temporary file created 0600,
// fsynced and renamed over it.
#ifndef PIAO_TOOLS_PIAO_TOKEN_CMD_H_
#define PIAO_TOOLS_PIAO_TOKEN_CMD_H_

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/service/auth.h"

namespace piao::cli {

// INVALID_ARGUMENT naming --principal unless 1-128 characters of A-Z a-z 0-9 . _ : @ + - (e.g. "user:m.rossi").
absl::Status ValidatePrincipalId(absl::string_view principal);
// The roles of --roles "planner,oiv": each known (roles::kAll), none repeated, at least one.
absl::StatusOr<std::vector<std::string>> ParseRolesFlag(absl::string_view csv);
// The administrations of --administration: "" or "*" = {"*"}; else comma-separated names, each 1-128 bytes
// without whitespace, control characters, ',' or '*'.
absl::StatusOr<std::vector<std::string>> ParseAdministrationsFlag(absl::string_view value);

// Tokens-file text with `entry`'s line appended; the result is parsed whole first (a malformed file is
// refused rather than rewritten).
absl::StatusOr<std::string> AddTokenLine(absl::string_view text, const service::TokenEntry& entry);
// Tokens-file text without the lines of `principal` (comments and other lines kept verbatim); `removed` gets
// how many went.
absl::StatusOr<std::string> RemovePrincipalLines(absl::string_view text, absl::string_view principal, int* removed);

// `piao token list` in both forms.
nlohmann::json TokenListJson(const std::vector<service::TokenEntry>& entries);
std::string TokenListText(const std::vector<service::TokenEntry>& entries);

// A new random token: 32 bytes from getrandom(2), as 64 lower-case hex digits.
absl::StatusOr<std::string> NewRandomToken();

// Writes a secret file: a temporary file created 0600 (mkstemp) in the same directory, written, fsynced,
// renamed over `path`, then the directory fsynced.
absl::Status WriteSecretFile(const std::string& path, const std::string& content);

// Runs `fn` holding an exclusive flock on DIR/tokens.lock, so concurrent commands never lose a line.
absl::Status WithTokensLock(const std::string& data_dir, const std::function<absl::Status()>& fn);

// The file operations (data_dir = the stack's directory; its tokens file is data_dir/tokens).
absl::StatusOr<std::string> IssueToken(const std::string& data_dir, const std::string& principal,
                                       const std::vector<std::string>& roles,
                                       const std::vector<std::string>& administrations);
absl::StatusOr<int> RevokeTokens(const std::string& data_dir, const std::string& principal);
absl::StatusOr<std::vector<service::TokenEntry>> ListTokens(const std::string& data_dir);

// `piao token issue|revoke|list` (their flags are parsed by tools/piao/cli_app.h).
struct TokenOptions {
  std::string data_dir;
  std::string principal;       // issue, revoke
  std::string roles;           // issue: comma-separated (ParseRolesFlag)
  std::string administration;  // issue: comma-separated, "*" or "" = every administration (ParseAdministrationsFlag)
  bool json = false;           // revoke, list
};
// Prints the new token alone on stdout, and what it grants on stderr.
absl::Status RunTokenIssue(const TokenOptions& o);
absl::Status RunTokenRevoke(const TokenOptions& o);
absl::Status RunTokenList(const TokenOptions& o);

}  // namespace piao::cli

#endif  // PIAO_TOOLS_PIAO_TOKEN_CMD_H_
