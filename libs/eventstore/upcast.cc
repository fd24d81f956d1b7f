#include "libs/eventstore/upcast.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace piao::eventstore {

Upcasters& Upcasters::Add(const std::string& event_type, uint32_t from_version, UpcastStep step) {
  steps_[{event_type, from_version}] = std::move(step);
  uint32_t& current = current_[event_type];
  current = std::max(current, from_version + 1);
  return *this;
}

uint32_t Upcasters::Current(const std::string& event_type) const {
  auto it = current_.find(event_type);
  return it == current_.end() ? 1 : it->second;
}

absl::StatusOr<v1::EventEnvelope> Upcasters::ToCurrent(v1::EventEnvelope e) const {
  const uint32_t current = Current(e.event_type());
  uint32_t version = e.schema_version() == 0 ? 1 : e.schema_version();
  auto where = [&] {
    return absl::StrCat(e.event_type(), " schema version ", version, " at ", e.source_service(), " position ",
                        e.global_position());
  };
  if (version > current) {
    return absl::FailedPreconditionError(
        absl::StrCat(where(), ": this release reads up to version ", current, " (written by a newer release?)"));
  }
  while (version < current) {
    auto step = steps_.find({e.event_type(), version});
    if (step == steps_.end()) {
      return absl::FailedPreconditionError(absl::StrCat(where(), ": no upcaster to version ", version + 1));
    }
    absl::StatusOr<std::string> next = step->second(e.payload());
    if (!next.ok()) {
      return absl::Status(next.status().code(), absl::StrCat(where(), ": ", next.status().message()));
    }
    e.set_payload(*std::move(next));
    ++version;
  }
  e.set_schema_version(version);
  return e;
}

}  // namespace piao::eventstore
