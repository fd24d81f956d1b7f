// Every derived HR figure of one administration as of a date, as the HrViews service answers it.
#ifndef PIAO_LIBS_HR_SUMMARY_H_
#define PIAO_LIBS_HR_SUMMARY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/hr/model.h"
#include "piao/v1/hr.pb.h"

namespace piao::hr {

struct SummaryOptions {
  std::string administration;
  int year = 0;                          // the PIAO year
  std::optional<Date> as_of;             // default Dec 31 of year - 1 (the PIAO's reference date)
  std::vector<Date> vacancy_dates;       // default: the year's settings, else as-of and Dec 31 of year..year+2
  std::optional<double> enterprise_score_pct;  // from the planning views, for the pay link
};

// INVALID_ARGUMENT for a bad year; FAILED_PRECONDITION when the book has no establishment in force.
absl::StatusOr<v1::HrSummary> Summarize(const HrBook& book, const SummaryOptions& options);

}  // namespace piao::hr

#endif  // PIAO_LIBS_HR_SUMMARY_H_
