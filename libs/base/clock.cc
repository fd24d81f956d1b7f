#include "libs/base/clock.h"

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace piao {
namespace {
class RealClock : public Clock {
 public:
  absl::Time Now() override { return absl::Now(); }
};
}  // namespace

Clock* Clock::Real() {
  static RealClock* clock = new RealClock();
  return clock;
}

absl::Time FakeClock::Now() {
  std::lock_guard<std::mutex> l(mu_);
  return now_;
}

void FakeClock::Advance(absl::Duration d) {
  std::lock_guard<std::mutex> l(mu_);
  now_ += d;
}

RandomIdGenerator::RandomIdGenerator(uint64_t seed) : rng_(seed) {}

std::unique_ptr<RandomIdGenerator> RandomIdGenerator::FromEntropy() {
  std::random_device rd;
  return std::make_unique<RandomIdGenerator>((uint64_t{rd()} << 32) ^ rd());
}

std::string RandomIdGenerator::NewId() {
  uint64_t hi, lo;
  {
    std::lock_guard<std::mutex> l(mu_);
    hi = rng_();
    lo = rng_();
  }
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff,
                         lo >> 48, lo & 0xffffffffffffULL);
}

}  // namespace piao
