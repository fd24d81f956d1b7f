#include "services/measurement/actual_aggregate.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/ascii.h"
#include "absl/time/time.h"
#include "libs/base/status_macros.h"
#include "libs/measurement/rules.h"
#include "libs/plan/model.h"
#include "libs/plan/plan_proto.h"
#include "services/common/aggregate_util.h"

namespace piao::measurement {
namespace {

MeasureKey KeyOf(const v1::ObjectiveKey& objective, const std::string& indicator, const std::string& period) {
  return MeasureKey{objective.level_kind(), objective.code(), objective.scope(), indicator, period};
}

v1::ObjectiveKey ObjectiveOf(const MeasureKey& key) {
  v1::ObjectiveKey o;
  o.set_level_kind(key.level);
  o.set_code(key.code);
  o.set_scope(key.scope);
  return o;
}

std::string Describe(const MeasureKey& key) {
  return absl::StrCat(key.indicator, " of ", plan::LevelText(key.level), " objective ", key.code,
                      key.scope.empty() ? "" : absl::StrCat(" (", key.scope, ")"), ", period ", key.period);
}

std::string DescribeValue(const v1::MeasuredValue& v) {
  auto model = plan::FromProto(v, "value");
  return model.ok() ? plan::DescribeValue(*model) : v.ShortDebugString();
}

}  // namespace

StreamId ActualsStream(const std::string& administration, int year) {
  return StreamId{"actuals", absl::StrCat(administration, "/", year)};
}

std::string ActualIdAt(const std::string& administration, int year, StreamVersion version) {
  return absl::StrCat(administration, "/", year, "/A", version.value());
}

absl::StatusOr<ActualsState> FoldActuals(const std::vector<v1::EventEnvelope>& events) {
  ActualsState s;
  PIAO_RETURN_IF_ERROR(FoldActualsInto(s, events));
  return s;
}

absl::Status FoldActualsInto(ActualsState& s, const std::vector<v1::EventEnvelope>& events) {
  for (const v1::EventEnvelope& e : events) {
    if (e.event_type() == v1::ActualRecorded::descriptor()->full_name()) {
      PIAO_ASSIGN_OR_RETURN(v1::ActualRecorded r, services::DecodePayload<v1::ActualRecorded>(e));
      ActualRecord a;
      a.id = r.actual_id();
      a.key = KeyOf(r.objective(), r.indicator(), r.period());
      a.value = r.value();
      a.computed = r.has_computation();
      a.computation = r.computation();
      s.current[a.key] = a.id;
      s.actuals[a.id] = std::move(a);
    } else if (e.event_type() == v1::ActualCorrected::descriptor()->full_name()) {
      PIAO_ASSIGN_OR_RETURN(v1::ActualCorrected c, services::DecodePayload<v1::ActualCorrected>(e));
      auto old = s.actuals.find(c.corrects());
      if (old == s.actuals.end()) {
        return absl::DataLossError(absl::StrCat("event at position ", e.global_position(), " corrects unknown actual ",
                                                c.corrects()));
      }
      old->second.corrected_by = c.actual_id();
      ActualRecord a;
      a.id = c.actual_id();
      a.key = KeyOf(c.objective(), c.indicator(), c.period());
      a.value = c.value();
      a.corrects = c.corrects();
      a.computed = c.has_computation();
      a.computation = c.computation();
      s.current[a.key] = a.id;
      s.actuals[a.id] = std::move(a);
    } else {
      return absl::FailedPreconditionError(
          absl::StrCat("unknown event type ", e.event_type(), " at position ", e.global_position()));
    }
    s.version = StreamVersion(e.stream_version());
  }
  return absl::OkStatus();
}

absl::StatusOr<ActualDecision> DecideRecordActual(const ActualsState& state, const v1::RecordActualRequest& asked) {
  PIAO_RETURN_IF_ERROR(services::ValidateAdministrationYear(asked.administration(), asked.year()));
  if (!asked.has_objective()) return absl::InvalidArgumentError("objective: required (level_kind, code, scope)");
  v1::RecordActualRequest cmd = asked;  // the objective's level as the enum only, as the event carries it
  PIAO_RETURN_IF_ERROR(plan::ObjectiveLevels().Normalise(&cmd));
  PIAO_RETURN_IF_ERROR(plan::FromProto(cmd.objective().level_kind(), "objective.level_kind").status());
  if (cmd.objective().code().empty()) return absl::InvalidArgumentError("objective.code: must not be empty");
  if (cmd.indicator().empty()) return absl::InvalidArgumentError("indicator: must not be empty");
  PIAO_ASSIGN_OR_RETURN(plan::Date valid_from, PeriodDate(cmd.period(), cmd.year()));
  PIAO_RETURN_IF_ERROR(ValidateValue(cmd.value(), "value").status());

  const MeasureKey key = KeyOf(cmd.objective(), cmd.indicator(), cmd.period());
  if (auto cur = state.current.find(key); cur != state.current.end()) {
    const ActualRecord& existing = state.actuals.at(cur->second);
    if (SameValue(existing.value, cmd.value())) return ActualDecision{{}, existing.id};
    return absl::FailedPreconditionError(absl::StrCat(
        "period: ", Describe(key), " already has actual ", existing.id, " (", DescribeValue(existing.value),
        "); to change it to ", DescribeValue(cmd.value()), " use CorrectActual with actual_id ", existing.id,
        " and a reason"));
  }

  ActualDecision d;
  d.actual_id = ActualIdAt(cmd.administration(), cmd.year(), state.version.next());
  v1::ActualRecorded ev;
  ev.set_actual_id(d.actual_id);
  *ev.mutable_objective() = cmd.objective();
  ev.set_indicator(cmd.indicator());
  ev.set_period(cmd.period());
  *ev.mutable_value() = cmd.value();
  ev.set_source(cmd.source());
  ev.set_evidence_ref(cmd.evidence_ref());
  ev.set_note(cmd.note());
  d.events.push_back(services::MakeEvent(ev, valid_from));
  return d;
}

absl::StatusOr<ActualDecision> DecideCorrectActual(const ActualsState& state, const v1::CorrectActualRequest& cmd) {
  PIAO_RETURN_IF_ERROR(services::ValidateAdministrationYear(cmd.administration(), cmd.year()));
  if (cmd.actual_id().empty()) return absl::InvalidArgumentError("actual_id: must name the actual to correct");
  PIAO_RETURN_IF_ERROR(ValidateValue(cmd.value(), "value").status());
  if (absl::StripAsciiWhitespace(cmd.reason()).empty()) {
    return absl::InvalidArgumentError("reason: a correction must say why");
  }
  auto it = state.actuals.find(cmd.actual_id());
  if (it == state.actuals.end()) {
    return absl::FailedPreconditionError(absl::StrCat("actual_id: no actual ", cmd.actual_id(), " in ",
                                                      ActualsStream(cmd.administration(), cmd.year()).Key()));
  }
  const ActualRecord& old = it->second;
  if (!old.corrected_by.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("actual_id: ", old.id, " was already corrected by ",
                                                      old.corrected_by, "; correct the current actual ",
                                                      state.current.at(old.key), " instead"));
  }
  PIAO_ASSIGN_OR_RETURN(plan::Date valid_from, PeriodDate(old.key.period, cmd.year()));

  ActualDecision d;
  d.actual_id = ActualIdAt(cmd.administration(), cmd.year(), state.version.next());
  v1::ActualCorrected ev;
  ev.set_actual_id(d.actual_id);
  ev.set_corrects(old.id);
  *ev.mutable_objective() = ObjectiveOf(old.key);
  ev.set_indicator(old.key.indicator);
  ev.set_period(old.key.period);
  *ev.mutable_value() = cmd.value();
  ev.set_reason(cmd.reason());
  ev.set_evidence_ref(cmd.evidence_ref());
  d.events.push_back(services::MakeEvent(ev, valid_from));
  return d;
}

}  // namespace piao::measurement
