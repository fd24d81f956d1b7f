#include "services/projection/audit.h"

#include <algorithm>
#include <map>
#include <tuple>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/base/status_macros.h"
#include "services/projection/query.h"

namespace piao::projection {
namespace {

bool IsSet(const google::protobuf::Timestamp& t) { return t.seconds() != 0 || t.nanos() != 0; }

std::tuple<int64_t, int32_t> TimeOf(const google::protobuf::Timestamp& t) { return {t.seconds(), t.nanos()}; }

v1::ObjectiveKey KeyOfDefinition(const v1::ObjectiveDefinition& d) {
  v1::ObjectiveKey k;
  k.set_level(d.level());
  k.set_code(d.code());
  if (d.level() == "individual") k.set_scope(d.owner());
  if (d.level() == "operational") k.set_scope(absl::StrJoin(d.units(), " + "));
  return k;
}

// Year-end actuals are valid at the end of the plan year; monitoring actuals at their date.
std::string PeriodEnd(const std::string& period, int year) {
  return period == "year-end" ? absl::StrCat(year, "-12-31") : period;
}

struct Filter {
  const v1::GetAuditTrailRequest& request;
  bool Keeps(const v1::AuditEntry& e) const {
    if (!request.actor().empty() && e.actor() != request.actor()) return false;
    if (!request.objective().empty() && e.objective().code() != request.objective()) return false;
    if (IsSet(request.from_record_time()) && TimeOf(e.recorded_at()) < TimeOf(request.from_record_time())) {
      return false;
    }
    if (IsSet(request.to_record_time()) && TimeOf(e.recorded_at()) > TimeOf(request.to_record_time())) return false;
    return true;
  }
};

}  // namespace

absl::StatusOr<v1::AuditTrail> AuditRecords(const PlanRecords& records, const v1::GetAuditTrailRequest& request) {
  if (IsSet(request.from_record_time()) && IsSet(request.to_record_time()) &&
      TimeOf(request.to_record_time()) < TimeOf(request.from_record_time())) {
    return absl::InvalidArgumentError("to_record_time: must not be before from_record_time");
  }
  const Filter filter{request};
  std::vector<v1::AuditEntry> entries;
  auto keep = [&](v1::AuditEntry e) {
    if (filter.Keeps(e)) entries.push_back(std::move(e));
  };
  for (const ObjectiveRecord& o : records.objectives) {
    v1::AuditEntry e;
    e.set_source("planning");
    e.set_global_position(o.origin().global_position());
    *e.mutable_recorded_at() = o.origin().recorded_at();
    e.set_valid_from(o.effective_date());
    e.set_actor(o.origin().actor());
    e.set_kind("objective-adopted");
    *e.mutable_objective() = KeyOfDefinition(o.definition());
    e.set_to_json(nlohmann::json(o.definition().title()).dump());  // a JSON string, like every *_json
    *e.mutable_act() = o.act();
    e.set_correlation_id(o.origin().correlation_id());
    keep(std::move(e));
  }
  for (const IndicatorRecords& ir : records.indicators) {
    for (const VersionRecord& v : ir.versions) {
      const v1::IndicatorVersion& iv = v.version();
      v1::AuditEntry e;
      e.set_source("planning");
      e.set_global_position(iv.global_position());
      *e.mutable_recorded_at() = iv.recorded_at();
      e.set_valid_from(iv.effective_date());
      e.set_actor(iv.actor());
      e.set_kind(iv.change());
      *e.mutable_objective() = ir.objective;
      e.set_indicator(ir.code);
      e.set_from_json(iv.from_json());
      e.set_to_json(iv.to_json());
      *e.mutable_act() = iv.act();
      e.set_reason(iv.reason());
      e.set_correlation_id(iv.correlation_id());
      keep(std::move(e));
    }
  }
  std::map<std::string, const ActualRecord*> by_id;
  for (const ActualRecord& a : records.actuals) by_id[a.actual().actual_id()] = &a;
  for (const ActualRecord& a : records.actuals) {
    const v1::ActualVersion& av = a.actual();
    v1::AuditEntry e;
    e.set_source("measurement");
    e.set_global_position(av.global_position());
    *e.mutable_recorded_at() = av.recorded_at();
    e.set_valid_from(PeriodEnd(av.period(), records.year));
    e.set_actor(av.actor());
    e.set_kind(av.corrects().empty() ? "actual" : "actual-corrected");
    *e.mutable_objective() = a.objective();
    e.set_indicator(a.indicator());
    if (auto it = by_id.find(av.corrects()); !av.corrects().empty() && it != by_id.end()) {
      e.set_from_json(it->second->actual().value_json());
    }
    e.set_to_json(av.value_json());
    e.set_reason(av.reason());
    e.set_correlation_id(a.correlation_id());
    keep(std::move(e));
  }
  // Record-time order; within one instant the source and its position order (both sources' clocks are the
  // same machine's in the stack, but positions alone are not comparable across sources).
  std::stable_sort(entries.begin(), entries.end(), [](const v1::AuditEntry& a, const v1::AuditEntry& b) {
    return std::make_tuple(TimeOf(a.recorded_at()), a.source(), a.global_position()) <
           std::make_tuple(TimeOf(b.recorded_at()), b.source(), b.global_position());
  });
  v1::AuditTrail out;
  out.set_administration(records.administration);
  out.set_year(records.year);
  for (v1::AuditEntry& e : entries) *out.add_entries() = std::move(e);
  return out;
}

absl::StatusOr<v1::AuditTrail> QueryAuditTrail(const ViewReader& view, const v1::GetAuditTrailRequest& request) {
  PIAO_ASSIGN_OR_RETURN(std::string admin, ResolveAdministration(view, request.administration(), request.year()));
  PIAO_ASSIGN_OR_RETURN(PlanRecords records, LoadPlan(view, admin, request.year()));
  return AuditRecords(records, request);
}

}  // namespace piao::projection
