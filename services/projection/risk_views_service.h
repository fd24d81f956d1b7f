// piao.v1.RiskViews over the projection's risk records (risk_view.h): authorises, waits for the positions the
// caller asked for (read-your-writes), then folds the register from one RocksDB snapshot and answers with
// libs/risk's views.
#ifndef PIAO_SERVICES_PROJECTION_RISK_VIEWS_SERVICE_H_
#define PIAO_SERVICES_PROJECTION_RISK_VIEWS_SERVICE_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "libs/service/auth.h"
#include "piao/v1/risk.grpc.pb.h"
#include "services/projection/projection_service.h"
#include "services/projection/view.h"

namespace piao::projection {

// Reads: admin, rpct, oiv, planner, measurer, hr, service (feeds do not read the register).
void AllowRiskViews(service::RolePolicy& policy);

// The pure answers (tests call these on a MapReader). INVALID_ARGUMENT for a bad year or date.
absl::StatusOr<v1::RiskMap> QueryRiskMap(const ViewReader& view, const v1::GetRiskMapRequest& request);
absl::StatusOr<v1::ProcessHistory> QueryProcessHistory(const ViewReader& view,
                                                       const v1::GetProcessHistoryRequest& request);
// The RPCT's report, its measures joined with the year's performance plan as of the same date (the
// performance_* fields: is the linked indicator in the plan, its objective, its grade).
absl::StatusOr<v1::RiskReport> QueryRiskReport(const ViewReader& view, const v1::GetRiskReportRequest& request);
// That join, pure: each measure's linked indicator looked up in `scores` (the first graded occurrence wins).
void JoinPerformancePlan(const v1::ScoresView& scores, v1::RiskReport* report);

class RiskViewsService final : public v1::RiskViews::Service, private QueryServiceBase {
 public:
  using QueryServiceBase::SetRouter;
  RiskViewsService(rocksdb::DB* db, const service::Authorizer* authorizer, std::vector<std::string> sources,
                   AppliedFn applied, absl::Duration max_wait = absl::Seconds(30), Clock* clock = Clock::Real())
      : QueryServiceBase(db, authorizer, std::move(sources), std::move(applied), max_wait, clock) {}

  grpc::Status GetRiskMap(grpc::ServerContext* ctx, const v1::GetRiskMapRequest* request,
                          v1::RiskMap* response) override;
  grpc::Status GetProcessHistory(grpc::ServerContext* ctx, const v1::GetProcessHistoryRequest* request,
                                 v1::ProcessHistory* response) override;
  grpc::Status GetRiskReport(grpc::ServerContext* ctx, const v1::GetRiskReportRequest* request,
                             v1::RiskReport* response) override;
};

}  // namespace piao::projection

#endif  // PIAO_SERVICES_PROJECTION_RISK_VIEWS_SERVICE_H_
