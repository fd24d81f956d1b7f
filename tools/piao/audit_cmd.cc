#include "tools/piao/audit_cmd.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/base/status_macros.h"
#include "libs/plan/model.h"
#include "libs/service/client.h"
#include "libs/service/grpc_status.h"
#include "piao/v1/projection.grpc.pb.h"
#include "tools/piao/cli_util.h"
#include "tools/piao/stack.h"

namespace piao::cli {
namespace {

using json = nlohmann::json;

// A flag's time: RFC 3339, or a date meaning the start (`end_of_day` false) or the last second of that day.
absl::StatusOr<google::protobuf::Timestamp> TimeFlag(const std::string& flag, const std::string& text,
                                                    bool end_of_day) {
  if (text.size() == 10) {
    auto day = plan::ParseIsoDate(text);
    if (!day.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--", flag, ": '", text, "' is not a real date YYYY-MM-DD"));
    }
    absl::Time t = absl::FromCivil(absl::CivilSecond(*day), absl::UTCTimeZone());
    if (end_of_day) t += absl::Hours(24) - absl::Nanoseconds(1);
    google::protobuf::Timestamp ts;
    ts.set_seconds(absl::ToUnixSeconds(t));
    ts.set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(ts.seconds()))));
    return ts;
  }
  return ParseRfc3339Flag(flag, text);
}

}  // namespace

absl::StatusOr<v1::GetAuditTrailRequest> AuditRequest(const AuditOptions& o) {
  PIAO_RETURN_IF_ERROR(CheckYear(o.year));
  v1::GetAuditTrailRequest r;
  r.set_administration(o.administration);
  r.set_year(o.year);
  r.set_actor(o.actor);
  r.set_objective(o.objective);
  if (!o.from.empty()) {
    PIAO_ASSIGN_OR_RETURN(*r.mutable_from_record_time(), TimeFlag("from", o.from, false));
  }
  if (!o.to.empty()) {
    PIAO_ASSIGN_OR_RETURN(*r.mutable_to_record_time(), TimeFlag("to", o.to, true));
  }
  return r;
}

json AuditToJson(const v1::AuditTrail& trail) {
  json entries = json::array();
  for (const v1::AuditEntry& e : trail.entries()) {
    entries.push_back({{"source", e.source()},
                       {"position", e.global_position()},
                       {"recorded_at", TimestampJson(e.recorded_at())},
                       {"valid_from", OrNull(e.valid_from())},
                       {"actor", OrNull(e.actor())},
                       {"kind", e.kind()},
                       {"objective",
                        {{"level", e.objective().level()},
                         {"code", e.objective().code()},
                         {"scope", OrNull(e.objective().scope())}}},
                       {"indicator", OrNull(e.indicator())},
                       {"from", ParsedOrNull(e.from_json())},
                       {"to", ParsedOrNull(e.to_json())},
                       {"act", OrNull(e.act().text())},
                       {"act_date", OrNull(e.act().date())},
                       {"reason", OrNull(e.reason())}});
  }
  return {{"administration", trail.administration()},
          {"year", trail.year()},
          {"count", trail.entries_size()},
          {"entries", std::move(entries)}};
}

std::string RenderAudit(const v1::AuditTrail& trail) {
  std::string out = absl::StrCat("Audit trail of ", trail.administration(), "/", trail.year(), ": ",
                                 trail.entries_size(), " changes\n");
  for (const v1::AuditEntry& e : trail.entries()) {
    std::string what = e.objective().code();
    if (!e.objective().scope().empty()) absl::StrAppend(&what, " (", e.objective().scope(), ")");
    if (!e.indicator().empty()) absl::StrAppend(&what, " / ", e.indicator());
    absl::StrAppend(&out, "\n", TimestampText(e.recorded_at()), "  ", absl::StrFormat("%-18s", e.kind()), " ", what,
                    "\n    by ", e.actor().empty() ? "-" : e.actor(), ", valid from ",
                    e.valid_from().empty() ? "-" : e.valid_from(), ", ", e.source(), " #", e.global_position(), "\n");
    if (e.kind() == "objective-adopted") {
      const json title = ParsedOrNull(e.to_json());
      absl::StrAppend(&out, "    title ", title.is_string() ? title.get<std::string>() : e.to_json(), "\n");
    } else if (!e.from_json().empty() || (!e.to_json().empty() && e.kind() != "adopted")) {
      absl::StrAppend(&out, "    ", DescribeChangeJson(e.from_json()), " -> ", DescribeChangeJson(e.to_json()), "\n");
    }
    if (!e.act().text().empty()) absl::StrAppend(&out, "    act ", e.act().text(), "\n");
    if (!e.reason().empty()) absl::StrAppend(&out, "    reason ", e.reason(), "\n");
  }
  return out;
}

absl::Status RunAudit(const AuditOptions& o) {
  PIAO_ASSIGN_OR_RETURN(v1::GetAuditTrailRequest req, AuditRequest(o));
  v1::AuditTrail trail;
  PIAO_RETURN_IF_ERROR(QueryProjection(o.data_dir, &v1::Projection::Stub::GetAuditTrail, req, &trail));
  if (o.json) {
    std::printf("%s\n", AuditToJson(trail).dump().c_str());
  } else {
    std::fputs(RenderAudit(trail).c_str(), stdout);
  }
  return absl::OkStatus();
}

}  // namespace piao::cli
