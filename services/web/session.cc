#include "services/web/session.h"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <openssl/crypto.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace piao::web {

absl::StatusOr<std::string> RandomHex256() {
  unsigned char raw[32];
  size_t got = 0;
  while (got < sizeof raw) {
    ssize_t n = ::getrandom(raw + got, sizeof raw - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::UnavailableError(absl::StrCat("getrandom: ", std::strerror(errno)));
    got += static_cast<size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (unsigned char c : raw) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

SessionStore::SessionStore(Options options) : options_(std::move(options)) {}

bool SessionStore::ExpiredLocked(const Session& s, absl::Time now) const {
  return now - s.last_seen > options_.idle || now - s.created > options_.lifetime;
}

void SessionStore::DropExpiredLocked(absl::Time now) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    it = ExpiredLocked(it->second, now) ? sessions_.erase(it) : std::next(it);
  }
}

absl::StatusOr<std::string> SessionStore::Create(std::string token, std::string principal) {
  absl::StatusOr<std::string> id = options_.random();
  if (!id.ok()) return id.status();
  absl::StatusOr<std::string> csrf = options_.random();
  if (!csrf.ok()) return csrf.status();
  std::lock_guard<std::mutex> lock(mu_);
  const absl::Time now = options_.clock->Now();
  DropExpiredLocked(now);
  while (!sessions_.empty() && sessions_.size() >= options_.max_sessions) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second.last_seen < oldest->second.last_seen) oldest = it;
    }
    sessions_.erase(oldest);
  }
  Session s;
  s.token = std::move(token);
  s.principal = std::move(principal);
  s.csrf = *std::move(csrf);
  s.created = now;
  s.last_seen = now;
  sessions_[*id] = std::move(s);
  return *id;
}

std::optional<Session> SessionStore::Find(const std::string& id) {
  if (id.empty()) return std::nullopt;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  const absl::Time now = options_.clock->Now();
  if (ExpiredLocked(it->second, now)) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_seen = now;
  return it->second;
}

void SessionStore::Remove(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.erase(id);
}

size_t SessionStore::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.size();
}

bool TokensEqual(absl::string_view expected, absl::string_view got) {
  if (expected.empty() || got.size() != expected.size()) return false;
  return CRYPTO_memcmp(expected.data(), got.data(), expected.size()) == 0;
}

std::string CookieValue(absl::string_view cookie_header, absl::string_view name) {
  for (absl::string_view part : absl::StrSplit(cookie_header, ';')) {
    part = absl::StripAsciiWhitespace(part);
    const size_t eq = part.find('=');
    if (eq == absl::string_view::npos) continue;
    if (part.substr(0, eq) == name) return std::string(part.substr(eq + 1));
  }
  return "";
}

std::string SessionCookie(absl::string_view name, absl::string_view id, bool secure) {
  return absl::StrCat(name, "=", id, "; Path=/; HttpOnly; SameSite=Strict", id.empty() ? "; Max-Age=0" : "",
                      secure ? "; Secure" : "");
}

}  // namespace piao::web
