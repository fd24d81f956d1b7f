// piao.v1.Projection over the projection's RocksDB views: authorises, waits for the positions the caller
// asked for (read-your-writes), then answers from one RocksDB snapshot through the pure query layer.
#ifndef PIAO_SERVICES_PROJECTION_PROJECTION_SERVICE_H_
#define PIAO_SERVICES_PROJECTION_PROJECTION_SERVICE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "libs/base/clock.h"
#include "libs/kafka/event_applier.h"
#include "libs/service/auth.h"
#include "libs/service/grpc_status.h"
#include "libs/service/request_rules.h"
#include "piao/v1/projection.grpc.pb.h"
#include "services/projection/query.h"
#include "services/projection/routing.h"
#include "services/projection/view.h"

namespace rocksdb {
class DB;
}

namespace piao::projection {

// The EventConsumer/EventApplier handler: ProjectEvent on the DB as it is, its puts into the batch (so the
// view and the input positions commit together). Unknown event types write nothing; `on_unknown` (optional)
// hears each of them.
kafka::EventHandler MakeViewHandler(rocksdb::DB* db, std::function<void(const v1::EventEnvelope&)> on_unknown = {});

// Every authenticated role may query (admin, planner, measurer, feed, oiv, rpct, hr, service).
void AllowProjection(service::RolePolicy& policy);

// How far a source is applied for an administration (its lane's position, kafka::EventApplier::Applied); for
// "" (a request naming no administration) how far it is applied for every administration this member serves.
using AppliedFn = std::function<GlobalPosition(const std::string& source, const std::string& administration)>;

// Waits until applied(source, administration) >= position for every entry of `consistency`, polling until
// `deadline` (a time of `clock`). INVALID_ARGUMENT for a source the projection does not follow (when a position above 0 is asked);
// DEADLINE_EXCEEDED when `deadline` is the call's own deadline, UNAVAILABLE when it is the service's cap;
// both name the sources and positions still missing. CANCELLED if `cancelled` turns true.
absl::Status WaitForPositions(const v1::Consistency& consistency, const std::string& administration,
                              const std::vector<std::string>& sources, const AppliedFn& applied, absl::Time deadline,
                              bool deadline_is_callers, const std::function<bool()>& cancelled,
                              Clock* clock = Clock::Real());

// WaitForPositions for one gRPC call: until the caller's deadline or `max_wait` from `clock`'s now, whichever
// comes first, and CANCELLED when the caller goes away. Every query service of the projection starts with it.
absl::Status WaitForCall(grpc::ServerContext* ctx, const v1::Consistency& consistency,
                         const std::string& administration, const std::vector<std::string>& sources,
                         const AppliedFn& applied, absl::Duration max_wait, Clock* clock = Clock::Real());

// Authorises a query about one administration: a role allowed on `full_method`, then the administration the
// request names, which the caller's grant must cover (PERMISSION_DENIED naming it). A request naming none is
// scoped to the caller's only administration (service::ScopeAdministration). Returns the request to answer.
template <typename Request>
absl::StatusOr<Request> AuthorizeQuery(const service::Authorizer& authorizer, const grpc::ServerContext& ctx,
                                       absl::string_view full_method, const Request& request) {
  absl::StatusOr<v1::Principal> who = authorizer.Authorize(ctx, full_method);
  if (!who.ok()) return who.status();
  absl::StatusOr<std::string> administration = service::ScopeAdministration(*who, request.administration());
  if (!administration.ok()) return administration.status();
  Request scoped = request;
  scoped.set_administration(*administration);
  return scoped;
}

// Every answer carries its typed kinds and levels and, for wave-one clients, the deprecated text beside each
// (objective levels: libs/plan/objective_level.h; risk and HR kinds: libs/risk/kinds.h, libs/hr/kinds.h; the
// audit's source: audit.h). Filled once, here, for every query service.
void FillWaveOneTexts(google::protobuf::Message* answer);

// What every query service of the projection shares (Projection, RiskViews, HrViews): the views, the
// authorizer, the followed sources and the read-your-writes wait. Each query RPC is one Answer(): authorise
// and scope the administration, check the request's text rules (identifiers, free text), wait for the
// positions asked, answer from one RocksDB snapshot with a pure query function. `max_wait` caps the wait of
// calls without a (shorter) deadline, measured on `clock`. Pointers must outlive the service.
class QueryServiceBase {
 public:
  QueryServiceBase(rocksdb::DB* db, const service::Authorizer* authorizer, std::vector<std::string> sources,
                   AppliedFn applied, absl::Duration max_wait, Clock* clock)
      : db_(db), authorizer_(authorizer), sources_(std::move(sources)), applied_(std::move(applied)),
        max_wait_(max_wait), clock_(clock) {}
  // A split projection's router: queries about an administration another member serves are answered by it.
  // Not owned; set before serving.
  void SetRouter(Router* router) { router_ = router; }

 protected:
  // `query`: absl::StatusOr<Response>(const ViewReader&, const Request&), pure.
  template <typename Request, typename Response, typename Query>
  grpc::Status Answer(grpc::ServerContext* ctx, const std::string& full_method, const Request& request,
                      Response* response, const Query& query) const {
    PIAO_GRPC_ASSIGN_OR_RETURN(Request scoped, AuthorizeQuery(*authorizer_, *ctx, full_method, request));
    PIAO_GRPC_RETURN_IF_ERROR(service::ValidateRequestText(scoped));
    if (router_ != nullptr) {
      if (std::optional<grpc::Status> forwarded =
              router_->MaybeForward(*ctx, full_method, scoped.administration(), scoped, response)) {
        return *forwarded;
      }
    }
    PIAO_GRPC_RETURN_IF_ERROR(
        WaitForCall(ctx, scoped.consistency(), scoped.administration(), sources_, applied_, max_wait_, clock_));
    SnapshotReader snap(db_);
    PIAO_GRPC_ASSIGN_OR_RETURN(*response, query(snap.reader(), scoped));
    FillWaveOneTexts(response);
    return grpc::Status::OK;
  }

  rocksdb::DB* const db_;
  const service::Authorizer* const authorizer_;
  const std::vector<std::string> sources_;
  const AppliedFn applied_;
  const absl::Duration max_wait_;
  Clock* const clock_;
  Router* router_ = nullptr;
};

class ProjectionService final : public v1::Projection::Service, private QueryServiceBase {
 public:
  using QueryServiceBase::SetRouter;
  // `sources` are the followed source services (GetProgress lists them).
  ProjectionService(rocksdb::DB* db, const service::Authorizer* authorizer, std::vector<std::string> sources,
                    AppliedFn applied, absl::Duration max_wait = absl::Seconds(30), Clock* clock = Clock::Real())
      : QueryServiceBase(db, authorizer, std::move(sources), std::move(applied), max_wait, clock) {}
  // The applier whose lanes and refusals GetProgress reports (a forked or backwards history, an event on another
  // source's topic hold that source's events of one administration: state DEGRADED). Set before serving.
  void SetApplier(const kafka::EventApplier* applier) { applier_ = applier; }

  grpc::Status GetScores(grpc::ServerContext* ctx, const v1::GetScoresRequest* request,
                         v1::ScoresView* response) override;
  grpc::Status GetLineage(grpc::ServerContext* ctx, const v1::GetLineageRequest* request,
                          v1::Lineage* response) override;
  grpc::Status GetIndicatorHistory(grpc::ServerContext* ctx, const v1::GetIndicatorHistoryRequest* request,
                                   v1::IndicatorHistory* response) override;
  grpc::Status GetAuditTrail(grpc::ServerContext* ctx, const v1::GetAuditTrailRequest* request,
                             v1::AuditTrail* response) override;
  grpc::Status GetProgress(grpc::ServerContext* ctx, const v1::GetProgressRequest* request,
                           v1::Progress* response) override;

 private:
  const kafka::EventApplier* applier_ = nullptr;
  ScoresCache scores_cache_;  // GetScores' trees by plan state (query.h)
};

}  // namespace piao::projection

#endif  // PIAO_SERVICES_PROJECTION_PROJECTION_SERVICE_H_
