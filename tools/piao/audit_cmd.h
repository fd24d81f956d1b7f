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
  bool json = false;
};

// The request the options ask for: INVALID_ARGUMENT naming the flag for a bad year, time or date.
absl::StatusOr<v1::GetAuditTrailRequest> AuditRequest(const AuditOptions& options);

// {"administration", "year", "count", "entries": [{"source", "position", "recorded_at", "valid_from", "actor",
//  "kind", "objective": {"level", "code", "scope"}, "indicator", "from", "to", "act", "act_date", "reason"}]}
nlohmann::json AuditToJson(const v1::AuditTrail& trail);
// One block per change: record time, actor, kind, what, from -> to, act, valid from, reason.
std::string RenderAudit(const v1::AuditTrail& trail);

absl::Status RunAudit(const AuditOptions& options);

}  // namespace piao::cli

#endif  // PIAO_TOOLS_PIAO_AUDIT_CMD_H_
