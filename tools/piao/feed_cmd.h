// `piao feed import` and `piao lineage`: measurement feeds in, computed actuals with their lineage out.
//
//   piao feed import --kind accounting|infocamere FILE [--mapping FILE] [--batch-id ID] [--administration A]
//                    [--data DIR] [--json]
//   piao feed compute --year Y [--administration A] [--data DIR] [--json]
//   piao lineage --year Y --objective CODE --indicator CODE [--level L] [--scope S] [--administration A]
//                [--data DIR] [--json]
//
// Decisions:
// - The file is parsed and validated whole (libs/feed) before any call: a bad row rejects the batch with the
//   row and column of every error, and nothing is written.
// - The batch goes to Feeds.SubmitBatch with the idempotency key SHA-256(administration, batch id, checksum): the
//   same file again is a no-op. A batch id already recorded with another checksum is refused (--batch-id).
// - The measurement service computes the formulas itself: SubmitBatch recomputes the plan years the batch
//   touches and answers with them, and the service follows planning's events, so a plan written after its
//   feed gets its actuals too (services/measurement/actuals_policy.h). The CLI only prints what it answered;
//   `piao import` and `piao revise` ask (ComputeActuals with the plan version they wrote) what was computed.
// - A progress bar goes to stderr when stderr is a terminal (never with --json).
#ifndef PIAO_TOOLS_PIAO_FEED_CMD_H_
#define PIAO_TOOLS_PIAO_FEED_CMD_H_

#include <functional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "libs/feed/feed.h"
#include "piao/v1/feeds.pb.h"
#include "piao/v1/planning.pb.h"
#include "piao/v1/projection.pb.h"

namespace piao::cli {

// Pure pieces, tested without a stack.
v1::SubmitBatchRequest BatchRequest(const feed::Batch& batch, const std::string& administration);

struct ComputedYear {
  int year = 0;
  std::vector<v1::ComputedActualResult> results;
};

struct FeedImportResult {
  std::string file;
  feed::Kind kind = feed::Kind::kAccounting;
  std::string batch_id;
  std::string checksum;
  std::string administration;
  v1::SubmitBatchResponse submitted;
  std::vector<ComputedYear> computed;
};
// "feed accounting-2017-2021.csv (accounting, batch accounting-2017-2021.csv, default): 189 rows, 38 variables
//  (189 new, 0 corrected, 0 unchanged); computed actuals: 15 (15 recorded, 0 recomputed), 0 unchanged, ..."
std::string RenderFeedImport(const FeedImportResult& r);
// {"file", "kind", "batch_id", "checksum", "administration", "duplicate", "rows", "variables", "values_new",
//  "values_corrected", "values_unchanged", "computed_actuals" (recorded + recomputed), "actuals": [{"year",
//  "objective", "indicator", "period", "outcome", "value", "actual_id", "reason"}]}
nlohmann::json FeedImportToJson(const FeedImportResult& r);

struct FeedImportOptions {
  std::string data_dir;
  std::string kind;
  std::string file;
  std::string mapping;
  std::string batch_id;
  std::string administration;  // default "default"
  bool json = false;
};
absl::Status RunFeedImport(const FeedImportOptions& options);

// Feeds.ComputeActuals without formulas (the service reads the plan itself): with `covering_plan_version` 0 a
// recomputation now; with V, the computation that covered plan version V (the service's own, if it ran).
// A year without a plan: empty results.
absl::StatusOr<ComputedYear> ComputeFormulaActuals(const std::string& data_dir, const std::string& administration,
                                                   int year, uint64_t covering_plan_version = 0);

// After `import` / `revise` wrote plan version `plan_version`: what measurement computed for it, summarised on
// stdout (not with --json). A failure does not undo the plan change: it is reported on stderr.
void ComputeAfterPlanChange(const std::string& data_dir, const std::string& administration, int year,
                            uint64_t plan_version, bool json);

struct FeedComputeOptions {
  std::string data_dir;
  std::string administration;  // default "default"
  int year = 0;
  bool json = false;
};
// `piao feed compute --year Y`: evaluates the plan's formulas on the variables recorded (also what
// import/revise do), printing the summary or {"year", "administration", "computed_actuals", "actuals": [...]}.
absl::Status RunFeedCompute(const FeedComputeOptions& options);

// True when some indicator the request adopts has a formula.
bool HasFormulas(const v1::AdoptObjectivesRequest& adopt);
// "computed actuals 2021: 3 recorded, 0 recomputed, 0 unchanged, 0 not computable, 0 waiting for data\n", or ""
// when the plan has no formulas.
std::string RenderComputed(const ComputedYear& computed);

// {"year", "administration", "objective": {"level", "code", "scope", "score_pct", "label"},
//  "indicator": {"code", "grade_pct", "how", "target", "threshold", "weight_pct"},
//  "actual": {"actual_id", "period", "value", "source", "corrects", "reason", "actor", "recorded_at"} | null,
//  "formula": {"text", "plan_version", "version": {"change", "act", "effective_date", "global_position",
//              "actor", "recorded_at"} | null} | null,
//  "inputs": [{"variable", "lag", "period", "value", "unit", "batch_id", "row", "source_code", "label",
//              "extraction_id"}],
//  "batches": [{"batch_id", "kind", "source", "checksum", "rows", "actor", "global_position"}],
//  "earlier_actuals": [{"actual_id", "value", "reason", "recorded_at"}]}
// Renders the projection's answer (GetLineage assembles the chain; the CLI only prints it).
nlohmann::json LineageToJson(const v1::Lineage& lineage);
std::string RenderLineage(const nlohmann::json& lineage);

struct LineageOptions {
  std::string data_dir;
  std::string administration;
  int year = 0;
  std::string objective;
  std::string indicator;
  std::string level;
  std::string scope;
  bool json = false;
};
absl::Status RunLineage(const LineageOptions& options);

}  // namespace piao::cli

#endif  // PIAO_TOOLS_PIAO_FEED_CMD_H_
