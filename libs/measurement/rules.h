// The rules of measurement, pure: what an actual's value and period may be, how a formula's lagged input finds
// its period, what a feed variable and a batch checksum look like. The measurement service's aggregates
// (services/measurement) decide commands with them, as planning's do with libs/plan.
#ifndef PIAO_LIBS_MEASUREMENT_RULES_H_
#define PIAO_LIBS_MEASUREMENT_RULES_H_

#include <string>

#include "absl/status/statusor.h"
#include "libs/plan/model.h"
#include "piao/v1/plan.pb.h"

namespace piao::measurement {

// The period of the actuals that close a plan year.
inline constexpr char kYearEnd[] = "year-end";

// An actual's value: one the model can hold (finite number, real date) that says something (non-empty text).
// INVALID_ARGUMENT naming `path` otherwise, "required" when nothing is set.
absl::StatusOr<plan::Value> ValidateValue(const v1::MeasuredValue& value, const std::string& path);

// Two values equal as the model reads them (false when either cannot be read).
bool SameValue(const v1::MeasuredValue& a, const v1::MeasuredValue& b);

// The day an actual of `period` takes effect: Dec 31 of `year` for "year-end", else the monitoring date itself.
// INVALID_ARGUMENT naming `period` for anything else.
absl::StatusOr<plan::Date> PeriodDate(const std::string& period, int year);

// A feed period that is a whole year: four digits, 1xxx or 2xxx.
bool IsYearPeriod(const std::string& period);

// The period `lag` periods before `period`: the year before for "YYYY", the same day a year before for a date
// (Feb 29 -> Feb 28); "" for a period that is neither.
std::string PeriodBefore(const std::string& period, int lag);

// A variable name a formula can read: a letter or '_' first, then letters, digits, '_' or '.'.
bool IsVariableName(const std::string& name);

// A SHA-256 in hex: 64 hex digits.
bool IsSha256Hex(const std::string& text);

}  // namespace piao::measurement

#endif  // PIAO_LIBS_MEASUREMENT_RULES_H_
