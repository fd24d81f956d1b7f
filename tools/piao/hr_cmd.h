// `piao hr import` and `piao hr summary`: the HR capacity data (docs/HR_FORMAT.md) into the hr service, and
// its derived figures from the projection's HrViews.
//
//   piao hr import FILE [--administration A] [--data DIR] [--json]
//   piao hr summary --year Y [--as-of DATE] [--vacancy-dates D1,D2,...] [--administration A] [--data DIR] [--json]
//
// - Import: the whole file is parsed (shape and formats) and its rules checked on an empty book before the
//   first RPC, so a malformed file writes nothing; facts that depend on data already stored (a file of leaves
//   only) are left to the service. One command per fact group, in the format's order; idempotency keys are
//   SHA-256 over the administration and the command, so importing the same file again is a no-op.
// - Summary: read-your-writes (waits until the projection has applied the hr, planning and measurement heads read first).
//   --as-of defaults to Dec 31 of year - 1, the PIAO's reference date. --json prints one object whose euro
//   amounts are JSON numbers with two decimals (9499919.94).
#ifndef PIAO_TOOLS_PIAO_HR_CMD_H_
#define PIAO_TOOLS_PIAO_HR_CMD_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "piao/v1/hr.pb.h"

namespace piao::cli {

struct HrImportOptions {
  std::string file;
  std::string administration;  // when the file names none; a file and a flag that disagree are refused
  std::string data_dir;
  bool json = false;
};
absl::Status RunHrImport(const HrImportOptions& o);

struct HrSummaryOptions {
  int year = 0;
  std::string as_of;
  std::vector<std::string> vacancy_dates;
  std::string administration;
  std::string data_dir;
  bool json = false;
};
absl::Status RunHrSummary(const HrSummaryOptions& o);
// The summary RunHrSummary prints, fetched read-your-writes (INVALID_ARGUMENT naming a bad flag).
absl::StatusOr<v1::HrSummary> FetchHrSummary(const HrSummaryOptions& o);

// The --json object (euro amounts as {"\x01eur_cents": n} leaves that DumpHrJson prints as numbers).
nlohmann::json HrSummaryToJson(const v1::HrSummary& s);
// One line of JSON with every euro amount as a number with two decimals (9499919.94, 4681048.00).
std::string DumpHrJson(const nlohmann::json& j);
// The text form.
std::string RenderHrSummary(const v1::HrSummary& s);

}  // namespace piao::cli

#endif  // PIAO_TOOLS_PIAO_HR_CMD_H_
