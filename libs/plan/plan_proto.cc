#include "libs/plan/plan_proto.h"

#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "libs/base/json_strict.h"
#include "libs/base/status_macros.h"
#include "libs/plan/plan_json.h"

namespace piao::plan {
namespace {

absl::Status Bad(const std::string& path, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}

absl::StatusOr<Date> DateOf(const std::string& text, const std::string& path) {
  auto d = ParseIsoDate(text);
  if (!d.ok()) return Bad(path, absl::StrCat("'", text, "' is not a real date (YYYY-MM-DD)"));
  return *d;
}

absl::StatusOr<double> Finite(double v, const std::string& path) {
  if (!std::isfinite(v)) return Bad(path, "must be a finite number");
  return v;
}

v1::Quantity ToProtoQuantity(const Quantity& q) {
  v1::Quantity p;
  p.set_value(q.value);
  p.set_unit(q.unit);
  return p;
}

}  // namespace

v1::Target ToProto(const Target& target) {
  v1::Target p;
  if (const auto* c = std::get_if<ComparisonTarget>(&target)) {
    p.mutable_comparison()->set_op(std::string(CompareOpSymbol(c->op)));
    p.mutable_comparison()->set_value(c->quantity.value);
    p.mutable_comparison()->set_unit(c->quantity.unit);
  } else if (const auto* d = std::get_if<DeadlineTarget>(&target)) {
    p.set_by_date(FormatIsoDate(d->date));
  } else {
    p.set_text(std::get<Text>(target).text);
  }
  return p;
}

v1::Threshold ToProto(const Threshold& threshold) {
  v1::Threshold p;
  if (const auto* q = std::get_if<Quantity>(&threshold.bound)) {
    *p.mutable_quantity() = ToProtoQuantity(*q);
  } else {
    p.set_date(FormatIsoDate(std::get<Date>(threshold.bound)));
  }
  p.set_implied(threshold.implied);
  return p;
}

v1::MeasuredValue ToProto(const Value& value) {
  v1::MeasuredValue p;
  if (const auto* q = std::get_if<Quantity>(&value)) {
    *p.mutable_quantity() = ToProtoQuantity(*q);
  } else if (const auto* d = std::get_if<Date>(&value)) {
    p.set_date(FormatIsoDate(*d));
  } else {
    p.set_text(std::get<Text>(value).text);
  }
  return p;
}

v1::IndicatorDefinition ToProto(const Indicator& i) {
  v1::IndicatorDefinition p;
  p.set_code(i.code);
  p.set_name(i.name);
  if (i.flags.common) p.add_flags("C");
  if (i.flags.simplification) p.add_flags("S");
  if (i.flags.anti_corruption) p.add_flags("A");
  if (i.weight_pct.has_value()) p.set_weight_pct(*i.weight_pct);
  p.set_type(i.type);
  p.set_algorithm(i.algorithm);
  p.set_source(i.source);
  if (i.baseline.has_value()) *p.mutable_baseline() = ToProto(*i.baseline);
  *p.mutable_target() = ToProto(i.target);
  for (const auto& [year, t] : i.targets_by_year) {
    // A year printed without a target is kept as an empty Target.
    (*p.mutable_targets_by_year())[year] = t.has_value() ? ToProto(*t) : v1::Target();
  }
  if (i.threshold.has_value()) *p.mutable_threshold() = ToProto(*i.threshold);
  p.set_formula(i.formula);
  p.set_note(i.note);
  p.set_neutralised(i.neutralised);
  p.set_neutralised_reason(i.neutralised_reason);
  p.set_suppressed(i.suppressed);
  p.set_suppressed_reason(i.suppressed_reason);
  return p;
}

v1::ObjectiveDefinition ToProto(const Objective& o) {
  v1::ObjectiveDefinition p;
  p.set_code(o.code);
  p.set_level_kind(ToProto(o.level));
  p.set_title(o.title);
  p.set_description(o.description);
  p.set_strategic_area(o.strategic_area);
  p.set_parent(o.parent);
  for (const std::string& u : o.units) p.add_units(u);
  p.set_owner(o.owner);
  if (o.objective_weight_pct.has_value()) p.set_objective_weight_pct(*o.objective_weight_pct);
  p.set_note(o.note);
  for (const Indicator& i : o.indicators) *p.add_indicators() = ToProto(i);
  return p;
}

v1::ObjectiveKey ToProto(const ObjectiveKey& key) {
  v1::ObjectiveKey p;
  p.set_level_kind(ToProto(key.level));
  p.set_code(key.code);
  p.set_scope(key.scope);
  return p;
}

v1::Act ToProto(const ApprovalAct& act) {
  v1::Act p;
  p.set_text(act.act);
  if (act.number.has_value()) p.set_number(std::to_string(*act.number));
  if (act.date.has_value()) p.set_date(FormatIsoDate(*act.date));
  p.set_body(act.body);
  return p;
}

absl::StatusOr<Target> FromProto(const v1::Target& p, const std::string& path) {
  switch (p.kind_case()) {
    case v1::Target::kComparison: {
      auto op = ParseCompareOp(p.comparison().op());
      if (!op.ok()) return Bad(path + ".op", op.status().message());
      PIAO_ASSIGN_OR_RETURN(double v, Finite(p.comparison().value(), path + ".value"));
      return Target(ComparisonTarget{*op, Quantity{v, p.comparison().unit()}});
    }
    case v1::Target::kByDate: {
      PIAO_ASSIGN_OR_RETURN(Date d, DateOf(p.by_date(), path + ".date"));
      return Target(DeadlineTarget{d});
    }
    case v1::Target::kText:
      return Target(Text{p.text()});
    default:
      return Bad(path, "a target needs a comparison, a deadline or a text");
  }
}

absl::StatusOr<Threshold> FromProto(const v1::Threshold& p, const std::string& path) {
  Threshold t;
  t.implied = p.implied();
  if (p.has_quantity()) {
    PIAO_ASSIGN_OR_RETURN(double v, Finite(p.quantity().value(), path + ".value"));
    t.bound = Quantity{v, p.quantity().unit()};
  } else if (!p.date().empty()) {
    PIAO_ASSIGN_OR_RETURN(Date d, DateOf(p.date(), path + ".date"));
    t.bound = d;
  } else {
    return Bad(path, "a threshold needs a value or a date");
  }
  return t;
}

absl::StatusOr<Value> FromProto(const v1::MeasuredValue& p, const std::string& path) {
  switch (p.kind_case()) {
    case v1::MeasuredValue::kQuantity: {
      PIAO_ASSIGN_OR_RETURN(double v, Finite(p.quantity().value(), path + ".value"));
      return Value(Quantity{v, p.quantity().unit()});
    }
    case v1::MeasuredValue::kDate: {
      PIAO_ASSIGN_OR_RETURN(Date d, DateOf(p.date(), path + ".date"));
      return Value(d);
    }
    case v1::MeasuredValue::kText:
      return Value(Text{p.text()});
    default:
      return Bad(path, "a value needs a number, a date or a text");
  }
}

absl::StatusOr<Indicator> FromProto(const v1::IndicatorDefinition& p, const std::string& path) {
  Indicator i;
  i.code = p.code();
  i.name = p.name();
  for (const std::string& f : p.flags()) {
    if (f == "C") {
      i.flags.common = true;
    } else if (f == "S") {
      i.flags.simplification = true;
    } else if (f == "A") {
      i.flags.anti_corruption = true;
    } else {
      return Bad(path + ".flags", absl::StrCat("unknown flag '", f, "' (C, S or A)"));
    }
  }
  if (p.has_weight_pct()) {
    PIAO_ASSIGN_OR_RETURN(double w, Finite(p.weight_pct(), path + ".weight_pct"));
    i.weight_pct = w;
  }
  i.type = p.type();
  i.algorithm = p.algorithm();
  i.source = p.source();
  if (p.has_baseline()) {
    PIAO_ASSIGN_OR_RETURN(i.baseline, FromProto(p.baseline(), path + ".baseline"));
  }
  PIAO_ASSIGN_OR_RETURN(i.target, FromProto(p.target(), path + ".target"));
  for (const auto& [year, t] : p.targets_by_year()) {
    if (t.kind_case() == v1::Target::KIND_NOT_SET) {
      i.targets_by_year[year] = std::nullopt;
    } else {
      PIAO_ASSIGN_OR_RETURN(i.targets_by_year[year], FromProto(t, absl::StrCat(path, ".targets_by_year.", year)));
    }
  }
  if (p.has_threshold()) {
    PIAO_ASSIGN_OR_RETURN(i.threshold, FromProto(p.threshold(), path + ".threshold"));
  }
  i.formula = p.formula();
  i.note = p.note();
  i.neutralised = p.neutralised();
  i.neutralised_reason = p.neutralised_reason();
  i.suppressed = p.suppressed();
  i.suppressed_reason = p.suppressed_reason();
  return i;
}

absl::StatusOr<Objective> FromProto(const v1::ObjectiveDefinition& p, const std::string& path) {
  Objective o;
  o.code = p.code();
  PIAO_ASSIGN_OR_RETURN(v1::ObjectiveLevel level, RequestedLevel(p, path + "."));
  PIAO_ASSIGN_OR_RETURN(o.level, FromProto(level, path + ".level_kind"));
  o.title = p.title();
  o.description = p.description();
  o.strategic_area = p.strategic_area();
  o.parent = p.parent();
  o.units.assign(p.units().begin(), p.units().end());
  o.owner = p.owner();
  if (p.has_objective_weight_pct()) {
    PIAO_ASSIGN_OR_RETURN(double w, Finite(p.objective_weight_pct(), path + ".objective_weight_pct"));
    o.objective_weight_pct = w;
  }
  o.note = p.note();
  for (int k = 0; k < p.indicators_size(); ++k) {
    PIAO_ASSIGN_OR_RETURN(Indicator i, FromProto(p.indicators(k), absl::StrCat(path, ".indicators[", k, "]")));
    o.indicators.push_back(std::move(i));
  }
  return o;
}

absl::StatusOr<ObjectiveKey> FromProto(const v1::ObjectiveKey& p, const std::string& path) {
  PIAO_ASSIGN_OR_RETURN(v1::ObjectiveLevel level_kind, RequestedLevel(p, path + "."));
  PIAO_ASSIGN_OR_RETURN(Level level, FromProto(level_kind, path + ".level_kind"));
  if (p.code().empty()) return Bad(path + ".code", "must not be empty");
  return ObjectiveKey{level, p.code(), p.scope()};
}

absl::StatusOr<ApprovalAct> FromProto(const v1::Act& p, const std::string& path) {
  if (p.text().empty()) return Bad(path + ".text", "must name the act");
  std::optional<Date> date;
  if (!p.date().empty()) {
    PIAO_ASSIGN_OR_RETURN(date, DateOf(p.date(), path + ".date"));
  }
  ApprovalAct act = DescribeAct(p.text(), date);
  if (!p.body().empty()) act.body = p.body();
  return act;
}

v1::RevisionKind ToProto(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kTarget: return v1::REVISION_KIND_TARGET;
    case ChangeKind::kThreshold: return v1::REVISION_KIND_THRESHOLD;
    case ChangeKind::kWeight: return v1::REVISION_KIND_WEIGHT;
    case ChangeKind::kAdded: return v1::REVISION_KIND_ADDED;
    case ChangeKind::kSuppressed: return v1::REVISION_KIND_SUPPRESSED;
    case ChangeKind::kNeutralised: return v1::REVISION_KIND_NEUTRALISED;
    case ChangeKind::kFormula: return v1::REVISION_KIND_FORMULA;
  }
  return v1::REVISION_KIND_UNSPECIFIED;
}

absl::StatusOr<ChangeKind> FromProto(v1::RevisionKind kind, const std::string& path) {
  for (ChangeKind k : {ChangeKind::kTarget, ChangeKind::kThreshold, ChangeKind::kWeight, ChangeKind::kAdded,
                       ChangeKind::kSuppressed, ChangeKind::kNeutralised, ChangeKind::kFormula}) {
    if (ToProto(k) == kind) return k;
  }
  return Bad(path, "must be a revision kind: TARGET, THRESHOLD, WEIGHT, ADDED, SUPPRESSED, NEUTRALISED or FORMULA");
}

v1::RevisionChange ToProto(const Revision& r) {
  v1::RevisionChange p;
  p.mutable_objective()->set_code(r.objective);
  if (r.level.has_value()) p.mutable_objective()->set_level_kind(ToProto(*r.level));
  if (r.scope.has_value()) p.mutable_objective()->set_scope(*r.scope);
  p.set_indicator(r.indicator);
  p.set_change(ToProto(r.change));
  switch (r.change) {
    case ChangeKind::kTarget:
      if (r.from_target.has_value()) *p.mutable_from_value()->mutable_target() = ToProto(*r.from_target);
      if (r.to_target.has_value()) *p.mutable_to_value()->mutable_target() = ToProto(*r.to_target);
      break;
    case ChangeKind::kThreshold:
      if (r.from_threshold.has_value()) *p.mutable_from_value()->mutable_threshold() = ToProto(*r.from_threshold);
      if (r.to_threshold.has_value()) *p.mutable_to_value()->mutable_threshold() = ToProto(*r.to_threshold);
      break;
    case ChangeKind::kWeight:
    case ChangeKind::kNeutralised:
      if (r.from_weight.has_value()) p.mutable_from_value()->set_weight_pct(*r.from_weight);
      if (r.to_weight.has_value()) p.mutable_to_value()->set_weight_pct(*r.to_weight);
      break;
    case ChangeKind::kAdded:
      if (r.definition.has_value()) *p.mutable_to_value()->mutable_indicator() = ToProto(*r.definition);
      break;
    case ChangeKind::kSuppressed:
      if (r.definition.has_value()) *p.mutable_from_value()->mutable_indicator() = ToProto(*r.definition);
      break;
    case ChangeKind::kFormula:
      if (!r.from_formula.empty()) p.mutable_from_value()->set_formula(r.from_formula);
      if (!r.to_formula.empty()) p.mutable_to_value()->set_formula(r.to_formula);
      break;
  }
  p.set_reason(r.reason);
  p.set_evidence(r.evidence);
  p.set_note(r.note);
  return p;
}

namespace {

absl::string_view MemberName(v1::ChangedValue::KindCase member) {
  switch (member) {
    case v1::ChangedValue::kTarget: return "target";
    case v1::ChangedValue::kThreshold: return "threshold";
    case v1::ChangedValue::kWeightPct: return "weight_pct";
    case v1::ChangedValue::kFormula: return "formula";
    case v1::ChangedValue::kIndicator: return "indicator";
    case v1::ChangedValue::kDescription: return "description";
    case v1::ChangedValue::kActual: return "actual";
    case v1::ChangedValue::kTitle: return "title";
    case v1::ChangedValue::KIND_NOT_SET: break;
  }
  return "nothing";
}

// The value of one side, when set, must be the member `want` (KIND_NOT_SET: the side must be empty).
absl::Status ExpectMember(const v1::ChangedValue& v, v1::ChangedValue::KindCase want, ChangeKind kind,
                          const std::string& path) {
  if (v.kind_case() == v1::ChangedValue::KIND_NOT_SET || v.kind_case() == want) return absl::OkStatus();
  if (want == v1::ChangedValue::KIND_NOT_SET) {
    return Bad(path, absl::StrCat("must be unset for change ", ChangeKindName(kind), ", not a ",
                                  MemberName(v.kind_case())));
  }
  return Bad(path, absl::StrCat("change ", ChangeKindName(kind), " takes a ", MemberName(want), ", not a ",
                                MemberName(v.kind_case())));
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
bool HasLegacyFields(const v1::RevisionChange& p) {
  return !p.kind().empty() || !p.from_json().empty() || !p.to_json().empty();
}

// Wave one's JSON text fields, read as strictly as a revisions file.
absl::StatusOr<Revision> FromLegacyProto(const v1::RevisionChange& p, const std::string& act, Date effective_date,
                                         const std::string& path) {
  auto parse = [&](const std::string& text, const char* field) -> absl::StatusOr<nlohmann::json> {
    if (text.empty()) return nlohmann::json(nullptr);
    // A client's JSON, as strict as a file's: a duplicate key is refused, not resolved to the last one.
    const std::string where = absl::StrCat(path, ".", field);
    return ParseJsonStrict(text, where, where);
  };
  PIAO_ASSIGN_OR_RETURN(nlohmann::json from, parse(p.from_json(), "from_json"));
  PIAO_ASSIGN_OR_RETURN(nlohmann::json to, parse(p.to_json(), "to_json"));
  nlohmann::json j = {{"objective", p.objective().code()},
                      {"indicator", p.indicator()},
                      {"change", p.kind()},
                      {"from", from},
                      {"to", to},
                      {"effective_date", FormatIsoDate(effective_date)},
                      {"act", act},
                      {"reason", p.reason()},
                      {"evidence", p.evidence()},
                      {"note", p.note()}};
  PIAO_ASSIGN_OR_RETURN(v1::ObjectiveLevel level, RequestedLevel(p.objective(), path + ".objective."));
  if (level != v1::OBJECTIVE_LEVEL_UNSPECIFIED) j["level"] = LevelText(level);
  if (!p.objective().scope().empty()) j["scope"] = p.objective().scope();
  auto parsed = ParseRevisionsJson(nlohmann::json{{"revisions", nlohmann::json::array({j})}}.dump());
  if (!parsed.ok()) {
    return absl::Status(parsed.status().code(), absl::StrCat(path, ": ", parsed.status().message()));
  }
  return parsed->front();
}
#pragma GCC diagnostic pop

}  // namespace

absl::StatusOr<Revision> FromProto(const v1::RevisionChange& p, const std::string& act, Date effective_date,
                                   const std::string& path) {
  const bool typed = p.change() != v1::REVISION_KIND_UNSPECIFIED || p.has_from_value() || p.has_to_value();
  if (HasLegacyFields(p)) {
    if (typed) {
      return Bad(path, "set change/from/to, or wave one's deprecated kind/from_json/to_json, not both");
    }
    return FromLegacyProto(p, act, effective_date, path);
  }
  Revision r;
  if (p.objective().code().empty()) return Bad(path + ".objective.code", "must not be empty");
  r.objective = p.objective().code();
  PIAO_ASSIGN_OR_RETURN(v1::ObjectiveLevel level, RequestedLevel(p.objective(), path + ".objective."));
  if (level != v1::OBJECTIVE_LEVEL_UNSPECIFIED) {
    PIAO_ASSIGN_OR_RETURN(r.level, FromProto(level, path + ".objective.level_kind"));
  }
  if (!p.objective().scope().empty()) r.scope = p.objective().scope();
  if (p.indicator().empty()) return Bad(path + ".indicator", "must not be empty");
  r.indicator = p.indicator();
  PIAO_ASSIGN_OR_RETURN(r.change, FromProto(p.change(), path + ".change"));
  if (act.empty()) return Bad(path, "the act must be named (a revision needs its deliberation)");
  r.act = act;
  r.effective_date = effective_date;
  r.reason = p.reason();
  r.evidence = p.evidence();
  r.note = p.note();
  const std::string fpath = path + ".from_value", tpath = path + ".to_value";
  const v1::ChangedValue& from = p.from_value();
  const v1::ChangedValue& to = p.to_value();
  using V = v1::ChangedValue;
  auto both = [&](V::KindCase want) -> absl::Status {
    PIAO_RETURN_IF_ERROR(ExpectMember(from, want, r.change, fpath));
    return ExpectMember(to, want, r.change, tpath);
  };
  switch (r.change) {
    case ChangeKind::kTarget: {
      PIAO_RETURN_IF_ERROR(both(V::kTarget));
      if (from.has_target()) {
        PIAO_ASSIGN_OR_RETURN(r.from_target, FromProto(from.target(), fpath + ".target"));
      }
      if (to.has_target()) {
        PIAO_ASSIGN_OR_RETURN(r.to_target, FromProto(to.target(), tpath + ".target"));
      }
      break;
    }
    case ChangeKind::kThreshold: {
      PIAO_RETURN_IF_ERROR(both(V::kThreshold));
      if (from.has_threshold()) {
        PIAO_ASSIGN_OR_RETURN(r.from_threshold, FromProto(from.threshold(), fpath + ".threshold"));
      }
      if (to.has_threshold()) {
        PIAO_ASSIGN_OR_RETURN(r.to_threshold, FromProto(to.threshold(), tpath + ".threshold"));
      }
      break;
    }
    case ChangeKind::kWeight:
    case ChangeKind::kNeutralised: {
      PIAO_RETURN_IF_ERROR(both(V::kWeightPct));
      if (from.kind_case() == V::kWeightPct) {
        PIAO_ASSIGN_OR_RETURN(r.from_weight, Finite(from.weight_pct(), fpath + ".weight_pct"));
      }
      if (to.kind_case() == V::kWeightPct) {
        PIAO_ASSIGN_OR_RETURN(r.to_weight, Finite(to.weight_pct(), tpath + ".weight_pct"));
      }
      break;
    }
    case ChangeKind::kFormula: {
      PIAO_RETURN_IF_ERROR(both(V::kFormula));
      r.from_formula = from.formula();
      r.to_formula = to.formula();
      break;
    }
    case ChangeKind::kAdded: {
      PIAO_RETURN_IF_ERROR(ExpectMember(from, V::KIND_NOT_SET, r.change, fpath));
      PIAO_RETURN_IF_ERROR(ExpectMember(to, V::kIndicator, r.change, tpath));
      if (to.has_indicator()) {
        PIAO_ASSIGN_OR_RETURN(r.definition, FromProto(to.indicator(), tpath + ".indicator"));
      }
      break;
    }
    case ChangeKind::kSuppressed: {
      PIAO_RETURN_IF_ERROR(ExpectMember(from, V::kIndicator, r.change, fpath));
      PIAO_RETURN_IF_ERROR(ExpectMember(to, V::KIND_NOT_SET, r.change, tpath));
      if (from.has_indicator()) {
        PIAO_ASSIGN_OR_RETURN(r.definition, FromProto(from.indicator(), fpath + ".indicator"));
      }
      break;
    }
  }
  PIAO_RETURN_IF_ERROR(CheckRevisionValues(r, fpath, tpath));
  return r;
}

absl::StatusOr<nlohmann::json> ChangedValueToJson(const v1::ChangedValue& v, const std::string& path) {
  switch (v.kind_case()) {
    case v1::ChangedValue::kTarget: {
      PIAO_ASSIGN_OR_RETURN(Target t, FromProto(v.target(), path + ".target"));
      return TargetToJson(t);
    }
    case v1::ChangedValue::kThreshold: {
      PIAO_ASSIGN_OR_RETURN(Threshold t, FromProto(v.threshold(), path + ".threshold"));
      return ThresholdToJson(t);
    }
    case v1::ChangedValue::kWeightPct:
      return nlohmann::json(v.weight_pct());
    case v1::ChangedValue::kFormula:
      return nlohmann::json(v.formula());
    case v1::ChangedValue::kIndicator: {
      PIAO_ASSIGN_OR_RETURN(Indicator i, FromProto(v.indicator(), path + ".indicator"));
      return IndicatorToJson(i);
    }
    case v1::ChangedValue::kDescription: {
      const v1::IndicatorDefinition& d = v.description();
      return nlohmann::json{{"name", d.name()},
                            {"algorithm", d.algorithm()},
                            {"type", d.type()},
                            {"source", d.source()},
                            {"flags", std::vector<std::string>(d.flags().begin(), d.flags().end())}};
    }
    case v1::ChangedValue::kActual: {
      PIAO_ASSIGN_OR_RETURN(Value value, FromProto(v.actual(), path + ".actual"));
      return ValueToJson(value);
    }
    case v1::ChangedValue::kTitle:
      return nlohmann::json(v.title());
    case v1::ChangedValue::KIND_NOT_SET:
      break;
  }
  return nlohmann::json(nullptr);
}

absl::StatusOr<v1::RevisionActApplied> RevisionActEvent(const Plan& revised, const ApprovalAct& act,
                                                        Date effective_date, const std::vector<Revision>& changes) {
  v1::RevisionActApplied ev;
  *ev.mutable_act() = ToProto(act);
  ev.set_effective_date(FormatIsoDate(effective_date));
  std::set<IndicatorRef> done;
  for (const Revision& r : changes) {
    v1::RevisionChange* c = ev.add_changes();
    *c = ToProto(r);
    // ApplyRevisionAct has already rejected ambiguous objective codes: the first match is the one.
    const Objective* target = nullptr;
    for (const Objective& o : revised.objectives) {
      if (o.code != r.objective) continue;
      if (r.level.has_value() && o.level != *r.level) continue;
      if (r.scope.has_value() && KeyOf(o).scope != *r.scope) continue;
      target = &o;
      break;
    }
    const Indicator* indicator = target != nullptr ? FindIndicator(*target, r.indicator) : nullptr;
    if (indicator == nullptr) {
      return absl::InternalError(absl::StrCat("revised plan lacks ", r.indicator, " of ", r.objective));
    }
    const ObjectiveKey key = KeyOf(*target);
    *c->mutable_objective() = ToProto(key);
    if (done.insert(IndicatorRef{key, indicator->code}).second) {
      v1::IndicatorAdoption* after = ev.add_after();
      *after->mutable_objective() = ToProto(key);
      *after->mutable_indicator() = ToProto(*indicator);
    }
  }
  return ev;
}

}  // namespace piao::plan
