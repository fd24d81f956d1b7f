// `piao report ...`: documents a PA publishes, rendered from the projection's answers (pure here; the
// command fetches them, read-your-writes, as of any date).
//
//   piao report relazione --year Y --format html|md|csv [--as-of DATE] [--out FILE]
//       the annexes of a Relazione sulla performance: per objective its indicators (algorithm, target,
//       threshold, actual, deviation, grade, weight), score and label; every variation of the year with its
//       act and date; the scores as approved vs as revised; the OIV's validation in force (outcome, date, motivation,
//       document) with its remarks per objective and the earlier validations it superseded; the planning
//       office's causes of deviation and corrective measures per objective.
//   piao report tree --year Y --format svg|png [--as-of DATE] [--out FILE]
//       the performance tree coloured by achievement (png through rsvg-convert, librsvg2-bin).
//   piao report risk --year Y --format html|csv [--as-of DATE] [--out FILE]
//       the risk map and the RPCT's annual report figures (the `piao risk map|report --json` objects).
//   piao report hr --year Y --format html|csv [--as-of DATE] [--out FILE]
//       the workforce summary (the `piao hr summary --json` object).
// Output goes to standard output unless --out is given.
#ifndef PIAO_TOOLS_PIAO_REPORT_H_
#define PIAO_TOOLS_PIAO_REPORT_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "piao/v1/oiv.pb.h"
#include "piao/v1/projection.pb.h"

namespace piao::cli {

enum class ReportFormat { kHtml, kMarkdown, kCsv, kSvg, kPng };

// `text` as one of `allowed` ("html", "md", "csv", "svg", "png"); INVALID_ARGUMENT naming --format otherwise.
absl::StatusOr<ReportFormat> ParseReportFormat(const std::string& text, const std::vector<std::string>& allowed);

// The deviation of an actual from its target, as the Relazione prints it: "+5.58 %" for 110.58 against >= 105,
// "3 days early" / "12 days late" for a deadline; "" when it cannot be said (no actual, a text target).
std::string DeviationText(const v1::Deviation& deviation);

struct RelazioneInput {
  v1::ScoresView revised;   // the definitions in force (basis revised)
  v1::ScoresView approved;  // the definitions as approved (basis approved)
  v1::AuditTrail trail;     // every change of the year
  v1::OivStatus oiv;        // the OIV's validation and remarks, the deviations stated (GetOivStatus, same as-of)
};
// kHtml (one self-contained page), kMarkdown or kCsv (one table, first column `section`).
std::string RenderRelazione(const RelazioneInput& input, ReportFormat format);

// The performance tree as SVG: enterprise -> strategic areas -> strategic objectives -> operational objectives
// (by parent), each box coloured by its score (green >= 95, amber > 0, red 0, grey no score); an objective
// none of whose indicators has an actual yet is drawn white, "no actuals", not as a red 0.
std::string RenderTreeSvg(const v1::ScoresView& view);

// PNG bytes of `svg`, rendered by rsvg-convert; FAILED_PRECONDITION naming the package when it is missing.
absl::StatusOr<std::string> SvgToPng(const std::string& svg);

// A report made of named sections, each the JSON object a `--json` command prints, rendered generically:
// scalar fields as a two-column table, arrays of objects as tables (columns: the union of their keys), objects
// of objects (vacancies by date and category) as a matrix. kHtml: one page; kCsv: long format
// `section,table,row,column,value`, one line per cell.
struct JsonSection {
  std::string title;
  nlohmann::json data;
};
std::string RenderJsonReport(const std::string& title, const std::vector<JsonSection>& sections, ReportFormat format);

struct ReportOptions {
  std::string data_dir;
  std::string kind;  // relazione | tree | risk | hr
  std::string administration;
  int year = 0;
  std::string format;
  std::string as_of;
  std::string period;  // relazione, tree: "" / "year-end", or a monitoring date YYYY-MM-DD
  std::string out;  // "" = stdout
};
absl::Status RunReport(const ReportOptions& options);

}  // namespace piao::cli

#endif  // PIAO_TOOLS_PIAO_REPORT_H_
