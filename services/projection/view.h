// The projection's views, pure: one event in -> the view records it adds out (ProjectEvent); records in ->
// a plan's loaded records out (LoadPlan). RocksDB is reached only through ViewReader, so tests run on maps.
//
// Key layout (every value a deterministically serialized record of view_records.proto); {a}{b} are parts
// encoded with libs/base/key_codec.h (injective for any bytes: a code holding NUL or '/' cannot collide):
//   y/<year>/{admin}                                   ""               plans of a year (GetScores without admin)
//   p/{admin}{year}H                                   PlanRecord       title, approval act
//   p/{admin}{year}O/{level}{scope}{code}              ObjectiveRecord  definition (no indicators), valid from
//   p/{admin}{year}V/{level}{scope}{objective}{indicator}{pos:16 hex}{seq:8 hex}
//                                                      VersionRecord    one definition version (planning pos)
//   p/{admin}{year}A/<pos:16 hex>                      ActualRecord     one actual or correction (measurement pos)
//   p/{admin}{year}T/{source}                          PlanStamp        the last event of `source` applied to the plan
//   b/{admin}{batch_id}                                BatchSummary     a feed batch (lineage of computed actuals)
//   q/...                                              QuarantineRecord an event that could not be applied (below)
// Positions are fixed-width hex, so a prefix scan returns an indicator's versions and a plan's actuals oldest
// first. Everything is derived from the events alone (no clock, no randomness), and each record only from its
// own event (and, for a header, the header before it), so the final bytes do not depend on how the sources'
// events interleave. No scored tree is stored: an event's cost does not grow with its plan's size; queries
// score a plan from its records (query.h).
// The EventApplier's own keys (\x01piao.consumer/...) never collide with these.
#ifndef PIAO_SERVICES_PROJECTION_VIEW_H_
#define PIAO_SERVICES_PROJECTION_VIEW_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/base/timestamp.h"
#include "google/protobuf/message_lite.h"
#include "piao/v1/event.pb.h"
#include "piao/projection/view_records.pb.h"

namespace rocksdb {
class DB;
class Snapshot;
}  // namespace rocksdb

namespace piao::projection {

// Read access to the view: a RocksDB snapshot in the service, a map in tests.
class ViewReader {
 public:
  virtual ~ViewReader() = default;
  virtual absl::StatusOr<std::optional<std::string>> Get(const std::string& key) const = 0;
  // Calls `fn` for every key starting with `prefix`, in key order.
  virtual absl::Status Scan(const std::string& prefix,
                            const std::function<void(const std::string& key, const std::string& value)>& fn) const = 0;
};

// A ViewReader over a std::map (tests, and the overlay of an event's pending writes).
class MapReader : public ViewReader {
 public:
  explicit MapReader(const std::map<std::string, std::string>* map) : map_(map) {}
  absl::StatusOr<std::optional<std::string>> Get(const std::string& key) const override;
  absl::Status Scan(const std::string& prefix,
                    const std::function<void(const std::string&, const std::string&)>& fn) const override;

 private:
  const std::map<std::string, std::string>* map_;
};

// A ViewReader over a RocksDB database, reading at `snapshot` (null: the latest state).
class RocksDbReader : public ViewReader {
 public:
  RocksDbReader(rocksdb::DB* db, const rocksdb::Snapshot* snapshot = nullptr) : db_(db), snapshot_(snapshot) {}
  absl::StatusOr<std::optional<std::string>> Get(const std::string& key) const override;
  absl::Status Scan(const std::string& prefix,
                    const std::function<void(const std::string&, const std::string&)>& fn) const override;

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
};

// A RocksDbReader at one snapshot, taken at construction and released at destruction: a whole query reads
// one consistent state.
class SnapshotReader {
 public:
  explicit SnapshotReader(rocksdb::DB* db);
  ~SnapshotReader();
  SnapshotReader(const SnapshotReader&) = delete;
  SnapshotReader& operator=(const SnapshotReader&) = delete;
  const ViewReader& reader() const { return reader_; }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
  RocksDbReader reader_;
};

// What one event adds to the view: puts, in order (a key may repeat; the last one wins).
struct ViewUpdate {
  std::vector<std::pair<std::string, std::string>> puts;
  bool unknown_type = false;  // an event type the projection does not know: nothing written
};

// The records `event` adds, given the view as it was before it. INVALID_ARGUMENT / DATA_LOSS for an event of
// a known type that cannot be decoded or has no usable stream id.
absl::StatusOr<ViewUpdate> ProjectEvent(const v1::EventEnvelope& event, const ViewReader& view);

// The event types ProjectEvent knows.
bool IsProjectedType(const std::string& event_type);

// Everything the view holds about one plan, in plan order.
struct IndicatorRecords {
  v1::ObjectiveKey objective;
  std::string code;
  std::vector<VersionRecord> versions;  // oldest first (planning position, then order inside the event)
};
struct PlanRecords {
  std::string administration;
  int year = 0;
  std::optional<PlanRecord> header;
  std::vector<ObjectiveRecord> objectives;   // adoption order
  std::vector<IndicatorRecords> indicators;  // order of each indicator's first version
  std::vector<ActualRecord> actuals;         // measurement position order
};
absl::StatusOr<PlanRecords> LoadPlan(const ViewReader& view, const std::string& administration, int year);

// Key helpers (documented above).
std::string PlanPrefix(const std::string& administration, int year);
std::string HeaderKey(const std::string& administration, int year);
// The plan's stamps: every event that writes a plan's records also writes, under PlanStampPrefix, the position
// of that event in its source. A plan's records are a function of the events each source applied to it, which
// are a prefix of that source's events about the plan, so the stamps identify the records' state: equal stamps,
// equal records (what ScoresCache relies on). PlanStamps reads them as one opaque string ("" for no plan).
std::string PlanStampPrefix(const std::string& administration, int year);
absl::StatusOr<std::string> PlanStamps(const ViewReader& view, const std::string& administration, int year);
// A feed batch of the administration's variables (measurement's VariableBatchRecorded): BatchSummary.
std::string BatchKey(const std::string& administration, const std::string& batch_id);
std::string YearPrefix(int year);
// The administrations listed under `prefix`: keys prefix + one key_codec part each. DATA_LOSS for a key that
// is not exactly one encoded part.
absl::StatusOr<std::vector<std::string>> AdministrationsUnder(const ViewReader& view, const std::string& prefix);

// Protobuf bytes with deterministic map ordering: the view must be byte-identical on every rebuild.
std::string SerializeDeterministic(const google::protobuf::MessageLite& message);


}  // namespace piao::projection

#endif  // PIAO_SERVICES_PROJECTION_VIEW_H_
