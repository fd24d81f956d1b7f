// Injected time and randomness, so tests control both.
#ifndef PIAO_LIBS_BASE_CLOCK_H_
#define PIAO_LIBS_BASE_CLOCK_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "absl/time/time.h"

namespace piao {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() = 0;
  // The process-wide real clock.
  static Clock* Real();
};

// A clock that moves only when told to.
class FakeClock : public Clock {
 public:
  explicit FakeClock(absl::Time start) : now_(start) {}
  absl::Time Now() override;
  void Advance(absl::Duration d);

 private:
  std::mutex mu_;
  absl::Time now_;
};

// Produces event ids (UUID v4 text).
class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  virtual std::string NewId() = 0;
};

// Random UUIDs from a seeded generator: seed from std::random_device in production, fixed in tests.
class RandomIdGenerator : public IdGenerator {
 public:
  explicit RandomIdGenerator(uint64_t seed);
  static std::unique_ptr<RandomIdGenerator> FromEntropy();
  std::string NewId() override;

 private:
  std::mutex mu_;
  std::mt19937_64 rng_;
};

}  // namespace piao

#endif  // PIAO_LIBS_BASE_CLOCK_H_
