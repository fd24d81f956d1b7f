// `piao import` and `piao revise`: SCHEMA.md files into the planning and measurement services.
//
//   piao import FILE... [--administration A] [--act TEXT --act-date YYYY-MM-DD] [--data DIR] [--json]
//   piao revise FILE [--administration A] [--year Y] [--data DIR] [--json]
//
// Decisions (documented in `piao help`):
// - Administration: the file's "administration", else --administration, else "default". A file and a flag
//   that disagree are refused. `piao scores`/`history` without --administration find the year's only plan.
// - Approval act: the file's "approved" {act, date}, else --act/--act-date (both needed); a file and flags
//   that disagree are refused. The effective date of the adoption is the act's date.
// - Idempotency keys are SHA-256 over the file's bytes and the item (administration, year, act; for an
//   actual its objective key and indicator), so importing or revising with the same file again is a no-op
//   answered from the services' idempotency records.
// - Every file given is read, parsed and validated (libs/plan ParsePlanJson + ValidatePlan) before the first
//   RPC: invalid input writes nothing. Actuals are recorded as "year-end" actuals with source
//   "import:<file name>".
#ifndef PIAO_TOOLS_PIAO_IMPORT_H_
#define PIAO_TOOLS_PIAO_IMPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "piao/v1/measurement.pb.h"
#include "piao/v1/planning.pb.h"

namespace piao::cli {

inline constexpr char kDefaultAdministration[] = "default";

struct ImportFlags {
  std::string administration;  // used when the file names none
  std::string act;             // used when the file has no "approved"
  std::string act_date;
  std::string period;          // the actuals' period: "" / "year-end", or a monitoring date YYYY-MM-DD
};

// One file's commands, built and validated from its bytes alone (pure).
struct PreparedImport {
  std::string file;  // the path as given
  bool adopt_needed = false;  // the file has objectives
  v1::AdoptObjectivesRequest adopt;
  std::vector<v1::RecordActualRequest> actuals;
};

// INVALID_ARGUMENT naming the file and the JSON path or rule broken.
absl::StatusOr<PreparedImport> PrepareImport(const std::string& path, const std::string& bytes,
                                             const ImportFlags& flags);

struct ImportResult {
  std::string file;
  std::string administration;
  int year = 0;
  bool duplicate = false;  // the same adoption had been imported before: nothing new was written
  uint32_t objectives_added = 0;
  uint32_t indicators_added = 0;
  uint32_t descriptions_updated = 0;
  uint32_t unchanged = 0;
  uint32_t actuals_recorded = 0;
  uint32_t actuals_unchanged = 0;  // already recorded with the same value (or by an earlier import)
};

// "import plan-2022.json (default/2022): 85 objectives added, 367 indicators added, 0 descriptions updated,
// 0 unchanged, 0 actuals recorded"
std::string RenderImportResult(const ImportResult& r);
// {"files": [{"file", "administration", "year", "duplicate", "objectives_added", ...}], "objectives_added": n,
//  "indicators_added", "descriptions_updated", "unchanged", "actuals_recorded", "actuals_unchanged"} (totals)
nlohmann::json ImportResultsToJson(const std::vector<ImportResult>& results);

struct ImportOptions {
  std::vector<std::string> files;
  ImportFlags flags;
  std::string data_dir;
  bool json = false;
};
// Validates every file, then imports them in order, printing the summary (or one JSON object).
absl::Status RunImport(const ImportOptions& options);

struct ReviseFlags {
  std::string administration;  // used when the file names none
  int year = 0;                // used when the file has no "year"
};

// One Planning.ApplyRevisionAct per act (GroupByAct order). The act's date is read from its text
// ("... del 13/09/2022"), else it is the changes' effective date; the changes of one act must share one
// effective date.
absl::StatusOr<std::vector<v1::ApplyRevisionActRequest>> PrepareRevise(const std::string& path,
                                                                       const std::string& bytes,
                                                                       const ReviseFlags& flags);

// The date an act's text names ("Deliberazione di Giunta n. 142 del 13/09/2022" -> "2022-09-13"), or "".
std::string ActDateFromText(const std::string& act_text);

struct ReviseResult {
  std::string act;
  std::string act_date;
  std::string effective_date;
  int changes = 0;
  bool duplicate = false;
  uint64_t plan_version = 0;
};
std::string RenderReviseResult(const std::string& file, const ReviseResult& r);
nlohmann::json ReviseResultsToJson(const std::string& file, const std::vector<ReviseResult>& results);

struct ReviseOptions {
  std::string file;
  ReviseFlags flags;
  std::string data_dir;
  bool json = false;
};
absl::Status RunRevise(const ReviseOptions& options);

}  // namespace piao::cli

#endif  // PIAO_TOOLS_PIAO_IMPORT_H_
