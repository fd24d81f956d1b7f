// Small pieces every write service's pure aggregate and gRPC adapter share: payload (de)serialisation,
// the plan-year identity check and the command context taken from a request.
#ifndef PIAO_SERVICES_COMMON_AGGREGATE_UTIL_H_
#define PIAO_SERVICES_COMMON_AGGREGATE_UTIL_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/eventstore/event_store.h"
#include "piao/v1/command.pb.h"
#include "piao/v1/event.pb.h"
#include "services/common/event_schema.h"

namespace piao::services {

// An event carrying `message`, valid from the start (UTC) of `valid_from`, or from its record time.
template <typename M>
eventstore::NewEvent MakeEvent(const M& message, std::optional<absl::CivilDay> valid_from) {
  eventstore::NewEvent e;
  e.event_type = M::descriptor()->full_name();
  e.schema_version = EventSchemas().Current(e.event_type);
  e.payload = message.SerializeAsString();
  if (valid_from.has_value()) e.occurred_at = absl::FromCivil(absl::CivilSecond(*valid_from), absl::UTCTimeZone());
  return e;
}

// The payload of `e` as M in its current schema (older versions upcast, event_schema.h); DATA_LOSS naming the
// position when it does not decode, FAILED_PRECONDITION for a version this release does not know.
template <typename M>
absl::StatusOr<M> DecodePayload(const v1::EventEnvelope& stored) {
  M m;
  const uint32_t version = stored.schema_version() == 0 ? 1 : stored.schema_version();
  if (version == EventSchemas().Current(stored.event_type())) {  // the common case: no copy
    if (!m.ParseFromString(stored.payload())) {
      return absl::DataLossError(
          absl::StrCat("undecodable ", stored.event_type(), " at position ", stored.global_position()));
    }
    return m;
  }
  absl::StatusOr<v1::EventEnvelope> e = ToCurrentSchema(stored);
  if (!e.ok()) return e.status();
  if (!m.ParseFromString(e->payload())) {
    return absl::DataLossError(absl::StrCat("undecodable ", e->event_type(), " at position ", e->global_position()));
  }
  return m;
}

// The identity of a plan year's streams: "<administration>/<year>".
inline absl::Status ValidateAdministrationYear(const std::string& administration, int year) {
  if (administration.empty()) return absl::InvalidArgumentError("administration: must not be empty");
  if (administration.find('/') != std::string::npos) {
    return absl::InvalidArgumentError("administration: must not contain '/'");
  }
  if (year < 2000 || year > 2999) {
    return absl::InvalidArgumentError(absl::StrCat("year: must be a four-digit year 2000-2999, got ", year));
  }
  return absl::OkStatus();
}

inline eventstore::CommandContext ContextOf(const v1::Principal& who, const v1::CommandMeta& meta) {
  eventstore::CommandContext c;
  c.actor = who;
  c.idempotency_key = IdempotencyKey(meta.idempotency_key());
  c.correlation_id = meta.correlation_id();
  c.causation_id = meta.causation_id();
  return c;
}

}  // namespace piao::services

#endif  // PIAO_SERVICES_COMMON_AGGREGATE_UTIL_H_
