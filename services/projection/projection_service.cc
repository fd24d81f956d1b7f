#include "services/projection/projection_service.h"

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "libs/base/log.h"
#include "libs/eventstore/rocksdb_status.h"
#include "libs/hr/kinds.h"
#include "libs/plan/objective_level.h"
#include "libs/risk/kinds.h"
#include "libs/service/grpc_status.h"
#include "libs/service/roles.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "services/projection/audit.h"
#include "services/projection/lineage.h"
#include "services/projection/hr_view.h"
#include "services/projection/oiv_view.h"
#include "services/projection/quarantine.h"
#include "services/projection/query.h"
#include "services/projection/risk_view.h"
#include "services/projection/view.h"

namespace piao::projection {
namespace {

constexpr absl::string_view kService = "piao.v1.Projection";

std::string Method(absl::string_view name) { return service::FullMethodName(kService, name); }

}  // namespace

kafka::EventHandler MakeViewHandler(rocksdb::DB* db, std::function<void(const v1::EventEnvelope&)> on_unknown) {
  return [db, on_unknown](const v1::EventEnvelope& e, rocksdb::WriteBatch* batch) -> absl::Status {
    RocksDbReader reader(db);
    // A stream with a quarantined event stays held: its later events would build on a state that never was.
    PIAO_ASSIGN_OR_RETURN(std::optional<GlobalPosition> held, HeldStream(reader, e));
    absl::StatusOr<ViewUpdate> update =
        held.has_value()                    ? QuarantineUpdate(e, *held, absl::StrCat("follows the quarantined event at position ", held->value()))
        : e.source_service() == kRiskSource ? ProjectRiskEvent(e)  // risk and HR have their own records
        : e.source_service() == kHrSource   ? ProjectHrEvent(e)
        : IsOivEventType(e.event_type())    ? ProjectOivEvent(e)  // the OIV's acts, beside the plans in planning
                                            : ProjectEvent(e, reader);
    if (!update.ok() && !IsTransientViewError(update.status())) {
      log::Error("event quarantined: the projection cannot apply it",
                 {{"source", e.source_service()}, {"position", std::to_string(e.global_position())},
                  {"type", e.event_type()}, {"error", update.status().ToString()}});
      update = QuarantineUpdate(e, GlobalPosition(e.global_position()), std::string(update.status().message()));
    }
    if (!update.ok()) return update.status();
    if (update->unknown_type) {
      if (on_unknown) on_unknown(e);
      return absl::OkStatus();
    }
    for (const auto& [k, v] : update->puts) {
      PIAO_RETURN_IF_ERROR(eventstore::FromRocksDb(batch->Put(k, v), "view batch put"));
    }
    return absl::OkStatus();
  };
}

void AllowProjection(service::RolePolicy& policy) {
  namespace r = service::roles;
  for (absl::string_view m : {"GetScores", "GetIndicatorHistory", "GetProgress", "GetAuditTrail", "GetLineage"}) {
    policy.Allow(Method(m), {r::kAdmin, r::kPlanner, r::kMeasurer, r::kFeed, r::kOiv, r::kRpct, r::kHr, r::kService});
  }
}

absl::Status WaitForPositions(const v1::Consistency& consistency, const std::string& administration,
                              const std::vector<std::string>& sources, const AppliedFn& applied, absl::Time deadline,
                              bool deadline_is_callers, const std::function<bool()>& cancelled, Clock* clock) {
  // Sorted, so messages are stable; the request's protobuf integers typed here, at the boundary.
  std::map<std::string, GlobalPosition> wanted;
  for (const auto& [source, position] : consistency.min_positions()) wanted.emplace(source, GlobalPosition(position));
  for (const auto& [source, position] : wanted) {
    if (position > GlobalPosition(0) && std::find(sources.begin(), sources.end(), source) == sources.end()) {
      return absl::InvalidArgumentError(absl::StrCat("consistency.min_positions: unknown source '", source,
                                                     "'; this projection follows ", absl::StrJoin(sources, ", ")));
    }
  }
  absl::Duration pause = absl::Milliseconds(2);
  while (true) {
    std::vector<std::string> missing;
    for (const auto& [source, position] : wanted) {
      const GlobalPosition have = position > GlobalPosition(0) ? applied(source, administration) : GlobalPosition(0);
      if (have < position) {
        absl::StrAppend(&missing.emplace_back(), source, " at ", have.value(), ", asked ", position.value());
      }
    }
    if (missing.empty()) return absl::OkStatus();
    if (cancelled && cancelled()) return absl::CancelledError("the call was cancelled while waiting for positions");
    const absl::Time now = clock->Now();
    if (now >= deadline) {
      const std::string what = absl::StrCat("the projection has not yet applied the positions asked: ",
                                            absl::StrJoin(missing, "; "));
      return deadline_is_callers ? absl::DeadlineExceededError(what)
                                 : absl::UnavailableError(what + " (retry later)");
    }
    absl::SleepFor(std::min(pause, deadline - now));
    pause = std::min(pause * 2, absl::Milliseconds(50));
  }
}

absl::Status WaitForCall(grpc::ServerContext* ctx, const v1::Consistency& consistency,
                         const std::string& administration, const std::vector<std::string>& sources,
                         const AppliedFn& applied, absl::Duration max_wait, Clock* clock) {
  // The caller's deadline is a real time; with the real clock (production) both are on the same scale.
  const absl::Time cap = clock->Now() + max_wait;
  const absl::Time callers = absl::FromChrono(ctx->deadline());
  const bool callers_first = callers <= cap;
  return WaitForPositions(consistency, administration, sources, applied, callers_first ? callers : cap, callers_first,
                          [ctx] { return ctx->IsCancelled(); }, clock);
}

void FillWaveOneTexts(google::protobuf::Message* answer) {
  plan::ObjectiveLevels().FillTexts(answer);
  risk::RiskKinds().FillTexts(answer);
  hr::HrKinds().FillTexts(answer);
  FillAuditTexts(answer);
}

grpc::Status ProjectionService::GetScores(grpc::ServerContext* ctx, const v1::GetScoresRequest* request, v1::ScoresView* response) {
  return Answer(ctx, Method("GetScores"), *request, response,
                [this](const ViewReader& view, const v1::GetScoresRequest& r) { return QueryScores(view, r, &scores_cache_); });
}

grpc::Status ProjectionService::GetIndicatorHistory(grpc::ServerContext* ctx, const v1::GetIndicatorHistoryRequest* request, v1::IndicatorHistory* response) {
  return Answer(ctx, Method("GetIndicatorHistory"), *request, response, QueryIndicatorHistory);
}

grpc::Status ProjectionService::GetAuditTrail(grpc::ServerContext* ctx, const v1::GetAuditTrailRequest* request, v1::AuditTrail* response) {
  return Answer(ctx, Method("GetAuditTrail"), *request, response, QueryAuditTrail);
}

grpc::Status ProjectionService::GetLineage(grpc::ServerContext* ctx, const v1::GetLineageRequest* request, v1::Lineage* response) {
  return Answer(ctx, Method("GetLineage"), *request, response, QueryLineage);
}

grpc::Status ProjectionService::GetProgress(grpc::ServerContext* ctx, const v1::GetProgressRequest*,
                                            v1::Progress* response) {
  PIAO_GRPC_ASSIGN_OR_RETURN(v1::Principal who, authorizer_->Authorize(ctx, Method("GetProgress")));
  for (const std::string& s : sources_) (*response->mutable_applied())[s] = applied_(s, "").value();
  SnapshotReader snap(db_);
  PIAO_GRPC_RETURN_IF_ERROR(DescribeQuarantine(snap.reader(), response));
  // Another administration's held events are its own business: a caller sees those of the administrations it
  // is granted (the counts and state stay global, so an operator knows something is held somewhere).
  google::protobuf::RepeatedPtrField<v1::QuarantinedEvent> visible;
  for (v1::QuarantinedEvent& q : *response->mutable_quarantined()) {
    if (service::CoversAdministration(who, q.administration())) *visible.Add() = std::move(q);
  }
  response->mutable_quarantined()->Swap(&visible);
  if (applier_ != nullptr) {
    const kafka::PartitionShare share = applier_->share();
    response->set_partition_count(share.count);
    for (int32_t p : share.owned) response->add_owned_partitions(p);
    for (const auto& [lane, position] : applier_->Lanes()) {
      v1::LaneProgress* l = response->add_lanes();
      l->set_source(lane.first);
      l->set_partition(lane.second);
      l->set_applied(position.value());
    }
    // A refusal holds every later event of that source for that administration: reported first (to those who
    // are granted the administration; the state and count stay global).
    for (const auto& [held, problem] : applier_->AdministrationProblems()) {
      response->set_quarantined_total(response->quarantined_total() + 1);
      response->set_state(v1::Progress::DEGRADED);
      if (!service::CoversAdministration(who, held.administration)) continue;
      v1::QuarantinedEvent* q = response->mutable_quarantined()->Add();
      q->set_source(held.source);
      q->set_administration(held.administration);
      q->set_global_position(problem.position.value());
      q->set_reason("source refused: " + problem.reason);
      response->mutable_quarantined()->SwapElements(0, response->quarantined_size() - 1);
    }
  }
  return grpc::Status::OK;
}

}  // namespace piao::projection
