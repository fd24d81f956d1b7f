#include "services/measurement/actuals_policy.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "libs/base/files.h"
#include "libs/base/process.h"
#include "libs/base/log.h"
#include "libs/base/status_macros.h"
#include "libs/service/client.h"
#include "libs/service/event_log_client.h"
#include "libs/service/grpc_status.h"
#include "libs/plan/objective_level.h"
#include "piao/v1/planning.grpc.pb.h"
#include "services/common/command_path.h"
#include "services/measurement/actual_aggregate.h"
#include "services/measurement/feed_aggregate.h"

namespace piao::measurement {
namespace {

constexpr char kPolicyPrincipal[] = "svc:measurement-policy";

class GrpcPlanning final : public PlanningSource {
 public:
  GrpcPlanning(std::shared_ptr<grpc::Channel> channel, std::string token)
      : endpoint_{channel, std::move(token), absl::Seconds(30)}, stub_(v1::Planning::NewStub(channel)) {}

  absl::StatusOr<std::optional<v1::GetPlanResponse>> GetPlan(const std::string& administration, int year) override {
    v1::GetPlanRequest req;
    req.set_administration(administration);
    req.set_year(year);
    v1::GetPlanResponse plan;
    grpc::ClientContext ctx;
    service::PrepareContext(&ctx, endpoint_.token, endpoint_.timeout);
    absl::Status s = service::FromGrpcStatus(stub_->GetPlan(&ctx, req, &plan));
    if (absl::IsNotFound(s)) return std::optional<v1::GetPlanResponse>();
    PIAO_RETURN_IF_ERROR(s);
    return std::optional<v1::GetPlanResponse>(std::move(plan));
  }

  absl::StatusOr<std::vector<v1::EventEnvelope>> ReadEvents(GlobalPosition from, GlobalPosition to) override {
    return service::ReadEventRange(endpoint_, from, to);
  }

 private:
  service::EventLogEndpoint endpoint_;
  std::unique_ptr<v1::Planning::Stub> stub_;
};

absl::StatusOr<GlobalPosition> LoadCheckpoint(const std::string& path) {
  if (path.empty() || !std::filesystem::exists(path)) return GlobalPosition(0);
  PIAO_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  uint64_t v = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &v)) {
    return absl::DataLossError(absl::StrCat(path, ": not a planning position: '", text, "'"));
  }
  return GlobalPosition(v);
}

}  // namespace

absl::StatusOr<std::unique_ptr<PlanningSource>> PlanningOverGrpc(const std::string& address, const std::string& token,
                                                                 const std::string& tls_ca_file,
                                                                 const std::string& tls_client_cert_file,
                                                                 const std::string& tls_client_key_file) {
  service::ChannelOptions options;
  options.address = address;
  options.tls_ca_file = tls_ca_file;
  options.tls_client_cert_file = tls_client_cert_file;
  options.tls_client_key_file = tls_client_key_file;
  PIAO_ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, service::MakeChannel(options));
  return std::unique_ptr<PlanningSource>(new GrpcPlanning(std::move(channel), token));
}

std::vector<v1::FormulaSpec> FormulaSpecsOf(const v1::GetPlanResponse& plan) {
  std::vector<v1::FormulaSpec> out;
  for (const v1::ObjectiveDefinition& o : plan.objectives()) {
    for (const v1::IndicatorDefinition& i : o.indicators()) {
      if (i.formula().empty() || i.suppressed()) continue;
      v1::FormulaSpec s;
      // Planning's answer: the enum, or wave one's text from an older planning; a level neither names is left
      // unspecified, and refused with the formula by DecideComputeActuals.
      const v1::ObjectiveLevel level = plan::RequestedLevel(o, "").value_or(v1::OBJECTIVE_LEVEL_UNSPECIFIED);
      s.mutable_objective()->set_level_kind(level);
      s.mutable_objective()->set_code(o.code());
      if (level == v1::OBJECTIVE_LEVEL_INDIVIDUAL) {
        s.mutable_objective()->set_scope(o.owner());
      } else if (level == v1::OBJECTIVE_LEVEL_OPERATIONAL) {
        std::string scope;
        for (int k = 0; k < o.units_size(); ++k) absl::StrAppend(&scope, k ? " + " : "", o.units(k));
        s.mutable_objective()->set_scope(scope);
      }
      s.set_indicator(i.code());
      s.set_formula(i.formula());
      s.set_unit(i.target().has_comparison() ? i.target().comparison().unit() : i.unit());
      s.set_plan_version(plan.version());
      out.push_back(std::move(s));
    }
  }
  return out;
}

std::set<int> PlanYearsAffectedBy(const v1::SubmitBatchRequest& batch) {
  std::set<int> years;
  for (const v1::VariableValue& v : batch.values()) {
    int y = 0;
    if (v.period().size() < 4 || !absl::SimpleAtoi(v.period().substr(0, 4), &y)) continue;  // refused upstream
    years.insert(y);
    years.insert(y + 1);
  }
  return years;
}

absl::StatusOr<v1::ComputeActualsResponse> ComputeActualsCommand(eventstore::EventStore& store,
                                                                 const v1::Principal& who,
                                                                 const v1::ComputeActualsRequest& request) {
  PIAO_RETURN_IF_ERROR(services::ValidateAdministrationYear(request.administration(), request.year()));
  // The variables are read once per attempt, before deciding on the actuals stream: the lineage records the
  // exact values used, and a batch recorded meanwhile triggers its own computation.
  return services::RunAnsweredCommand<ActualsState, v1::ComputeActualsRequest, v1::ComputeActualsResponse>(
      store, who, request, ActualsStream(request.administration(), request.year()), FoldActuals,
      [&](const ActualsState& s, v1::ComputeActualsResponse* answer)
          -> absl::StatusOr<std::vector<eventstore::NewEvent>> {
        PIAO_ASSIGN_OR_RETURN(std::vector<v1::EventEnvelope> events,
                              store.ReadStream(VariablesStream(request.administration()), StreamVersion(1)));
        PIAO_ASSIGN_OR_RETURN(VariablesState vars, FoldVariables(events));
        PIAO_ASSIGN_OR_RETURN(ComputeDecision d, DecideComputeActuals(s, vars, request));
        for (v1::ComputedActualResult& res : d.results) *answer->add_results() = std::move(res);
        return std::move(d.events);
      });
}

ActualsPolicy::ActualsPolicy(eventstore::EventStore* store, std::unique_ptr<PlanningSource> planning,
                             ActualsPolicyOptions options)
    : store_(store), planning_(std::move(planning)), options_(std::move(options)) {}

ActualsPolicy::~ActualsPolicy() { Stop(); }

absl::Status ActualsPolicy::Start() {
  if (planning_ == nullptr) return absl::OkStatus();
  PIAO_ASSIGN_OR_RETURN(GlobalPosition from, LoadCheckpoint(options_.checkpoint_file));
  {
    absl::MutexLock l(&mu_);
    followed_ = from;
    stop_ = false;
  }
  thread_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

void ActualsPolicy::Stop() {
  {
    absl::MutexLock l(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

GlobalPosition ActualsPolicy::followed() const {
  absl::MutexLock l(&mu_);
  return followed_;
}

void ActualsPolicy::Defer(const std::string& administration, int year) {
  absl::MutexLock l(&mu_);
  pending_.emplace(YearKey{administration, year}, StreamVersion(0));
}

absl::Mutex* ActualsPolicy::YearLock(const YearKey& key) {
  absl::MutexLock l(&mu_);
  std::unique_ptr<absl::Mutex>& m = year_locks_[key];
  if (m == nullptr) m = std::make_unique<absl::Mutex>();
  return m.get();
}

absl::StatusOr<v1::ComputeActualsResponse> ActualsPolicy::Recompute(const v1::Principal& who,
                                                                    const v1::CommandMeta& meta,
                                                                    const std::string& administration, int year,
                                                                    StreamVersion covering_plan_version) {
  PIAO_RETURN_IF_ERROR(services::ValidateAdministrationYear(administration, year));
  if (planning_ == nullptr) {
    return absl::FailedPreconditionError(
        "formulas: required, this measurement service does not follow planning (no --planning address)");
  }
  const YearKey key{administration, year};
  absl::MutexLock year_lock(YearLock(key));
  if (covering_plan_version > StreamVersion(0)) {
    absl::MutexLock l(&mu_);
    auto it = runs_.find(key);
    if (it != runs_.end() && it->second.plan_version >= covering_plan_version) return it->second.response;
  }
  PIAO_ASSIGN_OR_RETURN(std::optional<v1::GetPlanResponse> plan, planning_->GetPlan(administration, year));
  v1::ComputeActualsResponse response;
  StreamVersion plan_version;
  if (plan.has_value()) {
    plan_version = StreamVersion(plan->version());
    v1::ComputeActualsRequest request;
    *request.mutable_meta() = meta;
    request.set_administration(administration);
    request.set_year(year);
    for (v1::FormulaSpec& s : FormulaSpecsOf(*plan)) *request.add_formulas() = std::move(s);
    if (request.formulas_size() > 0) {
      PIAO_ASSIGN_OR_RETURN(response, ComputeActualsCommand(*store_, who, request));
    }
  }
  absl::MutexLock l(&mu_);
  runs_[key] = Run{plan_version, response};
  return response;
}

absl::StatusOr<bool> ActualsPolicy::Pass() {
  GlobalPosition from;
  {
    absl::MutexLock l(&mu_);
    from = GlobalPosition(followed_.value() + 1);
  }
  PIAO_ASSIGN_OR_RETURN(std::vector<v1::EventEnvelope> events,
                        planning_->ReadEvents(from, GlobalPosition(from.value() + options_.chunk - 1)));
  std::map<YearKey, StreamVersion> todo;
  {
    absl::MutexLock l(&mu_);
    todo.swap(pending_);
  }
  for (const v1::EventEnvelope& e : events) {
    if (e.stream().aggregate_type() != "plan") continue;
    absl::StatusOr<AdministrationYear> id = ParseAdministrationYear(e.stream().aggregate_id());
    if (!id.ok()) {
      log::Warn("actuals policy: planning event of an unexpected stream", {{"error", id.status().ToString()}});
      continue;
    }
    StreamVersion& v = todo[YearKey{id->administration, id->year}];
    v = std::max(v, StreamVersion(e.stream_version()));
  }
  if (events.empty() && todo.empty()) return false;
  const v1::Principal who = [] {
    v1::Principal p;
    p.set_id(kPolicyPrincipal);
    p.add_roles("service");
    return p;
  }();
  absl::Status first_error;
  for (const auto& [key, version] : todo) {
    v1::CommandMeta meta;
    meta.set_correlation_id(
        absl::StrCat("actuals-policy:plan/", key.administration, "/", key.year, "@", version.value()));
    absl::StatusOr<v1::ComputeActualsResponse> r = Recompute(who, meta, key.administration, key.year, version);
    if (r.ok()) continue;
    if (absl::IsUnavailable(r.status()) || absl::IsDeadlineExceeded(r.status()) || absl::IsAborted(r.status())) {
      // Retried on the next pass; the checkpoint does not move past it.
      absl::MutexLock l(&mu_);
      pending_.emplace(key, version);
      if (first_error.ok()) first_error = r.status();
      continue;
    }
    // A definition the computation refuses (a formula that no longer parses...) must not stop the others.
    log::Error("actuals policy: cannot recompute a plan year",
               {{"administration", key.administration}, {"year", absl::StrCat(key.year)},
                {"error", r.status().ToString()}});
  }
  if (!events.empty()) {
    const GlobalPosition last(events.back().global_position());
    // Events seen are handled (or kept pending, in memory); on a restart the pending ones are redone from
    // the checkpoint, which moves only when nothing is pending.
    bool nothing_pending;
    {
      absl::MutexLock l(&mu_);
      followed_ = last;
      nothing_pending = pending_.empty();
    }
    if (nothing_pending && !options_.checkpoint_file.empty()) {
      PIAO_RETURN_IF_ERROR(WriteFileAtomically(options_.checkpoint_file, absl::StrCat(last.value(), "\n")));
    }
  }
  if (!first_error.ok()) return first_error;
  return !events.empty();
}

void ActualsPolicy::Loop() {
  absl::Duration backoff = options_.poll;
  for (;;) {
    {
      absl::MutexLock l(&mu_);
      if (stop_) return;
    }
    absl::StatusOr<bool> busy = Pass();
    absl::Duration wait = options_.poll;
    if (!busy.ok()) {
      log::Warn("actuals policy: planning unreachable, retrying", {{"error", busy.status().ToString()}});
      backoff = std::min(backoff * 2, absl::Seconds(10));
      wait = backoff;
    } else {
      backoff = options_.poll;
      if (*busy) wait = absl::ZeroDuration();  // more may be there: read on at once
    }
    absl::MutexLock l(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stop_), wait);
    if (stop_) return;
  }
}

}  // namespace piao::measurement
