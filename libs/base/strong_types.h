// Strong types for identifiers, versions and positions, so that a stream version is never passed where a
// global position is expected.
#ifndef PIAO_LIBS_BASE_STRONG_TYPES_H_
#define PIAO_LIBS_BASE_STRONG_TYPES_H_

#include <compare>
#include <cstdint>
#include <ostream>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace piao {

// An unsigned counter with a distinct type per Tag.
template <typename Tag>
class Counter {
 public:
  constexpr Counter() = default;
  constexpr explicit Counter(uint64_t v) : value_(v) {}
  constexpr uint64_t value() const { return value_; }
  constexpr Counter next() const { return Counter(value_ + 1); }
  constexpr auto operator<=>(const Counter&) const = default;
  friend std::ostream& operator<<(std::ostream& os, Counter c) { return os << c.value_; }
  template <typename H>
  friend H AbslHashValue(H h, Counter c) { return H::combine(std::move(h), c.value_); }

 private:
  uint64_t value_ = 0;
};

// A string identifier with a distinct type per Tag.
template <typename Tag>
class Id {
 public:
  Id() = default;
  explicit Id(std::string v) : value_(std::move(v)) {}
  const std::string& value() const { return value_; }
  bool empty() const { return value_.empty(); }
  auto operator<=>(const Id&) const = default;
  friend std::ostream& operator<<(std::ostream& os, const Id& id) { return os << id.value_; }
  template <typename H>
  friend H AbslHashValue(H h, const Id& id) { return H::combine(std::move(h), id.value_); }

 private:
  std::string value_;
};

// Version of one stream: 0 = the stream does not exist yet, the first event is version 1.
using StreamVersion = Counter<struct StreamVersionTag>;
// Position in one service's whole store: 0 = empty store, the first event is position 1.
using GlobalPosition = Counter<struct GlobalPositionTag>;
// A Kafka partition offset.
using KafkaOffset = Counter<struct KafkaOffsetTag>;

using EventId = Id<struct EventIdTag>;
using IdempotencyKey = Id<struct IdempotencyKeyTag>;
using ServiceName = Id<struct ServiceNameTag>;

// The aggregate an event belongs to.
struct StreamId {
  std::string aggregate_type;
  std::string aggregate_id;
  auto operator<=>(const StreamId&) const = default;
  // "type/id": the Kafka message key, so one stream's events keep their order in one partition.
  std::string Key() const { return aggregate_type + "/" + aggregate_id; }
  template <typename H>
  friend H AbslHashValue(H h, const StreamId& s) {
    return H::combine(std::move(h), s.aggregate_type, s.aggregate_id);
  }
};

// The identity of a plan year's streams (plan, actuals, risk, hr): aggregate id "<administration>/<year>".
struct AdministrationYear {
  std::string administration;
  int year = 0;
};

// The one parser of "<administration>/<year>" aggregate ids: INVALID_ARGUMENT naming the id otherwise.
inline absl::StatusOr<AdministrationYear> ParseAdministrationYear(absl::string_view aggregate_id) {
  const size_t slash = aggregate_id.rfind('/');
  AdministrationYear out;
  if (slash == absl::string_view::npos || slash == 0 || slash + 5 != aggregate_id.size() ||
      !absl::SimpleAtoi(aggregate_id.substr(slash + 1), &out.year)) {
    return absl::InvalidArgumentError(
        absl::StrCat("stream.aggregate_id: '", aggregate_id, "' is not <administration>/<year>"));
  }
  out.administration = std::string(aggregate_id.substr(0, slash));
  return out;
}

}  // namespace piao

#endif  // PIAO_LIBS_BASE_STRONG_TYPES_H_
