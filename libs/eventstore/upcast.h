// Versioned event payloads. Every event type has a current schema version (1 unless an upcaster says
// otherwise); an envelope records the version its payload was written with. Readers decode through
// Upcasters::ToCurrent, which turns an older payload into the current shape one step at a time (v1 -> v2 ->
// ...), so only the upcaster of a step ever sees an old shape, and a store written years ago replays with
// today's code. A version above the current one (written by a newer release) is refused, naming it: a reader
// never guesses at a shape it does not know.
#ifndef PIAO_LIBS_EVENTSTORE_UPCAST_H_
#define PIAO_LIBS_EVENTSTORE_UPCAST_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "piao/v1/event.pb.h"

namespace piao::eventstore {

// One step: the payload of version `from` in, the payload of version `from + 1` out (pure).
using UpcastStep = std::function<absl::StatusOr<std::string>(const std::string& payload)>;

class Upcasters {
 public:
  // Registers the step from `from_version` to `from_version + 1` of `event_type`.
  Upcasters& Add(const std::string& event_type, uint32_t from_version, UpcastStep step);

  // The version new events of `event_type` are written with.
  uint32_t Current(const std::string& event_type) const;

  // `e` with its payload at the current version (and schema_version set to it). schema_version 0 is read as 1
  // (proto3 cannot tell it from unset; wave-one events were all 1). FAILED_PRECONDITION naming the type, the
  // version and the position for a version above the current one or a missing step; a step's own error is
  // returned with the same context.
  absl::StatusOr<v1::EventEnvelope> ToCurrent(v1::EventEnvelope e) const;

 private:
  std::map<std::pair<std::string, uint32_t>, UpcastStep> steps_;
  std::map<std::string, uint32_t> current_;
};

}  // namespace piao::eventstore

#endif  // PIAO_LIBS_EVENTSTORE_UPCAST_H_
