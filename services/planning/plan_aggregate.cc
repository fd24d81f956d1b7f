#include "services/planning/plan_aggregate.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "libs/base/status_macros.h"
#include "libs/plan/plan_proto.h"
#include "libs/plan/revision.h"
#include "libs/plan/validate.h"
#include "services/common/aggregate_util.h"

namespace piao::planning {
namespace {

plan::Objective* FindObjective(plan::Plan& p, const plan::ObjectiveKey& key) {
  for (plan::Objective& o : p.objectives) {
    if (plan::KeyOf(o) == key) return &o;
  }
  return nullptr;
}

// Puts `indicator` into the objective `key`, replacing the one with the same code or appending it.
absl::Status PutIndicator(plan::Plan& p, const v1::ObjectiveKey& key_proto, const v1::IndicatorDefinition& def,
                          const std::string& where) {
  PIAO_ASSIGN_OR_RETURN(plan::ObjectiveKey key, plan::FromProto(key_proto, where + ".objective"));
  PIAO_ASSIGN_OR_RETURN(plan::Indicator indicator, plan::FromProto(def, where + ".indicator"));
  plan::Objective* o = FindObjective(p, key);
  if (o == nullptr) return absl::DataLossError(absl::StrCat(where, ": unknown objective ", plan::DescribeKey(key)));
  if (plan::Indicator* existing = plan::FindIndicator(*o, indicator.code)) {
    *existing = std::move(indicator);
  } else {
    o->indicators.push_back(std::move(indicator));
  }
  return absl::OkStatus();
}

bool SameWeight(const std::optional<double>& a, const std::optional<double>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a.has_value() || std::fabs(*a - *b) < 1e-9;
}

// What `piao revise` must change rather than an import: comparison, target, threshold, weight.
std::vector<std::string> ScoringDifferences(const plan::Indicator& now, const plan::Indicator& incoming) {
  std::vector<std::string> out;
  if (!(now.target == incoming.target)) {
    out.push_back(absl::StrCat("target (plan: ", plan::DescribeTarget(now.target), ", file: ",
                               plan::DescribeTarget(incoming.target), ")"));
  }
  if (!(now.threshold == incoming.threshold)) {
    out.push_back(absl::StrCat("threshold (plan: ", plan::DescribeThreshold(now.threshold), ", file: ",
                               plan::DescribeThreshold(incoming.threshold), ")"));
  }
  if (!SameWeight(now.weight_pct, incoming.weight_pct)) {
    auto w = [](const std::optional<double>& v) { return v.has_value() ? absl::StrCat(*v, " %") : "none"; };
    out.push_back(absl::StrCat("weight (plan: ", w(now.weight_pct), ", file: ", w(incoming.weight_pct), ")"));
  }
  if (now.formula != incoming.formula) {
    out.push_back(absl::StrCat("formula (plan: '", now.formula, "', file: '", incoming.formula, "')"));
  }
  return out;
}

bool SameDescription(const plan::Indicator& a, const plan::Indicator& b) {
  return a.name == b.name && a.algorithm == b.algorithm && a.type == b.type && a.source == b.source &&
         a.flags == b.flags;
}

}  // namespace

StreamId PlanStream(const std::string& administration, int year) {
  return StreamId{"plan", absl::StrCat(administration, "/", year)};
}

absl::StatusOr<PlanState> FoldPlan(const std::vector<v1::EventEnvelope>& events) {
  PlanState s;
  for (const v1::EventEnvelope& e : events) {
    const std::string where = absl::StrCat("event at position ", e.global_position());
    if (e.event_type() == v1::PlanCreated::descriptor()->full_name()) {
      PIAO_ASSIGN_OR_RETURN(v1::PlanCreated p, services::DecodePayload<v1::PlanCreated>(e));
      s.exists = true;
      s.title = p.title();
      s.plan.administration = p.administration();
      s.plan.year = p.year();
    } else if (e.event_type() == v1::ObjectivesAdopted::descriptor()->full_name()) {
      PIAO_ASSIGN_OR_RETURN(v1::ObjectivesAdopted a, services::DecodePayload<v1::ObjectivesAdopted>(e));
      if (!s.plan.approval.has_value()) {
        PIAO_ASSIGN_OR_RETURN(s.plan.approval, plan::FromProto(a.act(), where + ".act"));
      }
      for (const v1::ObjectiveDefinition& o : a.objectives()) {
        PIAO_ASSIGN_OR_RETURN(plan::Objective obj, plan::FromProto(o, where + ".objectives"));
        s.plan.objectives.push_back(std::move(obj));
      }
      for (const v1::IndicatorAdoption& i : a.indicators()) {
        PIAO_RETURN_IF_ERROR(PutIndicator(s.plan, i.objective(), i.indicator(), where));
      }
    } else if (e.event_type() == v1::DescriptionsUpdated::descriptor()->full_name()) {
      PIAO_ASSIGN_OR_RETURN(v1::DescriptionsUpdated d, services::DecodePayload<v1::DescriptionsUpdated>(e));
      for (const v1::DescriptionUpdate& u : d.updates()) {
        PIAO_RETURN_IF_ERROR(PutIndicator(s.plan, u.objective(), u.after(), where));
      }
    } else if (e.event_type() == v1::RevisionActApplied::descriptor()->full_name()) {
      PIAO_ASSIGN_OR_RETURN(v1::RevisionActApplied r, services::DecodePayload<v1::RevisionActApplied>(e));
      for (const v1::IndicatorAdoption& i : r.after()) {
        PIAO_RETURN_IF_ERROR(PutIndicator(s.plan, i.objective(), i.indicator(), where));
      }
    } else {
      return absl::FailedPreconditionError(absl::StrCat("unknown event type ", e.event_type(), " at position ",
                                                        e.global_position()));
    }
    s.version = StreamVersion(e.stream_version());
  }
  return s;
}

absl::StatusOr<std::vector<eventstore::NewEvent>> DecideCreatePlan(const PlanState& state,
                                                                   const v1::CreatePlanRequest& cmd) {
  PIAO_RETURN_IF_ERROR(services::ValidateAdministrationYear(cmd.administration(), cmd.year()));
  if (state.exists) {
    return absl::FailedPreconditionError(
        absl::StrCat("plan ", cmd.administration(), "/", cmd.year(), " already exists"));
  }
  v1::PlanCreated ev;
  ev.set_administration(cmd.administration());
  ev.set_year(cmd.year());
  ev.set_title(cmd.title().empty() ? absl::StrCat("PIAO ", cmd.year(), "-", cmd.year() + 2) : cmd.title());
  return std::vector<eventstore::NewEvent>{services::MakeEvent(ev, std::nullopt)};
}

absl::StatusOr<std::vector<eventstore::NewEvent>> DecideAdoptObjectives(const PlanState& state,
                                                                        const v1::AdoptObjectivesRequest& cmd,
                                                                        AdoptionSummary* summary) {
  PIAO_RETURN_IF_ERROR(services::ValidateAdministrationYear(cmd.administration(), cmd.year()));
  *summary = AdoptionSummary();
  std::vector<eventstore::NewEvent> events;
  plan::Plan next = state.plan;
  if (!state.exists) {
    v1::CreatePlanRequest create;
    create.set_administration(cmd.administration());
    create.set_year(cmd.year());
    PIAO_ASSIGN_OR_RETURN(events, DecideCreatePlan(state, create));
    next.administration = cmd.administration();
    next.year = cmd.year();
  }

  v1::ObjectivesAdopted adopted;
  v1::DescriptionsUpdated described;
  std::vector<std::string> must_revise;
  for (int k = 0; k < cmd.objectives_size(); ++k) {
    const std::string path = absl::StrCat("objectives[", k, "]");
    PIAO_ASSIGN_OR_RETURN(plan::Objective incoming, plan::FromProto(cmd.objectives(k), path));
    if (incoming.code.empty()) return absl::InvalidArgumentError(path + ".code: must not be empty");
    const plan::ObjectiveKey key = plan::KeyOf(incoming);
    plan::Objective* existing = FindObjective(next, key);
    if (existing == nullptr) {
      summary->objectives_added++;
      summary->indicators_added += static_cast<uint32_t>(incoming.indicators.size());
      *adopted.add_objectives() = plan::ToProto(incoming);
      next.objectives.push_back(std::move(incoming));
      continue;
    }
    for (size_t i = 0; i < incoming.indicators.size(); ++i) {
      const plan::Indicator& in = incoming.indicators[i];
      plan::Indicator* now = plan::FindIndicator(*existing, in.code);
      if (now == nullptr) {
        summary->indicators_added++;
        v1::IndicatorAdoption* a = adopted.add_indicators();
        *a->mutable_objective() = plan::ToProto(key);
        *a->mutable_indicator() = plan::ToProto(in);
        existing->indicators.push_back(in);
        continue;
      }
      std::vector<std::string> diffs = ScoringDifferences(*now, in);
      if (!diffs.empty()) {
        must_revise.push_back(absl::StrCat(path, ".indicators[", i, "] ", in.code, " of ", plan::DescribeKey(key),
                                           ": ", absl::StrJoin(diffs, "; ")));
        continue;
      }
      if (SameDescription(*now, in)) {
        summary->unchanged++;
        continue;
      }
      summary->descriptions_updated++;
      v1::DescriptionUpdate* u = described.add_updates();
      *u->mutable_objective() = plan::ToProto(key);
      *u->mutable_before() = plan::ToProto(*now);
      now->name = in.name;
      now->algorithm = in.algorithm;
      now->type = in.type;
      now->source = in.source;
      now->flags = in.flags;
      *u->mutable_after() = plan::ToProto(*now);
    }
  }
  if (!must_revise.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the scoring definition of indicators already in the plan cannot change by import; use `piao revise` "
        "with the act that changes them: ",
        absl::StrJoin(must_revise, " | ")));
  }

  const bool adopts = adopted.objectives_size() > 0 || adopted.indicators_size() > 0;
  std::optional<plan::Date> effective;
  if (adopts) {
    if (cmd.act().text().empty()) {
      return absl::FailedPreconditionError(
          "act.text: adopting new objectives or indicators needs the approval act (the file's \"approved\" field "
          "or --act/--act-date)");
    }
    PIAO_ASSIGN_OR_RETURN(plan::ApprovalAct act, plan::FromProto(cmd.act(), "act"));
    if (!cmd.effective_date().empty()) {
      auto d = plan::ParseIsoDate(cmd.effective_date());
      if (!d.ok()) return absl::InvalidArgumentError("effective_date: '" + cmd.effective_date() + "' is not a real date");
      effective = *d;
    } else if (act.date.has_value()) {
      effective = act.date;
    } else {
      return absl::InvalidArgumentError("act.date: the act's date (or effective_date) is required");
    }
    *adopted.mutable_act() = plan::ToProto(act);
    adopted.set_effective_date(plan::FormatIsoDate(*effective));
    if (!next.approval.has_value()) next.approval = act;
  }
  if (absl::Status valid = plan::ValidatePlan(next); !valid.ok()) {
    return absl::FailedPreconditionError(absl::StrCat("the plan would not be valid: ", valid.message()));
  }
  if (adopts) events.push_back(services::MakeEvent(adopted, effective));
  if (described.updates_size() > 0) events.push_back(services::MakeEvent(described, std::nullopt));
  return events;
}

absl::StatusOr<std::vector<eventstore::NewEvent>> DecideApplyRevisionAct(const PlanState& state,
                                                                         const v1::ApplyRevisionActRequest& cmd) {
  PIAO_RETURN_IF_ERROR(services::ValidateAdministrationYear(cmd.administration(), cmd.year()));
  if (!state.exists || !state.plan.approval.has_value()) {
    return absl::FailedPreconditionError(absl::StrCat("plan ", cmd.administration(), "/", cmd.year(),
                                                      " has no approved objectives to revise: import it first"));
  }
  PIAO_ASSIGN_OR_RETURN(plan::ApprovalAct act, plan::FromProto(cmd.act(), "act"));
  std::optional<plan::Date> effective = act.date;
  if (!cmd.effective_date().empty()) {
    auto d = plan::ParseIsoDate(cmd.effective_date());
    if (!d.ok()) return absl::InvalidArgumentError("effective_date: '" + cmd.effective_date() + "' is not a real date");
    effective = *d;
  }
  if (!effective.has_value()) return absl::InvalidArgumentError("effective_date: required when the act has no date");
  if (cmd.changes_size() == 0) return absl::InvalidArgumentError("changes: an act needs at least one change");
  std::vector<plan::Revision> revisions;
  for (int k = 0; k < cmd.changes_size(); ++k) {
    PIAO_ASSIGN_OR_RETURN(plan::Revision r,
                          plan::FromProto(cmd.changes(k), act.act, *effective, absl::StrCat("changes[", k, "]")));
    if (r.reason.empty()) return absl::InvalidArgumentError(absl::StrCat("changes[", k, "].reason: must say why"));
    revisions.push_back(std::move(r));
  }
  PIAO_ASSIGN_OR_RETURN(plan::Plan revised, plan::ApplyRevisionAct(state.plan, revisions));

  PIAO_ASSIGN_OR_RETURN(v1::RevisionActApplied ev, plan::RevisionActEvent(revised, act, *effective, revisions));
  return std::vector<eventstore::NewEvent>{services::MakeEvent(ev, effective)};
}

v1::GetPlanResponse DescribePlan(const PlanState& state) {
  v1::GetPlanResponse r;
  r.set_administration(state.plan.administration.value_or(""));
  r.set_year(state.plan.year);
  r.set_title(state.title);
  if (state.plan.approval.has_value()) *r.mutable_approval() = plan::ToProto(*state.plan.approval);
  r.set_version(state.version.value());
  for (const plan::Objective& o : state.plan.objectives) *r.add_objectives() = plan::ToProto(o);
  return r;
}

}  // namespace piao::planning
