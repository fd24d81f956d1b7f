// `piao audit`: every change of a plan year with actor, act, valid and record time (the OIV's question
// "who changed what, when, under which act"), from the projection, read-your-writes.
//
//   piao audit --year Y [--actor P] [--from T --to T] [--objective CODE] [--administration A] [--json]
//
// --from / --to take an RFC 3339 time or a date (a date means that whole day, UTC).
#ifndef PIAO_TOOLS_PIAO_AUDIT_CMD_H_
#define PIAO_TOOLS_PIAO_AUDIT_CMD_H_

#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "piao/v1/projection.pb.h"

namespace piao::cli {

struct AuditOptions {
  std::string data_dir;
  std::string administration;
  int year = 0;
  std::string actor;
  std::string from;
  std::string to;
  std::string objective;
  std::string indicator;
  std::string process;                // a risk process code
  std::vector<std::string> services;  // planning, measurement, risk, hr ("--service a,b")
  std::vector<std::string> kinds;     // display names of AuditChange ("--kind target,threshold")
  std::string valid_from;             // YYYY-MM-DD
  std::string valid_to;
  int page_size = 0;                  // 0 = every entry
  int page = 0;
  bool json = false;
};

// AUDIT_CHANGE_ACTUAL_CORRECTED <-> "actual-corrected" (the display name documented on the enum).
std::string AuditChangeName(v1::AuditChange change);
absl::StatusOr<v1::AuditChange> ParseAuditChange(const std::string& name);

// The request the options ask for: INVALID_ARGUMENT naming the flag for a bad year, time or date.
absl::StatusOr<v1::GetAuditTrailRequest> AuditRequest(const AuditOptions& options);

// {"administration", "year", "count", "total", "page", "pages", "entries": [{"source", "position", "recorded_at",
//  "valid_from", "actor", "kind", "objective": {"level", "code", "scope"}, "indicator", "from", "to", "act",
//  "act_date", "reason", "processes", "subject", "fact"}]}: "count" is this page's entries, "total" all of them;
// "fact" is a risk or HR fact as protobuf JSON (null for planning and measurement entries).
nlohmann::json AuditToJson(const v1::AuditTrail& trail);
// One block per change: record time, actor, kind, what, from -> to, act, valid from, reason.
std::string RenderAudit(const v1::AuditTrail& trail);

absl::Status RunAudit(const AuditOptions& options);

}  // namespace piao::cli

#endif  // PIAO_TOOLS_PIAO_AUDIT_CMD_H_
