// A realistic event mix for the projection's measurements: many administrations, each with the Camera di
// commercio di Torino's 2022 cycle as its planning and measurement services store it (PlanCreated,
// ObjectivesAdopted with 85 objectives and 185 indicators, the revision acts of delibera 142, the year-end
// actuals of the Relazione 2022) plus the same actuals at two monitoring dates, all under the administration's
// own name. Built from tests/fixtures/torino-2022 (services/projection/torino_events_test_util.h).
#ifndef PIAO_TOOLS_BENCH_MIX_H_
#define PIAO_TOOLS_BENCH_MIX_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/eventstore/event_store.h"
#include "piao/v1/event.pb.h"

namespace piao::bench {

// The planning and measurement stores of a mix, as the services keep them: <dir>/planning/events and
// <dir>/measurement/events (so the services can be started on <dir>/planning and <dir>/measurement).
struct MixStores {
  std::unique_ptr<eventstore::EventStore> planning;
  std::unique_ptr<eventstore::EventStore> measurement;
  uint64_t events = 0;
  int administrations = 0;
};

// One administration's events: `planning` then `measurement`, envelopes carrying type, payload, actor and
// valid time (positions and versions are the store's). `admin` names the streams and the PlanCreated.
struct AdministrationEvents {
  std::vector<v1::EventEnvelope> planning;
  std::vector<v1::EventEnvelope> measurement;
};
absl::StatusOr<AdministrationEvents> MixFor(const std::string& admin);

// A plan of exactly `indicators` indicators (Torino's objectives, repeated with suffixed codes as needed), with
// one year-end actual per indicator.
absl::StatusOr<AdministrationEvents> LargePlanFor(const std::string& admin, int indicators);

// Appends `events` to `store` in one append (unsynced stores: the bench's set-up, not its measurement).
absl::Status AppendAll(eventstore::EventStore& store, const std::vector<v1::EventEnvelope>& events);

// Writes administrations' mixes into fresh stores under `dir` until at least `events` events are stored.
// `sync` is the stores' option (false for set-up).
absl::StatusOr<MixStores> WriteMix(const std::filesystem::path& dir, uint64_t events, bool sync = false);

}  // namespace piao::bench

#endif  // PIAO_TOOLS_BENCH_MIX_H_
