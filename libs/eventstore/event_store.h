// An append-only event store on RocksDB, one per service.
//
// Guarantees (each tested in event_store_test.cc / durability_test.cc):
// - Append is atomic: all events of a call are stored with gap-free stream versions and gap-free global
//   positions, or none are. A wrong expected version is ABORTED and writes nothing.
// - Concurrent appends are serialised by one writer thread that commits every waiting append in one synced
//   WriteBatch (group commit): an OK return means the events survive kill -9.
// - A command retried with the same idempotency key gets the original result and appends nothing.
// - Every event carries SHA-256(prev_hash || event): Verify() detects an altered, removed or reordered event.
//   Verify() reads one RocksDB snapshot (events, stream index and head record alike), so it is exact while
//   appends go on. Someone who can write the database can still cut the tail and rewrite the head record;
//   an Anchor (a position and hash exported earlier and kept elsewhere, signed: `piao anchor`) catches that.
// - Each event is also written to an outbox, in the same WriteBatch, until a relay marks it delivered.
#ifndef PIAO_LIBS_EVENTSTORE_EVENT_STORE_H_
#define PIAO_LIBS_EVENTSTORE_EVENT_STORE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/base/clock.h"
#include "libs/base/strong_types.h"
#include "piao/v1/event.pb.h"

namespace rocksdb {
class DB;
}

namespace piao::eventstore {

// What a command decided, before the store numbers and chains it.
struct NewEvent {
  std::string event_type;       // fully-qualified payload message name, e.g. "piao.v1.PlanCreated"
  uint32_t schema_version = 1;
  absl::Time occurred_at = absl::InfinitePast();  // valid time; InfinitePast = the record time
  std::string payload;          // serialized payload message
};

// Who asked and why: copied onto every event of the append.
//
// Idempotency: a key is scoped to (actor, stream): another principal, or the same principal on another stream,
// using the same key is a different command. Within its scope a key names one request: `request_fingerprint`
// (a digest of the request, see services/common/command_path.h) is stored with it, and the same key with a
// different fingerprint is INVALID_ARGUMENT. A true retry gets the original result and `reply`.
struct CommandContext {
  v1::Principal actor;          // required: every event records who did it
  std::string causation_id;
  std::string correlation_id;
  IdempotencyKey idempotency_key;  // empty: no deduplication
  std::string request_fingerprint;  // what the key was first used for
  std::string reply;                // opaque answer details stored with the key, returned to a retry
};

// The optimistic-concurrency condition of an append.
class ExpectedVersion {
 public:
  static ExpectedVersion Any() { return ExpectedVersion(Kind::kAny, StreamVersion(0)); }
  static ExpectedVersion NoStream() { return ExpectedVersion(Kind::kExact, StreamVersion(0)); }
  static ExpectedVersion Exactly(StreamVersion v) { return ExpectedVersion(Kind::kExact, v); }
  bool Matches(StreamVersion current) const { return kind_ == Kind::kAny || current == version_; }
  std::string ToString() const;

 private:
  enum class Kind { kAny, kExact };
  ExpectedVersion(Kind k, StreamVersion v) : kind_(k), version_(v) {}
  Kind kind_;
  StreamVersion version_;
};

struct AppendResult {
  StreamVersion first_version;
  StreamVersion last_version;
  GlobalPosition first_position;
  GlobalPosition last_position;
  bool duplicate = false;  // the idempotency key had been seen: nothing was appended
  bool unchanged = false;  // the command decided nothing: the state was already as asked (nothing appended)
  std::string reply;       // for a duplicate: the reply stored with the original command
};

struct Head {
  GlobalPosition position;
  std::string hash;  // raw SHA-256 of the event at `position`; empty for an empty store
};

// A chain head recorded earlier and kept outside the store: the event at `position` must still be there
// with exactly this hash (so every event before it is unchanged too, by the chain).
struct Anchor {
  GlobalPosition position;
  std::string hash;  // raw SHA-256; empty only for position 0 (an empty store)
};

struct VerifyReport {
  bool intact = true;
  uint64_t events_checked = 0;
  std::string problem;  // the first problem found, with its position
  GlobalPosition problem_position;  // the position the problem is about, when there is one
};

// The largest serialized event (envelope with payload) a store accepts: below Kafka's message limit, so
// every stored event can travel. The relay's producer and the topics are configured from it (write_service.cc,
// deploy/README.md): producer message.max.bytes = this + kKafkaMessageHeadroom.
inline constexpr size_t kDefaultMaxEventBytes = 900 * 1000;
inline constexpr size_t kKafkaMessageHeadroom = 100 * 1000;  // key, headers and record framing

struct Options {
  ServiceName source_service;
  size_t max_event_bytes = kDefaultMaxEventBytes;
  Clock* clock = Clock::Real();
  IdGenerator* ids = nullptr;  // null: a RandomIdGenerator seeded from entropy
  bool sync = true;            // fsync the WAL before acknowledging (tests of logic may turn it off)
  size_t max_group_events = 4096;  // upper bound of events committed in one group
};

class EventStore {
 public:
  static absl::StatusOr<std::unique_ptr<EventStore>> Open(const std::string& path, Options options);
  ~EventStore();
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  // Appends `events` to `stream` if its version matches `expected`. INVALID_ARGUMENT for an empty stream id,
  // empty batch, missing event type or missing actor, or an event larger than max_event_bytes (naming the
  // limit); ABORTED for a version mismatch; UNAVAILABLE when the store cannot write (nothing was written).
  absl::StatusOr<AppendResult> Append(const StreamId& stream, ExpectedVersion expected,
                                      std::vector<NewEvent> events, const CommandContext& ctx);

  // Events of one stream with version >= from (versions start at 1), at most `max` (0 = all).
  absl::StatusOr<std::vector<v1::EventEnvelope>> ReadStream(const StreamId& stream, StreamVersion from,
                                                            size_t max = 0) const;
  // Events of the whole store with position >= from (positions start at 1), at most `max` (0 = all).
  absl::StatusOr<std::vector<v1::EventEnvelope>> ReadAll(GlobalPosition from, size_t max = 0) const;
  // Events with position in [from, to] (to = 0: up to the head) whose stream `keep` accepts, in order, a page at a
  // time: at most `max` events and about `max_bytes` of them (always at least one), at most `max_scanned`
  // positions examined. `scanned_to` is the last position examined: every accepted event up to it is in `events`.
  struct FilteredPage {
    std::vector<v1::EventEnvelope> events;
    GlobalPosition scanned_to;  // from - 1 when nothing was examined
  };
  absl::StatusOr<FilteredPage> ReadAllMatching(GlobalPosition from, GlobalPosition to,
                                               const std::function<bool(const v1::StreamRef&)>& keep, size_t max,
                                               size_t max_bytes, size_t max_scanned) const;
  absl::StatusOr<StreamVersion> CurrentVersion(const StreamId& stream) const;
  // The result recorded for ctx's idempotency key in its scope (ctx.actor, `stream`), if a command with that key
  // was already appended: lets a service answer a retried command before deciding it again against the newer
  // state. INVALID_ARGUMENT when the key was used in that scope for a request with another fingerprint.
  absl::StatusOr<std::optional<AppendResult>> LookupIdempotencyKey(const StreamId& stream,
                                                                   const CommandContext& ctx) const;

  Head head() const;
  // Blocks until the head is beyond `after` or `timeout` passes; returns the head position then.
  GlobalPosition WaitForAppend(GlobalPosition after, absl::Duration timeout) const;

  // Re-reads the whole store from one snapshot and checks positions, stream versions, the hash chain and the
  // head record of that snapshot; with `anchor`, also that the anchored event is there with the anchored hash
  // (a missing one — a truncated tail, even with a rewritten head record — or a different one is a problem).
  VerifyReport Verify(const std::optional<Anchor>& anchor = std::nullopt) const;

  // Outbox: events not yet confirmed delivered to Kafka, oldest first, with position >= from.
  absl::StatusOr<std::vector<v1::EventEnvelope>> ReadOutbox(GlobalPosition from, size_t max) const;
  // The same entries as stored, without decoding the envelopes: each one's position, stream and serialized
  // envelope (exactly the bytes ReadOutbox's envelope serializes to). What the relay publishes.
  struct OutboxEntry {
    GlobalPosition position;
    v1::StreamRef stream;
    std::string bytes;
  };
  absl::StatusOr<std::vector<OutboxEntry>> ReadOutboxEntries(GlobalPosition from, size_t max) const;
  absl::Status MarkDelivered(const std::vector<GlobalPosition>& positions);
  absl::StatusOr<uint64_t> OutboxSize() const;
  // Moves an outbox entry that the transport refuses for good (e.g. larger than a topic accepts) out of the
  // outbox into the parked records, atomically, with the reason: the relay goes on with the next entries and
  // consumers still get the event from ReadEvents (gap filling). The event itself stays in the store.
  absl::Status ParkOutboxEntry(GlobalPosition position, const std::string& reason);
  struct ParkedEntry {
    GlobalPosition position;
    std::string reason;
  };
  // Parked entries, oldest first, at most `max` (0 = all).
  absl::StatusOr<std::vector<ParkedEntry>> ParkedEntries(size_t max = 0) const;

  size_t max_event_bytes() const;

  // OK while the store can write. After a write failed (a full disk, a failed sync: the append was UNAVAILABLE
  // and nothing was acknowledged) it tries to resume and answers UNAVAILABLE with the cause until that works;
  // the services report NOT_SERVING meanwhile (services/common/write_service.cc).
  absl::Status Writable();

  const ServiceName& source_service() const;

  // The underlying database, for tests that tamper with it and for tools.
  rocksdb::DB* raw_db();

 private:
  class Impl;
  explicit EventStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The hash an event must carry given its predecessor's hash (the envelope's own `hash` is ignored).
std::string ChainHash(const v1::EventEnvelope& envelope);

// RocksDB key of the event at `position`, for tests that tamper with the store.
std::string EventKeyForTest(GlobalPosition position);

// Removes the last event the way an attacker with write access to the database would, leaving no trace a
// plain Verify() sees: the event, its stream index entry, outbox entry and idempotency record are deleted,
// the stream head and the chain head record are rewritten to the event before. For tamper-evidence tests
// (`db` is a closed store's database, or an open store's raw_db() before Verify). Returns the removed position.
absl::StatusOr<GlobalPosition> RemoveLastEventForTest(rocksdb::DB* db);

}  // namespace piao::eventstore

#endif  // PIAO_LIBS_EVENTSTORE_EVENT_STORE_H_
