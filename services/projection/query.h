// Queries over the projection's records, pure: records in -> answers out.
//
// As-of reconstruction (ScoreRecords): a definition version counts when it was recorded at or before the
// record time (unset: everything) and is valid from on or before the date ("" : no limit). Per indicator the
// counting versions are folded oldest first: "adopted"/"added" set the whole definition, each revision kind
// sets only what it changes (target: target and targets by year; threshold; weight; neutralised: weight and
// neutralisation; suppressed), "description" only the descriptive fields — so a retroactive act or a later
// description update never drags in changes not yet valid on the date. Basis "approved" takes each indicator's
// first version only, and only when it is an adoption. Objectives count from their adoption (same two axes).
// Actuals: year-end actuals recorded by the record time; a correction supersedes the actual it corrects; per
// indicator the latest remaining one counts.
#ifndef PIAO_SERVICES_PROJECTION_QUERY_H_
#define PIAO_SERVICES_PROJECTION_QUERY_H_

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/plan/model.h"
#include "libs/scoring/score.h"
#include "piao/v1/projection.pb.h"
#include "services/projection/view.h"

namespace piao::projection {

struct AsOf {
  std::string date;                        // "YYYY-MM-DD"; "" = latest
  std::optional<absl::Time> record_time;   // unset = everything recorded
  bool approved = false;                   // basis "approved"
  std::string period = "year-end";         // the actuals scored: "year-end" or a monitoring date "YYYY-MM-DD"
};

// The plan and its measurements of `as_of.period` as of `as_of`.
struct Reconstructed {
  plan::Plan plan;
  scoring::Measurements measurements;
};
absl::StatusOr<Reconstructed> Reconstruct(const PlanRecords& records, const AsOf& as_of);

// Reconstructs, scores (scoring::ScorePlan) and describes the scored tree. INVALID_ARGUMENT from scoring
// names the objective and indicator.
absl::StatusOr<v1::ScoresView> ScoreRecords(const PlanRecords& records, const AsOf& as_of);

// The administration a query names, or the year's only one: INVALID_ARGUMENT without a year or when the year
// has several plans and none is named, NOT_FOUND for an unknown plan.
absl::StatusOr<std::string> ResolveAdministration(const ViewReader& view, const std::string& administration,
                                                  int year);

// Scored trees already computed, by the state of their plan. A GetScores answer is a pure function of the plan's
// records and the request's as-of, and the records' state is identified by the plan's stamps (view.h,
// PlanStamps), read in the query's own snapshot: an entry is reused only for the same stamps and as-of, so a
// cached tree is never stale whatever the order of writes and queries, and nothing needs invalidating (a write
// changes the stamps; the old entry ages out). Bounded: the least recently used entry goes. Thread-safe.
class ScoresCache {
 public:
  explicit ScoresCache(size_t capacity = 32) : capacity_(capacity) {}
  std::shared_ptr<const v1::ScoresView> Find(const std::string& key);
  void Insert(const std::string& key, std::shared_ptr<const v1::ScoresView> view);
  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    size_t entries = 0;
  };
  Stats stats() const;

 private:
  using Entry = std::pair<std::string, std::shared_ptr<const v1::ScoresView>>;
  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::list<Entry> lru_ ABSL_GUARDED_BY(mu_);  // most recently used first
  absl::flat_hash_map<std::string, std::list<Entry>::iterator> index_ ABSL_GUARDED_BY(mu_);
  uint64_t hits_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t misses_ ABSL_GUARDED_BY(mu_) = 0;
};

// GetScores without its consistency wait: NOT_FOUND for an unknown plan, INVALID_ARGUMENT for a bad date or
// basis, or an empty administration when the year has several plans. With a cache, a tree already scored for
// the same plan state and as-of is answered from it.
absl::StatusOr<v1::ScoresView> QueryScores(const ViewReader& view, const v1::GetScoresRequest& request,
                                           ScoresCache* cache = nullptr);

// The current scored tree of a plan (revised basis, latest definitions, everything recorded, year-end actuals),
// scored from its records: what GetScores answers without as-of, basis or period. FAILED_PRECONDITION with the
// reason when the recorded plan cannot be scored; DATA_LOSS for an undecodable record.
absl::StatusOr<v1::ScoresView> CurrentScores(const ViewReader& view, const std::string& administration, int year);

// GetIndicatorHistory without its consistency wait: NOT_FOUND naming what is unknown, FAILED_PRECONDITION
// listing the objectives when the code is ambiguous without level/scope.
absl::StatusOr<v1::IndicatorHistory> QueryIndicatorHistory(const ViewReader& view,
                                                           const v1::GetIndicatorHistoryRequest& request);

}  // namespace piao::projection

#endif  // PIAO_SERVICES_PROJECTION_QUERY_H_
