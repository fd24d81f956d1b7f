// Exactly-once, in-order application of events to a consumer's own RocksDB, for a consumer of some or all
// partitions of the co-partitioned event topics (libs/kafka/partitioning.h).
//
// A consumer (a projection member, another service's view) keeps its state in its own RocksDB. For every event
// it applies, ONE WriteBatch holds what the handler derived, the event's stream version, its lane's position
// and, for an event that came from Kafka, the next offset of its topic/partition. The batch is written
// atomically, so after a crash the state, the dedupe records and the Kafka offsets agree.
//
// Exactly once and in order per stream: an event is applied when its stream version is the stream's applied
// version + 1; at or below it, it is a duplicate (Kafka delivers at least once); beyond it (a gap: a message
// lost to retention or parked by the relay), the applier first reads the stream's missing versions from the
// source's store (SourceReader::ReadStream, the source of truth).
//
// Complete per lane: a lane is one source's events in one partition. Its position says every event of the lane
// at or below it is applied. A Kafka message names its lane predecessor (kLanePrevHeader); when the lane is
// applied up to that predecessor the message continues it, otherwise the applier first reads the lane's missing
// range from the store (SourceReader::ReadPartitions) — so an event the relay parked, which never travels, is
// applied too. A consumer needs only its own partitions: it never reads another lane. With one partition
// (PartitionShare::All(1), the default) the lane is the whole source and its predecessor is position - 1.
//
// Tamper evidence: a redelivered event at its stream's applied version with another hash (the source's history
// forked), an event whose position is not beyond its stream's last (history moved backwards), an event that
// does not chain to its lane's last when the lane's last is its global predecessor (prev_hash), and an event on
// a topic other than its source's are refused. A refusal holds the source's events of that ADMINISTRATION only:
// it is logged, persisted with the position and reason (AdministrationProblems()), its later events are consumed
// and skipped, and every other administration goes on. Only a rebuild from the (repaired) sources clears it.
//
// The applier owns the keys under ApplierOptions::key_prefix; handlers must write elsewhere.
#ifndef PIAO_LIBS_KAFKA_EVENT_APPLIER_H_
#define PIAO_LIBS_KAFKA_EVENT_APPLIER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "libs/base/strong_types.h"
#include "libs/kafka/partitioning.h"
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

// What the applier reads from the sources' stores. Either read may return a short page; UNAVAILABLE when the
// source cannot be reached.
class SourceReader {
 public:
  virtual ~SourceReader() = default;
  struct Page {
    std::vector<v1::EventEnvelope> events;  // of the partitions, in position order
    GlobalPosition scanned_to;              // every event of the partitions up to here is in this or an earlier page
  };
  // Events of `source` in `partitions` with position in [from, to] (to = 0: up to the head), one page.
  virtual absl::StatusOr<Page> ReadPartitions(const ServiceName& source, const PartitionShare& partitions,
                                              GlobalPosition from, GlobalPosition to) = 0;
  // Events of `stream` of `source` with version >= from, in version order, one page.
  virtual absl::StatusOr<std::vector<v1::EventEnvelope>> ReadStream(const ServiceName& source,
                                                                    const v1::StreamRef& stream,
                                                                    StreamVersion from) = 0;
};

// A reader of one local event store (tests, tools, a service projecting its own events); NOT_FOUND for
// another source. `store` must outlive it.
std::shared_ptr<SourceReader> StoreSourceReader(const eventstore::EventStore* store);
// A reader dispatching by source; UNAVAILABLE for a source it has no reader for.
std::shared_ptr<SourceReader> ReaderPerSource(std::map<ServiceName, std::shared_ptr<SourceReader>> readers);

// Where a Kafka message came from: stored as the partition's next offset (offset + 1), with its lane header.
struct InputPosition {
  std::string topic;
  int32_t partition = 0;
  KafkaOffset offset;
  std::optional<GlobalPosition> lane_prev;  // kLanePrevHeader; nullopt when the message has none
};

struct ApplierOptions {
  std::string key_prefix = std::string("\x01piao.consumer/");  // the applier's own keys
  bool sync = true;            // fsync each applied event's batch (tests of logic may turn it off)
  uint64_t catch_up_chunk = 1000;  // events asked of the reader per page while catching up
  PartitionShare share;        // the partitions this consumer applies (default: the one partition of one)
};

struct ApplierStats {
  uint64_t applied = 0;     // events applied (including filled ones)
  uint64_t filled = 0;      // events applied from the SourceReader
  uint64_t duplicates = 0;  // events ignored: at or below their stream's applied version
  uint64_t refused = 0;     // events not applied because their administration is refused at their source
  uint64_t foreign = 0;     // events of a partition this consumer does not own (consumed, not applied)
};

// Why a source's events of one administration stopped being applied.
struct RefusedSource {
  GlobalPosition position;  // the event that was refused
  std::string reason;
};

// A source's events of one administration: the unit a refusal holds.
struct SourceAdministration {
  std::string source;
  std::string administration;
  auto operator<=>(const SourceAdministration&) const = default;
};

class EventApplier {
 public:
  // `db` must outlive the applier. Loads the lanes' positions and the refusals.
  static absl::StatusOr<std::unique_ptr<EventApplier>> Open(rocksdb::DB* db, EventHandler handler,
                                                            std::shared_ptr<SourceReader> reader,
                                                            ApplierOptions options = {});

  // Applies `event` exactly once, in order (filling its stream's or its lane's gap first). `input`, when given,
  // is stored with the last batch written (or alone, when the event is a duplicate). INVALID_ARGUMENT for an
  // envelope without source, position, stream or stream version; a handler, reader or DB error is returned and
  // what was applied before it stays.
  absl::Status Apply(const v1::EventEnvelope& event, const std::optional<InputPosition>& input) {
    return ApplyWith(event, input, options_.sync);
  }

  // As Apply, but the event's own batch is written without its fsync: the caller makes a group of applied
  // events durable with one SyncApplied() (as CatchUp does per page). RocksDB's WAL is ordered and each batch
  // holds the views, the stream and lane positions and the input offset together, so a crash (of the machine:
  // a killed process loses nothing written) before the sync loses a suffix of the group as a whole, which is
  // consumed and applied again from its input.
  absl::Status ApplyUnsynced(const v1::EventEnvelope& event, const std::optional<InputPosition>& input);

  // One fsync of the WAL for every batch ApplyUnsynced wrote since the last one (nothing to do when the
  // options do not sync, or nothing was written).
  absl::Status SyncApplied();

  // Records that the message at `input` was consumed without an event to apply (e.g. malformed).
  absl::Status SkipInput(const InputPosition& input);

  // Applies everything of `source` in the owned partitions after each lane's position up to the source's head,
  // page by page: each page is fetched without the applier's lock and applied under it. Returns the number of
  // events applied meanwhile.
  absl::StatusOr<uint64_t> CatchUp(const ServiceName& source);

  // The partitions applied from now on (a consumer group's assignment). Lanes keep their positions: a partition
  // owned again later resumes where it stopped.
  void SetShare(PartitionShare share);
  PartitionShare share() const;

  // How far `source` is applied for `administration` (its lane's position); for "" (every administration
  // owned) the lowest of the owned lanes.
  GlobalPosition Applied(const ServiceName& source, const std::string& administration) const;
  GlobalPosition LastApplied(const ServiceName& source) const { return Applied(source, ""); }
  // Every owned lane's position: (source, partition) -> position, for the sources seen so far.
  std::map<std::pair<std::string, int32_t>, GlobalPosition> Lanes() const;
  // The next offset to consume in topic/partition, if one was stored.
  absl::StatusOr<std::optional<KafkaOffset>> StoredOffset(const std::string& topic, int32_t partition) const;
  ApplierStats stats() const;
  // The refusals: which source's events of which administration are held, and why.
  std::map<SourceAdministration, RefusedSource> AdministrationProblems() const;
  std::optional<RefusedSource> Problem(const ServiceName& source, const std::string& administration) const;

 private:
  struct Lane {
    std::string source;
    int32_t partition = 0;
    auto operator<=>(const Lane&) const = default;
  };
  struct LaneState {
    GlobalPosition position;
    std::string hash;  // of the event at `position`; "" when the position was reached by a scan
  };
  struct StreamState {
    StreamVersion version;
    GlobalPosition position;
    std::string hash;
  };

  EventApplier(rocksdb::DB* db, EventHandler handler, std::shared_ptr<SourceReader> reader, ApplierOptions options);
  absl::Status Load();
  Lane LaneOf(const v1::EventEnvelope& event) const;
  // The stream's applied state (read from the DB the first time).
  absl::StatusOr<StreamState> StreamLocked(const std::string& source, const v1::StreamRef& stream)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Reads `lane` from `from` up to `to` page by page without the lock, applying each page under it; the lane's
  // position ends at `to` (or the head when `to` is 0). UNAVAILABLE when the reader stops short of `to`. Adds
  // the events it applied to `*applied` when given.
  absl::Status FillLane(const Lane& lane, GlobalPosition from, GlobalPosition to, uint64_t* applied)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Reads `stream`'s versions from..to without the lock, applying them under it (the lane is not moved).
  absl::Status FillStream(const std::string& source, const v1::StreamRef& stream, StreamVersion from,
                          StreamVersion to) ABSL_LOCKS_EXCLUDED(mu_);
  // Applies `event` unless its stream already has it; `advance_lane` moves its lane's position to the event.
  absl::Status ApplyWith(const v1::EventEnvelope& event, const std::optional<InputPosition>& input, bool sync);
  absl::Status ApplyOneLocked(const v1::EventEnvelope& event, const std::optional<InputPosition>& input,
                              bool advance_lane, bool sync, bool filled) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status SetLanePositionLocked(const Lane& lane, GlobalPosition position) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool IsRefused(const std::string& source, const std::string& administration) const
      ABSL_LOCKS_EXCLUDED(published_mu_);
  void Count(uint64_t ApplierStats::*counter) ABSL_LOCKS_EXCLUDED(published_mu_);
  absl::Status RefuseLocked(const v1::EventEnvelope& event, const std::string& reason,
                            const std::optional<InputPosition>& input) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Stores only the message's next offset (a duplicate, a refused or foreign event), unsynced.
  absl::Status StoreOffsetOnlyLocked(const std::optional<InputPosition>& input) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string LaneKey(const Lane& lane) const;
  std::string StreamKey(const std::string& source, const v1::StreamRef& stream) const;
  std::string RefusedKey(const SourceAdministration& sa) const;
  std::string OffsetKey(const std::string& topic, int32_t partition) const;

  rocksdb::DB* const db_;
  const EventHandler handler_;
  const std::shared_ptr<SourceReader> reader_;
  const ApplierOptions options_;
  std::atomic<bool> unsynced_{false};  // ApplyUnsynced wrote batches SyncApplied has not synced yet
  const int32_t partition_count_;

  // mu_ serialises application; it is never held while reading from a source. Readers (Applied, stats,
  // problems: queries, health, progress) take only published_mu_, held for a copy (order: mu_, then
  // published_mu_), so a catch-up of thousands of events never makes them wait for more than a map copy.
  mutable absl::Mutex mu_ ABSL_ACQUIRED_BEFORE(published_mu_);
  std::map<Lane, LaneState> lanes_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, StreamState> streams_ ABSL_GUARDED_BY(mu_);  // cache, by StreamKey
  mutable absl::Mutex published_mu_;
  PartitionShare share_ ABSL_GUARDED_BY(published_mu_);
  std::map<Lane, GlobalPosition> published_ ABSL_GUARDED_BY(published_mu_);  // = lanes_ positions, once written
  ApplierStats stats_ ABSL_GUARDED_BY(published_mu_);
  std::map<SourceAdministration, RefusedSource> refused_ ABSL_GUARDED_BY(published_mu_);
};

}  // namespace piao::kafka

#endif  // PIAO_LIBS_KAFKA_EVENT_APPLIER_H_
