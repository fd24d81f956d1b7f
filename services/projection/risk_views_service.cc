#include "services/projection/risk_views_service.h"

#include "absl/strings/str_cat.h"
#include "libs/base/status_macros.h"
#include "libs/plan/model.h"
#include "libs/service/grpc_status.h"
#include "libs/service/roles.h"
#include "rocksdb/db.h"
#include "services/projection/query.h"
#include "services/projection/risk_view.h"

#include <map>
#include <optional>

namespace piao::projection {
namespace {

constexpr absl::string_view kService = "piao.v1.RiskViews";
std::string Method(absl::string_view name) { return service::FullMethodName(kService, name); }

absl::Status CheckYear(int year) {
  if (year < 2000 || year > 2999) {
    return absl::InvalidArgumentError(absl::StrCat("year: a four-digit year is required, got ", year));
  }
  return absl::OkStatus();
}

absl::Status CheckDate(const std::string& date, const std::string& field) {
  if (!date.empty() && !plan::ParseIsoDate(date).ok()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": must be a real date YYYY-MM-DD, got '", date, "'"));
  }
  return absl::OkStatus();
}

}  // namespace

void AllowRiskViews(service::RolePolicy& policy) {
  namespace r = service::roles;
  for (absl::string_view m : {"GetRiskMap", "GetProcessHistory", "GetRiskReport"}) {
    policy.Allow(Method(m), {r::kAdmin, r::kRpct, r::kOiv, r::kPlanner, r::kMeasurer, r::kHr, r::kService});
  }
}

absl::StatusOr<v1::RiskMap> QueryRiskMap(const ViewReader& view, const v1::GetRiskMapRequest& req) {
  PIAO_RETURN_IF_ERROR(CheckYear(req.year()));
  PIAO_RETURN_IF_ERROR(CheckDate(req.as_of_date(), "as_of_date"));
  PIAO_RETURN_IF_ERROR(CheckDate(req.today(), "today"));
  PIAO_ASSIGN_OR_RETURN(std::string admin, ResolveRiskAdministration(view, req.administration(), req.year()));
  PIAO_ASSIGN_OR_RETURN(risk::RegisterState state, LoadRegister(view, admin, req.year()));
  const std::string overdue_on = !req.as_of_date().empty() ? req.as_of_date()
                                 : !req.today().empty()     ? req.today()
                                                            : absl::StrCat(req.year(), "-12-31");
  v1::RiskMap map = risk::BuildRiskMap(state, req.as_of_date(), overdue_on, req.above_severity());
  map.set_administration(admin);
  map.set_year(req.year());
  return map;
}

absl::StatusOr<v1::ProcessHistory> QueryProcessHistory(const ViewReader& view,
                                                       const v1::GetProcessHistoryRequest& req) {
  PIAO_RETURN_IF_ERROR(CheckYear(req.year()));
  if (req.process().empty()) return absl::InvalidArgumentError("process: the process code is required");
  PIAO_ASSIGN_OR_RETURN(std::string admin, ResolveRiskAdministration(view, req.administration(), req.year()));
  PIAO_ASSIGN_OR_RETURN(risk::RegisterState state, LoadRegister(view, admin, req.year()));
  return risk::BuildProcessHistory(state, req.process());
}

absl::StatusOr<v1::RiskReport> QueryRiskReport(const ViewReader& view, const v1::GetRiskReportRequest& req) {
  PIAO_RETURN_IF_ERROR(CheckYear(req.year()));
  PIAO_RETURN_IF_ERROR(CheckDate(req.as_of_date(), "as_of_date"));
  PIAO_ASSIGN_OR_RETURN(std::string admin, ResolveRiskAdministration(view, req.administration(), req.year()));
  PIAO_ASSIGN_OR_RETURN(risk::RegisterState state, LoadRegister(view, admin, req.year()));
  v1::RiskReport report =
      risk::BuildReport(state, req.as_of_date().empty() ? absl::StrCat(req.year(), "-12-31") : req.as_of_date());
  report.set_administration(admin);
  report.set_year(req.year());
  v1::GetScoresRequest scores_request;
  scores_request.set_administration(admin);
  scores_request.set_year(req.year());
  scores_request.set_as_of_date(req.as_of_date());
  absl::StatusOr<v1::ScoresView> scores = QueryScores(view, scores_request);
  if (scores.ok()) {
    JoinPerformancePlan(*scores, &report);
  } else if (!absl::IsNotFound(scores.status())) {  // no plan that year: nothing to join
    return scores.status();
  }
  return report;
}

void JoinPerformancePlan(const v1::ScoresView& scores, v1::RiskReport* report) {
  struct Link {
    std::string objective;
    std::optional<double> grade_pct;
  };
  std::map<std::string, Link> links;
  for (const v1::ObjectiveScore& o : scores.objectives()) {
    for (const v1::IndicatorScore& i : o.indicators()) {
      Link& l = links[i.code()];
      if (!l.objective.empty() && l.grade_pct.has_value()) continue;  // the first graded occurrence wins
      l.objective = o.code();
      if (i.has_grade_pct()) l.grade_pct = i.grade_pct();
    }
  }
  for (v1::MeasureStatus& m : *report->mutable_measure_statuses()) {
    if (m.performance_indicator().empty()) continue;
    auto it = links.find(m.performance_indicator());
    if (it == links.end()) continue;
    m.set_performance_in_plan(true);
    m.set_performance_objective(it->second.objective);
    if (it->second.grade_pct.has_value()) m.set_performance_grade_pct(*it->second.grade_pct);
  }
}

grpc::Status RiskViewsService::GetRiskMap(grpc::ServerContext* ctx, const v1::GetRiskMapRequest* request,
                                          v1::RiskMap* response) {
  return Answer(ctx, Method("GetRiskMap"), *request, response, QueryRiskMap);
}

grpc::Status RiskViewsService::GetProcessHistory(grpc::ServerContext* ctx, const v1::GetProcessHistoryRequest* request,
                                                 v1::ProcessHistory* response) {
  return Answer(ctx, Method("GetProcessHistory"), *request, response, QueryProcessHistory);
}

grpc::Status RiskViewsService::GetRiskReport(grpc::ServerContext* ctx, const v1::GetRiskReportRequest* request,
                                             v1::RiskReport* response) {
  return Answer(ctx, Method("GetRiskReport"), *request, response, QueryRiskReport);
}

}  // namespace piao::projection
