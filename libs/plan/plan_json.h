// JSON in the extracted-data format of SCHEMA.md: parsing plans (and the actuals and published figures
// a results file carries) and revision files, and writing targets, thresholds, actuals, indicators,
// objectives, plans and revisions back in the same shape. Errors are INVALID_ARGUMENT naming the JSON
// path (e.g. "objectives[3].indicators[1].target.op") and the rule broken. Every object has a closed set of
// keys: a duplicate key or an unknown one (a typo such as "tagret") is refused naming it and its path
// (libs/base/json_strict.h), as in every import file of the system.
//
// Beyond SCHEMA.md, the parser accepts (and the writer emits, when set) an indicator's "neutralised",
// "neutralised_reason", "suppressed" and "suppressed_reason", a plan's "administration", an approval's
// "number" and "body", and a revision's "level" and "scope" (to disambiguate an objective code). A results
// file's indicator may carry "actual", "reported_grade_pct" and "deviation" (printed, not read); a plan
// file's root may carry "expected" (a fixture's published figures, for tests; not read); a revisions file's
// root "year", "administration" (read by `piao revise`) and "source".
#ifndef PIAO_LIBS_PLAN_PLAN_JSON_H_
#define PIAO_LIBS_PLAN_PLAN_JSON_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/plan/model.h"
#include "libs/plan/revision.h"
#include "nlohmann/json.hpp"

namespace piao::plan {

// Figures a results file prints for an objective (ignored by the planning model itself).
struct ReportedObjective {
  std::optional<double> score_pct;  // 'Risultato misurato obiettivo'
  std::string evaluation;           // 'Raggiunto', 'Parzialmente Raggiunto', ... as printed
};

struct ParsedPlanFile {
  Plan plan;
  std::map<IndicatorRef, Value> actuals;          // indicators whose "actual" is not null
  std::map<IndicatorRef, double> reported_grades;  // "reported_grade_pct", when printed
  std::map<ObjectiveKey, ReportedObjective> reported_objectives;  // when a score or label is printed
};

// Parses a plan or results file. Checks JSON types, enums, dates (real calendar dates), finiteness and
// that objective keys and indicator codes within an objective are unique; the planning rules
// (weights, thresholds...) are ValidatePlan's job.
absl::StatusOr<ParsedPlanFile> ParsePlanJson(const std::string& text);

// Parses {"revisions": [...]}; paths are "revisions[4].to.op" and so on.
absl::StatusOr<std::vector<Revision>> ParseRevisionsJson(const std::string& text);

// Pieces, for callers that receive them separately (e.g. a CLI argument). `path` prefixes messages.
absl::StatusOr<Target> ParseTargetJson(const nlohmann::json& j, const std::string& path);
absl::StatusOr<std::optional<Threshold>> ParseThresholdJson(const nlohmann::json& j, const std::string& path);
absl::StatusOr<std::optional<Value>> ParseValueJson(const nlohmann::json& j, const std::string& path);
absl::StatusOr<Indicator> ParseIndicatorJson(const nlohmann::json& j, const std::string& path);

// Writers, in the SCHEMA.md shapes ({"op": ">=", "value": 105.0, "unit": "%"}, {"date": "..."}, null).
nlohmann::json TargetToJson(const Target& target);
nlohmann::json ThresholdToJson(const std::optional<Threshold>& threshold);
nlohmann::json ValueToJson(const std::optional<Value>& value);  // an actual or a baseline
nlohmann::json IndicatorToJson(const Indicator& indicator);
nlohmann::json ObjectiveToJson(const Objective& objective);
nlohmann::json PlanToJson(const Plan& plan);  // ParsePlanJson(PlanToJson(p).dump()).plan == p
nlohmann::json RevisionToJson(const Revision& revision);

}  // namespace piao::plan

#endif  // PIAO_LIBS_PLAN_PLAN_JSON_H_
