#include "tools/piao/audit_cmd.h"

#include "libs/base/timestamp.h"

#include <cstdio>
#include <utility>
#include <vector>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "libs/base/legacy_enum.h"
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
    return ToTimestamp(t);
  }
  return ParseRfc3339Flag(flag, text);
}

}  // namespace

std::string AuditChangeName(v1::AuditChange change) {
  std::string name = v1::AuditChange_Name(change);
  constexpr absl::string_view kPrefix = "AUDIT_CHANGE_";
  if (absl::StartsWith(name, kPrefix)) name = name.substr(kPrefix.size());
  for (char& c : name) c = c == '_' ? '-' : absl::ascii_tolower(static_cast<unsigned char>(c));
  return name;
}

absl::StatusOr<v1::AuditChange> ParseAuditChange(const std::string& name) {
  std::string upper = absl::AsciiStrToUpper(name);
  for (char& c : upper) c = c == '-' ? '_' : c;
  v1::AuditChange change = v1::AUDIT_CHANGE_UNSPECIFIED;
  if (name.empty() || !v1::AuditChange_Parse("AUDIT_CHANGE_" + upper, &change) ||
      change == v1::AUDIT_CHANGE_UNSPECIFIED) {
    std::vector<std::string> known;
    for (int i = 0; i < v1::AuditChange_descriptor()->value_count(); ++i) {
      const auto v = static_cast<v1::AuditChange>(v1::AuditChange_descriptor()->value(i)->number());
      if (v != v1::AUDIT_CHANGE_UNSPECIFIED) known.push_back(AuditChangeName(v));
    }
    return absl::InvalidArgumentError(absl::StrCat("--kind: '", name, "' is not one of ", absl::StrJoin(known, ", ")));
  }
  return change;
}

absl::StatusOr<v1::GetAuditTrailRequest> AuditRequest(const AuditOptions& o) {
  PIAO_RETURN_IF_ERROR(CheckYear(o.year));
  v1::GetAuditTrailRequest r;
  r.set_administration(o.administration);
  r.set_year(o.year);
  r.set_actor(o.actor);
  r.set_objective(o.objective);
  r.set_indicator(o.indicator);
  r.set_process(o.process);
  for (const std::string& s : o.services) {
    PIAO_ASSIGN_OR_RETURN(const v1::SourceService service, EnumOfText<v1::SourceService>(s, "--service"));
    r.add_source_services(service);
  }
  for (const std::string& k : o.kinds) {
    PIAO_ASSIGN_OR_RETURN(v1::AuditChange change, ParseAuditChange(k));
    r.add_changes(change);
  }
  for (const auto& [flag, value] : {std::pair<const char*, const std::string*>{"valid-from", &o.valid_from},
                                    {"valid-to", &o.valid_to}}) {
    if (!value->empty() && !plan::ParseIsoDate(*value).ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--", flag, ": '", *value, "' is not a real date YYYY-MM-DD"));
    }
  }
  r.set_valid_from(o.valid_from);
  r.set_valid_to(o.valid_to);
  if (o.page_size < 0) return absl::InvalidArgumentError("--page-size: must not be negative");
  if (o.page < 0) return absl::InvalidArgumentError("--page: must not be negative");
  r.set_page_size(static_cast<uint32_t>(o.page_size));
  r.set_page(static_cast<uint32_t>(o.page));
  if (!o.from.empty()) {
    PIAO_ASSIGN_OR_RETURN(*r.mutable_from_record_time(), TimeFlag("from", o.from, false));
  }
  if (!o.to.empty()) {
    PIAO_ASSIGN_OR_RETURN(*r.mutable_to_record_time(), TimeFlag("to", o.to, true));
  }
  return r;
}

namespace {

// A recorded risk or HR fact as protobuf JSON; null when the entry carries none (or an unknown type).
json FactJson(const google::protobuf::Any& fact) {
  if (fact.type_url().empty()) return nullptr;
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(fact, &out, o).ok()) return nullptr;
  json j = json::parse(out, nullptr, false);
  if (j.is_object()) j.erase("@type");
  return j.is_discarded() ? json(nullptr) : j;
}

}  // namespace

json AuditToJson(const v1::AuditTrail& trail) {
  json entries = json::array();
  for (const v1::AuditEntry& e : trail.entries()) {
    entries.push_back({{"source", EnumText(e.source_service())},
                       {"position", e.global_position()},
                       {"recorded_at", TimestampJson(e.recorded_at())},
                       {"valid_from", OrNull(e.valid_from())},
                       {"actor", OrNull(e.actor())},
                       {"kind", AuditChangeName(e.change())},
                       {"objective",
                        {{"level", ObjectiveLevelName(e.objective().level_kind())},
                         {"code", e.objective().code()},
                         {"scope", OrNull(e.objective().scope())}}},
                       {"indicator", OrNull(e.indicator())},
                       {"from", ChangedJson(e.from_value())},
                       {"to", ChangedJson(e.to_value())},
                       {"act", OrNull(e.act().text())},
                       {"act_date", OrNull(e.act().date())},
                       {"reason", OrNull(e.reason())},
                       {"processes", json(std::vector<std::string>(e.processes().begin(), e.processes().end()))},
                       {"subject", OrNull(e.subject())},
                       {"fact", FactJson(e.fact())}});
  }
  return {{"administration", trail.administration()},
          {"year", trail.year()},
          {"count", trail.entries_size()},
          {"total", trail.total()},
          {"page", trail.page()},
          {"pages", trail.pages()},
          {"entries", std::move(entries)}};
}

std::string RenderAudit(const v1::AuditTrail& trail) {
  std::string out = absl::StrCat("Audit trail of ", trail.administration(), "/", trail.year(), ": ",
                                 trail.total(), " changes",
                                 trail.pages() > 1 ? absl::StrCat(" (page ", trail.page(), " of ", trail.pages(), ")")
                                                   : std::string(),
                                 "\n");
  for (const v1::AuditEntry& e : trail.entries()) {
    const std::string kind = AuditChangeName(e.change());
    std::string what = e.objective().code();
    if (!e.objective().scope().empty()) absl::StrAppend(&what, " (", e.objective().scope(), ")");
    if (!e.indicator().empty()) absl::StrAppend(&what, " / ", e.indicator());
    if (!e.subject().empty()) absl::StrAppend(&what, what.empty() ? "" : " ", e.subject());
    if (e.processes_size() > 0) {
      absl::StrAppend(&what, what.empty() ? "" : " ", "process ", absl::StrJoin(e.processes(), ", "));
    }
    absl::StrAppend(&out, "\n", TimestampText(e.recorded_at()), "  ", absl::StrFormat("%-18s", kind), " ", what,
                    "\n    by ", e.actor().empty() ? "-" : e.actor(), ", valid from ",
                    e.valid_from().empty() ? "-" : e.valid_from(), ", ", EnumText(e.source_service()), " #", e.global_position(), "\n");
    if (e.change() == v1::AUDIT_CHANGE_OBJECTIVE_ADOPTED) {
      absl::StrAppend(&out, "    title ", e.to_value().title(), "\n");
    } else if (e.has_from_value() || (e.has_to_value() && e.change() != v1::AUDIT_CHANGE_ADOPTED)) {
      absl::StrAppend(&out, "    ", DescribeChange(e.from_value()), " -> ", DescribeChange(e.to_value()), "\n");
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
