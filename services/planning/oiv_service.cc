#include "services/planning/oiv_service.h"

#include "absl/time/time.h"
#include "libs/service/grpc_status.h"
#include "libs/service/roles.h"
#include "services/common/aggregate_util.h"
#include "services/common/command_path.h"
#include "services/planning/plan_aggregate.h"

namespace piao::planning {
namespace {

constexpr absl::string_view kService = "piao.v1.OivActs";
std::string Method(absl::string_view name) { return service::FullMethodName(kService, name); }

// The year's objective codes and the deviations in force, read from the same store at decision time.
absl::StatusOr<PlanFacts> ReadPlanFacts(const eventstore::EventStore& store, const std::string& administration,
                                        int year) {
  PlanFacts facts;
  PIAO_ASSIGN_OR_RETURN(std::vector<v1::EventEnvelope> plan_events,
                        store.ReadStream(PlanStream(administration, year), StreamVersion(1)));
  PIAO_ASSIGN_OR_RETURN(PlanState plan, FoldPlan(plan_events));
  facts.plan_exists = plan.exists;
  for (const plan::Objective& o : plan.plan.objectives) facts.objectives.insert(o.code);
  PIAO_ASSIGN_OR_RETURN(std::vector<v1::EventEnvelope> deviation_events,
                        store.ReadStream(DeviationStream(administration, year), StreamVersion(1)));
  PIAO_ASSIGN_OR_RETURN(DeviationState deviations, FoldDeviations(deviation_events));
  for (const auto& [objective, statement] : deviations.current) facts.deviations[objective] = statement.version;
  return facts;
}

template <typename State, typename Request>
using Decider = absl::StatusOr<OivDecision> (*)(const State&, const PlanFacts&, const v1::Principal&, const Request&,
                                                absl::CivilDay);

// Authorises, reads the plan facts, then runs one command on `stream`. A retried idempotency key answers the
// original ack and id, with duplicate set.
template <typename State, typename Request>
grpc::Status Execute(eventstore::EventStore& store, const service::Authorizer& authorizer, Clock* clock,
                     grpc::ServerContext* ctx, absl::string_view method, const Request& request,
                     const StreamId& stream, absl::StatusOr<State> (*fold)(const std::vector<v1::EventEnvelope>&),
                     Decider<State, Request> decide, v1::OivCommandResponse* response) {
  PIAO_GRPC_ASSIGN_OR_RETURN(v1::Principal who, authorizer.Authorize(ctx, Method(method), request.administration()));
  PIAO_GRPC_RETURN_IF_ERROR(services::ValidateAdministrationYear(request.administration(), request.year()));
  const absl::CivilDay today = absl::ToCivilDay(clock->Now(), absl::UTCTimeZone());
  std::string decided_id;
  PIAO_GRPC_ASSIGN_OR_RETURN(
      eventstore::AppendResult r,
      services::RunCommand<State>(
          store, who, request, stream, fold,
          [&](const State& s) -> absl::StatusOr<std::vector<eventstore::NewEvent>> {
            // Read on every attempt, so a decision retried after a conflict sees the plan as it is then.
            PIAO_ASSIGN_OR_RETURN(PlanFacts facts, ReadPlanFacts(store, request.administration(), request.year()));
            PIAO_ASSIGN_OR_RETURN(OivDecision d, decide(s, facts, who, request, today));
            decided_id = d.id;
            return std::move(d.events);
          },
          [&] { return decided_id; }));
  services::FillAck(stream, r, response->mutable_ack());
  response->set_id(r.duplicate ? r.reply : decided_id);
  return grpc::Status::OK;
}

}  // namespace

void AllowOivActs(service::RolePolicy& policy) {
  namespace r = service::roles;
  for (absl::string_view m : {"ValidateRelazione", "SubmitMonitoringReport", "AttestTransparency",
                              "ProposeSgEvaluation"}) {
    policy.Allow(Method(m), {r::kOiv});
  }
  policy.Allow(Method("RecordDeviation"), {r::kPlanner, r::kAdmin});
}

grpc::Status OivActsService::ValidateRelazione(grpc::ServerContext* ctx, const v1::ValidateRelazioneRequest* request,
                                               v1::OivCommandResponse* response) {
  return Execute<OivState>(*store_, *authorizer_, clock_, ctx, "ValidateRelazione", *request,
                           OivStream(request->administration(), request->year()), FoldOiv, DecideValidateRelazione,
                           response);
}

grpc::Status OivActsService::SubmitMonitoringReport(grpc::ServerContext* ctx,
                                                    const v1::SubmitMonitoringReportRequest* request,
                                                    v1::OivCommandResponse* response) {
  return Execute<OivState>(*store_, *authorizer_, clock_, ctx, "SubmitMonitoringReport", *request,
                           OivStream(request->administration(), request->year()), FoldOiv,
                           DecideSubmitMonitoringReport, response);
}

grpc::Status OivActsService::AttestTransparency(grpc::ServerContext* ctx, const v1::AttestTransparencyRequest* request,
                                                v1::OivCommandResponse* response) {
  return Execute<OivState>(*store_, *authorizer_, clock_, ctx, "AttestTransparency", *request,
                           OivStream(request->administration(), request->year()), FoldOiv, DecideAttestTransparency,
                           response);
}

grpc::Status OivActsService::ProposeSgEvaluation(grpc::ServerContext* ctx,
                                                 const v1::ProposeSgEvaluationRequest* request,
                                                 v1::OivCommandResponse* response) {
  return Execute<OivState>(*store_, *authorizer_, clock_, ctx, "ProposeSgEvaluation", *request,
                           OivStream(request->administration(), request->year()), FoldOiv, DecideProposeSgEvaluation,
                           response);
}

grpc::Status OivActsService::RecordDeviation(grpc::ServerContext* ctx, const v1::RecordDeviationRequest* request,
                                             v1::OivCommandResponse* response) {
  return Execute<DeviationState>(*store_, *authorizer_, clock_, ctx, "RecordDeviation", *request,
                                 DeviationStream(request->administration(), request->year()), FoldDeviations,
                                 DecideRecordDeviation, response);
}

}  // namespace piao::planning
