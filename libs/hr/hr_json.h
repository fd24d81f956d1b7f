// The HR import file (docs/HR_FORMAT.md) parsed into the hr.proto event bodies, whole file or nothing.
#ifndef PIAO_LIBS_HR_HR_JSON_H_
#define PIAO_LIBS_HR_HR_JSON_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "piao/v1/hr.pb.h"

namespace piao::hr {

// A file's facts, in the order they must be applied.
struct HrImport {
  std::string administration;
  std::vector<v1::EstablishmentAdopted> establishments;
  std::vector<v1::SelectionsOpened> selections;  // one batch
  std::vector<v1::StaffRecorded> staff;          // one batch (the CLI splits it into commands)
  std::vector<v1::LeavesRecorded> leaves;        // one batch
  std::vector<v1::HiringRemaindersRecorded> remainders;
  std::vector<v1::ProtectedQuotaRecorded> protected_quota;
  std::vector<v1::HiresPlanned> planned_hires;
  std::vector<v1::RemotabilityAssessed> remotability;  // one batch
  std::vector<v1::AgileAgreementsSigned> agreements;   // one batch
  std::vector<v1::YearSettingsSet> year_settings;
};

// INVALID_ARGUMENT naming the JSON path and the rule (unknown keys included: a typo never passes silently).
// Only the shape and the value formats are checked here; the book's rules are checked on applying.
absl::StatusOr<HrImport> ParseHrImport(const nlohmann::json& j);
// The file's text: a duplicate key ("$.staff[3].unit: duplicate key"), invalid JSON or nesting deeper than
// 64 levels is INVALID_ARGUMENT too (libs/base/json_strict.h), then ParseHrImport.
absl::StatusOr<HrImport> ParseHrImportText(const std::string& text);

// Applies every fact of `file` to `book`, in file order (the same order the CLI sends them).
class HrBook;
absl::Status ApplyImport(const HrImport& file, HrBook& book);

}  // namespace piao::hr

#endif  // PIAO_LIBS_HR_HR_JSON_H_
