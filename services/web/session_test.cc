#include "services/web/session.h"

#include <set>

#include <gtest/gtest.h>

#include "libs/base/clock.h"

namespace piao::web {
namespace {

SessionStore::Options Opts(FakeClock* clock) {
  SessionStore::Options o;
  o.clock = clock;
  o.idle = absl::Minutes(30);
  o.lifetime = absl::Hours(8);
  o.max_sessions = 3;
  return o;
}

TEST(RandomHex256Test, Is64HexDigitsAndNeverRepeats) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    absl::StatusOr<std::string> r = RandomHex256();
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->size(), 64u);
    EXPECT_EQ(r->find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_TRUE(seen.insert(*r).second);
  }
}

TEST(SessionStoreTest, CreatesAndFindsWithTokenAndCsrf) {
  FakeClock clock(absl::FromUnixSeconds(1000000));
  SessionStore store(Opts(&clock));
  absl::StatusOr<std::string> id = store.Create("tok", "user:a");
  ASSERT_TRUE(id.ok());
  std::optional<Session> s = store.Find(*id);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->token, "tok");
  EXPECT_EQ(s->csrf.size(), 64u);
  EXPECT_NE(s->csrf, *id);
  EXPECT_FALSE(store.Find("").has_value());
  EXPECT_FALSE(store.Find(*id + "0").has_value());
}

TEST(SessionStoreTest, ExpiresWhenIdleAndAfterItsLifetimeWhateverTheUse) {
  FakeClock clock(absl::FromUnixSeconds(1000000));
  SessionStore store(Opts(&clock));
  std::string idle = *store.Create("a", "");
  std::string busy = *store.Create("b", "");
  clock.Advance(absl::Minutes(29));
  ASSERT_TRUE(store.Find(busy).has_value());
  clock.Advance(absl::Minutes(2));  // idle: 31 minutes unused
  EXPECT_FALSE(store.Find(idle).has_value());
  ASSERT_TRUE(store.Find(busy).has_value());  // used 2 minutes ago
  for (int i = 0; i < 16; ++i) {              // used every 29 minutes, but 8 hours after creation it ends
    clock.Advance(absl::Minutes(29));
    if (i < 15) {
      ASSERT_TRUE(store.Find(busy).has_value()) << i;
    }
  }
  EXPECT_FALSE(store.Find(busy).has_value());
}

TEST(SessionStoreTest, BoundedDroppingTheLeastRecentlyUsed) {
  FakeClock clock(absl::FromUnixSeconds(1000000));
  SessionStore store(Opts(&clock));
  std::string a = *store.Create("a", "");
  clock.Advance(absl::Seconds(1));
  std::string b = *store.Create("b", "");
  clock.Advance(absl::Seconds(1));
  std::string c = *store.Create("c", "");
  clock.Advance(absl::Seconds(1));
  ASSERT_TRUE(store.Find(a).has_value());  // a used last: b is now the least recently used
  clock.Advance(absl::Seconds(1));
  std::string d = *store.Create("d", "");
  EXPECT_EQ(store.size(), 3u);
  EXPECT_TRUE(store.Find(a).has_value());
  EXPECT_FALSE(store.Find(b).has_value());
  EXPECT_TRUE(store.Find(c).has_value());
  EXPECT_TRUE(store.Find(d).has_value());
}

TEST(SessionStoreTest, RemoveEndsTheSession) {
  FakeClock clock(absl::FromUnixSeconds(1000000));
  SessionStore store(Opts(&clock));
  std::string a = *store.Create("a", "");
  store.Remove(a);
  EXPECT_FALSE(store.Find(a).has_value());
}

TEST(SessionStoreTest, NoRandomnessNoSession) {
  FakeClock clock(absl::FromUnixSeconds(1000000));
  SessionStore::Options o = Opts(&clock);
  o.random = [] { return absl::StatusOr<std::string>(absl::UnavailableError("no entropy")); };
  SessionStore store(o);
  EXPECT_EQ(store.Create("a", "").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(store.size(), 0u);
}

TEST(TokensEqualTest, ExactMatchOnly) {
  EXPECT_TRUE(TokensEqual("abc", "abc"));
  EXPECT_FALSE(TokensEqual("abc", "abd"));
  EXPECT_FALSE(TokensEqual("abc", "ab"));
  EXPECT_FALSE(TokensEqual("abc", "abcd"));
  EXPECT_FALSE(TokensEqual("", ""));  // an empty expected token never matches (a session without one)
  EXPECT_FALSE(TokensEqual("abc", ""));
}

TEST(CookieTest, ReadsTheNamedCookie) {
  EXPECT_EQ(CookieValue("a=1; piao_session=xyz; b=2", "piao_session"), "xyz");
  EXPECT_EQ(CookieValue("piao_session=xyz", "piao_session"), "xyz");
  EXPECT_EQ(CookieValue("xpiao_session=1", "piao_session"), "");
  EXPECT_EQ(CookieValue("", "piao_session"), "");
}

TEST(CookieTest, SessionCookieIsHttpOnlyStrictAndSecureUnderTls) {
  EXPECT_EQ(SessionCookie("s", "id", false), "s=id; Path=/; HttpOnly; SameSite=Strict");
  EXPECT_EQ(SessionCookie("s", "id", true), "s=id; Path=/; HttpOnly; SameSite=Strict; Secure");
  EXPECT_EQ(SessionCookie("s", "", true), "s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure");
}

}  // namespace
}  // namespace piao::web
