#include "services/projection/oiv_view.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "libs/base/key_codec.h"
#include "libs/base/status_macros.h"
#include "libs/base/strong_types.h"
#include "libs/plan/model.h"
#include "libs/service/roles.h"
#include "services/common/aggregate_util.h"
#include "services/projection/quarantine.h"

namespace piao::projection {
namespace {

constexpr absl::string_view kService = "piao.v1.OivViews";
constexpr char kPlanningSource[] = "planning";
std::string Method(absl::string_view name) { return service::FullMethodName(kService, name); }

std::string YearKeyPrefix(int year) { return absl::StrCat("o/Y/", year, "/"); }
std::string EventPrefix(const std::string& admin, int year) {
  return absl::StrCat("o/R/", EncodeKeyParts({admin, absl::StrCat(year)}), "E/");
}

template <typename M>
bool Is(const std::string& type) {
  return type == M::descriptor()->full_name();
}

v1::OivRecord RecordOf(const v1::EventEnvelope& e) {
  v1::OivRecord r;
  r.set_actor(e.actor().id());
  *r.mutable_recorded_at() = e.recorded_at();
  r.set_global_position(e.global_position());
  r.set_correlation_id(e.correlation_id());
  return r;
}

// The acts dated on or before `as_of` ("" = all); dates "YYYY-MM-DD" compare as text.
bool InForce(const std::string& date, const std::string& as_of) { return as_of.empty() || date <= as_of; }

}  // namespace

bool IsOivEventType(const std::string& t) {
  return Is<v1::RelazioneValidated>(t) || Is<v1::OivMonitoringReportSubmitted>(t) || Is<v1::TransparencyAttested>(t) ||
         Is<v1::SgEvaluationProposed>(t) || Is<v1::DeviationRecorded>(t);
}

absl::StatusOr<ViewUpdate> ProjectOivEvent(const v1::EventEnvelope& e) {
  ViewUpdate u;
  if (!IsOivEventType(e.event_type())) {
    u.unknown_type = true;
    return u;
  }
  const std::string& type = e.stream().aggregate_type();
  absl::StatusOr<AdministrationYear> id = ParseAdministrationYear(e.stream().aggregate_id());
  if ((type != "oiv" && type != "deviation") || !id.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("stream: '", type, "/", e.stream().aggregate_id(), "' of ",
                                                   e.event_type(), " at ", e.source_service(), " position ",
                                                   e.global_position(), " is not oiv/ or deviation/<admin>/<year>"));
  }
  PIAO_ASSIGN_OR_RETURN(v1::EventEnvelope stored, services::ToCurrentSchema(e));
  stored.clear_prev_hash();
  stored.clear_hash();
  u.puts.emplace_back(YearKeyPrefix(id->year) + EncodeKeyParts({id->administration}), "");
  u.puts.emplace_back(EventPrefix(id->administration, id->year) + absl::StrFormat("%016x", e.global_position()),
                      SerializeDeterministic(stored));
  return u;
}

absl::StatusOr<std::vector<v1::EventEnvelope>> LoadOivEvents(const ViewReader& view, const std::string& administration,
                                                             int year) {
  std::vector<v1::EventEnvelope> events;
  absl::Status bad;
  PIAO_RETURN_IF_ERROR(view.Scan(EventPrefix(administration, year), [&](const std::string& k, const std::string& v) {
    v1::EventEnvelope e;
    if (!e.ParseFromString(v) && bad.ok()) bad = absl::DataLossError("undecodable OIV view record " + k);
    events.push_back(std::move(e));
  }));
  PIAO_RETURN_IF_ERROR(bad);
  return events;
}

absl::StatusOr<v1::OivStatus> QueryOivStatus(const ViewReader& view, const v1::GetOivStatusRequest& req) {
  if (req.year() < 2000 || req.year() > 2999) {
    return absl::InvalidArgumentError(absl::StrCat("year: a four-digit year is required, got ", req.year()));
  }
  if (!req.as_of_date().empty() && !plan::ParseIsoDate(req.as_of_date()).ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("as_of_date: must be a real date YYYY-MM-DD, got '", req.as_of_date(), "'"));
  }
  std::string admin = req.administration();
  if (admin.empty()) {
    PIAO_ASSIGN_OR_RETURN(std::vector<std::string> found, AdministrationsUnder(view, YearKeyPrefix(req.year())));
    if (found.empty()) return absl::NotFoundError(absl::StrCat("no OIV act or deviation recorded for ", req.year()));
    if (found.size() > 1) {
      return absl::InvalidArgumentError(absl::StrCat("administration: year ", req.year(), " has OIV acts of several (",
                                                     absl::StrJoin(found, ", "), "); name one"));
    }
    admin = found.front();
  }
  PIAO_RETURN_IF_ERROR(CheckServed(view, admin, {kPlanningSource}));
  PIAO_ASSIGN_OR_RETURN(std::vector<v1::EventEnvelope> events, LoadOivEvents(view, admin, req.year()));

  v1::OivStatus out;
  out.set_administration(admin);
  out.set_year(req.year());
  out.set_as_of_date(req.as_of_date());
  const std::string& as_of = req.as_of_date();
  std::map<std::string, int> latest_report_of_period;     // period -> index in monitoring_reports
  std::map<std::string, int> latest_deviation_of_objective;  // objective -> index in deviation_history
  for (const v1::EventEnvelope& e : events) {
    const std::string& t = e.event_type();
    if (Is<v1::RelazioneValidated>(t)) {
      PIAO_ASSIGN_OR_RETURN(auto m, services::DecodePayload<v1::RelazioneValidated>(e));
      if (!InForce(m.validation().date(), as_of)) continue;
      for (v1::RecordedValidation& earlier : *out.mutable_validations()) earlier.mutable_record()->set_superseded(true);
      v1::RecordedValidation* r = out.add_validations();
      *r->mutable_validation() = m.validation();
      *r->mutable_record() = RecordOf(e);
    } else if (Is<v1::OivMonitoringReportSubmitted>(t)) {
      PIAO_ASSIGN_OR_RETURN(auto m, services::DecodePayload<v1::OivMonitoringReportSubmitted>(e));
      if (!InForce(m.report().date(), as_of)) continue;
      auto [it, first] = latest_report_of_period.try_emplace(m.report().period(), out.monitoring_reports_size());
      if (!first) {
        out.mutable_monitoring_reports(it->second)->mutable_record()->set_superseded(true);
        it->second = out.monitoring_reports_size();
      }
      v1::RecordedMonitoringReport* r = out.add_monitoring_reports();
      *r->mutable_report() = m.report();
      *r->mutable_record() = RecordOf(e);
    } else if (Is<v1::TransparencyAttested>(t)) {
      PIAO_ASSIGN_OR_RETURN(auto m, services::DecodePayload<v1::TransparencyAttested>(e));
      if (!InForce(m.attestation().date(), as_of)) continue;
      for (v1::RecordedAttestation& earlier : *out.mutable_attestations()) earlier.mutable_record()->set_superseded(true);
      v1::RecordedAttestation* r = out.add_attestations();
      *r->mutable_attestation() = m.attestation();
      *r->mutable_record() = RecordOf(e);
    } else if (Is<v1::SgEvaluationProposed>(t)) {
      PIAO_ASSIGN_OR_RETURN(auto m, services::DecodePayload<v1::SgEvaluationProposed>(e));
      if (!InForce(m.proposal().date(), as_of)) continue;
      for (v1::RecordedSgProposal& earlier : *out.mutable_sg_proposals()) earlier.mutable_record()->set_superseded(true);
      v1::RecordedSgProposal* r = out.add_sg_proposals();
      *r->mutable_proposal() = m.proposal();
      *r->mutable_record() = RecordOf(e);
    } else if (Is<v1::DeviationRecorded>(t)) {
      PIAO_ASSIGN_OR_RETURN(auto m, services::DecodePayload<v1::DeviationRecorded>(e));
      if (!InForce(m.deviation().date(), as_of)) continue;
      auto [it, first] =
          latest_deviation_of_objective.try_emplace(m.deviation().objective(), out.deviation_history_size());
      if (!first) {
        out.mutable_deviation_history(it->second)->mutable_record()->set_superseded(true);
        it->second = out.deviation_history_size();
      }
      v1::RecordedDeviation* r = out.add_deviation_history();
      *r->mutable_deviation() = m.deviation();
      *r->mutable_record() = RecordOf(e);
      r->set_stream_version(e.stream_version());
    }  // an act of a type this release does not know: not shown (the audit still lists it)
  }
  if (out.validations_size() > 0) *out.mutable_validation() = out.validations(out.validations_size() - 1);
  if (out.attestations_size() > 0) *out.mutable_attestation() = out.attestations(out.attestations_size() - 1);
  if (out.sg_proposals_size() > 0) *out.mutable_sg_proposal() = out.sg_proposals(out.sg_proposals_size() - 1);
  for (const auto& [objective, index] : latest_deviation_of_objective) {  // objective code order
    *out.add_deviations() = out.deviation_history(index);
  }
  return out;
}

void AllowOivViews(service::RolePolicy& policy) {
  namespace r = service::roles;
  policy.Allow(Method("GetOivStatus"),
               {r::kAdmin, r::kPlanner, r::kMeasurer, r::kFeed, r::kOiv, r::kRpct, r::kHr, r::kService});
}

grpc::Status OivViewsService::GetOivStatus(grpc::ServerContext* ctx, const v1::GetOivStatusRequest* request,
                                           v1::OivStatus* response) {
  return Answer(ctx, Method("GetOivStatus"), *request, response, QueryOivStatus);
}

}  // namespace piao::projection
