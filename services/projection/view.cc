#include "services/projection/view.h"

#include "libs/base/strong_types.h"
#include "services/common/aggregate_util.h"
#include "libs/base/timestamp.h"

#include <algorithm>
#include <memory>
#include <tuple>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "libs/base/key_codec.h"
#include "libs/eventstore/rocksdb_status.h"
#include "libs/base/status_macros.h"
#include "libs/plan/plan_json.h"
#include "libs/plan/plan_proto.h"
#include "nlohmann/json.hpp"
#include "piao/v1/feeds.pb.h"
#include "piao/v1/measurement.pb.h"
#include "piao/v1/planning.pb.h"
#include "rocksdb/db.h"

// The projection still fills the deprecated JSON-text fields of its answers for older clients.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace piao::projection {
namespace {

std::string Hex16(uint64_t v) { return absl::StrFormat("%016x", v); }
std::string Hex8(uint32_t v) { return absl::StrFormat("%08x", v); }

// Every part that comes from an event is encoded with libs/base/key_codec.h: injective for any bytes.
std::string ObjectiveKeyOf(const std::string& admin, int year, const v1::ObjectiveKey& k) {
  return absl::StrCat(PlanPrefix(admin, year), "O/", EncodeKeyParts({plan::LevelText(k.level_kind()), k.scope(), k.code()}));
}

std::string VersionKey(const std::string& admin, int year, const v1::ObjectiveKey& k, const std::string& indicator,
                       uint64_t pos, uint32_t seq) {
  return absl::StrCat(PlanPrefix(admin, year), "V/",
                      EncodeKeyParts({plan::LevelText(k.level_kind()), k.scope(), k.code(), indicator, Hex16(pos), Hex8(seq)}));
}

std::string ActualKey(const std::string& admin, int year, uint64_t pos) {
  return absl::StrCat(PlanPrefix(admin, year), "A/", Hex16(pos));
}

// Through the event schemas (older versions upcast; a version this release does not know is refused, and the
// handler quarantines the event: services/common/event_schema.h).
template <typename M>
absl::StatusOr<M> Decode(const v1::EventEnvelope& e) {
  absl::StatusOr<M> m = services::DecodePayload<M>(e);
  if (!m.ok()) return absl::Status(m.status().code(), absl::StrCat(m.status().message(), " of ", e.source_service()));
  return m;
}

// "<admin>/<year>" of the event's stream.
absl::Status ParsePlanId(const v1::EventEnvelope& e, std::string* admin, int* year) {
  absl::StatusOr<AdministrationYear> id = ParseAdministrationYear(e.stream().aggregate_id());
  if (!id.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(id.status().message(), " (", e.event_type(), " at ",
                                                   e.source_service(), " position ", e.global_position(), ")"));
  }
  *admin = id->administration;
  *year = id->year;
  return absl::OkStatus();
}

Origin OriginOf(const v1::EventEnvelope& e) {
  Origin o;
  o.set_global_position(e.global_position());
  *o.mutable_recorded_at() = e.recorded_at();
  o.set_actor(e.actor().id());
  o.set_correlation_id(e.correlation_id());
  return o;
}

// The event's valid date: its occurred_at (or, unset, recorded_at) as a UTC calendar day.
std::string ValidDate(const v1::EventEnvelope& e) {
  const google::protobuf::Timestamp& t =
      (e.has_occurred_at() && IsSet(e.occurred_at())) ? e.occurred_at()
                                                                                                 : e.recorded_at();
  return plan::FormatIsoDate(absl::ToCivilDay(FromTimestamp(t), absl::UTCTimeZone()));
}

// Fills the version's target/threshold/weight columns from its definition.
absl::Status DescribeDefinition(const v1::IndicatorDefinition& def, v1::IndicatorVersion* v) {
  PIAO_ASSIGN_OR_RETURN(plan::Indicator ind, plan::FromProto(def, "indicator " + def.code()));
  *v->mutable_target() = def.target();
  if (def.has_threshold()) *v->mutable_threshold() = def.threshold();
  v->set_target_json(plan::TargetToJson(ind.target).dump());  // deprecated, for wave-one clients
  v->set_threshold_json(plan::ThresholdToJson(ind.threshold).dump());
  if (ind.weight_pct.has_value()) v->set_weight_pct(*ind.weight_pct);
  v->set_formula(def.formula());
  return absl::OkStatus();
}

// The planning change a revision kind records.
v1::AuditChange ChangeOfRevision(v1::RevisionKind kind) {
  switch (kind) {
    case v1::REVISION_KIND_TARGET: return v1::AUDIT_CHANGE_TARGET;
    case v1::REVISION_KIND_THRESHOLD: return v1::AUDIT_CHANGE_THRESHOLD;
    case v1::REVISION_KIND_WEIGHT: return v1::AUDIT_CHANGE_WEIGHT;
    case v1::REVISION_KIND_ADDED: return v1::AUDIT_CHANGE_ADDED;
    case v1::REVISION_KIND_SUPPRESSED: return v1::AUDIT_CHANGE_SUPPRESSED;
    case v1::REVISION_KIND_NEUTRALISED: return v1::AUDIT_CHANGE_NEUTRALISED;
    case v1::REVISION_KIND_FORMULA: return v1::AUDIT_CHANGE_FORMULA;
    default: return v1::AUDIT_CHANGE_REVISED;
  }
}

void BaseVersion(const v1::EventEnvelope& e, v1::AuditChange change, const v1::Act& act,
                 const std::string& effective_date, v1::IndicatorVersion* v) {
  v->set_change_kind(change);
  // Wave one's text ("adopted", "target", ..., "description"): the enum value's name in lower case.
  v->set_change(absl::AsciiStrToLower(absl::StripPrefix(v1::AuditChange_Name(change), "AUDIT_CHANGE_")));
  *v->mutable_act() = act;
  v->set_effective_date(effective_date);
  v->set_actor(e.actor().id());
  *v->mutable_recorded_at() = e.recorded_at();
  v->set_global_position(e.global_position());
  v->set_correlation_id(e.correlation_id());
}

// A description update's side: the descriptive fields alone.
v1::ChangedValue DescriptionOf(const v1::IndicatorDefinition& d) {
  v1::ChangedValue v;
  v1::IndicatorDefinition* out = v.mutable_description();
  out->set_name(d.name());
  out->set_algorithm(d.algorithm());
  out->set_type(d.type());
  out->set_source(d.source());
  *out->mutable_flags() = d.flags();
  return v;
}

// The typed from/to of a version, and wave one's JSON text of them (deprecated, still filled).
absl::Status SetChangedValues(const v1::ChangedValue& from, const v1::ChangedValue& to, v1::IndicatorVersion* v) {
  // Unset stays unset: "none" is one shape (no member), whichever way the event said it.
  if (from.kind_case() != v1::ChangedValue::KIND_NOT_SET) *v->mutable_from_value() = from;
  if (to.kind_case() != v1::ChangedValue::KIND_NOT_SET) *v->mutable_to_value() = to;
  PIAO_ASSIGN_OR_RETURN(nlohmann::json from_json, plan::ChangedValueToJson(from, "from"));
  PIAO_ASSIGN_OR_RETURN(nlohmann::json to_json, plan::ChangedValueToJson(to, "to"));
  v->set_from_json(from_json.dump());
  v->set_to_json(to_json.dump());
  return absl::OkStatus();
}

// Writes the event's records into `update`, in order.
class Writer {
 public:
  explicit Writer(ViewUpdate* update) : update_(update) {}
  void Put(std::string key, const google::protobuf::MessageLite& m) { PutRaw(std::move(key), SerializeDeterministic(m)); }
  void PutRaw(std::string key, std::string value) { update_->puts.emplace_back(std::move(key), std::move(value)); }

 private:
  ViewUpdate* update_;
};

absl::StatusOr<std::optional<PlanRecord>> ReadHeader(const ViewReader& view, const std::string& admin, int year) {
  PIAO_ASSIGN_OR_RETURN(std::optional<std::string> raw, view.Get(HeaderKey(admin, year)));
  if (!raw.has_value()) return std::optional<PlanRecord>();
  PlanRecord h;
  if (!h.ParseFromString(*raw)) return absl::DataLossError("undecodable plan record " + HeaderKey(admin, year));
  return std::optional<PlanRecord>(std::move(h));
}

void PutIndex(Writer& w, const std::string& admin, int year) {
  w.PutRaw(absl::StrCat(YearPrefix(year), EncodeKeyParts({admin})), "");
}

absl::Status ProjectPlanCreated(const v1::EventEnvelope& e, const ViewReader& view, const std::string& admin, int year,
                                Writer& w) {
  PIAO_ASSIGN_OR_RETURN(v1::PlanCreated p, Decode<v1::PlanCreated>(e));
  PIAO_ASSIGN_OR_RETURN(std::optional<PlanRecord> h, ReadHeader(view, admin, year));
  PlanRecord header = h.value_or(PlanRecord());
  header.set_administration(admin);
  header.set_year(year);
  header.set_title(p.title());
  *header.mutable_created() = OriginOf(e);
  w.Put(HeaderKey(admin, year), header);
  PutIndex(w, admin, year);
  return absl::OkStatus();
}

absl::Status PutAdoptedVersion(const v1::EventEnvelope& e, const v1::ObjectivesAdopted& a, const std::string& admin,
                               int year, const v1::ObjectiveKey& key, const v1::IndicatorDefinition& def,
                               uint32_t* seq, Writer& w) {
  VersionRecord r;
  *r.mutable_objective() = key;
  *r.mutable_definition() = def;
  r.set_seq((*seq)++);
  BaseVersion(e, v1::AUDIT_CHANGE_ADOPTED, a.act(), a.effective_date(), r.mutable_version());
  PIAO_RETURN_IF_ERROR(DescribeDefinition(def, r.mutable_version()));
  w.Put(VersionKey(admin, year, key, def.code(), e.global_position(), r.seq()), r);
  return absl::OkStatus();
}

absl::Status ProjectObjectivesAdopted(const v1::EventEnvelope& e, const ViewReader& view, const std::string& admin,
                                      int year, Writer& w) {
  PIAO_ASSIGN_OR_RETURN(v1::ObjectivesAdopted a, Decode<v1::ObjectivesAdopted>(e));
  PIAO_ASSIGN_OR_RETURN(std::optional<PlanRecord> h, ReadHeader(view, admin, year));
  if (!h.has_value() || !h->has_approval()) {
    PlanRecord header = h.value_or(PlanRecord());
    header.set_administration(admin);
    header.set_year(year);
    *header.mutable_approval() = a.act();
    *header.mutable_approval_origin() = OriginOf(e);
    w.Put(HeaderKey(admin, year), header);
    PutIndex(w, admin, year);
  }
  uint32_t seq = 0;
  for (int i = 0; i < a.objectives_size(); ++i) {
    const v1::ObjectiveDefinition& o = a.objectives(i);
    v1::ObjectiveKey key;
    key.set_level_kind(o.level_kind());
    key.set_code(o.code());
    PIAO_ASSIGN_OR_RETURN(plan::Objective model, plan::FromProto(o, absl::StrCat("objectives[", i, "]")));
    key.set_scope(plan::KeyOf(model).scope);
    ObjectiveRecord r;
    *r.mutable_definition() = o;
    r.mutable_definition()->clear_indicators();
    r.set_effective_date(a.effective_date());
    *r.mutable_act() = a.act();
    *r.mutable_origin() = OriginOf(e);
    r.set_index(static_cast<uint32_t>(i));
    w.Put(ObjectiveKeyOf(admin, year, key), r);
    for (const v1::IndicatorDefinition& d : o.indicators()) {
      PIAO_RETURN_IF_ERROR(PutAdoptedVersion(e, a, admin, year, key, d, &seq, w));
    }
  }
  for (const v1::IndicatorAdoption& ia : a.indicators()) {
    PIAO_RETURN_IF_ERROR(PutAdoptedVersion(e, a, admin, year, ia.objective(), ia.indicator(), &seq, w));
  }
  return absl::OkStatus();
}

absl::Status ProjectDescriptionsUpdated(const v1::EventEnvelope& e, const std::string& admin, int year, Writer& w) {
  PIAO_ASSIGN_OR_RETURN(v1::DescriptionsUpdated d, Decode<v1::DescriptionsUpdated>(e));
  uint32_t seq = 0;
  for (const v1::DescriptionUpdate& u : d.updates()) {
    VersionRecord r;
    *r.mutable_objective() = u.objective();
    *r.mutable_definition() = u.after();
    r.set_seq(seq++);
    BaseVersion(e, v1::AUDIT_CHANGE_DESCRIPTION, v1::Act(), ValidDate(e), r.mutable_version());
    PIAO_RETURN_IF_ERROR(DescribeDefinition(u.after(), r.mutable_version()));
    PIAO_RETURN_IF_ERROR(SetChangedValues(DescriptionOf(u.before()), DescriptionOf(u.after()), r.mutable_version()));
    w.Put(VersionKey(admin, year, u.objective(), u.after().code(), e.global_position(), r.seq()), r);
  }
  return absl::OkStatus();
}

bool SameObjective(const v1::ObjectiveKey& partial, const v1::ObjectiveKey& full) {
  if (partial.code() != full.code()) return false;
  if (partial.level_kind() == v1::OBJECTIVE_LEVEL_UNSPECIFIED) return true;  // the code alone identified it
  return partial.level_kind() == full.level_kind() && partial.scope() == full.scope();
}

absl::Status ProjectRevisionActApplied(const v1::EventEnvelope& e, const ViewReader& view, const std::string& admin,
                                       int year, Writer& w) {
  PIAO_ASSIGN_OR_RETURN(v1::RevisionActApplied r, Decode<v1::RevisionActApplied>(e));
  uint32_t seq = 0;
  std::vector<bool> after_used(r.after_size(), false);
  std::optional<PlanRecords> loaded;  // only for a change without its `after` (not expected from planning)
  for (const v1::RevisionChange& c : r.changes()) {
    VersionRecord rec;
    *rec.mutable_objective() = c.objective();
    for (int k = 0; k < r.after_size(); ++k) {
      const v1::IndicatorAdoption& a = r.after(k);
      if (a.indicator().code() == c.indicator() && SameObjective(c.objective(), a.objective())) {
        *rec.mutable_objective() = a.objective();
        *rec.mutable_definition() = a.indicator();
        after_used[k] = true;
        break;
      }
    }
    if (!rec.has_definition()) {
      // Fall back to the last known definition, so the version still describes the indicator.
      if (!loaded.has_value()) {
        PIAO_ASSIGN_OR_RETURN(PlanRecords p, LoadPlan(view, admin, year));
        loaded = std::move(p);
      }
      for (const IndicatorRecords& ir : loaded->indicators) {
        if (ir.code == c.indicator() && SameObjective(c.objective(), ir.objective) && !ir.versions.empty()) {
          *rec.mutable_objective() = ir.objective;
          *rec.mutable_definition() = ir.versions.back().definition();
        }
      }
    }
    rec.set_seq(seq++);
    rec.set_evidence(c.evidence());
    rec.set_note(c.note());
    v1::IndicatorVersion* v = rec.mutable_version();
    BaseVersion(e, ChangeOfRevision(c.change()), r.act(), r.effective_date(), v);
    PIAO_RETURN_IF_ERROR(SetChangedValues(c.from_value(), c.to_value(), v));
    v->set_reason(c.reason());
    if (rec.has_definition()) PIAO_RETURN_IF_ERROR(DescribeDefinition(rec.definition(), v));
    w.Put(VersionKey(admin, year, rec.objective(), c.indicator(), e.global_position(), rec.seq()), rec);
  }
  // A definition the act changed without a listed change (not expected): still a version.
  for (int k = 0; k < r.after_size(); ++k) {
    if (after_used[k]) continue;
    VersionRecord rec;
    *rec.mutable_objective() = r.after(k).objective();
    *rec.mutable_definition() = r.after(k).indicator();
    rec.set_seq(seq++);
    BaseVersion(e, v1::AUDIT_CHANGE_REVISED, r.act(), r.effective_date(), rec.mutable_version());
    PIAO_RETURN_IF_ERROR(DescribeDefinition(rec.definition(), rec.mutable_version()));
    w.Put(VersionKey(admin, year, rec.objective(), rec.definition().code(), e.global_position(), rec.seq()), rec);
  }
  return absl::OkStatus();
}

void FillActual(const v1::EventEnvelope& e, ActualRecord* r) {
  v1::ActualVersion* a = r->mutable_actual();
  a->set_actor(e.actor().id());
  *a->mutable_recorded_at() = e.recorded_at();
  a->set_global_position(e.global_position());
  r->set_correlation_id(e.correlation_id());
}

absl::StatusOr<std::string> ValueJson(const v1::MeasuredValue& v) {
  if (v.kind_case() == v1::MeasuredValue::KIND_NOT_SET) return std::string("null");
  PIAO_ASSIGN_OR_RETURN(plan::Value value, plan::FromProto(v, "value"));
  return plan::ValueToJson(value).dump();
}

absl::Status ProjectActualRecorded(const v1::EventEnvelope& e, const std::string& admin, int year, Writer& w) {
  PIAO_ASSIGN_OR_RETURN(v1::ActualRecorded m, Decode<v1::ActualRecorded>(e));
  ActualRecord r;
  *r.mutable_objective() = m.objective();
  r.set_indicator(m.indicator());
  *r.mutable_value() = m.value();
  v1::ActualVersion* a = r.mutable_actual();
  a->set_actual_id(m.actual_id());
  a->set_period(m.period());
  *a->mutable_value() = m.value();
  PIAO_ASSIGN_OR_RETURN(*a->mutable_value_json(), ValueJson(m.value()));  // deprecated, for older clients
  a->set_source(m.source());
  a->set_evidence_ref(m.evidence_ref());
  a->set_note(m.note());
  if (m.has_computation()) *a->mutable_computation() = m.computation();
  FillActual(e, &r);
  w.Put(ActualKey(admin, year, e.global_position()), r);
  return absl::OkStatus();
}

absl::Status ProjectActualCorrected(const v1::EventEnvelope& e, const std::string& admin, int year, Writer& w) {
  PIAO_ASSIGN_OR_RETURN(v1::ActualCorrected m, Decode<v1::ActualCorrected>(e));
  ActualRecord r;
  *r.mutable_objective() = m.objective();
  r.set_indicator(m.indicator());
  *r.mutable_value() = m.value();
  v1::ActualVersion* a = r.mutable_actual();
  a->set_actual_id(m.actual_id());
  a->set_corrects(m.corrects());
  a->set_period(m.period());
  *a->mutable_value() = m.value();
  PIAO_ASSIGN_OR_RETURN(*a->mutable_value_json(), ValueJson(m.value()));  // deprecated, for older clients
  a->set_evidence_ref(m.evidence_ref());
  a->set_reason(m.reason());
  if (m.has_computation()) *a->mutable_computation() = m.computation();
  FillActual(e, &r);
  w.Put(ActualKey(admin, year, e.global_position()), r);
  return absl::OkStatus();
}

template <typename M>
bool Is(const std::string& type) {
  return type == M::descriptor()->full_name();
}

}  // namespace

std::string PlanPrefix(const std::string& administration, int year) {
  return absl::StrCat("p/", EncodeKeyParts({administration, absl::StrCat(year)}));
}
std::string HeaderKey(const std::string& administration, int year) { return PlanPrefix(administration, year) + "H"; }
std::string PlanStampPrefix(const std::string& administration, int year) {
  return PlanPrefix(administration, year) + "T/";
}

absl::StatusOr<std::string> PlanStamps(const ViewReader& view, const std::string& administration, int year) {
  std::string out;
  PIAO_RETURN_IF_ERROR(view.Scan(PlanStampPrefix(administration, year), [&](const std::string& k, const std::string& v) {
    // Key and value both length-prefixed: the concatenation is injective.
    out.append(EncodeKeyParts({k, v}));
  }));
  return out;
}

std::string BatchKey(const std::string& administration, const std::string& batch_id) {
  return "b/" + EncodeKeyParts({administration, batch_id});
}
std::string YearPrefix(int year) { return absl::StrCat("y/", year, "/"); }

absl::StatusOr<std::vector<std::string>> AdministrationsUnder(const ViewReader& view, const std::string& prefix) {
  std::vector<std::string> out;
  bool bad = false;
  PIAO_RETURN_IF_ERROR(view.Scan(prefix, [&](const std::string& k, const std::string&) {
    absl::StatusOr<std::vector<std::string>> parts = SplitKeyParts(absl::string_view(k).substr(prefix.size()));
    if (!parts.ok() || parts->size() != 1) {
      bad = true;
      return;
    }
    out.push_back(std::move((*parts)[0]));
  }));
  if (bad) return absl::DataLossError(absl::StrCat("undecodable administration key under ", prefix));
  return out;
}

std::string SerializeDeterministic(const google::protobuf::MessageLite& message) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return out;
}


absl::StatusOr<std::optional<std::string>> MapReader::Get(const std::string& key) const {
  auto it = map_->find(key);
  if (it == map_->end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

absl::Status MapReader::Scan(const std::string& prefix,
                             const std::function<void(const std::string&, const std::string&)>& fn) const {
  for (auto it = map_->lower_bound(prefix); it != map_->end() && it->first.starts_with(prefix); ++it) {
    fn(it->first, it->second);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> RocksDbReader::Get(const std::string& key) const {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot_;
  std::string value;
  rocksdb::Status s = db_->Get(ro, key, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return eventstore::FromRocksDb(s, "view read");
  return std::optional<std::string>(std::move(value));
}

absl::Status RocksDbReader::Scan(const std::string& prefix,
                                 const std::function<void(const std::string&, const std::string&)>& fn) const {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot_;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    fn(it->key().ToString(), it->value().ToString());
  }
  if (!it->status().ok()) return eventstore::FromRocksDb(it->status(), "view scan");
  return absl::OkStatus();
}

bool IsProjectedType(const std::string& t) {
  return Is<v1::PlanCreated>(t) || Is<v1::ObjectivesAdopted>(t) || Is<v1::DescriptionsUpdated>(t) ||
         Is<v1::RevisionActApplied>(t) || Is<v1::ActualRecorded>(t) || Is<v1::ActualCorrected>(t) ||
         Is<v1::VariableBatchRecorded>(t);
}

absl::StatusOr<ViewUpdate> ProjectEvent(const v1::EventEnvelope& e, const ViewReader& view) {
  ViewUpdate update;
  const std::string& t = e.event_type();
  if (!IsProjectedType(t)) {
    update.unknown_type = true;
    return update;
  }
  Writer w(&update);
  if (Is<v1::VariableBatchRecorded>(t)) {  // a feed batch: its summary, for the lineage of computed actuals
    PIAO_ASSIGN_OR_RETURN(v1::VariableBatchRecorded m, Decode<v1::VariableBatchRecorded>(e));
    const std::string& admin = e.stream().aggregate_id();
    if (admin.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("stream.aggregate_id of ", t, " at ", e.source_service(),
                                                     " position ", e.global_position(), " is empty"));
    }
    v1::BatchSummary b;
    b.set_batch_id(m.batch_id());
    b.set_feed_kind(m.feed_kind());
    b.set_kind(services::FeedKindText(m.feed_kind()));  // deprecated, for wave-one clients
    b.set_checksum(m.checksum());
    b.set_source(m.source());
    b.set_rows(static_cast<uint32_t>(m.values_size()));
    b.set_actor(e.actor().id());
    b.set_global_position(e.global_position());
    w.Put(BatchKey(admin, m.batch_id()), b);
    return update;
  }
  std::string admin;
  int year = 0;
  PIAO_RETURN_IF_ERROR(ParsePlanId(e, &admin, &year));
  if (Is<v1::PlanCreated>(t)) {
    PIAO_RETURN_IF_ERROR(ProjectPlanCreated(e, view, admin, year, w));
  } else if (Is<v1::ObjectivesAdopted>(t)) {
    PIAO_RETURN_IF_ERROR(ProjectObjectivesAdopted(e, view, admin, year, w));
  } else if (Is<v1::DescriptionsUpdated>(t)) {
    PIAO_RETURN_IF_ERROR(ProjectDescriptionsUpdated(e, admin, year, w));
  } else if (Is<v1::RevisionActApplied>(t)) {
    PIAO_RETURN_IF_ERROR(ProjectRevisionActApplied(e, view, admin, year, w));
  } else if (Is<v1::ActualRecorded>(t)) {
    PIAO_RETURN_IF_ERROR(ProjectActualRecorded(e, admin, year, w));
  } else {
    PIAO_RETURN_IF_ERROR(ProjectActualCorrected(e, admin, year, w));
  }
  PlanStamp stamp;
  stamp.set_global_position(e.global_position());
  w.Put(PlanStampPrefix(admin, year) + EncodeKeyParts({e.source_service()}), stamp);
  // No scored tree is stored: rewriting a whole tree per event made an event's cost grow with its plan. Queries
  // score the records (query.h, CurrentScores).
  return update;
}

absl::StatusOr<PlanRecords> LoadPlan(const ViewReader& view, const std::string& administration, int year) {
  PlanRecords out;
  out.administration = administration;
  out.year = year;
  PIAO_ASSIGN_OR_RETURN(out.header, ReadHeader(view, administration, year));
  const std::string prefix = PlanPrefix(administration, year);
  bool bad = false;
  std::string bad_key;
  PIAO_RETURN_IF_ERROR(view.Scan(prefix + "O/", [&](const std::string& k, const std::string& v) {
    ObjectiveRecord r;
    if (!r.ParseFromString(v)) {
      bad = true;
      bad_key = k;
      return;
    }
    out.objectives.push_back(std::move(r));
  }));
  std::stable_sort(out.objectives.begin(), out.objectives.end(), [](const ObjectiveRecord& a, const ObjectiveRecord& b) {
    return std::make_tuple(a.origin().global_position(), a.index()) <
           std::make_tuple(b.origin().global_position(), b.index());
  });
  // Versions arrive grouped per indicator, oldest first.
  PIAO_RETURN_IF_ERROR(view.Scan(prefix + "V/", [&](const std::string& k, const std::string& v) {
    VersionRecord r;
    if (!r.ParseFromString(v)) {
      bad = true;
      bad_key = k;
      return;
    }
    // <level> <scope> <objective> <indicator> <pos> <seq>, each encoded
    absl::StatusOr<std::vector<std::string>> split = SplitKeyParts(absl::string_view(k).substr(prefix.size() + 2));
    if (!split.ok() || split->size() != 6) {
      bad = true;
      bad_key = k;
      return;
    }
    const std::string& code = (*split)[3];
    IndicatorRecords* cur = out.indicators.empty() ? nullptr : &out.indicators.back();
    if (cur == nullptr || cur->objective.level_kind() != r.objective().level_kind() ||
        cur->objective.scope() != r.objective().scope() || cur->objective.code() != r.objective().code() ||
        cur->code != code) {
      out.indicators.push_back(IndicatorRecords{r.objective(), code, {}});
      cur = &out.indicators.back();
    }
    cur->versions.push_back(std::move(r));
  }));
  std::stable_sort(out.indicators.begin(), out.indicators.end(), [](const IndicatorRecords& a, const IndicatorRecords& b) {
    return std::make_tuple(a.versions.front().version().global_position(), a.versions.front().seq()) <
           std::make_tuple(b.versions.front().version().global_position(), b.versions.front().seq());
  });
  PIAO_RETURN_IF_ERROR(view.Scan(prefix + "A/", [&](const std::string& k, const std::string& v) {
    ActualRecord r;
    if (!r.ParseFromString(v)) {
      bad = true;
      bad_key = k;
      return;
    }
    out.actuals.push_back(std::move(r));
  }));
  if (bad) return absl::DataLossError("undecodable view record " + bad_key);
  return out;
}

SnapshotReader::SnapshotReader(rocksdb::DB* db) : db_(db), snapshot_(db->GetSnapshot()), reader_(db, snapshot_) {}
SnapshotReader::~SnapshotReader() { db_->ReleaseSnapshot(snapshot_); }

}  // namespace piao::projection
