#include "services/planning/plan_aggregate.h"

#include "absl/strings/str_cat.h"

namespace piao::planning {

StreamId PlanStream(const std::string& administration, int year) {
  return StreamId{"plan", absl::StrCat(administration, "/", year)};
}

absl::StatusOr<PlanState> FoldPlan(const std::vector<v1::EventEnvelope>& events) {
  PlanState s;
  for (const v1::EventEnvelope& e : events) {
    if (e.event_type() == v1::PlanCreated::descriptor()->full_name()) {
      v1::PlanCreated p;
      if (!p.ParseFromString(e.payload())) {
        return absl::DataLossError(absl::StrCat("undecodable PlanCreated at position ", e.global_position()));
      }
      s.exists = true;
      s.administration = p.administration();
      s.year = p.year();
      s.title = p.title();
    } else {
      return absl::FailedPreconditionError(
          absl::StrCat("unknown event type ", e.event_type(), " at position ", e.global_position()));
    }
    s.version = StreamVersion(e.stream_version());
  }
  return s;
}

absl::StatusOr<std::vector<eventstore::NewEvent>> DecideCreatePlan(const PlanState& state,
                                                                   const v1::CreatePlanRequest& cmd) {
  if (cmd.administration().empty()) return absl::InvalidArgumentError("administration: must not be empty");
  if (cmd.administration().find('/') != std::string::npos) {
    return absl::InvalidArgumentError("administration: must not contain '/'");
  }
  if (cmd.year() < 2000 || cmd.year() > 2999) {
    return absl::InvalidArgumentError(absl::StrCat("year: must be a four-digit year, got ", cmd.year()));
  }
  if (state.exists) {
    return absl::FailedPreconditionError(
        absl::StrCat("plan ", cmd.administration(), "/", cmd.year(), " already exists"));
  }
  v1::PlanCreated ev;
  ev.set_administration(cmd.administration());
  ev.set_year(cmd.year());
  ev.set_title(cmd.title().empty() ? absl::StrCat("PIAO ", cmd.year(), "-", cmd.year() + 2) : cmd.title());
  eventstore::NewEvent ne;
  ne.event_type = v1::PlanCreated::descriptor()->full_name();
  ne.payload = ev.SerializeAsString();
  return std::vector<eventstore::NewEvent>{std::move(ne)};
}

}  // namespace piao::planning
