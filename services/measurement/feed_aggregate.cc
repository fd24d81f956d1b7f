#include "services/measurement/feed_aggregate.h"

#include "libs/measurement/rules.h"

#include <cmath>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/base/status_macros.h"
#include "libs/feed/feed.h"
#include "libs/formula/formula.h"
#include "libs/plan/model.h"
#include "libs/plan/objective_level.h"
#include "services/common/aggregate_util.h"

namespace piao::measurement {
namespace {

std::string Num(double v) {
  std::string s = absl::StrCat(v);
  return s;
}

std::string DescribeKey(const v1::ObjectiveKey& o, const std::string& indicator) {
  return absl::StrCat(indicator, " of ", plan::LevelText(o.level_kind()), " objective ", o.code(), o.scope().empty() ? "" : " (" + o.scope() + ")");
}

}  // namespace

StreamId VariablesStream(const std::string& administration) { return StreamId{"variables", administration}; }

absl::StatusOr<VariablesState> FoldVariables(const std::vector<v1::EventEnvelope>& events) {
  VariablesState s;
  PIAO_RETURN_IF_ERROR(FoldVariablesInto(s, events));
  return s;
}

absl::Status FoldVariablesInto(VariablesState& s, const std::vector<v1::EventEnvelope>& events) {
  for (const v1::EventEnvelope& e : events) {
    if (e.event_type() != v1::VariableBatchRecorded::descriptor()->full_name()) {
      return absl::FailedPreconditionError(
          absl::StrCat("unknown event type ", e.event_type(), " at position ", e.global_position()));
    }
    PIAO_ASSIGN_OR_RETURN(v1::VariableBatchRecorded b, services::DecodePayload<v1::VariableBatchRecorded>(e));
    for (const v1::VariableValue& v : b.values()) {
      s.current[{v.variable(), v.period()}] = v;
      s.units.emplace(v.variable(), v.unit());
    }
    v1::BatchSummary& sum = s.batches[b.batch_id()];
    sum.set_batch_id(b.batch_id());
    sum.set_feed_kind(b.feed_kind());
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    sum.set_kind(services::FeedKindText(b.feed_kind()));  // deprecated, still filled for wave-one clients
#pragma GCC diagnostic pop
    sum.set_checksum(b.checksum());
    sum.set_source(b.source());
    sum.set_rows(static_cast<uint32_t>(b.values_size()));
    sum.set_actor(e.actor().id());
    sum.set_global_position(e.global_position());
    s.batch_order.push_back(b.batch_id());
    s.version = StreamVersion(e.stream_version());
  }
  return absl::OkStatus();
}

absl::StatusOr<BatchDecision> DecideSubmitBatch(const VariablesState& state, const v1::SubmitBatchRequest& cmd) {
  if (cmd.administration().empty()) return absl::InvalidArgumentError("administration: must not be empty");
  if (cmd.administration().find('/') != std::string::npos) {
    return absl::InvalidArgumentError("administration: must not contain '/'");
  }
  if (absl::StripAsciiWhitespace(cmd.batch_id()).empty()) return absl::InvalidArgumentError("batch_id: must not be empty");
  PIAO_ASSIGN_OR_RETURN(const v1::FeedKind kind, services::RequestedFeedKind(cmd));
  if (!IsSha256Hex(cmd.checksum())) {
    return absl::InvalidArgumentError("checksum: must be the SHA-256 of the batch, 64 hex digits");
  }
  if (cmd.values().empty()) return absl::InvalidArgumentError("values: a batch needs at least one value");

  BatchDecision d;
  d.response.set_rows(static_cast<uint32_t>(cmd.values_size()));
  std::set<std::string> variables;
  for (const v1::VariableValue& v : cmd.values()) variables.insert(v.variable());
  d.response.set_variables(static_cast<uint32_t>(variables.size()));

  if (auto known = state.batches.find(cmd.batch_id()); known != state.batches.end()) {
    if (known->second.checksum() == cmd.checksum()) {
      d.response.set_duplicate(true);
      return d;
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "batch_id: batch ", cmd.batch_id(), " was recorded with checksum ", known->second.checksum(),
        " (at position ", known->second.global_position(), "); this one has ", cmd.checksum(),
        ": a corrected batch needs a new batch id"));
  }

  std::map<VariableKey, int> seen;
  v1::VariableBatchRecorded ev;
  ev.set_batch_id(cmd.batch_id());
  ev.set_feed_kind(kind);  // schema v2 (event_schema.h)
  ev.set_checksum(cmd.checksum());
  ev.set_source(cmd.source());
  for (int i = 0; i < cmd.values_size(); ++i) {
    const v1::VariableValue& v = cmd.values(i);
    const std::string at = absl::StrCat("values[", i, "] (row ", v.row(), ")");
    if (!IsVariableName(v.variable())) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".variable: '", v.variable(), "' is not a variable name"));
    }
    if (!IsYearPeriod(v.period()) && !(plan::ParseIsoDate(v.period()).ok() && IsYearPeriod(v.period().substr(0, 4)))) {
      return absl::InvalidArgumentError(
          absl::StrCat(at, ".period: '", v.period(), "' is not a year YYYY or a real date YYYY-MM-DD"));
    }
    if (!std::isfinite(v.value())) return absl::InvalidArgumentError(absl::StrCat(at, ".value: must be finite"));
    if (!feed::IsKnownUnit(v.unit())) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".unit: unknown unit '", v.unit(), "' (known: %, N., gg, €, M€)"));
    }
    const VariableKey key{v.variable(), v.period()};
    if (auto [it, inserted] = seen.emplace(key, i); !inserted) {
      return absl::InvalidArgumentError(absl::StrCat(at, ": ", v.variable(), " for ", v.period(),
                                                     " is already given by values[", it->second, "]"));
    }
    if (auto u = state.units.find(v.variable()); u != state.units.end() && u->second != v.unit()) {
      return absl::FailedPreconditionError(absl::StrCat(at, ".unit: ", v.variable(), " is recorded in '", u->second,
                                                        "', this batch gives '", v.unit(), "'"));
    }
    v1::VariableValue* out = ev.add_values();
    *out = v;
    out->set_batch_id(cmd.batch_id());
    auto cur = state.current.find(key);
    if (cur == state.current.end()) {
      d.response.set_values_new(d.response.values_new() + 1);
    } else if (cur->second.value() != v.value()) {
      d.response.set_values_corrected(d.response.values_corrected() + 1);
    } else {
      d.response.set_values_unchanged(d.response.values_unchanged() + 1);
    }
  }
  d.events.push_back(services::MakeEvent(ev, std::nullopt));
  return d;
}

absl::StatusOr<ComputeDecision> DecideComputeActuals(const ActualsState& actuals, const VariablesState& variables,
                                                     const v1::ComputeActualsRequest& asked) {
  PIAO_RETURN_IF_ERROR(services::ValidateAdministrationYear(asked.administration(), asked.year()));
  v1::ComputeActualsRequest cmd = asked;  // objective levels as the enum only, as the events carry them
  PIAO_RETURN_IF_ERROR(plan::ObjectiveLevels().Normalise(&cmd));
  struct Parsed {
    const v1::FormulaSpec* spec;
    formula::Formula formula;
  };
  std::vector<Parsed> specs;
  std::set<std::tuple<int, std::string, std::string, std::string>> keys;
  for (int i = 0; i < cmd.formulas_size(); ++i) {
    const v1::FormulaSpec& s = cmd.formulas(i);
    const std::string at = absl::StrCat("formulas[", i, "]");
    if (s.objective().level_kind() == v1::OBJECTIVE_LEVEL_UNSPECIFIED || s.objective().code().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".objective: a level (level_kind) and a code are required"));
    }
    if (s.indicator().empty()) return absl::InvalidArgumentError(absl::StrCat(at, ".indicator: must not be empty"));
    auto f = formula::Formula::Parse(s.formula());
    if (!f.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".formula of ", DescribeKey(s.objective(), s.indicator()),
                                                     ": ", f.status().message()));
    }
    if (!keys.insert({s.objective().level_kind(), s.objective().scope(), s.objective().code(), s.indicator()}).second) {
      return absl::InvalidArgumentError(absl::StrCat(at, ": ", DescribeKey(s.objective(), s.indicator()), " is given twice"));
    }
    specs.push_back({&s, *std::move(f)});
  }

  ComputeDecision d;
  StreamVersion next = actuals.version;
  const std::string year = absl::StrCat(cmd.year());
  for (const Parsed& p : specs) {
    const v1::FormulaSpec& s = *p.spec;
    // The periods to compute: the year, and every date of the year some lag-0 variable has a value for.
    std::set<std::string> periods = {year};
    for (const formula::VariableRef& ref : p.formula.variables()) {
      if (ref.lag != 0) continue;
      for (auto it = variables.current.lower_bound({ref.name, ""});
           it != variables.current.end() && it->first.variable == ref.name; ++it) {
        const std::string& per = it->first.period;
        if (per.size() == 10 && per.substr(0, 4) == year) periods.insert(per);
      }
    }
    for (const std::string& period : periods) {
      const std::string actual_period = period == year ? std::string(kYearEnd) : period;
      v1::ComputedActualResult res;
      *res.mutable_objective() = s.objective();
      res.set_indicator(s.indicator());
      res.set_period(actual_period);

      // A lag-0 variable without a value: the period's data is not all there yet.
      std::vector<std::string> missing;
      for (const formula::VariableRef& ref : p.formula.variables()) {
        if (ref.lag == 0 && !variables.current.count({ref.name, period})) missing.push_back(ref.name);
      }
      if (!missing.empty()) {
        if (period != year) continue;  // dated periods are only those with data
        res.set_outcome_kind(v1::COMPUTE_OUTCOME_WAITING);
        res.set_reason(absl::StrCat("no value for ", period, " of ", absl::StrJoin(missing, ", ")));
        d.results.push_back(std::move(res));
        continue;
      }
      std::map<std::pair<std::string, int>, const v1::VariableValue*> read;
      formula::Outcome o = p.formula.Evaluate([&](const std::string& name, int lag) -> std::optional<double> {
        auto it = variables.current.find({name, PeriodBefore(period, lag)});
        if (it == variables.current.end()) return std::nullopt;
        read[{name, lag}] = &it->second;
        return it->second.value();
      });
      if (!o.computable()) {
        res.set_outcome_kind(v1::COMPUTE_OUTCOME_NOT_COMPUTABLE);
        res.set_reason(absl::StrCat("period ", period, ": ", o.not_computable));
        d.results.push_back(std::move(res));
        continue;
      }
      res.set_value(*o.value);
      v1::Computation comp;
      comp.set_formula(s.formula());
      comp.set_plan_version(s.plan_version());
      for (const formula::Input& in : o.inputs) {
        v1::ComputationInput* ci = comp.add_inputs();
        ci->set_variable(in.ref.name);
        ci->set_lag(in.ref.lag);
        *ci->mutable_value() = *read.at({in.ref.name, in.ref.lag});
      }
      v1::MeasuredValue value;
      value.mutable_quantity()->set_value(*o.value);
      value.mutable_quantity()->set_unit(s.unit());
      const plan::Date valid_from = period == year ? plan::Date(cmd.year(), 12, 31) : *plan::ParseIsoDate(period);

      const MeasureKey key{s.objective().level_kind(), s.objective().code(), s.objective().scope(), s.indicator(),
                           actual_period};
      auto cur = actuals.current.find(key);
      if (cur == actuals.current.end()) {
        next = next.next();
        v1::ActualRecorded ev;
        ev.set_actual_id(ActualIdAt(cmd.administration(), cmd.year(), next));
        *ev.mutable_objective() = s.objective();
        ev.set_indicator(s.indicator());
        ev.set_period(actual_period);
        *ev.mutable_value() = value;
        ev.set_source(absl::StrCat("formula: ", s.formula()));
        *ev.mutable_computation() = comp;
        d.events.push_back(services::MakeEvent(ev, valid_from));
        res.set_outcome_kind(v1::COMPUTE_OUTCOME_RECORDED);
        res.set_actual_id(ev.actual_id());
        d.results.push_back(std::move(res));
        continue;
      }
      const ActualRecord& old = actuals.actuals.at(cur->second);
      const bool same = old.value.has_quantity() && old.value.quantity().value() == *o.value &&
                        old.value.quantity().unit() == s.unit();
      if (same) {
        res.set_outcome_kind(v1::COMPUTE_OUTCOME_UNCHANGED);
        res.set_actual_id(old.id);
        d.results.push_back(std::move(res));
        continue;
      }
      // Say what changed: the inputs whose value or batch differ from the ones the current actual used.
      std::vector<std::string> changes;
      if (!old.computed) {
        changes.push_back("the actual was not computed before");
      } else {
        if (old.computation.formula() != s.formula()) {
          changes.push_back(absl::StrCat("formula '", old.computation.formula(), "' -> '", s.formula(), "'"));
        }
        for (const v1::ComputationInput& now : comp.inputs()) {
          const v1::ComputationInput* before = nullptr;
          for (const v1::ComputationInput& b : old.computation.inputs()) {
            if (b.variable() == now.variable() && b.lag() == now.lag()) before = &b;
          }
          if (before == nullptr) {
            changes.push_back(absl::StrCat(now.variable(), " ", now.value().period(), " newly read"));
          } else if (before->value().value() != now.value().value()) {
            changes.push_back(absl::StrCat(now.variable(), " ", now.value().period(), " ", Num(before->value().value()),
                                           " (batch ", before->value().batch_id(), ") -> ", Num(now.value().value()),
                                           " (batch ", now.value().batch_id(), ")"));
          }
        }
      }
      next = next.next();
      v1::ActualCorrected ev;
      ev.set_actual_id(ActualIdAt(cmd.administration(), cmd.year(), next));
      ev.set_corrects(old.id);
      *ev.mutable_objective() = s.objective();
      ev.set_indicator(s.indicator());
      ev.set_period(actual_period);
      *ev.mutable_value() = value;
      ev.set_reason(absl::StrCat("recomputed: ", changes.empty() ? "inputs changed" : absl::StrJoin(changes, "; ")));
      *ev.mutable_computation() = comp;
      d.events.push_back(services::MakeEvent(ev, valid_from));
      res.set_outcome_kind(v1::COMPUTE_OUTCOME_RECOMPUTED);
      res.set_actual_id(ev.actual_id());
      res.set_reason(ev.reason());
      d.results.push_back(std::move(res));
    }
  }
  return d;
}

}  // namespace piao::measurement
