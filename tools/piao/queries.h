// `piao scores` and `piao history`: the projection's views, read-your-writes.
//
//   piao scores --year Y [--as-of DATE] [--basis approved|revised] [--administration A] [--json]
//   piao history --year Y --objective CODE --indicator CODE [--level L --scope S] [--administration A] [--json]
//
// Before querying, the CLI reads the heads of the planning and measurement EventLogs and passes them as
// consistency.min_positions, so a query right after `piao import` sees the import.
#ifndef PIAO_TOOLS_PIAO_QUERIES_H_
#define PIAO_TOOLS_PIAO_QUERIES_H_

#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "piao/v1/projection.pb.h"

namespace piao::cli {

// {"year", "enterprise_score_pct", "objectives": [{"level", "code", "unit", "owner", "score_pct", "label",
//  "indicators": [{"code", "weight_pct", "target", "threshold", "actual", "grade_pct"}]}],
//  "units": [{"unit", "score_pct"}], "owners": [{"owner", "score_pct"}]}; absent numbers and empty strings are
// null; target/threshold/actual are the parsed *_json texts (null when none).
nlohmann::json ScoresToJson(const v1::ScoresView& view);
// A readable tree: the enterprise score, then each objective (code, title, score, label) with its indicators
// (target, threshold, actual, grade), then units and owners. `color`: ANSI green >= 95, yellow > 0, red 0.
std::string RenderScores(const v1::ScoresView& view, bool color);

// {"objective": {"level", "code", "scope"}, "indicator", "versions": [{"change", "target", "threshold",
//  "weight_pct", "from", "to", "act", "act_date", "effective_date", "actor", "recorded_at", "reason"}],
//  "actuals": [{"actual_id", "corrects", "period", "value", "source", "evidence_ref", "note", "reason", "actor",
//  "recorded_at"}]}; recorded_at as RFC 3339 UTC.
nlohmann::json HistoryToJson(const v1::IndicatorHistory& history);
std::string RenderHistory(const v1::IndicatorHistory& history);

struct ScoresOptions {
  std::string data_dir;
  std::string administration;
  int year = 0;
  std::string as_of;
  std::string as_of_record;  // RFC 3339 record time: what the system showed then ("" = now)
  std::string basis;
  std::string period;  // "" / "year-end", or a monitoring date YYYY-MM-DD: the actuals of that period
  std::string level;  // only objectives of this level ("" = all); the enterprise, unit and owner scores stay
  bool json = false;
};
absl::Status RunScores(const ScoresOptions& options);

struct HistoryOptions {
  std::string data_dir;
  std::string administration;
  int year = 0;
  std::string objective;
  std::string indicator;
  std::string level;
  std::string scope;
  bool json = false;
};
absl::Status RunHistory(const HistoryOptions& options);

}  // namespace piao::cli

#endif  // PIAO_TOOLS_PIAO_QUERIES_H_
