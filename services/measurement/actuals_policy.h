// Computed actuals as a policy of the measurement service, not a step a client must remember.
//
// An indicator with a formula gets its actuals from the variables the feeds record. They must be recomputed
// whenever an input changes: a feed batch (variables), or planning's definition (a formula, a target unit, an
// indicator added or suppressed, a plan adopted). ActualsPolicy does that by itself:
//   - it follows planning's EventLog (polling ReadEvents from a checkpoint kept in the data directory) and
//     recomputes every plan year whose stream moved, reading the definition with planning's GetPlan;
//   - SubmitBatch recomputes the plan years the batch touches before it answers (read-your-writes for the feed),
//     and leaves them to the follower when planning cannot be reached;
//   - Feeds.ComputeActuals stays as an explicit "recompute now" (and "answer with the run that covered plan
//     version V", so a client that just wrote a plan sees what the policy computed for it).
// One run per plan year at a time (a per-year lock), so the follower and an explicit request never race to
// report the same correction twice. Each run is one command on the plan year's actuals stream, recorded with
// the policy's own principal (svc:measurement-policy) and the planning position it answered, unless a caller
// asked for it (then the caller is the actor).
#ifndef PIAO_SERVICES_MEASUREMENT_ACTUALS_POLICY_H_
#define PIAO_SERVICES_MEASUREMENT_ACTUALS_POLICY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "libs/base/strong_types.h"
#include "libs/eventstore/event_store.h"
#include "piao/v1/feeds.pb.h"
#include "piao/v1/planning.pb.h"

namespace piao::measurement {

// What the policy needs of planning. The production one speaks gRPC (PlanningOverGrpc); tests may use another.
class PlanningSource {
 public:
  virtual ~PlanningSource() = default;
  // The plan of (administration, year) as planning holds it now; nullopt when there is none.
  virtual absl::StatusOr<std::optional<v1::GetPlanResponse>> GetPlan(const std::string& administration,
                                                                     int year) = 0;
  // Planning's events from..to inclusive (fewer at the head).
  virtual absl::StatusOr<std::vector<v1::EventEnvelope>> ReadEvents(GlobalPosition from, GlobalPosition to) = 0;
};

// Planning over gRPC (address, bearer token of role service, client TLS as configured), every call with a
// deadline.
absl::StatusOr<std::unique_ptr<PlanningSource>> PlanningOverGrpc(const std::string& address,
                                                                 const std::string& token,
                                                                 const std::string& tls_ca_file,
                                                                 const std::string& tls_client_cert_file,
                                                                 const std::string& tls_client_key_file);

// The formulas of a plan as ComputeActuals takes them: every indicator with a formula that is not suppressed,
// keyed as planning keys its objective (scope: an operational objective's units joined by " + ", an
// individual objective's owner), the actual's unit being the target's.
std::vector<v1::FormulaSpec> FormulaSpecsOf(const v1::GetPlanResponse& plan);

// The plan years a batch's values can change: for a period of year Y, plan years Y (its own period) and Y+1
// (prev(x) of the next year).
std::set<int> PlanYearsAffectedBy(const v1::SubmitBatchRequest& batch);

// The explicit computation: fold the actuals stream, read the variables, decide, append; one command as
// `who`. With `request.formulas` empty it computes nothing. The adapter and the policy share it.
absl::StatusOr<v1::ComputeActualsResponse> ComputeActualsCommand(eventstore::EventStore& store,
                                                                 const v1::Principal& who,
                                                                 const v1::ComputeActualsRequest& request);

struct ActualsPolicyOptions {
  std::string checkpoint_file;                   // planning position followed; empty: kept in memory only
  absl::Duration poll = absl::Milliseconds(250);  // how often planning's EventLog is read
  uint64_t chunk = 500;                          // events read per call
};

class ActualsPolicy {
 public:
  // `planning` may be null: then only explicit formulas can be computed (FAILED_PRECONDITION otherwise).
  ActualsPolicy(eventstore::EventStore* store, std::unique_ptr<PlanningSource> planning,
                ActualsPolicyOptions options);
  ~ActualsPolicy();
  ActualsPolicy(const ActualsPolicy&) = delete;
  ActualsPolicy& operator=(const ActualsPolicy&) = delete;

  bool follows_planning() const { return planning_ != nullptr; }

  // Starts following planning (no-op without a PlanningSource). Stop() waits for the current run.
  absl::Status Start();
  void Stop();

  // Recomputes (administration, year) from planning's current definition, as `who` with `meta`'s
  // correlation. When `covering_plan_version` > 0 and a run since the start of this process already used a
  // plan at least that recent, that run's answer is returned instead (a plan written by a client and
  // computed by the follower is reported once, whoever asks first). A year without a plan: an empty answer.
  absl::StatusOr<v1::ComputeActualsResponse> Recompute(const v1::Principal& who, const v1::CommandMeta& meta,
                                                       const std::string& administration, int year,
                                                       StreamVersion covering_plan_version = StreamVersion(0));

  // A run to do later (planning was unreachable when a batch asked): the follower retries it.
  void Defer(const std::string& administration, int year);

  // The planning position the follower has fully handled (tests, status).
  GlobalPosition followed() const;

 private:
  struct YearKey {
    std::string administration;
    int year = 0;
    auto operator<=>(const YearKey&) const = default;
  };
  struct Run {
    StreamVersion plan_version;  // of the plan stream the run computed from (0: no plan)
    v1::ComputeActualsResponse response;
  };
  void Loop();
  // One pass: read planning from the checkpoint, run every year that moved or was deferred. False when
  // nothing was there to do.
  absl::StatusOr<bool> Pass();
  absl::Mutex* YearLock(const YearKey& key);

  eventstore::EventStore* store_;
  std::unique_ptr<PlanningSource> planning_;
  ActualsPolicyOptions options_;

  mutable absl::Mutex mu_;
  std::map<YearKey, std::unique_ptr<absl::Mutex>> year_locks_ ABSL_GUARDED_BY(mu_);
  std::map<YearKey, Run> runs_ ABSL_GUARDED_BY(mu_);
  std::map<YearKey, StreamVersion> pending_ ABSL_GUARDED_BY(mu_);  // year -> plan version to cover (0: any)
  GlobalPosition followed_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace piao::measurement

#endif  // PIAO_SERVICES_MEASUREMENT_ACTUALS_POLICY_H_
