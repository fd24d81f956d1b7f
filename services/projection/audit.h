// The audit trail of a plan year, pure: the projection's records in -> every change, filtered, out.
//
// One entry per fact: an objective's adoption, each indicator definition version (adoption, revision change,
// description update) and each actual or correction. Each says who (actor), under which act, valid from when
// (valid time) and when the system learnt it (record time), so the OIV can read every variation of the year
// and who made it. Entries are in record-time order; ties keep the source's position order.
#ifndef PIAO_SERVICES_PROJECTION_AUDIT_H_
#define PIAO_SERVICES_PROJECTION_AUDIT_H_

#include "absl/status/statusor.h"
#include "piao/v1/projection.pb.h"
#include "services/projection/view.h"

namespace piao::projection {

// Every change in `records` passing the request's filters (actor, record-time window, objective code).
// INVALID_ARGUMENT when the window ends before it starts.
absl::StatusOr<v1::AuditTrail> AuditRecords(const PlanRecords& records, const v1::GetAuditTrailRequest& request);

// GetAuditTrail without its consistency wait: NOT_FOUND for an unknown plan.
absl::StatusOr<v1::AuditTrail> QueryAuditTrail(const ViewReader& view, const v1::GetAuditTrailRequest& request);

}  // namespace piao::projection

#endif  // PIAO_SERVICES_PROJECTION_AUDIT_H_
