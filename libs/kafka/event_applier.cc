#include "libs/kafka/event_applier.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "libs/base/key_codec.h"
#include "libs/base/log.h"
#include "libs/base/sha256.h"
#include "libs/base/status_macros.h"
#include "libs/eventstore/event_store.h"
#include "libs/eventstore/rocksdb_status.h"
#include "libs/kafka/kafka_conf.h"
#include "rocksdb/db.h"

namespace piao::kafka {
namespace {

// A stream's gap the caller fills from the store before offering the event again.
constexpr absl::string_view kStreamGap = "stream gap";

class LocalStoreReader : public SourceReader {
 public:
  explicit LocalStoreReader(const eventstore::EventStore* store) : store_(store) {}

  absl::StatusOr<Page> ReadPartitions(const ServiceName& source, const PartitionShare& partitions,
                                      GlobalPosition from, GlobalPosition to) override {
    PIAO_RETURN_IF_ERROR(Check(source));
    PIAO_ASSIGN_OR_RETURN(
        eventstore::EventStore::FilteredPage page,
        store_->ReadAllMatching(
            from, to,
            [&](const v1::StreamRef& s) { return partitions.OwnsAdministration(AdministrationOfStream(s)); },
            /*max=*/1000, /*max_bytes=*/2 << 20, /*max_scanned=*/100000));
    return Page{std::move(page.events), page.scanned_to};
  }

  absl::StatusOr<std::vector<v1::EventEnvelope>> ReadStream(const ServiceName& source, const v1::StreamRef& stream,
                                                            StreamVersion from) override {
    PIAO_RETURN_IF_ERROR(Check(source));
    return store_->ReadStream(StreamId{stream.aggregate_type(), stream.aggregate_id()}, from, 1000);
  }

 private:
  absl::Status Check(const ServiceName& source) const {
    if (source != store_->source_service()) return absl::NotFoundError(absl::StrCat("no event store for source ", source.value()));
    return absl::OkStatus();
  }
  const eventstore::EventStore* store_;
};

class Dispatcher : public SourceReader {
 public:
  explicit Dispatcher(std::map<ServiceName, std::shared_ptr<SourceReader>> readers) : readers_(std::move(readers)) {}
  absl::StatusOr<Page> ReadPartitions(const ServiceName& source, const PartitionShare& partitions, GlobalPosition from,
                                      GlobalPosition to) override {
    PIAO_ASSIGN_OR_RETURN(SourceReader * r, Find(source));
    return r->ReadPartitions(source, partitions, from, to);
  }
  absl::StatusOr<std::vector<v1::EventEnvelope>> ReadStream(const ServiceName& source, const v1::StreamRef& stream,
                                                            StreamVersion from) override {
    PIAO_ASSIGN_OR_RETURN(SourceReader * r, Find(source));
    return r->ReadStream(source, stream, from);
  }

 private:
  absl::StatusOr<SourceReader*> Find(const ServiceName& source) const {
    auto it = readers_.find(source);
    if (it == readers_.end()) return absl::UnavailableError(absl::StrCat("no event log reader for source ", source.value()));
    return it->second.get();
  }
  std::map<ServiceName, std::shared_ptr<SourceReader>> readers_;
};

std::string EncodeState(uint64_t a, uint64_t b, const std::string& hash) {
  return absl::StrCat(a, " ", b, " ", absl::BytesToHexString(hash));
}

// "<a> <b> <hex>" -> (a, b, raw hash); DATA_LOSS naming `key` otherwise.
absl::Status DecodeState(absl::string_view value, absl::string_view key, uint64_t* a, uint64_t* b, std::string* hash) {
  std::vector<absl::string_view> parts = absl::StrSplit(value, ' ');
  const auto is_hex = [](absl::string_view h) {
    return h.size() % 2 == 0 && std::all_of(h.begin(), h.end(), [](char c) { return absl::ascii_isxdigit(c); });
  };
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], a) || !absl::SimpleAtoi(parts[1], b) || !is_hex(parts[2])) {
    return absl::DataLossError(absl::StrCat("bad applier record under ", absl::CHexEscape(key)));
  }
  *hash = absl::HexStringToBytes(parts[2]);
  return absl::OkStatus();
}

std::string StreamName(const v1::StreamRef& s) { return absl::StrCat(s.aggregate_type(), "/", s.aggregate_id()); }

}  // namespace

std::shared_ptr<SourceReader> StoreSourceReader(const eventstore::EventStore* store) {
  return std::make_shared<LocalStoreReader>(store);
}

std::shared_ptr<SourceReader> ReaderPerSource(std::map<ServiceName, std::shared_ptr<SourceReader>> readers) {
  return std::make_shared<Dispatcher>(std::move(readers));
}

absl::StatusOr<std::unique_ptr<EventApplier>> EventApplier::Open(rocksdb::DB* db, EventHandler handler,
                                                                 std::shared_ptr<SourceReader> reader,
                                                                 ApplierOptions options) {
  if (db == nullptr || !handler || reader == nullptr) {
    return absl::InvalidArgumentError("event applier needs a db, a handler and a source reader");
  }
  if (options.key_prefix.empty() || options.catch_up_chunk == 0) {
    return absl::InvalidArgumentError("event applier: empty key prefix or zero catch-up chunk");
  }
  if (options.share.count < 1) return absl::InvalidArgumentError("event applier: partition count must be at least 1");
  for (int32_t p : options.share.owned) {
    if (p < 0 || p >= options.share.count) {
      return absl::InvalidArgumentError(absl::StrCat("event applier: partition ", p, " is not in [0, ", options.share.count, ")"));
    }
  }
  std::sort(options.share.owned.begin(), options.share.owned.end());
  std::unique_ptr<EventApplier> applier(
      new EventApplier(db, std::move(handler), std::move(reader), std::move(options)));
  PIAO_RETURN_IF_ERROR(applier->Load());
  for (const auto& [sa, problem] : applier->AdministrationProblems()) {  // still refused: say so at every start
    log::Error("source refused for an administration: none of its later events will be applied",
               {{"source", sa.source}, {"administration", sa.administration},
                {"position", absl::StrCat(problem.position.value())}, {"reason", problem.reason}});
  }
  return applier;
}

EventApplier::EventApplier(rocksdb::DB* db, EventHandler handler, std::shared_ptr<SourceReader> reader,
                           ApplierOptions options)
    : db_(db),
      handler_(std::move(handler)),
      reader_(std::move(reader)),
      options_(std::move(options)),
      partition_count_(options_.share.count),
      share_(options_.share) {}

std::string EventApplier::LaneKey(const Lane& lane) const {
  return absl::StrCat(options_.key_prefix, "lane/", EncodeKeyParts({lane.source, absl::StrCat(partition_count_),
                                                                     absl::StrCat(lane.partition)}));
}

std::string EventApplier::StreamKey(const std::string& source, const v1::StreamRef& stream) const {
  return absl::StrCat(options_.key_prefix, "stream/",
                      EncodeKeyParts({source, stream.aggregate_type(), stream.aggregate_id()}));
}

std::string EventApplier::RefusedKey(const SourceAdministration& sa) const {
  return absl::StrCat(options_.key_prefix, "refused/", EncodeKeyParts({sa.source, sa.administration}));
}

std::string EventApplier::OffsetKey(const std::string& topic, int32_t partition) const {
  return absl::StrCat(options_.key_prefix, "offset/", topic, "/", partition);
}

EventApplier::Lane EventApplier::LaneOf(const v1::EventEnvelope& event) const {
  return Lane{event.source_service(), PartitionOf(AdministrationOfStream(event.stream()), partition_count_)};
}

absl::Status EventApplier::Load() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  absl::MutexLock l(&mu_);
  absl::MutexLock p(&published_mu_);
  const std::string lane_prefix = absl::StrCat(options_.key_prefix, "lane/");
  for (it->Seek(lane_prefix); it->Valid() && it->key().starts_with(lane_prefix); it->Next()) {
    absl::StatusOr<std::vector<std::string>> parts = SplitKeyParts(it->key().ToString().substr(lane_prefix.size()));
    int32_t count = 0;
    Lane lane;
    if (!parts.ok() || parts->size() != 3 || !absl::SimpleAtoi((*parts)[1], &count) ||
        !absl::SimpleAtoi((*parts)[2], &lane.partition)) {
      return absl::DataLossError(absl::StrCat("bad lane key ", absl::CHexEscape(it->key().ToString())));
    }
    if (count != partition_count_) continue;  // lanes of another partitioning: not ours
    lane.source = (*parts)[0];
    uint64_t pos = 0, unused = 0;
    std::string hash;
    PIAO_RETURN_IF_ERROR(DecodeState(it->value().ToString(), it->key().ToString(), &pos, &unused, &hash));
    lanes_[lane] = LaneState{GlobalPosition(pos), hash};
    published_[lane] = GlobalPosition(pos);
  }
  PIAO_RETURN_IF_ERROR(eventstore::FromRocksDb(it->status(), "load lanes"));
  const std::string refused_prefix = absl::StrCat(options_.key_prefix, "refused/");
  for (it->Seek(refused_prefix); it->Valid() && it->key().starts_with(refused_prefix); it->Next()) {
    absl::StatusOr<std::vector<std::string>> parts =
        SplitKeyParts(it->key().ToString().substr(refused_prefix.size()));
    const std::string v = it->value().ToString();
    uint64_t pos = 0;
    const size_t nl = v.find('\n');
    if (!parts.ok() || parts->size() != 2 || nl == std::string::npos || !absl::SimpleAtoi(v.substr(0, nl), &pos)) {
      return absl::DataLossError(absl::StrCat("bad refusal record under ", absl::CHexEscape(it->key().ToString())));
    }
    refused_[SourceAdministration{(*parts)[0], (*parts)[1]}] = RefusedSource{GlobalPosition(pos), v.substr(nl + 1)};
  }
  return eventstore::FromRocksDb(it->status(), "load refusals");
}

absl::StatusOr<EventApplier::StreamState> EventApplier::StreamLocked(const std::string& source,
                                                                     const v1::StreamRef& stream) {
  const std::string key = StreamKey(source, stream);
  auto it = streams_.find(key);
  if (it != streams_.end()) return it->second;
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), key, &value);
  StreamState state;
  if (!s.IsNotFound()) {
    PIAO_RETURN_IF_ERROR(eventstore::FromRocksDb(s, "read stream state"));
    uint64_t version = 0, pos = 0;
    PIAO_RETURN_IF_ERROR(DecodeState(value, key, &version, &pos, &state.hash));
    state.version = StreamVersion(version);
    state.position = GlobalPosition(pos);
  }
  streams_.emplace(key, state);
  return state;
}

absl::Status EventApplier::ApplyUnsynced(const v1::EventEnvelope& event, const std::optional<InputPosition>& input) {
  if (options_.sync) unsynced_.store(true);
  return ApplyWith(event, input, /*sync=*/false);
}

absl::Status EventApplier::SyncApplied() {
  if (!unsynced_.exchange(false)) return absl::OkStatus();
  absl::Status s = eventstore::FromRocksDb(db_->SyncWAL(), "sync applied events");
  if (!s.ok()) unsynced_.store(true);  // tried again by the next call
  return s;
}

absl::Status EventApplier::ApplyWith(const v1::EventEnvelope& event, const std::optional<InputPosition>& input,
                                     bool sync) {
  const std::string& source = event.source_service();
  const GlobalPosition pos(event.global_position());
  if (source.empty() || pos == GlobalPosition(0) || event.stream().aggregate_type().empty() ||
      event.stream_version() == 0) {
    return absl::InvalidArgumentError(absl::StrCat("event ", event.event_id(),
                                                   " has no source service, global position, stream or stream version"));
  }
  const Lane lane = LaneOf(event);
  const std::string admin = AdministrationOfStream(event.stream());
  // The lane predecessor: with one partition every event of the source is in the lane; with several, the
  // relay's header says it, unless the message travelled in another partition than ours (a producer that
  // partitions otherwise: then it is unknown and the lane is read from the store).
  std::optional<GlobalPosition> prev;
  if (partition_count_ == 1) {
    prev = GlobalPosition(pos.value() - 1);
  } else if (input.has_value() && input->partition == lane.partition) {
    prev = input->lane_prev;
  }
  // At most three rounds: the lane's gap is filled, then the stream's, then the event itself is applied.
  for (int round = 0;; ++round) {
    enum { kNone, kLane, kStream } fill = kNone;
    GlobalPosition lane_from;
    StreamVersion stream_from;
    {
      absl::MutexLock l(&mu_);
      if (IsRefused(source, admin)) {
        Count(&ApplierStats::refused);
        return StoreOffsetOnlyLocked(input);
      }
      if (input.has_value() && input->topic != EventsTopic(ServiceName(source))) {
        absl::Status r = RefuseLocked(event,
                                      absl::StrCat("event ", pos.value(), " of ", source, " arrived on topic ", input->topic,
                                                   ", not on its source's topic ", EventsTopic(ServiceName(source))),
                                      input);
        return IsRefused(source, admin) ? absl::OkStatus() : r;  // unrecorded: offered again later
      }
      if (!share().Owns(lane.partition)) {
        Count(&ApplierStats::foreign);
        return StoreOffsetOnlyLocked(input);
      }
      PIAO_ASSIGN_OR_RETURN(StreamState stream, StreamLocked(source, event.stream()));
      const LaneState& at = lanes_[lane];
      if (StreamVersion(event.stream_version()) <= stream.version) {
        // Kafka redelivers what was applied; the same version with another hash is another history.
        if (StreamVersion(event.stream_version()) == stream.version && !stream.hash.empty() &&
            stream.hash != event.hash()) {
          absl::Status r = RefuseLocked(event,
                                        absl::StrCat("event ", pos.value(), " of ", source, " (", StreamName(event.stream()),
                                                     " version ", event.stream_version(), ") has hash ", ToHex(event.hash()),
                                                     ", the one applied at that version had ", ToHex(stream.hash),
                                                     ": the source's history moved backwards or forked"),
                                        input);
          return IsRefused(source, admin) ? absl::OkStatus() : r;
        }
        Count(&ApplierStats::duplicates);
        if (prev.has_value() && *prev <= at.position && pos > at.position) {
          PIAO_RETURN_IF_ERROR(SetLanePositionLocked(lane, pos));  // applied, and the lane is whole up to it
        }
        return StoreOffsetOnlyLocked(input);
      }
      if (!(prev.has_value() && *prev <= at.position) && round == 0) {
        fill = kLane;
        lane_from = at.position.next();
      } else if (StreamVersion(event.stream_version()) > stream.version.next() && round <= 1) {
        fill = kStream;
        stream_from = stream.version.next();
      } else if (StreamVersion(event.stream_version()) > stream.version.next()) {
        return absl::UnavailableError(absl::StrCat("gap of ", StreamName(event.stream()), " before version ",
                                                   event.stream_version(), " still open after filling"));
      } else {
        const bool advance = prev.has_value() && *prev <= at.position;
        absl::Status s = ApplyOneLocked(event, input, advance, sync, /*filled=*/false);
        // A refused administration's event is consumed (RefuseLocked stored its offset), not retried: it is
        // reported, and the others go on.
        if (!s.ok() && IsRefused(source, admin)) return absl::OkStatus();
        return s;
      }
    }
    // A gap: read it from the source without holding the lock (queries, health and catch-up go on meanwhile).
    absl::Status filled = fill == kLane
                              ? FillLane(lane, lane_from, GlobalPosition(pos.value() - 1), nullptr)
                              : FillStream(source, event.stream(), stream_from,
                                           StreamVersion(event.stream_version() - 1));
    if (!filled.ok()) {
      if (IsRefused(source, admin)) {
        absl::MutexLock l(&mu_);
        Count(&ApplierStats::refused);
        return StoreOffsetOnlyLocked(input);
      }
      return filled;
    }
    if (fill == kLane) prev = GlobalPosition(pos.value() - 1);  // the lane is whole up to the event now
  }
}

absl::Status EventApplier::ApplyOneLocked(const v1::EventEnvelope& event, const std::optional<InputPosition>& input,
                                          bool advance_lane, bool sync, bool filled) {
  const std::string& source = event.source_service();
  const GlobalPosition pos(event.global_position());
  const Lane lane = LaneOf(event);
  PIAO_ASSIGN_OR_RETURN(StreamState stream, StreamLocked(source, event.stream()));
  if (StreamVersion(event.stream_version()) <= stream.version) {  // applied meanwhile
    Count(&ApplierStats::duplicates);
    if (advance_lane && pos > lanes_[lane].position) PIAO_RETURN_IF_ERROR(SetLanePositionLocked(lane, pos));
    return StoreOffsetOnlyLocked(input);
  }
  if (StreamVersion(event.stream_version()) != stream.version.next()) {
    return absl::DataLossError(absl::StrCat("event ", pos.value(), " of ", source, " is version ", event.stream_version(),
                                            " of ", StreamName(event.stream()), ", whose applied version is ",
                                            stream.version.value(), ": the source's read skipped versions"));
  }
  if (pos <= stream.position) {
    return RefuseLocked(event,
                        absl::StrCat("event ", pos.value(), " of ", source, " (", StreamName(event.stream()), " version ",
                                     event.stream_version(), ") is not after the stream's previous event at ",
                                     stream.position.value(), ": the source's history moved backwards"),
                        input);
  }
  // The lane is whole up to its position: an unapplied version at or before it is another history, whose
  // event reuses a position the source already gave to the applied one (a truncated and rewritten store).
  const LaneState& at = lanes_[lane];
  if (pos <= at.position) {
    return RefuseLocked(event,
                        absl::StrCat("event ", pos.value(), " of ", source, " (", StreamName(event.stream()), " version ",
                                     event.stream_version(), ") reuses a position its lane already applied up to ",
                                     at.position.value(), ": the source's history moved backwards or forked"),
                        input);
  }
  // The hash chain, where the lane's last event is the event's global predecessor (always, with one partition).
  if (advance_lane && at.position.next() == pos && !at.hash.empty() && event.prev_hash() != at.hash) {
    return RefuseLocked(event,
                        absl::StrCat("event ", pos.value(), " of ", source, " does not chain to the event applied at ",
                                     at.position.value(), " (prev_hash ", ToHex(event.prev_hash()), ", applied hash ",
                                     ToHex(at.hash), "): the source's history moved backwards or forked"),
                        input);
  }
  if (advance_lane && at.position == GlobalPosition(0) && pos == GlobalPosition(1) && !event.prev_hash().empty()) {
    return RefuseLocked(event, absl::StrCat("event 1 of ", source, " has a prev_hash: the source's history forked"),
                        input);
  }
  eventstore::CheckedWriteBatch batch;
  PIAO_RETURN_IF_ERROR(handler_(event, batch.raw()));
  batch.Put(StreamKey(source, event.stream()), EncodeState(event.stream_version(), pos.value(), event.hash()));
  if (advance_lane) batch.Put(LaneKey(lane), EncodeState(pos.value(), 0, event.hash()));
  if (input.has_value()) batch.Put(OffsetKey(input->topic, input->partition), absl::StrCat(input->offset.next().value()));
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  PIAO_RETURN_IF_ERROR(batch.Write(db_, wo, "apply event"));
  streams_[StreamKey(source, event.stream())] = StreamState{StreamVersion(event.stream_version()), pos, event.hash()};
  absl::MutexLock p(&published_mu_);
  if (advance_lane) {
    lanes_[lane] = LaneState{pos, event.hash()};
    published_[lane] = pos;
  }
  ++stats_.applied;
  if (filled) ++stats_.filled;
  return absl::OkStatus();
}

absl::Status EventApplier::SetLanePositionLocked(const Lane& lane, GlobalPosition position) {
  // Losing it in a crash costs a re-read of the lane, not correctness: no fsync.
  const std::string hash = lanes_[lane].position == position ? lanes_[lane].hash : std::string();
  eventstore::CheckedWriteBatch batch;
  batch.Put(LaneKey(lane), EncodeState(position.value(), 0, hash));
  PIAO_RETURN_IF_ERROR(batch.Write(db_, rocksdb::WriteOptions(), "store lane position"));
  lanes_[lane] = LaneState{position, hash};
  absl::MutexLock p(&published_mu_);
  published_[lane] = position;
  return absl::OkStatus();
}

absl::Status EventApplier::FillLane(const Lane& lane, GlobalPosition from, GlobalPosition to, uint64_t* applied) {
  const PartitionShare one{partition_count_, {lane.partition}};
  GlobalPosition next = from;
  while (to == GlobalPosition(0) || next <= to) {
    PIAO_ASSIGN_OR_RETURN(SourceReader::Page page, reader_->ReadPartitions(ServiceName(lane.source), one, next, to));
    absl::MutexLock l(&mu_);
    const uint64_t applied_before = stats().applied;  // every application holds mu_: the difference is this page's
    // The page is synced once at its end: RocksDB's WAL is ordered, so a crash before that loses a prefix of
    // whole events (each written with its stream's and lane's records).
    for (size_t i = 0; i < page.events.size(); ++i) {
      const v1::EventEnvelope& e = page.events[i];
      if (e.source_service() != lane.source || LaneOf(e).partition != lane.partition ||
          e.global_position() < next.value() || (to != GlobalPosition(0) && e.global_position() > to.value())) {
        return absl::DataLossError(absl::StrCat("the reader of ", lane.source, " partition ", lane.partition,
                                                " returned ", e.source_service(), "@", e.global_position(),
                                                " for positions ", next.value(), "..", to.value()));
      }
      if (GlobalPosition(e.global_position()) <= lanes_[lane].position) continue;  // applied meanwhile (Kafka)
      const std::string admin = AdministrationOfStream(e.stream());
      if (IsRefused(lane.source, admin)) {
        Count(&ApplierStats::refused);
        PIAO_RETURN_IF_ERROR(SetLanePositionLocked(lane, GlobalPosition(e.global_position())));
        continue;
      }
      absl::Status s = ApplyOneLocked(e, std::nullopt, /*advance_lane=*/true, /*sync=*/false, /*filled=*/true);
      if (!s.ok() && IsRefused(lane.source, admin)) {
        PIAO_RETURN_IF_ERROR(SetLanePositionLocked(lane, GlobalPosition(e.global_position())));
        continue;
      }
      PIAO_RETURN_IF_ERROR(s);
    }
    GlobalPosition scanned = page.scanned_to;
    if (to != GlobalPosition(0)) scanned = std::min(scanned, to);
    if (scanned > lanes_[lane].position) PIAO_RETURN_IF_ERROR(SetLanePositionLocked(lane, scanned));
    if (options_.sync && !page.events.empty()) PIAO_RETURN_IF_ERROR(eventstore::FromRocksDb(db_->SyncWAL(), "sync applied page"));
    if (applied != nullptr) *applied += stats().applied - applied_before;
    if (page.scanned_to < next) {  // nothing more to examine: the store's head
      if (to == GlobalPosition(0)) return absl::OkStatus();
      return absl::UnavailableError(absl::StrCat("gap of ", lane.source, " partition ", lane.partition, " up to ",
                                                 to.value(), ": the store's head is at ", page.scanned_to.value()));
    }
    next = page.scanned_to.next();
  }
  return absl::OkStatus();
}

absl::Status EventApplier::FillStream(const std::string& source, const v1::StreamRef& stream, StreamVersion from,
                                      StreamVersion to) {
  StreamVersion next = from;
  while (next <= to) {
    PIAO_ASSIGN_OR_RETURN(std::vector<v1::EventEnvelope> events,
                          reader_->ReadStream(ServiceName(source), stream, next));
    absl::MutexLock l(&mu_);
    for (const v1::EventEnvelope& e : events) {
      if (e.source_service() != source || e.stream().aggregate_type() != stream.aggregate_type() ||
          e.stream().aggregate_id() != stream.aggregate_id()) {
        return absl::DataLossError(absl::StrCat("the reader of ", StreamName(stream), " returned an event of ",
                                                e.source_service(), " ", StreamName(e.stream())));
      }
      if (StreamVersion(e.stream_version()) > to) break;
      PIAO_RETURN_IF_ERROR(ApplyOneLocked(e, std::nullopt, /*advance_lane=*/false, options_.sync, /*filled=*/true));
    }
    PIAO_ASSIGN_OR_RETURN(StreamState state, StreamLocked(source, stream));
    if (state.version >= to) return absl::OkStatus();
    if (events.empty()) {
      return absl::UnavailableError(absl::StrCat("gap of ", StreamName(stream), " of ", source, " up to version ",
                                                 to.value(), ": the store has it up to ", state.version.value()));
    }
    next = state.version.next();
  }
  return absl::OkStatus();
}

bool EventApplier::IsRefused(const std::string& source, const std::string& administration) const {
  absl::MutexLock p(&published_mu_);
  return refused_.count(SourceAdministration{source, administration}) != 0;
}

void EventApplier::Count(uint64_t ApplierStats::*counter) {
  absl::MutexLock p(&published_mu_);
  ++(stats_.*counter);
}

absl::Status EventApplier::RefuseLocked(const v1::EventEnvelope& event, const std::string& reason,
                                        const std::optional<InputPosition>& input) {
  const SourceAdministration sa{event.source_service(), AdministrationOfStream(event.stream())};
  const GlobalPosition position(event.global_position());
  eventstore::CheckedWriteBatch batch;
  batch.Put(RefusedKey(sa), absl::StrCat(position.value(), "\n", reason));
  if (input.has_value()) batch.Put(OffsetKey(input->topic, input->partition), absl::StrCat(input->offset.next().value()));
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  PIAO_RETURN_IF_ERROR(batch.Write(db_, wo, "record refused source"));
  {
    absl::MutexLock p(&published_mu_);
    refused_[sa] = RefusedSource{position, reason};
    ++stats_.refused;
  }
  log::Error("source refused for an administration: none of its later events will be applied",
             {{"source", sa.source}, {"administration", sa.administration},
              {"position", absl::StrCat(position.value())}, {"reason", reason}});
  return absl::FailedPreconditionError(absl::StrCat("source ", sa.source, " refused for administration ",
                                                    sa.administration, " at position ", position.value(), ": ", reason));
}

absl::Status EventApplier::StoreOffsetOnlyLocked(const std::optional<InputPosition>& input) {
  if (!input.has_value()) return absl::OkStatus();
  // Only the offset moves; losing it in a crash costs a re-read, not correctness, so no fsync.
  eventstore::CheckedWriteBatch batch;
  batch.Put(OffsetKey(input->topic, input->partition), absl::StrCat(input->offset.next().value()));
  return batch.Write(db_, rocksdb::WriteOptions(), "store consumer offset");
}

absl::Status EventApplier::SkipInput(const InputPosition& input) {
  eventstore::CheckedWriteBatch batch;
  batch.Put(OffsetKey(input.topic, input.partition), absl::StrCat(input.offset.next().value()));
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  return batch.Write(db_, wo, "store consumer offset");
}

absl::StatusOr<uint64_t> EventApplier::CatchUp(const ServiceName& source) {
  uint64_t applied = 0;
  // Lane by lane, page by page, reading without the lock and applying under it: Kafka deliveries, queries'
  // position checks, health and progress never wait for more than one page's application.
  for (int32_t partition : share().owned) {
    const Lane lane{source.value(), partition};
    GlobalPosition from;
    {
      absl::MutexLock l(&mu_);
      from = lanes_[lane].position.next();
    }
    PIAO_RETURN_IF_ERROR(FillLane(lane, from, GlobalPosition(0), &applied));
  }
  return applied;
}

void EventApplier::SetShare(PartitionShare share) {
  std::sort(share.owned.begin(), share.owned.end());
  share.count = partition_count_;  // the partitioning is fixed for the applier's life
  absl::MutexLock p(&published_mu_);
  share_ = std::move(share);
}

PartitionShare EventApplier::share() const {
  absl::MutexLock p(&published_mu_);
  return share_;
}

GlobalPosition EventApplier::Applied(const ServiceName& source, const std::string& administration) const {
  absl::MutexLock p(&published_mu_);
  const auto at = [&](int32_t partition) {
    auto it = published_.find(Lane{source.value(), partition});
    return it == published_.end() ? GlobalPosition(0) : it->second;
  };
  if (!administration.empty()) return at(PartitionOf(administration, partition_count_));
  std::optional<GlobalPosition> lowest;
  for (int32_t partition : share_.owned) lowest = std::min(lowest.value_or(at(partition)), at(partition));
  return lowest.value_or(GlobalPosition(0));
}

std::map<std::pair<std::string, int32_t>, GlobalPosition> EventApplier::Lanes() const {
  absl::MutexLock p(&published_mu_);
  std::map<std::pair<std::string, int32_t>, GlobalPosition> out;
  for (const auto& [lane, position] : published_) {
    if (share_.Owns(lane.partition)) out[{lane.source, lane.partition}] = position;
  }
  return out;
}

absl::StatusOr<std::optional<KafkaOffset>> EventApplier::StoredOffset(const std::string& topic,
                                                                      int32_t partition) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), OffsetKey(topic, partition), &value);
  if (s.IsNotFound()) return std::optional<KafkaOffset>();
  PIAO_RETURN_IF_ERROR(eventstore::FromRocksDb(s, "read consumer offset"));
  uint64_t offset;
  if (!absl::SimpleAtoi(value, &offset)) return absl::DataLossError("bad stored offset for " + topic);
  return std::optional<KafkaOffset>(KafkaOffset(offset));
}

ApplierStats EventApplier::stats() const {
  absl::MutexLock p(&published_mu_);
  return stats_;
}

std::map<SourceAdministration, RefusedSource> EventApplier::AdministrationProblems() const {
  absl::MutexLock p(&published_mu_);
  return refused_;
}

std::optional<RefusedSource> EventApplier::Problem(const ServiceName& source, const std::string& administration) const {
  absl::MutexLock p(&published_mu_);
  auto it = refused_.find(SourceAdministration{source.value(), administration});
  if (it == refused_.end()) return std::nullopt;
  return it->second;
}

}  // namespace piao::kafka
