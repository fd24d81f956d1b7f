// Sessions of the web workspace (piao-web): kept in memory, bounded and expiring. A session holds the
// signed-in user's own bearer token (the web component has none of its own) and the CSRF token every form of
// that session carries. A session without a bearer token is the anonymous pre-session of the sign-in form
// (its CSRF token protects the sign-in POST); signing in replaces it with a new id (no fixation).
#ifndef PIAO_SERVICES_WEB_SESSION_H_
#define PIAO_SERVICES_WEB_SESSION_H_

#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/base/clock.h"

namespace piao::web {

// 256 random bits from the kernel's CSPRNG (getrandom), as 64 hex digits.
absl::StatusOr<std::string> RandomHex256();

struct Session {
  std::string token;      // the user's bearer token; "" for the sign-in pre-session
  std::string principal;  // shown in the header ("" when unknown)
  std::string csrf;       // the per-session CSRF token of every form
  absl::Time created;
  absl::Time last_seen;
};

class SessionStore {
 public:
  struct Options {
    size_t max_sessions = 1000;               // the oldest-seen session is dropped beyond it
    absl::Duration idle = absl::Minutes(30);  // unused that long: expired
    absl::Duration lifetime = absl::Hours(8); // since creation: expired, whatever the use
    Clock* clock = Clock::Real();
    std::function<absl::StatusOr<std::string>()> random = RandomHex256;
  };
  explicit SessionStore(Options options);

  // A new session with `token` (may be empty); returns its id. UNAVAILABLE when no random bytes.
  absl::StatusOr<std::string> Create(std::string token, std::string principal);
  // The live session `id`, its last use moved to now; nullopt when unknown or expired (then removed).
  std::optional<Session> Find(const std::string& id);
  void Remove(const std::string& id);
  size_t size();

 private:
  void DropExpiredLocked(absl::Time now);
  bool ExpiredLocked(const Session& s, absl::Time now) const;

  Options options_;
  std::mutex mu_;
  std::map<std::string, Session> sessions_;
};

// Constant-time equality of two tokens (CRYPTO_memcmp); false when either is empty or lengths differ.
bool TokensEqual(absl::string_view expected, absl::string_view got);

// The value of cookie `name` in a Cookie header ("" when absent).
std::string CookieValue(absl::string_view cookie_header, absl::string_view name);

// The Set-Cookie value of a session cookie: HttpOnly, SameSite=Strict, Path=/, and Secure under TLS. An empty
// id clears the cookie (Max-Age=0).
std::string SessionCookie(absl::string_view name, absl::string_view id, bool secure);

}  // namespace piao::web

#endif  // PIAO_SERVICES_WEB_SESSION_H_
