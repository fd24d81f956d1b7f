#include "services/planning/plan_aggregate.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "libs/base/status_macros.h"
#include "libs/plan/plan_proto.h"
#include "libs/plan/revision.h"
#include "libs/plan/validate.h"
#include "services/common/aggregate_util.h"

namespace piao::planning {
namespace {

// A revision act's identity: its text (which carries number and date) and the day it takes effect.
std::string ActKey(const v1::Act& act, const std::string& effective_date) {
  return absl::StrCat(act.text(), "\x1f", act.number(), "\x1f", act.date(), "\x1f", effective_date);
}

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

std::string AdoptedKey(const plan::ObjectiveKey& objective, const std::string& indicator) {
  return absl::StrCat(plan::DescribeKey(objective), "\x1f", indicator);
}

absl::StatusOr<PlanState> FoldPlan(const std::vector<v1::EventEnvelope>& events) {
  PlanState s;
  PIAO_RETURN_IF_ERROR(FoldPlanInto(s, events));
  return s;
}

absl::Status FoldPlanInto(PlanState& s, const std::vector<v1::EventEnvelope>& events) {
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
        for (const plan::Indicator& in : obj.indicators) {
          s.adopted[AdoptedKey(plan::KeyOf(obj), in.code)] = PlanState::Adopted{in, a.act().text()};
        }
        s.plan.objectives.push_back(std::move(obj));
      }
      for (const v1::IndicatorAdoption& i : a.indicators()) {
        PIAO_RETURN_IF_ERROR(PutIndicator(s.plan, i.objective(), i.indicator(), where));
        PIAO_ASSIGN_OR_RETURN(plan::ObjectiveKey key, plan::FromProto(i.objective(), where + ".objective"));
        PIAO_ASSIGN_OR_RETURN(plan::Indicator in, plan::FromProto(i.indicator(), where + ".indicator"));
        s.adopted[AdoptedKey(key, in.code)] = PlanState::Adopted{std::move(in), a.act().text()};
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
      s.revision_acts[ActKey(r.act(), r.effective_date())] = std::move(r);
    } else {
      return absl::FailedPreconditionError(absl::StrCat("unknown event type ", e.event_type(), " at position ",
                                                        e.global_position()));
    }
    s.version = StreamVersion(e.stream_version());
  }
  return absl::OkStatus();
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
                                                                        AdoptionSummary* summary,
                                                                        size_t max_payload_bytes) {
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
      // Exactly what its adopting act said (the approved plan's file again, after revisions or later
      // descriptions): nothing new.
      auto adopted = state.adopted.find(AdoptedKey(key, in.code));
      if (adopted != state.adopted.end() && adopted->second.act == cmd.act().text() &&
          ScoringDifferences(adopted->second.indicator, in).empty() && SameDescription(adopted->second.indicator, in)) {
        summary->unchanged++;
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
  if (adopts) {
    PIAO_ASSIGN_OR_RETURN(std::vector<v1::ObjectivesAdopted> parts, SplitAdoption(adopted, max_payload_bytes));
    for (const v1::ObjectivesAdopted& part : parts) events.push_back(services::MakeEvent(part, effective));
  }
  // Description updates in parts of at most max_payload_bytes too.
  v1::DescriptionsUpdated part;
  for (const v1::DescriptionUpdate& u : described.updates()) {
    if (u.ByteSizeLong() + 16 > max_payload_bytes) {
      return absl::InvalidArgumentError(absl::StrCat("the description update of ", u.after().code(), " is ",
                                                     u.ByteSizeLong(), " bytes, above the limit of ",
                                                     max_payload_bytes, " bytes per event"));
    }
    if (part.updates_size() > 0 && part.ByteSizeLong() + u.ByteSizeLong() + 16 > max_payload_bytes) {
      events.push_back(services::MakeEvent(part, std::nullopt));
      part.Clear();
    }
    *part.add_updates() = u;
  }
  if (part.updates_size() > 0) events.push_back(services::MakeEvent(part, std::nullopt));
  return events;
}

absl::StatusOr<std::vector<v1::ObjectivesAdopted>> SplitAdoption(const v1::ObjectivesAdopted& whole,
                                                                 size_t max_bytes) {
  if (whole.ByteSizeLong() <= max_bytes) return std::vector<v1::ObjectivesAdopted>{whole};
  v1::ObjectivesAdopted header;
  *header.mutable_act() = whole.act();
  header.set_effective_date(whole.effective_date());
  const size_t base = header.ByteSizeLong();
  std::vector<v1::ObjectivesAdopted> parts;
  v1::ObjectivesAdopted cur = header;
  size_t size = base;
  auto room_for = [&](size_t item, const std::string& what) -> absl::Status {
    const size_t framed = item + 8;  // tag and length
    if (base + framed > max_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(what, " alone is ", item, " bytes: above the limit of ",
                                                     max_bytes, " bytes per event; shorten its texts"));
    }
    if (size + framed > max_bytes) {
      parts.push_back(std::move(cur));
      cur = header;
      size = base;
    }
    size += framed;
    return absl::OkStatus();
  };
  for (const v1::ObjectiveDefinition& o : whole.objectives()) {
    PIAO_RETURN_IF_ERROR(room_for(o.ByteSizeLong(), absl::StrCat("objective ", o.code())));
    *cur.add_objectives() = o;
  }
  for (const v1::IndicatorAdoption& i : whole.indicators()) {
    PIAO_RETURN_IF_ERROR(room_for(i.ByteSizeLong(), absl::StrCat("indicator ", i.indicator().code())));
    *cur.add_indicators() = i;
  }
  if (cur.objectives_size() > 0 || cur.indicators_size() > 0) parts.push_back(std::move(cur));
  return parts;
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
  // The same act with the same changes again (a re-run of the same file): already in force, nothing to do.
  if (auto seen = state.revision_acts.find(ActKey(plan::ToProto(act), plan::FormatIsoDate(*effective)));
      seen != state.revision_acts.end()) {
    absl::StatusOr<v1::RevisionActApplied> asked = plan::RevisionActEvent(state.plan, act, *effective, revisions);
    bool same = asked.ok() && asked->changes_size() == seen->second.changes_size();
    for (int i = 0; same && i < asked->changes_size(); ++i) {
      same = google::protobuf::util::MessageDifferencer::Equals(asked->changes(i), seen->second.changes(i));
    }
    if (same) return std::vector<eventstore::NewEvent>{};
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
