// The HR views (source service "hr"), pure: one HR event in -> the records it adds out; records in -> the
// HrSummary out (libs/hr/summary.h), as of any date.
//
// Key layout (prefix h/, never colliding with the planning views):
//   h/a/<admin>                 ""              administrations with HR data
//   h/e/<admin>/<pos:16 hex>    EventEnvelope   each HR fact as stored by the hr service (deterministic bytes)
// The facts are the view: a summary folds them with the same rules the service decided with, so every figure
// is available as of any date without precomputing one per date, and a rebuild from zero is byte-identical.
// The pay link reads the enterprise score of the same administration's plan from the planning views
// (CurrentScores in query.h: scored from its records at query time).
#ifndef PIAO_SERVICES_PROJECTION_HR_VIEW_H_
#define PIAO_SERVICES_PROJECTION_HR_VIEW_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/service/auth.h"
#include "piao/v1/hr.grpc.pb.h"
#include "services/projection/projection_service.h"
#include "services/projection/view.h"

namespace piao::projection {

inline constexpr char kHrSource[] = "hr";

// The records an HR event adds; unknown_type for an event type libs/hr does not know. INVALID_ARGUMENT for an
// event without a usable stream id.
absl::StatusOr<ViewUpdate> ProjectHrEvent(const v1::EventEnvelope& event);

// The stored HR facts of `administration`, in position order (empty when none).
absl::StatusOr<std::vector<v1::EventEnvelope>> LoadHrEvents(const ViewReader& view, const std::string& administration);

// INVALID_ARGUMENT for a bad year, date or an administration that must be named (several have HR data);
// NOT_FOUND when the administration has no HR data; FAILED_PRECONDITION when it has no establishment in force.
absl::StatusOr<v1::HrSummary> QueryHrSummary(const ViewReader& view, const v1::GetHrSummaryRequest& request);

// Every authenticated role may read the HR views (the OIV included).
void AllowHrViews(service::RolePolicy& policy);

class HrViewsService final : public v1::HrViews::Service, private QueryServiceBase {
 public:
  using QueryServiceBase::SetRouter;
  HrViewsService(rocksdb::DB* db, const service::Authorizer* authorizer, std::vector<std::string> sources,
                 AppliedFn applied, absl::Duration max_wait = absl::Seconds(30), Clock* clock = Clock::Real())
      : QueryServiceBase(db, authorizer, std::move(sources), std::move(applied), max_wait, clock) {}
  grpc::Status GetHrSummary(grpc::ServerContext* ctx, const v1::GetHrSummaryRequest* request,
                            v1::HrSummary* response) override;
};

}  // namespace piao::projection

#endif  // PIAO_SERVICES_PROJECTION_HR_VIEW_H_
