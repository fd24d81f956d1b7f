// The audit trail of an administration's year, pure: the projection's records in -> every change, filtered,
// paged, out.
//
// One entry per fact: an objective's adoption, each indicator definition version (adoption, revision change,
// description update), each actual or correction, each fact of the risk register of the year (areas, scheme,
// method, processes, ratings, measures, monitoring, owners' reports) and each fact of the workforce plan
// (every HR fact of the administration: they are not per plan year; narrow them with the valid-time window). Each says who (actor), under which act, valid from when
// (valid time) and when the system learnt it (record time), so the OIV can read every variation of the year
// and who made it. Entries are in record-time order; ties keep the source's position order.
#ifndef PIAO_SERVICES_PROJECTION_AUDIT_H_
#define PIAO_SERVICES_PROJECTION_AUDIT_H_

#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "piao/v1/projection.pb.h"
#include "services/projection/view.h"

namespace piao::projection {

// The services a request filters on: `source_services`, else wave one's text `services` alone ("planning",
// "measurement", "risk", "hr"); INVALID_ARGUMENT naming the field for an unspecified or unknown value, a text that
// names no service, or both set and naming different services. Empty: every service.
absl::StatusOr<std::vector<v1::SourceService>> RequestedServices(const v1::GetAuditTrailRequest& request);

// For answers: each entry's wave-one text `source` filled from its `source_service`.
void FillAuditTexts(google::protobuf::Message* answer);

// INVALID_ARGUMENT naming the field for a window that ends before it starts, a date that is not YYYY-MM-DD, an
// unknown service or change kind.
absl::Status CheckAuditRequest(const v1::GetAuditTrailRequest& request);

// Every change in `records` (the plan year's planning and measurement records) and `facts` (the stored events of
// the administration's risk register of the year and of its workforce plan) passing the request's filters
// (service, actor, objective, indicator, process, kind of change, valid-time and record-time windows), in
// record-time order, one page of them.
absl::StatusOr<v1::AuditTrail> AuditRecords(const PlanRecords& records, const v1::GetAuditTrailRequest& request,
                                            const std::vector<v1::EventEnvelope>& facts = {});

// GetAuditTrail without its consistency wait: NOT_FOUND when the administration has nothing recorded for the
// year; FAILED_PRECONDITION when a source it needs has quarantined events of that administration.
absl::StatusOr<v1::AuditTrail> QueryAuditTrail(const ViewReader& view, const v1::GetAuditTrailRequest& request);

}  // namespace piao::projection

#endif  // PIAO_SERVICES_PROJECTION_AUDIT_H_
