#include "libs/kafka/event_applier.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/base/log.h"
#include "libs/base/sha256.h"
#include "libs/base/status_macros.h"
#include "libs/eventstore/event_store.h"
#include "libs/eventstore/rocksdb_status.h"
#include "libs/kafka/kafka_conf.h"
#include "rocksdb/db.h"

namespace piao::kafka {

GapFiller StoreGapFiller(const eventstore::EventStore* store) {
  return [store](const std::string& source, GlobalPosition from,
                 GlobalPosition to) -> absl::StatusOr<std::vector<v1::EventEnvelope>> {
    if (source != store->source_service().value()) {
      return absl::NotFoundError(absl::StrCat("no event store for source ", source));
    }
    if (to < from) return std::vector<v1::EventEnvelope>{};
    return store->ReadAll(from, to.value() - from.value() + 1);
  };
}

absl::StatusOr<std::unique_ptr<EventApplier>> EventApplier::Open(rocksdb::DB* db, EventHandler handler,
                                                                 GapFiller filler, ApplierOptions options) {
  if (db == nullptr || !handler || !filler) {
    return absl::InvalidArgumentError("event applier needs a db, a handler and a gap filler");
  }
  if (options.key_prefix.empty() || options.catch_up_chunk == 0) {
    return absl::InvalidArgumentError("event applier: empty key prefix or zero catch-up chunk");
  }
  std::unique_ptr<EventApplier> applier(
      new EventApplier(db, std::move(handler), std::move(filler), std::move(options)));
  PIAO_RETURN_IF_ERROR(applier->LoadPositions());
  for (const auto& [source, problem] : applier->SourceProblems()) {  // still refused: say so at every start
    log::Error("source refused: none of its later events will be applied",
               {{"source", source}, {"position", absl::StrCat(problem.position.value())}, {"reason", problem.reason}});
  }
  return applier;
}

EventApplier::EventApplier(rocksdb::DB* db, EventHandler handler, GapFiller filler, ApplierOptions options)
    : db_(db), handler_(std::move(handler)), filler_(std::move(filler)), options_(std::move(options)) {}

std::string EventApplier::AppliedKey(const std::string& source) const {
  return absl::StrCat(options_.key_prefix, "applied/", source);
}

std::string EventApplier::HashKey(const std::string& source) const {
  return absl::StrCat(options_.key_prefix, "hash/", source);
}

std::string EventApplier::RefusedKey(const std::string& source) const {
  return absl::StrCat(options_.key_prefix, "refused/", source);
}

std::string EventApplier::OffsetKey(const std::string& topic, int32_t partition) const {
  return absl::StrCat(options_.key_prefix, "offset/", topic, "/", partition);
}

absl::Status EventApplier::LoadPositions() {
  const std::string prefix = AppliedKey("");
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  absl::MutexLock l(&mu_);
  absl::MutexLock p(&published_mu_);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    uint64_t pos;
    if (!absl::SimpleAtoi(it->value().ToString(), &pos)) {
      return absl::DataLossError(absl::StrCat("bad applied position under ", it->key().ToString()));
    }
    applied_[it->key().ToString().substr(prefix.size())] = GlobalPosition(pos);
    published_[it->key().ToString().substr(prefix.size())] = GlobalPosition(pos);
  }
  PIAO_RETURN_IF_ERROR(eventstore::FromRocksDb(it->status(), "load applied positions"));
  const std::string hash_prefix = HashKey("");
  for (it->Seek(hash_prefix); it->Valid() && it->key().starts_with(hash_prefix); it->Next()) {
    last_hash_[it->key().ToString().substr(hash_prefix.size())] = it->value().ToString();
  }
  const std::string refused_prefix = RefusedKey("");
  for (it->Seek(refused_prefix); it->Valid() && it->key().starts_with(refused_prefix); it->Next()) {
    const std::string v = it->value().ToString();
    uint64_t pos = 0;
    const size_t nl = v.find('\n');
    if (nl == std::string::npos || !absl::SimpleAtoi(v.substr(0, nl), &pos)) {
      return absl::DataLossError(absl::StrCat("bad refused-source record under ", it->key().ToString()));
    }
    refused_[it->key().ToString().substr(refused_prefix.size())] = RefusedSource{GlobalPosition(pos), v.substr(nl + 1)};
  }
  PIAO_RETURN_IF_ERROR(eventstore::FromRocksDb(it->status(), "load applied hashes"));
  return absl::OkStatus();
}

absl::Status EventApplier::Apply(const v1::EventEnvelope& event, const std::optional<InputPosition>& input) {
  const std::string& source = event.source_service();
  const GlobalPosition pos(event.global_position());
  if (source.empty() || pos == GlobalPosition(0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("event ", event.event_id(), " has no source service or global position"));
  }
  // At most two rounds: a gap is filled (outside the lock), then the event itself is applied.
  for (int round = 0;; ++round) {
    GlobalPosition gap_from;
    {
      absl::MutexLock l(&mu_);
      if (IsRefused(source)) return SkipRefusedLocked(input);
      if (input.has_value() && input->topic != EventsTopic(source)) {
        absl::Status r = RefuseLocked(source, pos,
                                      absl::StrCat("event ", pos.value(), " of ", source, " arrived on topic ", input->topic,
                                                   ", not on its source's topic ", EventsTopic(source)),
                                      input);
        if (!IsRefused(source)) return r;  // the refusal could not be recorded: offered again later
        return SkipRefusedLocked(std::nullopt);
      }
      const GlobalPosition last = applied_[source];
      if (pos == last) {
        // Kafka redelivers what was applied; the same position with another hash is another history.
        auto h = last_hash_.find(source);
        if (h != last_hash_.end() && h->second != event.hash()) {
          absl::Status r = RefuseLocked(source, pos,
                                        absl::StrCat("event ", pos.value(), " of ", source, " has hash ", ToHex(event.hash()),
                                                     ", the one applied at that position had ", ToHex(h->second),
                                                     ": the source's history moved backwards or forked"),
                                        input);
          if (!IsRefused(source)) return r;  // the refusal could not be recorded: offered again later
          return SkipRefusedLocked(std::nullopt);
        }
      }
      if (pos <= last) {
        Count(&ApplierStats::duplicates);
        return StoreOffsetOnlyLocked(input);
      }
      if (pos == last.next()) {
        absl::Status s = ApplyOneLocked(event, input, options_.sync);
        // A refused source's event is consumed, not retried: it is reported, and the other sources go on.
        if (!s.ok() && IsRefused(source)) return SkipRefusedLocked(input);
        return s;
      }
      gap_from = last.next();
    }
    if (round > 0) {
      return absl::UnavailableError(
          absl::StrCat("gap of ", source, " before ", pos.value(), " still open after filling"));
    }
    // A gap: fetch it from the source without holding the lock (queries, health and catch-up go on meanwhile).
    absl::Status filled = FillRange(source, gap_from, GlobalPosition(pos.value() - 1), filler_);
    if (!filled.ok()) {
      absl::MutexLock l(&mu_);
      if (IsRefused(source)) return SkipRefusedLocked(input);
      return filled;
    }
  }
}

absl::Status EventApplier::FillRange(const std::string& source, GlobalPosition from, GlobalPosition to,
                                     const GapFiller& filler) {
  while (from <= to) {
    const GlobalPosition chunk_to(std::min(to.value(), from.value() + options_.catch_up_chunk - 1));
    PIAO_ASSIGN_OR_RETURN(std::vector<v1::EventEnvelope> events, filler(source, from, chunk_to));
    absl::MutexLock l(&mu_);
    PIAO_RETURN_IF_ERROR(ApplyFetchedLocked(source, events, chunk_to));
    if (applied_[source] < chunk_to) {
      // The source is behind what Kafka delivered (e.g. it cannot be reached): retry later.
      return absl::UnavailableError(absl::StrCat("gap of ", source, " up to ", to.value(),
                                                 ": the filler stopped at ", applied_[source].value()));
    }
    from = applied_[source].next();
  }
  return absl::OkStatus();
}

absl::Status EventApplier::ApplyFetchedLocked(const std::string& source, const std::vector<v1::EventEnvelope>& events,
                                              GlobalPosition to) {
  // Only the last event of a chunk is synced: RocksDB's WAL is ordered, so syncing it makes every earlier write
  // durable too, and a crash before it loses a prefix of whole events (positions are written with their views).
  size_t last_index = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i].global_position() <= to.value()) last_index = i;
  }
  for (size_t i = 0; i < events.size(); ++i) {
    const v1::EventEnvelope& e = events[i];
    const uint64_t want = applied_[source].next().value();
    if (e.source_service() == source && e.global_position() < want) continue;  // applied meanwhile (Kafka)
    if (e.source_service() != source || e.global_position() != want) {
      return absl::DataLossError(absl::StrCat("gap filler for ", source, " returned ", e.source_service(), "@",
                                              e.global_position(), " where ", want, " was expected"));
    }
    if (want > to.value()) break;
    PIAO_RETURN_IF_ERROR(ApplyOneLocked(e, std::nullopt, options_.sync && i == last_index));
    Count(&ApplierStats::filled);
  }
  return absl::OkStatus();
}

bool EventApplier::IsRefused(const std::string& source) const {
  absl::MutexLock p(&published_mu_);
  return refused_.count(source) != 0;
}

void EventApplier::Count(uint64_t ApplierStats::*counter) {
  absl::MutexLock p(&published_mu_);
  ++(stats_.*counter);
}

absl::Status EventApplier::CheckContinuityLocked(const v1::EventEnvelope& event,
                                                 const std::optional<InputPosition>& input) {
  const std::string& source = event.source_service();
  const uint64_t last = applied_[source].value();
  auto h = last_hash_.find(source);
  if (last != 0 && h == last_hash_.end()) return absl::OkStatus();  // applied before hashes were kept
  const std::string expected = last == 0 ? std::string() : h->second;
  if (event.prev_hash() == expected) return absl::OkStatus();
  return RefuseLocked(source, GlobalPosition(event.global_position()),
                      absl::StrCat("event ", event.global_position(), " of ", source,
                                   " does not chain to the event applied at ", last, " (prev_hash ",
                                   ToHex(event.prev_hash()), ", applied hash ", ToHex(expected),
                                   "): the source's history moved backwards or forked"),
                      input);
}

absl::Status EventApplier::RefuseLocked(const std::string& source, GlobalPosition position, const std::string& reason,
                                        const std::optional<InputPosition>& input) {
  eventstore::CheckedWriteBatch batch;
  batch.Put(RefusedKey(source), absl::StrCat(position.value(), "\n", reason));
  if (input.has_value()) batch.Put(OffsetKey(input->topic, input->partition), absl::StrCat(input->offset.next().value()));
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  PIAO_RETURN_IF_ERROR(batch.Write(db_, wo, "record refused source"));
  {
    absl::MutexLock p(&published_mu_);
    refused_[source] = RefusedSource{position, reason};
  }
  log::Error("source refused: none of its later events will be applied",
             {{"source", source}, {"position", absl::StrCat(position.value())}, {"reason", reason}});
  return absl::FailedPreconditionError(
      absl::StrCat("source ", source, " refused at position ", position.value(), ": ", reason));
}

absl::Status EventApplier::SkipRefusedLocked(const std::optional<InputPosition>& input) {
  Count(&ApplierStats::refused);
  return StoreOffsetOnlyLocked(input);
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

absl::Status EventApplier::ApplyOneLocked(const v1::EventEnvelope& event,
                                          const std::optional<InputPosition>& input, bool sync) {
  PIAO_RETURN_IF_ERROR(CheckContinuityLocked(event, input));
  eventstore::CheckedWriteBatch batch;
  PIAO_RETURN_IF_ERROR(handler_(event, batch.raw()));
  batch.Put(AppliedKey(event.source_service()), absl::StrCat(event.global_position()));
  batch.Put(HashKey(event.source_service()), event.hash());
  if (input.has_value()) batch.Put(OffsetKey(input->topic, input->partition), absl::StrCat(input->offset.next().value()));
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  PIAO_RETURN_IF_ERROR(batch.Write(db_, wo, "apply event"));
  applied_[event.source_service()] = GlobalPosition(event.global_position());
  last_hash_[event.source_service()] = event.hash();
  absl::MutexLock p(&published_mu_);
  published_[event.source_service()] = GlobalPosition(event.global_position());
  ++stats_.applied;
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> EventApplier::CatchUp(const std::string& source, const GapFiller* filler) {
  const GapFiller& f = filler != nullptr && *filler ? *filler : filler_;
  if (IsRefused(source)) return uint64_t{0};
  const uint64_t start = LastApplied(source).value();
  // Chunk by chunk, fetching without the lock and applying under it: Kafka deliveries, queries' position
  // checks, health and progress never wait for more than one chunk's application.
  while (true) {
    const GlobalPosition from = LastApplied(source).next();
    const GlobalPosition to(from.value() + options_.catch_up_chunk - 1);
    PIAO_ASSIGN_OR_RETURN(std::vector<v1::EventEnvelope> events, f(source, from, to));
    {
      absl::MutexLock l(&mu_);
      absl::Status applied = ApplyFetchedLocked(source, events, to);
      if (!applied.ok() && IsRefused(source)) break;  // reported there
      PIAO_RETURN_IF_ERROR(applied);
    }
    if (events.size() < options_.catch_up_chunk) break;  // reached the head
  }
  return LastApplied(source).value() - start;
}

GlobalPosition EventApplier::LastApplied(const std::string& source) const {
  absl::MutexLock p(&published_mu_);
  auto it = published_.find(source);
  return it == published_.end() ? GlobalPosition(0) : it->second;
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

std::optional<RefusedSource> EventApplier::SourceProblem(const std::string& source) const {
  absl::MutexLock p(&published_mu_);
  auto it = refused_.find(source);
  if (it == refused_.end()) return std::nullopt;
  return it->second;
}

std::map<std::string, RefusedSource> EventApplier::SourceProblems() const {
  absl::MutexLock p(&published_mu_);
  return refused_;
}

}  // namespace piao::kafka
