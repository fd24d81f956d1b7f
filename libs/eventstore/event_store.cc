#include "libs/eventstore/event_store.h"

#include "libs/base/timestamp.h"

#include <condition_variable>
#include <deque>
#include <future>
#include <filesystem>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "google/protobuf/util/time_util.h"
#include "libs/base/key_codec.h"
#include "libs/base/sha256.h"
#include "libs/base/log.h"
#include "libs/eventstore/rocksdb_log.h"
#include "libs/eventstore/rocksdb_status.h"
#include "libs/base/status_macros.h"
#include "rocksdb/db.h"

namespace piao::eventstore {
namespace {

// Key layout (one column family; the first byte names the record kind):
//   'e' pos64                    -> EventEnvelope (serialized, with prev_hash and hash)
//   's' type \0 id \0 version64  -> pos64             stream index
//   'h' type \0 id               -> version64         stream head
//   'i' {actor}{stream}{key}     -> {"2"}{fv}{lv}{fp}{lp}{fingerprint}{reply}   ({x}: libs/base/key_codec.h)
//   'o' pos64                    -> ""                outbox: not yet confirmed delivered
//   'm' "head"                   -> pos64 hash        head of the chain (detects a removed tail)
//   'x' pos64                    -> reason            parked: refused for good by the transport
std::string Be64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

uint64_t FromBe64(std::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < s.size(); ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

std::string EventKey(uint64_t pos) { return "e" + Be64(pos); }
std::string OutboxKey(uint64_t pos) { return "o" + Be64(pos); }
std::string StreamPrefix(const StreamId& s) {
  return absl::StrCat("s", s.aggregate_type, std::string(1, '\0'), s.aggregate_id, std::string(1, '\0'));
}
std::string StreamIndexKey(const StreamId& s, uint64_t version) { return StreamPrefix(s) + Be64(version); }
std::string StreamHeadKey(const StreamId& s) {
  return absl::StrCat("h", s.aggregate_type, std::string(1, '\0'), s.aggregate_id);
}
std::string IdempotencyRecordKey(const StreamId& s, const CommandContext& ctx) {
  return "i" + EncodeKeyParts({ctx.actor.id(), s.Key(), ctx.idempotency_key.value()});
}
constexpr char kHeadKey[] = "mhead";

google::protobuf::Timestamp ToProto(absl::Time t) { return ToTimestamp(t); }

struct IdempotencyRecord {
  AppendResult result;
  std::string fingerprint;
};

std::string EncodeRecord(const AppendResult& r, const CommandContext& ctx) {
  return EncodeKeyParts({"2", absl::StrCat(r.first_version.value()), absl::StrCat(r.last_version.value()),
                         absl::StrCat(r.first_position.value()), absl::StrCat(r.last_position.value()),
                         ctx.request_fingerprint, ctx.reply});
}

absl::StatusOr<IdempotencyRecord> DecodeRecord(absl::string_view v) {
  absl::StatusOr<std::vector<std::string>> parts = SplitKeyParts(v);
  if (!parts.ok() || parts->size() != 7 || (*parts)[0] != "2") {
    return absl::DataLossError("malformed idempotency record");
  }
  uint64_t n[4];
  for (int i = 0; i < 4; ++i) {
    if (!absl::SimpleAtoi((*parts)[i + 1], &n[i])) return absl::DataLossError("malformed idempotency record");
  }
  IdempotencyRecord rec;
  rec.result = AppendResult{StreamVersion(n[0]), StreamVersion(n[1]), GlobalPosition(n[2]), GlobalPosition(n[3]),
                            /*duplicate=*/true, /*unchanged=*/false, std::move((*parts)[6])};
  rec.fingerprint = std::move((*parts)[5]);
  return rec;
}

// A retry of the recorded command gets its result; the same key for another request is refused.
absl::StatusOr<AppendResult> AnswerRetry(const IdempotencyRecord& rec, const StreamId& stream,
                                         const CommandContext& ctx) {
  if (rec.fingerprint != ctx.request_fingerprint) {
    return absl::InvalidArgumentError(absl::StrCat(
        "meta.idempotency_key: '", ctx.idempotency_key.value(), "' was already used by ", ctx.actor.id(), " on ",
        stream.Key(), " for a different request; a retry must resend the same request, a new request needs a new key"));
  }
  return rec.result;
}

absl::Status ValidateId(absl::string_view field, absl::string_view v) {
  if (v.empty()) return absl::InvalidArgumentError(absl::StrCat(field, " must not be empty"));
  if (v.find('\0') != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(field, " must not contain NUL bytes"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string ExpectedVersion::ToString() const {
  return kind_ == Kind::kAny ? "any" : absl::StrCat(version_.value());
}

namespace {

// Appends `hash` encoded as EventEnvelope field 16 (bytes): what SerializeToString adds for it after every
// other field, `hash` being the highest-numbered one (used only when HashIsTheLastField()).
void AppendHashField(const std::string& hash, std::string* bytes) {
  bytes->push_back(static_cast<char>(0x82));  // tag: field 16, wire type 2 (length-delimited), as a varint
  bytes->push_back(static_cast<char>(0x01));
  for (uint64_t n = hash.size(); ; n >>= 7) {
    if (n < 0x80) {
      bytes->push_back(static_cast<char>(n));
      break;
    }
    bytes->push_back(static_cast<char>((n & 0x7f) | 0x80));
  }
  bytes->append(hash);
}

// Whether `hash` is EventEnvelope field 16, of type bytes, and no field has a higher number: then the canonical
// serialisation of an envelope is that of the envelope without `hash`, followed by the encoded `hash` field.
bool HashIsTheLastField() {
  static const bool last = [] {
    const google::protobuf::Descriptor* d = v1::EventEnvelope::descriptor();
    const google::protobuf::FieldDescriptor* hash = d->FindFieldByName("hash");
    bool ok = hash != nullptr && hash->number() == 16 &&
              hash->type() == google::protobuf::FieldDescriptor::TYPE_BYTES;
    for (int i = 0; i < d->field_count(); ++i) ok = ok && d->field(i)->number() <= 16;
    return ok;
  }();
  return last;
}

}  // namespace

std::string ChainHash(const v1::EventEnvelope& envelope) {
  v1::EventEnvelope copy = envelope;
  copy.clear_hash();
  std::string bytes;
  copy.SerializeToString(&bytes);
  return Sha256({envelope.prev_hash(), bytes});
}

std::string EventKeyForTest(GlobalPosition position) { return EventKey(position.value()); }

class EventStore::Impl {
 public:
  Impl(Options options, std::unique_ptr<rocksdb::DB> db, std::unique_ptr<IdGenerator> owned_ids, std::string path,
       rocksdb::Options rocks_options)
      : options_(std::move(options)), db_(std::move(db)), owned_ids_(std::move(owned_ids)), path_(std::move(path)),
        rocks_options_(std::move(rocks_options)) {
    if (options_.ids == nullptr) options_.ids = owned_ids_.get();
  }

  ~Impl() {
    {
      std::lock_guard<std::mutex> l(queue_mu_);
      stopping_ = true;
    }
    queue_cv_.notify_all();
    if (writer_.joinable()) writer_.join();
  }

  absl::Status LoadHead() {
    std::string v;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), kHeadKey, &v);
    if (s.IsNotFound()) return absl::OkStatus();
    PIAO_RETURN_IF_ERROR(FromRocksDb(s, "reading head"));
    if (v.size() < 8) return absl::DataLossError("malformed head record");
    head_.position = GlobalPosition(FromBe64(v));
    head_.hash = v.substr(8);
    return absl::OkStatus();
  }

  void StartWriter() { writer_ = std::thread([this] { WriterLoop(); }); }

  absl::StatusOr<AppendResult> Append(const StreamId& stream, ExpectedVersion expected,
                                      std::vector<NewEvent> events, const CommandContext& ctx) {
    PIAO_RETURN_IF_ERROR(ValidateId("stream.aggregate_type", stream.aggregate_type));
    PIAO_RETURN_IF_ERROR(ValidateId("stream.aggregate_id", stream.aggregate_id));
    if (events.empty()) return absl::InvalidArgumentError("events: an append needs at least one event");
    if (ctx.actor.id().empty()) return absl::InvalidArgumentError("actor.id: every event records who did it");
    for (size_t i = 0; i < events.size(); ++i) {
      if (events[i].event_type.empty()) {
        return absl::InvalidArgumentError(absl::StrCat("events[", i, "].event_type must not be empty"));
      }
    }
    // Checked before queueing, so nothing of an oversized append is ever written. The bound is generous: the
    // envelope as stored, with the two hashes and numbers at their widest. The fields every event of the call
    // shares are sized once, without copying any payload.
    v1::EventEnvelope shared;
    shared.set_event_id(std::string(36, 'x'));
    shared.set_source_service(options_.source_service.value());
    shared.mutable_stream()->set_aggregate_type(stream.aggregate_type);
    shared.mutable_stream()->set_aggregate_id(stream.aggregate_id);
    *shared.mutable_actor() = ctx.actor;
    shared.set_causation_id(ctx.causation_id);
    shared.set_correlation_id(ctx.correlation_id);
    shared.set_idempotency_key(ctx.idempotency_key.value());
    const size_t shared_bytes = shared.ByteSizeLong() + 2 * (32 + 2) + 4 * 11 + 2 * 16;
    for (size_t i = 0; i < events.size(); ++i) {
      // Each of event_type and payload: a tag, a length varint (at most 10 bytes) and the bytes.
      const size_t bound = shared_bytes + 2 * 11 + events[i].event_type.size() + events[i].payload.size();
      if (bound > options_.max_event_bytes) {
        return absl::InvalidArgumentError(absl::StrCat(
            "events[", i, "] (", events[i].event_type, "): the event would be ", bound,
            " bytes, above the limit of ", options_.max_event_bytes,
            " bytes per event (max_event_bytes, below the Kafka message limit); split the command"));
      }
    }
    if (events.size() > options_.max_group_events) {
      return absl::InvalidArgumentError(
          absl::StrCat("events: at most ", options_.max_group_events, " events per append"));
    }
    auto pending = std::make_shared<Pending>();
    pending->stream = stream;
    pending->expected = expected;
    pending->events = std::move(events);
    pending->ctx = ctx;
    std::future<absl::StatusOr<AppendResult>> done = pending->promise.get_future();
    {
      std::lock_guard<std::mutex> l(queue_mu_);
      if (stopping_) return absl::UnavailableError("event store is closing");
      queue_.push_back(pending);
    }
    queue_cv_.notify_one();
    return done.get();
  }

  absl::StatusOr<std::vector<v1::EventEnvelope>> Scan(const std::string& from_key, const std::string& prefix,
                                                      size_t max, bool index) const {
    std::vector<v1::EventEnvelope> out;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(from_key); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      if (max != 0 && out.size() >= max) break;
      uint64_t pos = index ? FromBe64(it->value().ToStringView())
                           : FromBe64(it->key().ToStringView().substr(1));
      PIAO_ASSIGN_OR_RETURN(v1::EventEnvelope e, ReadEvent(pos));
      out.push_back(std::move(e));
    }
    PIAO_RETURN_IF_ERROR(FromRocksDb(it->status(), "scanning"));
    return out;
  }

  absl::StatusOr<v1::EventEnvelope> ReadEvent(uint64_t pos) const {
    std::string v;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), EventKey(pos), &v);
    if (s.IsNotFound()) return absl::DataLossError(absl::StrCat("event at position ", pos, " is missing"));
    PIAO_RETURN_IF_ERROR(FromRocksDb(s, "reading event"));
    v1::EventEnvelope e;
    if (!e.ParseFromString(v)) return absl::DataLossError(absl::StrCat("event at position ", pos, " is corrupt"));
    return e;
  }

  absl::StatusOr<StreamVersion> StoredVersion(const StreamId& stream) const {
    std::string v;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), StreamHeadKey(stream), &v);
    if (s.IsNotFound()) return StreamVersion(0);
    PIAO_RETURN_IF_ERROR(FromRocksDb(s, "reading stream head"));
    return StreamVersion(FromBe64(v));
  }

  Head head() const {
    std::lock_guard<std::mutex> l(head_mu_);
    return head_;
  }

  GlobalPosition WaitForAppend(GlobalPosition after, absl::Duration timeout) const {
    std::unique_lock<std::mutex> l(head_mu_);
    head_cv_.wait_for(l, absl::ToChronoNanoseconds(timeout), [&] { return head_.position > after || closed_; });
    return head_.position;
  }

  VerifyReport Verify(const std::optional<Anchor>& anchor) const;

  Options options_;
  std::unique_ptr<rocksdb::DB> db_;

 private:
  struct Pending {
    StreamId stream;
    ExpectedVersion expected = ExpectedVersion::Any();
    std::vector<NewEvent> events;
    CommandContext ctx;
    std::promise<absl::StatusOr<AppendResult>> promise;
  };

  // State the writer thread advances tentatively while it builds a group, and rolls back if the write fails.
  struct Tentative {
    uint64_t position;
    std::string hash;
    absl::flat_hash_map<std::string, uint64_t> stream_versions;               // by StreamHeadKey
    absl::flat_hash_map<std::string, IdempotencyRecord> keys;  // idempotency records written in this group
  };

  void WriterLoop() {
    for (;;) {
      std::vector<std::shared_ptr<Pending>> group;
      {
        std::unique_lock<std::mutex> l(queue_mu_);
        queue_cv_.wait(l, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty() && stopping_) break;
        size_t events = 0;
        while (!queue_.empty() && (group.empty() || events + queue_.front()->events.size() <= options_.max_group_events)) {
          events += queue_.front()->events.size();
          group.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      CommitGroup(group);
    }
    std::lock_guard<std::mutex> l(head_mu_);
    closed_ = true;
    head_cv_.notify_all();
  }

 public:
  // OK while the store can write. After a failed write (a full disk, a failed sync) RocksDB refuses every
  // write until it is resumed: this tries DB::Resume() (RocksDB flushes and starts a new WAL, so a batch whose
  // write failed is never half-applied) and says whether writing works again. The writer reloads its cached
  // head and stream versions before its next group, so a batch that did reach the database is never
  // overwritten.
  absl::Status Writable() {
    std::lock_guard<std::mutex> l(failure_mu_);
    if (failure_.ok() || resumed_) return absl::OkStatus();
    rocksdb::Status resumed = rocksdb::Status::Busy("reopening");
    {
      std::shared_lock<std::shared_mutex> r(db_mu_);
      if (db_ != nullptr && !read_only_) resumed = db_->Resume();  // a read-only open is reopened, not resumed
    }
    if (!resumed.ok()) {
      // RocksDB's own recovery from a full disk first flushes the memtable, which may need more room than has
      // come back, and stays busy: reopen the database instead, once there is room to replay the WAL. Opening
      // replays the synced WAL, so every acknowledged batch is there, and a batch whose write failed is either
      // whole or absent.
      const absl::Status room = RoomToReopen();
      if (!room.ok()) {
        return absl::UnavailableError(absl::StrCat("the event store cannot write (", failure_.message(), "): ",
                                                   room.message()));
      }
      std::unique_lock<std::shared_mutex> w(db_mu_);
      db_.reset();
      rocksdb::DB* raw = nullptr;
      rocksdb::Status opened = rocksdb::DB::Open(rocks_options_, path_, &raw);
      if (!opened.ok()) {
        // Reads go on from a read-only open; writing is tried again at the next check.
        rocksdb::DB* ro = nullptr;
        if (rocksdb::DB::OpenForReadOnly(rocks_options_, path_, &ro).ok()) db_.reset(ro);
        read_only_ = true;
        return absl::UnavailableError(absl::StrCat("the event store cannot write (", failure_.message(),
                                                   "); reopening failed: ", opened.ToString()));
      }
      db_.reset(raw);
      read_only_ = false;
    }
    log::Info("the event store can write again", {{"after", std::string(failure_.message())}});
    resumed_ = true;
    return absl::OkStatus();
  }

  // OK when the disk has room to replay the WAL at a reopen (twice the WAL files, and 1 MiB).
  absl::Status RoomToReopen() const {
    std::error_code ec;
    uintmax_t wal = 0;
    for (const auto& f : std::filesystem::directory_iterator(path_, ec)) {
      if (f.path().extension() == ".log") wal += f.file_size(ec);
    }
    const std::filesystem::space_info space = std::filesystem::space(path_, ec);
    if (ec) return absl::UnavailableError("cannot read the free space: " + ec.message());
    const uintmax_t needed = 2 * wal + (1u << 20);
    if (space.available < needed) {
      return absl::UnavailableError(
          absl::StrCat("waiting for free space: ", space.available, " bytes available, ", needed, " needed"));
    }
    return absl::OkStatus();
  }

  // Shared access to the database for readers: UNAVAILABLE while it is being reopened after a write failure.
  absl::StatusOr<std::shared_lock<std::shared_mutex>> ReadAccess() const {
    std::shared_lock<std::shared_mutex> l(db_mu_);
    if (db_ == nullptr) return absl::UnavailableError("the event store is reopening after a write failure");
    return l;
  }

 private:
  void CommitGroup(const std::vector<std::shared_ptr<Pending>>& group) {
    if (absl::Status w = Writable(); !w.ok()) {
      for (const auto& p : group) p->promise.set_value(w);  // nothing is written: the callers may retry
      return;
    }
    {
      std::lock_guard<std::mutex> l(failure_mu_);
      if (resumed_) {
        // The failed batch may or may not have reached the database: read the head again, forget cached versions.
        stream_versions_.clear();
        absl::Status reloaded;
        {
          std::shared_lock<std::shared_mutex> r(db_mu_);
          std::lock_guard<std::mutex> h(head_mu_);
          reloaded = db_ != nullptr ? LoadHead() : absl::UnavailableError("the event store is reopening");
        }
        if (!reloaded.ok()) {
          for (const auto& p : group) p->promise.set_value(absl::UnavailableError(reloaded.ToString()));
          return;
        }
        failure_ = absl::OkStatus();
        resumed_ = false;
      }
    }
    absl::StatusOr<std::shared_lock<std::shared_mutex>> access = ReadAccess();
    if (!access.ok()) {
      for (const auto& p : group) p->promise.set_value(access.status());
      return;
    }
    Tentative t;
    {
      std::lock_guard<std::mutex> l(head_mu_);
      t.position = head_.position.value();
      t.hash = head_.hash;
    }
    CheckedWriteBatch batch;
    std::vector<absl::StatusOr<AppendResult>> results;
    results.reserve(group.size());
    const absl::Time now = options_.clock->Now();
    for (const auto& p : group) results.push_back(Prepare(*p, now, t, batch));

    bool wrote_any = false;
    for (const auto& r : results) wrote_any |= (r.ok() && !r->duplicate);
    if (wrote_any) {
      batch.Put(kHeadKey, Be64(t.position) + t.hash);
      if (!batch.status().ok()) {
        // RocksDB refused a record while the batch was built: nothing reached the database and the store can
        // still write, so only this group fails (the tentative state is dropped with it).
        const absl::Status refused = absl::Status(
            batch.status().code(), absl::StrCat("committing events: nothing written: ", batch.status().message()));
        log::Error("an append group could not be batched", {{"error", refused.ToString()}});
        for (const auto& p : group) p->promise.set_value(refused);
        return;
      }
      rocksdb::WriteOptions wo;
      wo.sync = options_.sync;
      absl::Status s = batch.Write(db_.get(), wo, "committing events");
      if (!s.ok()) {
        // Nothing of the group is acknowledged: every caller gets the error, cached versions are dropped, and
        // the store reports itself unwritable until RocksDB resumes (Writable()).
        stream_versions_.clear();
        {
          std::lock_guard<std::mutex> l(failure_mu_);
          if (failure_.ok()) log::Error("the event store cannot write", {{"error", s.ToString()}});
          failure_ = s;
          resumed_ = false;
        }
        for (size_t i = 0; i < group.size(); ++i) group[i]->promise.set_value(s);
        return;
      }
      for (auto& [k, v] : t.stream_versions) stream_versions_[k] = v;
      std::lock_guard<std::mutex> l(head_mu_);
      head_.position = GlobalPosition(t.position);
      head_.hash = t.hash;
      head_cv_.notify_all();
    }
    for (size_t i = 0; i < group.size(); ++i) group[i]->promise.set_value(std::move(results[i]));
  }

  absl::StatusOr<uint64_t> VersionFor(const std::string& head_key, const StreamId& stream, Tentative& t) {
    if (auto it = t.stream_versions.find(head_key); it != t.stream_versions.end()) return it->second;
    if (auto it = stream_versions_.find(head_key); it != stream_versions_.end()) return it->second;
    PIAO_ASSIGN_OR_RETURN(StreamVersion v, StoredVersion(stream));
    stream_versions_[head_key] = v.value();
    return v.value();
  }

  // Checks one append against the group's tentative state and adds its records to `batch`.
  absl::StatusOr<AppendResult> Prepare(const Pending& p, absl::Time now, Tentative& t, CheckedWriteBatch& batch) {
    const std::string stream_key = p.stream.Key();
    const std::string record_key =
        p.ctx.idempotency_key.empty() ? std::string() : IdempotencyRecordKey(p.stream, p.ctx);
    if (!record_key.empty()) {
      if (auto it = t.keys.find(record_key); it != t.keys.end()) return AnswerRetry(it->second, p.stream, p.ctx);
      std::string v;
      rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), record_key, &v);
      if (!s.IsNotFound()) {
        PIAO_RETURN_IF_ERROR(FromRocksDb(s, "reading idempotency record"));
        PIAO_ASSIGN_OR_RETURN(IdempotencyRecord seen, DecodeRecord(v));
        return AnswerRetry(seen, p.stream, p.ctx);
      }
    }
    const std::string head_key = StreamHeadKey(p.stream);
    PIAO_ASSIGN_OR_RETURN(uint64_t current, VersionFor(head_key, p.stream, t));
    if (!p.expected.Matches(StreamVersion(current))) {
      return absl::AbortedError(absl::StrCat("stream ", stream_key, " is at version ", current, ", expected ",
                                             p.expected.ToString()));
    }
    AppendResult r;
    r.first_version = StreamVersion(current + 1);
    r.first_position = GlobalPosition(t.position + 1);
    for (const NewEvent& ne : p.events) {
      v1::EventEnvelope e;
      e.set_event_id(options_.ids->NewId());
      e.set_source_service(options_.source_service.value());
      e.mutable_stream()->set_aggregate_type(p.stream.aggregate_type);
      e.mutable_stream()->set_aggregate_id(p.stream.aggregate_id);
      e.set_stream_version(++current);
      e.set_global_position(++t.position);
      e.set_event_type(ne.event_type);
      e.set_schema_version(ne.schema_version);
      *e.mutable_occurred_at() = ToProto(ne.occurred_at == absl::InfinitePast() ? now : ne.occurred_at);
      *e.mutable_recorded_at() = ToProto(now);
      *e.mutable_actor() = p.ctx.actor;
      e.set_causation_id(p.ctx.causation_id);
      e.set_correlation_id(p.ctx.correlation_id);
      e.set_idempotency_key(p.ctx.idempotency_key.value());
      e.set_payload(ne.payload);
      e.set_prev_hash(t.hash);
      // Serialised once: the bytes without `hash` are what ChainHash hashes, and since `hash` is the envelope's
      // last field, the stored bytes are exactly those followed by the encoded `hash` field.
      std::string bytes;
      e.SerializeToString(&bytes);
      t.hash = Sha256({e.prev_hash(), bytes});
      if (HashIsTheLastField()) {
        AppendHashField(t.hash, &bytes);
      } else {  // a later envelope field: serialise again, with the hash
        e.set_hash(t.hash);
        bytes.clear();
        e.SerializeToString(&bytes);
      }
      batch.Put(EventKey(t.position), bytes);
      batch.Put(StreamIndexKey(p.stream, current), Be64(t.position));
      batch.Put(OutboxKey(t.position), "");
    }
    r.last_version = StreamVersion(current);
    r.last_position = GlobalPosition(t.position);
    batch.Put(head_key, Be64(current));
    t.stream_versions[head_key] = current;
    if (!record_key.empty()) {
      batch.Put(record_key, EncodeRecord(r, p.ctx));
      AppendResult dup = r;
      dup.duplicate = true;
      dup.reply = p.ctx.reply;
      t.keys[record_key] = IdempotencyRecord{dup, p.ctx.request_fingerprint};
    }
    return r;
  }

  std::unique_ptr<IdGenerator> owned_ids_;
  std::thread writer_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<std::shared_ptr<Pending>> queue_;
  bool stopping_ = false;

  // Only the writer thread touches this cache.
  absl::flat_hash_map<std::string, uint64_t> stream_versions_;

  const std::string path_;
  const rocksdb::Options rocks_options_;
  mutable std::shared_mutex db_mu_;  // readers shared; a reopen after a write failure exclusive
  std::mutex failure_mu_;
  absl::Status failure_;  // the last failed write, until the writer reloads after a resume
  bool resumed_ = false;  // RocksDB resumed since failure_; the writer has not reloaded yet
  bool read_only_ = false;  // db_ is a read-only open (a reopen for writing failed); guarded by failure_mu_

  mutable std::mutex head_mu_;
  mutable std::condition_variable head_cv_;
  Head head_;
  bool closed_ = false;
};

VerifyReport EventStore::Impl::Verify(const std::optional<Anchor>& anchor) const {
  VerifyReport report;
  auto fail = [&](uint64_t position, std::string problem) {
    report.intact = false;
    report.problem = std::move(problem);
    report.problem_position = GlobalPosition(position);
    return report;
  };
  // One snapshot for everything read below: the head record is written in the same WriteBatch as the events,
  // so within a snapshot they always agree, however many appends commit meanwhile.
  std::shared_ptr<const rocksdb::Snapshot> snapshot(db_->GetSnapshot(),
                                                    [db = db_.get()](const rocksdb::Snapshot* s) {
                                                      db->ReleaseSnapshot(s);
                                                    });
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot.get();
  std::string expected_prev;
  uint64_t expected_pos = 1;
  absl::flat_hash_map<std::string, uint64_t> versions;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
  for (it->Seek("e"); it->Valid() && it->key().starts_with("e"); it->Next()) {
    const uint64_t key_pos = FromBe64(it->key().ToStringView().substr(1));
    if (key_pos != expected_pos) {
      return fail(expected_pos,
                  absl::StrCat("position ", expected_pos, " is missing (next stored is ", key_pos, ")"));
    }
    v1::EventEnvelope e;
    if (!e.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return fail(key_pos, absl::StrCat("event at position ", key_pos, " cannot be decoded"));
    }
    if (e.global_position() != key_pos) {
      return fail(key_pos, absl::StrCat("event stored at position ", key_pos, " says it is position ",
                                        e.global_position()));
    }
    if (e.prev_hash() != expected_prev) {
      return fail(key_pos, absl::StrCat("event at position ", key_pos, " does not chain to its predecessor"));
    }
    if (ChainHash(e) != e.hash()) {
      return fail(key_pos, absl::StrCat("event at position ", key_pos,
                                        " was altered: its hash does not match its content"));
    }
    if (anchor.has_value() && key_pos == anchor->position.value() && e.hash() != anchor->hash) {
      return fail(key_pos, absl::StrCat("anchored event at position ", key_pos, " has hash ", ToHex(e.hash()),
                                        ", the anchor says ", ToHex(anchor->hash),
                                        ": an event at or before it was altered, replaced or reordered"));
    }
    StreamId stream{e.stream().aggregate_type(), e.stream().aggregate_id()};
    uint64_t& v = versions[stream.Key()];
    if (e.stream_version() != v + 1) {
      return fail(key_pos, absl::StrCat("event at position ", key_pos, " has version ", e.stream_version(),
                                        " of stream ", stream.Key(), ", expected ", v + 1));
    }
    v = e.stream_version();
    std::string idx;
    rocksdb::Status s = db_->Get(ro, StreamIndexKey(stream, v), &idx);
    if (!s.ok() || FromBe64(idx) != key_pos) {
      return fail(key_pos, absl::StrCat("stream index of ", stream.Key(), " version ", v,
                                        " does not point to position ", key_pos));
    }
    expected_prev = e.hash();
    ++expected_pos;
    ++report.events_checked;
  }
  if (!it->status().ok()) return fail(0, "scan failed: " + it->status().ToString());
  // The head record of the same snapshot (not the live in-memory head, which may be ahead of the scan).
  std::string head_record;
  rocksdb::Status hs = db_->Get(ro, kHeadKey, &head_record);
  uint64_t head_pos = 0;
  std::string head_hash;
  if (hs.ok()) {
    if (head_record.size() < 8) return fail(0, "the head record is malformed");
    head_pos = FromBe64(head_record);
    head_hash = head_record.substr(8);
  } else if (!hs.IsNotFound()) {
    return fail(0, "reading the head record failed: " + hs.ToString());
  }
  if (head_pos != report.events_checked || head_hash != expected_prev) {
    return fail(std::max(head_pos, report.events_checked),
                absl::StrCat("head record says ", head_pos, " events, the chain has ", report.events_checked,
                             ": events were removed or added outside the store"));
  }
  if (anchor.has_value() && anchor->position.value() > report.events_checked) {
    return fail(anchor->position.value(),
                absl::StrCat("anchored event at position ", anchor->position.value(),
                             " is missing: the chain ends at ", report.events_checked,
                             " (the tail was removed and the head record rewritten)"));
  }
  if (anchor.has_value() && anchor->position.value() == 0 && !anchor->hash.empty()) {
    return fail(0, "the anchor names position 0 with a hash: it is malformed");
  }
  return report;
}

absl::StatusOr<GlobalPosition> RemoveLastEventForTest(rocksdb::DB* db) {
  std::string head_record;
  PIAO_RETURN_IF_ERROR(FromRocksDb(db->Get(rocksdb::ReadOptions(), kHeadKey, &head_record), "reading head"));
  const uint64_t pos = FromBe64(head_record);
  if (pos == 0) return absl::FailedPreconditionError("the store is empty");
  std::string bytes;
  PIAO_RETURN_IF_ERROR(FromRocksDb(db->Get(rocksdb::ReadOptions(), EventKey(pos), &bytes), "reading last event"));
  v1::EventEnvelope e;
  if (!e.ParseFromString(bytes)) return absl::DataLossError("last event cannot be decoded");
  const StreamId stream{e.stream().aggregate_type(), e.stream().aggregate_id()};
  CheckedWriteBatch batch;
  batch.Delete(EventKey(pos));
  batch.Delete(StreamIndexKey(stream, e.stream_version()));
  batch.Delete(OutboxKey(pos));
  if (!e.idempotency_key().empty()) {
    CommandContext ctx;
    *ctx.actor.mutable_id() = e.actor().id();
    ctx.idempotency_key = IdempotencyKey(e.idempotency_key());
    batch.Delete(IdempotencyRecordKey(stream, ctx));
  }
  if (e.stream_version() > 1) {
    batch.Put(StreamHeadKey(stream), Be64(e.stream_version() - 1));
  } else {
    batch.Delete(StreamHeadKey(stream));
  }
  batch.Put(kHeadKey, Be64(pos - 1) + e.prev_hash());
  PIAO_RETURN_IF_ERROR(batch.Write(db, rocksdb::WriteOptions(), "removing the last event"));
  return GlobalPosition(pos);
}

EventStore::EventStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EventStore::~EventStore() = default;

absl::StatusOr<std::unique_ptr<EventStore>> EventStore::Open(const std::string& path, Options options) {
  if (options.source_service.empty()) return absl::InvalidArgumentError("source_service must not be empty");
  rocksdb::Options ro;
  ro.create_if_missing = true;
  ro.info_log = RocksDbLogger();  // no LOG file on the data disk (a full disk must not abort the process)
  ro.avoid_flush_during_shutdown = true;  // a close (or a reopen after a full disk) writes nothing: the WAL has it
  rocksdb::DB* raw = nullptr;
  PIAO_RETURN_IF_ERROR(FromRocksDb(rocksdb::DB::Open(ro, path, &raw), "opening event store at " + path));
  std::unique_ptr<IdGenerator> ids;
  if (options.ids == nullptr) ids = RandomIdGenerator::FromEntropy();
  auto impl = std::make_unique<Impl>(std::move(options), std::unique_ptr<rocksdb::DB>(raw), std::move(ids), path, ro);
  PIAO_RETURN_IF_ERROR(impl->LoadHead());
  impl->StartWriter();
  return std::unique_ptr<EventStore>(new EventStore(std::move(impl)));
}

absl::StatusOr<AppendResult> EventStore::Append(const StreamId& stream, ExpectedVersion expected,
                                                std::vector<NewEvent> events, const CommandContext& ctx) {
  return impl_->Append(stream, expected, std::move(events), ctx);
}

absl::StatusOr<std::vector<v1::EventEnvelope>> EventStore::ReadStream(const StreamId& stream, StreamVersion from,
                                                                      size_t max) const {
  PIAO_RETURN_IF_ERROR(ValidateId("stream.aggregate_type", stream.aggregate_type));
  PIAO_RETURN_IF_ERROR(ValidateId("stream.aggregate_id", stream.aggregate_id));
  PIAO_ASSIGN_OR_RETURN(auto access, impl_->ReadAccess());
  return impl_->Scan(StreamIndexKey(stream, std::max<uint64_t>(from.value(), 1)), StreamPrefix(stream), max, true);
}

absl::StatusOr<std::vector<v1::EventEnvelope>> EventStore::ReadAll(GlobalPosition from, size_t max) const {
  PIAO_ASSIGN_OR_RETURN(auto access, impl_->ReadAccess());
  return impl_->Scan(EventKey(std::max<uint64_t>(from.value(), 1)), "e", max, false);
}

absl::StatusOr<EventStore::FilteredPage> EventStore::ReadAllMatching(
    GlobalPosition from, GlobalPosition to, const std::function<bool(const v1::StreamRef&)>& keep, size_t max,
    size_t max_bytes, size_t max_scanned) const {
  PIAO_ASSIGN_OR_RETURN(auto access, impl_->ReadAccess());
  const uint64_t first = std::max<uint64_t>(from.value(), 1);
  FilteredPage page;
  page.scanned_to = GlobalPosition(first - 1);
  size_t bytes = 0;
  size_t scanned = 0;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(EventKey(first)); it->Valid() && it->key().starts_with("e"); it->Next()) {
    const uint64_t pos = FromBe64(it->key().ToStringView().substr(1));
    if (to.value() != 0 && pos > to.value()) break;
    if ((max != 0 && page.events.size() >= max) || (max_scanned != 0 && scanned >= max_scanned) ||
        (max_bytes != 0 && bytes >= max_bytes)) {
      break;
    }
    v1::EventEnvelope e;
    if (!e.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return absl::DataLossError(absl::StrCat("event at position ", pos, " is corrupt"));
    }
    ++scanned;
    page.scanned_to = GlobalPosition(pos);
    if (!keep(e.stream())) continue;
    bytes += it->value().size();
    page.events.push_back(std::move(e));
  }
  PIAO_RETURN_IF_ERROR(FromRocksDb(it->status(), "scanning"));
  return page;
}

absl::StatusOr<StreamVersion> EventStore::CurrentVersion(const StreamId& stream) const {
  PIAO_ASSIGN_OR_RETURN(auto access, impl_->ReadAccess());
  return impl_->StoredVersion(stream);
}

absl::StatusOr<std::optional<AppendResult>> EventStore::LookupIdempotencyKey(const StreamId& stream,
                                                                             const CommandContext& ctx) const {
  if (ctx.idempotency_key.empty()) return std::optional<AppendResult>();
  std::string v;
  PIAO_ASSIGN_OR_RETURN(auto access, impl_->ReadAccess());
  rocksdb::Status s = impl_->db_->Get(rocksdb::ReadOptions(), IdempotencyRecordKey(stream, ctx), &v);
  if (s.IsNotFound()) return std::optional<AppendResult>();
  PIAO_RETURN_IF_ERROR(FromRocksDb(s, "reading idempotency record"));
  PIAO_ASSIGN_OR_RETURN(IdempotencyRecord rec, DecodeRecord(v));
  PIAO_ASSIGN_OR_RETURN(AppendResult r, AnswerRetry(rec, stream, ctx));
  return std::optional<AppendResult>(std::move(r));
}

Head EventStore::head() const { return impl_->head(); }

GlobalPosition EventStore::WaitForAppend(GlobalPosition after, absl::Duration timeout) const {
  return impl_->WaitForAppend(after, timeout);
}

VerifyReport EventStore::Verify(const std::optional<Anchor>& anchor) const {
  absl::StatusOr<std::shared_lock<std::shared_mutex>> access = impl_->ReadAccess();
  if (!access.ok()) {
    VerifyReport unreadable;
    unreadable.intact = false;
    unreadable.problem = std::string(access.status().message());
    return unreadable;
  }
  return impl_->Verify(anchor);
}

absl::StatusOr<std::vector<v1::EventEnvelope>> EventStore::ReadOutbox(GlobalPosition from, size_t max) const {
  PIAO_ASSIGN_OR_RETURN(auto access, impl_->ReadAccess());
  return impl_->Scan(OutboxKey(from.value()), "o", max, false);
}

namespace {

// The stream (field 3) of a serialized envelope, checking that it says it is at `position` (field 5), without
// decoding the rest.
absl::StatusOr<v1::StreamRef> StreamOfStoredEvent(const std::string& bytes, uint64_t position) {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  v1::StreamRef stream;
  uint64_t stored_position = 0;
  for (uint32_t tag = in.ReadTag(); tag != 0; tag = in.ReadTag()) {
    const int field = WireFormatLite::GetTagFieldNumber(tag);
    const auto type = WireFormatLite::GetTagWireType(tag);
    if (field == 3 && type == WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      std::string sub;
      uint32_t length = 0;
      if (!in.ReadVarint32(&length) || !in.ReadString(&sub, static_cast<int>(length)) ||
          !stream.MergeFromString(sub)) {
        break;
      }
    } else if (field == 5 && type == WireFormatLite::WIRETYPE_VARINT) {
      if (!in.ReadVarint64(&stored_position)) break;
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      break;
    }
  }
  if (!in.ConsumedEntireMessage() || stored_position != position) {
    return absl::DataLossError(absl::StrCat("event at position ", position, " is corrupt"));
  }
  return stream;
}

}  // namespace

absl::StatusOr<std::vector<EventStore::OutboxEntry>> EventStore::ReadOutboxEntries(GlobalPosition from,
                                                                                   size_t max) const {
  PIAO_ASSIGN_OR_RETURN(auto access, impl_->ReadAccess());
  std::vector<OutboxEntry> out;
  const std::string prefix = "o";
  std::unique_ptr<rocksdb::Iterator> it(impl_->db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(OutboxKey(from.value())); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (max != 0 && out.size() >= max) break;
    const uint64_t pos = FromBe64(it->key().ToStringView().substr(1));
    OutboxEntry e;
    e.position = GlobalPosition(pos);
    rocksdb::Status s = impl_->db_->Get(rocksdb::ReadOptions(), EventKey(pos), &e.bytes);
    if (s.IsNotFound()) return absl::DataLossError(absl::StrCat("event at position ", pos, " is missing"));
    PIAO_RETURN_IF_ERROR(FromRocksDb(s, "reading event"));
    PIAO_ASSIGN_OR_RETURN(e.stream, StreamOfStoredEvent(e.bytes, pos));
    out.push_back(std::move(e));
  }
  PIAO_RETURN_IF_ERROR(FromRocksDb(it->status(), "scanning"));
  return out;
}

absl::Status EventStore::MarkDelivered(const std::vector<GlobalPosition>& positions) {
  PIAO_ASSIGN_OR_RETURN(auto access, impl_->ReadAccess());
  CheckedWriteBatch batch;
  for (GlobalPosition p : positions) batch.Delete(OutboxKey(p.value()));
  // Not synced: a delivery mark lost in a crash only means one more publish, which consumers deduplicate.
  return batch.Write(impl_->db_.get(), rocksdb::WriteOptions(), "marking outbox entries delivered");
}

absl::Status EventStore::ParkOutboxEntry(GlobalPosition position, const std::string& reason) {
  PIAO_ASSIGN_OR_RETURN(auto access, impl_->ReadAccess());
  CheckedWriteBatch batch;
  batch.Delete(OutboxKey(position.value()));
  batch.Put("x" + Be64(position.value()), reason);
  rocksdb::WriteOptions wo;
  wo.sync = impl_->options_.sync;
  return batch.Write(impl_->db_.get(), wo, "parking an outbox entry");
}

absl::StatusOr<std::vector<EventStore::ParkedEntry>> EventStore::ParkedEntries(size_t max) const {
  PIAO_ASSIGN_OR_RETURN(auto access, impl_->ReadAccess());
  std::vector<ParkedEntry> out;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek("x"); it->Valid() && it->key().starts_with("x"); it->Next()) {
    if (max != 0 && out.size() >= max) break;
    out.push_back(ParkedEntry{GlobalPosition(FromBe64(it->key().ToStringView().substr(1))), it->value().ToString()});
  }
  PIAO_RETURN_IF_ERROR(FromRocksDb(it->status(), "reading parked entries"));
  return out;
}

absl::Status EventStore::Writable() { return impl_->Writable(); }

size_t EventStore::max_event_bytes() const { return impl_->options_.max_event_bytes; }

absl::StatusOr<uint64_t> EventStore::OutboxSize() const {
  PIAO_ASSIGN_OR_RETURN(auto access, impl_->ReadAccess());
  uint64_t n = 0;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek("o"); it->Valid() && it->key().starts_with("o"); it->Next()) ++n;
  PIAO_RETURN_IF_ERROR(FromRocksDb(it->status(), "counting outbox"));
  return n;
}

const ServiceName& EventStore::source_service() const { return impl_->options_.source_service; }

rocksdb::DB* EventStore::raw_db() { return impl_->db_.get(); }

}  // namespace piao::eventstore
