#include "libs/measurement/rules.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "libs/base/status_macros.h"
#include "libs/plan/plan_proto.h"

namespace piao::measurement {

absl::StatusOr<plan::Value> ValidateValue(const v1::MeasuredValue& value, const std::string& path) {
  if (value.kind_case() == v1::MeasuredValue::KIND_NOT_SET) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": required (a number, a date or a text)"));
  }
  PIAO_ASSIGN_OR_RETURN(plan::Value v, plan::FromProto(value, path));
  if (value.kind_case() == v1::MeasuredValue::kText && absl::StripAsciiWhitespace(value.text()).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ".text: must not be empty"));
  }
  return v;
}

bool SameValue(const v1::MeasuredValue& a, const v1::MeasuredValue& b) {
  auto ma = plan::FromProto(a, "a");
  auto mb = plan::FromProto(b, "b");
  return ma.ok() && mb.ok() && *ma == *mb;
}

absl::StatusOr<plan::Date> PeriodDate(const std::string& period, int year) {
  if (period == kYearEnd) return plan::Date(year, 12, 31);
  auto d = plan::ParseIsoDate(period);
  if (!d.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("period: must be \"year-end\" or a real monitoring date YYYY-MM-DD, got '", period, "'"));
  }
  return *d;
}

bool IsYearPeriod(const std::string& p) {
  if (p.size() != 4 || (p[0] != '1' && p[0] != '2')) return false;
  for (char c : p) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string PeriodBefore(const std::string& period, int lag) {
  if (lag == 0) return period;
  if (IsYearPeriod(period)) return absl::StrCat(std::stoi(period) - lag);
  auto d = plan::ParseIsoDate(period);
  if (!d.ok()) return "";
  const absl::CivilYear y = absl::CivilYear(d->year() - lag);
  absl::CivilDay day(y.year(), d->month(), d->day());
  if (day.month() != d->month()) day = absl::CivilDay(y.year(), d->month() + 1, 1) - 1;
  return plan::FormatIsoDate(day);
}

bool IsVariableName(const std::string& name) {
  if (name.empty() || !(absl::ascii_isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  for (char c : name) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.')) return false;
  }
  return true;
}

bool IsSha256Hex(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace piao::measurement
