#include "libs/kafka/event_applier.h"

#include <memory>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/base/status_macros.h"
#include "libs/eventstore/event_store.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

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
  return applier;
}

EventApplier::EventApplier(rocksdb::DB* db, EventHandler handler, GapFiller filler, ApplierOptions options)
    : db_(db), handler_(std::move(handler)), filler_(std::move(filler)), options_(std::move(options)) {}

std::string EventApplier::AppliedKey(const std::string& source) const {
  return absl::StrCat(options_.key_prefix, "applied/", source);
}

std::string EventApplier::OffsetKey(const std::string& topic, int32_t partition) const {
  return absl::StrCat(options_.key_prefix, "offset/", topic, "/", partition);
}

absl::Status EventApplier::LoadPositions() {
  const std::string prefix = AppliedKey("");
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  absl::MutexLock l(&mu_);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    uint64_t pos;
    if (!absl::SimpleAtoi(it->value().ToString(), &pos)) {
      return absl::DataLossError(absl::StrCat("bad applied position under ", it->key().ToString()));
    }
    applied_[it->key().ToString().substr(prefix.size())] = pos;
  }
  if (!it->status().ok()) return absl::UnavailableError("load applied positions: " + it->status().ToString());
  return absl::OkStatus();
}

absl::Status EventApplier::Apply(const v1::EventEnvelope& event, const std::optional<InputPosition>& input) {
  const std::string& source = event.source_service();
  const uint64_t pos = event.global_position();
  if (source.empty() || pos == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("event ", event.event_id(), " has no source service or global position"));
  }
  absl::MutexLock l(&mu_);
  const uint64_t last = applied_[source];
  if (pos <= last) {
    ++stats_.duplicates;
    if (!input.has_value()) return absl::OkStatus();
    // Only the offset moves; losing it in a crash costs a re-read, not correctness, so no fsync.
    rocksdb::WriteBatch batch;
    batch.Put(OffsetKey(input->topic, input->partition), absl::StrCat(input->offset + 1));
    rocksdb::Status s = db_->Write(rocksdb::WriteOptions(), &batch);
    if (!s.ok()) return absl::UnavailableError("store consumer offset: " + s.ToString());
    return absl::OkStatus();
  }
  if (pos > last + 1) PIAO_RETURN_IF_ERROR(FillLocked(source, pos - 1, filler_));
  return ApplyOneLocked(event, input);
}

absl::Status EventApplier::SkipInput(const InputPosition& input) {
  rocksdb::WriteBatch batch;
  batch.Put(OffsetKey(input.topic, input.partition), absl::StrCat(input.offset + 1));
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  rocksdb::Status s = db_->Write(wo, &batch);
  if (!s.ok()) return absl::UnavailableError("store consumer offset: " + s.ToString());
  return absl::OkStatus();
}

absl::Status EventApplier::FillLocked(const std::string& source, uint64_t to, const GapFiller& filler) {
  const uint64_t from = applied_[source] + 1;
  PIAO_ASSIGN_OR_RETURN(std::vector<v1::EventEnvelope> events,
                        filler(source, GlobalPosition(from), GlobalPosition(to)));
  for (const v1::EventEnvelope& e : events) {
    const uint64_t want = applied_[source] + 1;
    if (e.source_service() != source || e.global_position() != want) {
      return absl::DataLossError(absl::StrCat("gap filler for ", source, " returned ", e.source_service(),
                                              "@", e.global_position(), " where ", want, " was expected"));
    }
    if (want > to) break;
    PIAO_RETURN_IF_ERROR(ApplyOneLocked(e, std::nullopt));
    ++stats_.filled;
  }
  if (applied_[source] < to) {
    // The source is behind what Kafka delivered (e.g. it cannot be reached): retry later.
    return absl::UnavailableError(absl::StrCat("gap of ", source, " up to ", to, ": the filler stopped at ",
                                               applied_[source]));
  }
  return absl::OkStatus();
}

absl::Status EventApplier::ApplyOneLocked(const v1::EventEnvelope& event,
                                          const std::optional<InputPosition>& input) {
  rocksdb::WriteBatch batch;
  PIAO_RETURN_IF_ERROR(handler_(event, &batch));
  batch.Put(AppliedKey(event.source_service()), absl::StrCat(event.global_position()));
  if (input.has_value()) batch.Put(OffsetKey(input->topic, input->partition), absl::StrCat(input->offset + 1));
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  rocksdb::Status s = db_->Write(wo, &batch);
  if (!s.ok()) return absl::UnavailableError("apply event: " + s.ToString());
  applied_[event.source_service()] = event.global_position();
  ++stats_.applied;
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> EventApplier::CatchUp(const std::string& source, const GapFiller* filler) {
  const GapFiller& f = filler != nullptr && *filler ? *filler : filler_;
  absl::MutexLock l(&mu_);
  const uint64_t start = applied_[source];
  while (true) {
    const uint64_t from = applied_[source] + 1;
    const uint64_t to = from + options_.catch_up_chunk - 1;
    PIAO_ASSIGN_OR_RETURN(std::vector<v1::EventEnvelope> events,
                          f(source, GlobalPosition(from), GlobalPosition(to)));
    for (const v1::EventEnvelope& e : events) {
      const uint64_t want = applied_[source] + 1;
      if (e.source_service() != source || e.global_position() != want || want > to) {
        return absl::DataLossError(absl::StrCat("catch-up filler for ", source, " returned ",
                                                e.source_service(), "@", e.global_position(), " where ",
                                                want, " was expected"));
      }
      PIAO_RETURN_IF_ERROR(ApplyOneLocked(e, std::nullopt));
      ++stats_.filled;
    }
    if (events.size() < options_.catch_up_chunk) break;  // reached the head
  }
  return applied_[source] - start;
}

GlobalPosition EventApplier::LastApplied(const std::string& source) const {
  absl::MutexLock l(&mu_);
  auto it = applied_.find(source);
  return GlobalPosition(it == applied_.end() ? 0 : it->second);
}

absl::StatusOr<std::optional<int64_t>> EventApplier::StoredOffset(const std::string& topic,
                                                                  int32_t partition) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), OffsetKey(topic, partition), &value);
  if (s.IsNotFound()) return std::optional<int64_t>();
  if (!s.ok()) return absl::UnavailableError("read consumer offset: " + s.ToString());
  int64_t offset;
  if (!absl::SimpleAtoi(value, &offset)) return absl::DataLossError("bad stored offset for " + topic);
  return std::optional<int64_t>(offset);
}

ApplierStats EventApplier::stats() const {
  absl::MutexLock l(&mu_);
  return stats_;
}

}  // namespace piao::kafka
