// Exactly-once, in-order application of events to a consumer's own RocksDB.
//
// A consumer (a projection, another service's view) keeps its state in its own RocksDB. For every event
// it applies, ONE WriteBatch holds what the handler derived, the source's last applied global position
// and, for an event that came from Kafka, the next offset of its topic/partition. The batch is written
// atomically, so after a crash the state, the dedupe position and the Kafka offsets agree.
//
// Per source service (envelope.source_service) events are applied exactly once and in global-position
// order: an event at or below the source's last applied position is ignored (Kafka delivers at least
// once); an event beyond last+1 (a gap: events travelling in other partitions, or lost to retention)
// makes the applier fetch the missing range from the GapFiller — the source's event store, the source
// of truth — and apply it first.
//
// Each source's continuity is checked too (tamper evidence): the applier stores the last applied event's
// hash with its position (same WriteBatch) and refuses an event whose prev_hash is not that hash (the
// source's history moved backwards or forked, e.g. its tail was cut and the position reused), a redelivered
// event at the last applied position with another hash, and an event that arrived on a topic other than its
// source's (piao.<source>.events.v1). A refused source is logged as an error, kept (persisted) with the
// position and reason in SourceProblem(), and none of its later events is applied: its messages are consumed
// and skipped, so the other sources go on. Only a rebuild from the (repaired) sources clears it.
//
// The applier owns the keys under ApplierOptions::key_prefix; handlers must write elsewhere.
#ifndef PIAO_LIBS_KAFKA_EVENT_APPLIER_H_
#define PIAO_LIBS_KAFKA_EVENT_APPLIER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "libs/base/strong_types.h"
#include "piao/v1/event.pb.h"

namespace rocksdb {
class DB;
class WriteBatch;
}  // namespace rocksdb

namespace piao::eventstore {
class EventStore;
}

namespace piao::kafka {

// Adds the view writes derived from one event to `batch` (reads of the DB see every earlier event) and
// checks the status of every record it adds (eventstore::FromRocksDb, libs/eventstore/rocksdb_status.h). An
// error leaves nothing written; the same event is offered again later. It runs under the applier's lock:
// it must not call back into the applier.
using EventHandler = std::function<absl::Status(const v1::EventEnvelope& event, rocksdb::WriteBatch* batch)>;

// The events of `source` with positions from..to (inclusive), in order. May return fewer (a prefix) only
// when `to` is beyond the source's head; UNAVAILABLE when the source cannot be reached.
using GapFiller = std::function<absl::StatusOr<std::vector<v1::EventEnvelope>>(
    const std::string& source, GlobalPosition from, GlobalPosition to)>;

// A GapFiller reading a local event store (tests, tools, a service projecting its own events).
GapFiller StoreGapFiller(const eventstore::EventStore* store);

// Where a Kafka message came from: stored as the partition's next offset (offset + 1).
struct InputPosition {
  std::string topic;
  int32_t partition = 0;
  KafkaOffset offset;
};

struct ApplierOptions {
  std::string key_prefix = std::string("\x01piao.consumer/");  // the applier's own keys
  bool sync = true;            // fsync each applied event's batch (tests of logic may turn it off)
  uint64_t catch_up_chunk = 1000;  // events asked of the filler per call while catching up
};

struct ApplierStats {
  uint64_t applied = 0;     // events applied (including filled ones)
  uint64_t filled = 0;      // events applied from the GapFiller
  uint64_t duplicates = 0;  // events ignored: at or below the source's last applied position
  uint64_t refused = 0;     // events not applied because their source is refused (see SourceProblem)
};

// Why a source's events stopped being applied.
struct RefusedSource {
  GlobalPosition position;  // the event that was refused
  std::string reason;
};

class EventApplier {
 public:
  // `db` must outlive the applier. Loads the last applied positions.
  static absl::StatusOr<std::unique_ptr<EventApplier>> Open(rocksdb::DB* db, EventHandler handler,
                                                            GapFiller filler, ApplierOptions options = {});

  // Applies `event` exactly once, in order (filling a gap first). `input`, when given, is stored with the
  // last batch written (or alone, when the event is a duplicate). INVALID_ARGUMENT for an envelope without
  // source or position; a handler, filler or DB error is returned and what was applied before it stays.
  absl::Status Apply(const v1::EventEnvelope& event, const std::optional<InputPosition>& input);

  // Records that the message at `input` was consumed without an event to apply (e.g. malformed).
  absl::Status SkipInput(const InputPosition& input);

  // Applies everything of `source` after its last applied position up to the source's head, using
  // `filler` (or the applier's own when null), chunk by chunk: each chunk is fetched without the applier's
  // lock and applied under it. Returns the number of events applied meanwhile.
  absl::StatusOr<uint64_t> CatchUp(const std::string& source, const GapFiller* filler = nullptr);

  GlobalPosition LastApplied(const std::string& source) const;
  // The next offset to consume in topic/partition, if one was stored.
  absl::StatusOr<std::optional<KafkaOffset>> StoredOffset(const std::string& topic, int32_t partition) const;
  ApplierStats stats() const;
  // The problem that made the applier refuse `source`, if it did.
  std::optional<RefusedSource> SourceProblem(const std::string& source) const;
  std::map<std::string, RefusedSource> SourceProblems() const;

 private:
  EventApplier(rocksdb::DB* db, EventHandler handler, GapFiller filler, ApplierOptions options);
  absl::Status LoadPositions();
  // Fetches from..to of `source` from `filler` chunk by chunk without holding mu_, applying each chunk under it;
  // UNAVAILABLE when the filler stops short of `to`.
  absl::Status FillRange(const std::string& source, GlobalPosition from, GlobalPosition to, const GapFiller& filler)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Applies the fetched `events` that continue `source` (skipping those applied meanwhile) up to `to`; the last
  // one applied is synced (when options_.sync), the others ride on its WAL sync.
  absl::Status ApplyFetchedLocked(const std::string& source, const std::vector<v1::EventEnvelope>& events,
                                  GlobalPosition to) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status ApplyOneLocked(const v1::EventEnvelope& event, const std::optional<InputPosition>& input, bool sync)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool IsRefused(const std::string& source) const ABSL_LOCKS_EXCLUDED(published_mu_);
  void Count(uint64_t ApplierStats::*counter) ABSL_LOCKS_EXCLUDED(published_mu_);
  // FAILED_PRECONDITION (and the source refused) when `event` does not continue its source's chain: its
  // prev_hash is not the last applied event's hash.
  absl::Status CheckContinuityLocked(const v1::EventEnvelope& event, const std::optional<InputPosition>& input)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status RefuseLocked(const std::string& source, GlobalPosition position, const std::string& reason,
                            const std::optional<InputPosition>& input) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Consumes `input` (if any) of a refused source's event without applying it.
  absl::Status SkipRefusedLocked(const std::optional<InputPosition>& input) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Stores only the message's next offset (a duplicate or a refused source's event), unsynced.
  absl::Status StoreOffsetOnlyLocked(const std::optional<InputPosition>& input) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string AppliedKey(const std::string& source) const;
  std::string HashKey(const std::string& source) const;
  std::string RefusedKey(const std::string& source) const;
  std::string OffsetKey(const std::string& topic, int32_t partition) const;

  rocksdb::DB* const db_;
  const EventHandler handler_;
  const GapFiller filler_;
  const ApplierOptions options_;

  // mu_ serialises application; it is never held while fetching from a source. Readers (LastApplied, stats,
  // SourceProblems: queries, health, progress) take only published_mu_, held for a copy (order: mu_, then
  // published_mu_), so a catch-up of thousands of events never makes them wait for more than a map copy.
  mutable absl::Mutex mu_ ABSL_ACQUIRED_BEFORE(published_mu_);
  std::map<std::string, GlobalPosition> applied_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> last_hash_ ABSL_GUARDED_BY(mu_);  // absent: not known (older data)
  mutable absl::Mutex published_mu_;
  std::map<std::string, GlobalPosition> published_ ABSL_GUARDED_BY(published_mu_);  // = applied_, once written
  ApplierStats stats_ ABSL_GUARDED_BY(published_mu_);
  std::map<std::string, RefusedSource> refused_ ABSL_GUARDED_BY(published_mu_);
};

}  // namespace piao::kafka

#endif  // PIAO_LIBS_KAFKA_EVENT_APPLIER_H_
