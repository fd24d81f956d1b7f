// `piao oiv ...` and `piao deviation record`: the OIV's acts and the planning office's statements of deviation
// (oiv.proto), written to the planning service's piao.v1.OivActs and read from the projection's GetOivStatus.
//
//   piao oiv validate --year Y --outcome validated|validated-with-remarks|not-validated --motivation TEXT
//       [--remark OBJECTIVE=TEXT]... [--deviation-remark OBJECTIVE=TEXT]... [--document FILE] [--date D]
//       [--administration A]
//   piao oiv monitoring-report --year Y --period D --summary TEXT [--addressee A] [--remark OBJECTIVE=TEXT]...
//       [--document FILE] [--date D] [--administration A]
//   piao oiv attest --year Y --file GRID.json [--document FILE] [--administration A]
//   piao oiv propose-sg-evaluation --year Y --evaluated NAME --proposal TEXT [--score PCT] [--document FILE]
//       [--date D] [--administration A]
//   piao oiv status --year Y [--as-of D] [--administration A] [--json]
//   piao deviation record --year Y --objective C --causes TEXT --measures TEXT [--date D] [--administration A]
//
// --document FILE: the CLI reads the file and sends its SHA-256 (lower-case hex) and its name as the reference;
// the document itself stays where it is. Without --administration, the year's only plan's. The services decide
// every rule; the CLI only shapes the requests and renders the answers.
#ifndef PIAO_TOOLS_PIAO_OIV_CMD_H_
#define PIAO_TOOLS_PIAO_OIV_CMD_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "piao/v1/oiv.pb.h"

namespace piao::cli {

struct OivOptions {
  std::string data_dir;
  std::string administration;
  int year = 0;
  bool json = false;
  std::string date;                          // the act's date ("" = today)
  std::string document;                      // a file whose SHA-256 and name the act records
  // validate
  std::string outcome;                       // validated | validated-with-remarks | not-validated
  std::string motivation;
  std::vector<std::string> remarks;          // OBJECTIVE=TEXT
  std::vector<std::string> deviation_remarks;  // OBJECTIVE=TEXT, answering the deviation recorded for it
  // monitoring-report
  std::string period;
  std::string summary;
  std::string addressee;
  // attest
  std::string file;
  // propose-sg-evaluation
  std::string evaluated;
  std::string proposal;
  std::string score;                         // "" = none
  // status
  std::string as_of;
  // deviation record
  std::string objective;
  std::string causes;
  std::string measures;
};

// --outcome's words and back: "validated", "validated-with-remarks", "not-validated" (INVALID_ARGUMENT naming
// --outcome otherwise); every output names an outcome this way ("" for unspecified).
absl::StatusOr<v1::ValidationOutcome> ParseOutcomeFlag(const std::string& text);
std::string OutcomeName(v1::ValidationOutcome outcome);

// "OBJECTIVE=TEXT" flags as remarks (INVALID_ARGUMENT naming `flag` for an item without '=' or a side empty).
absl::StatusOr<std::vector<v1::ObjectiveRemark>> ParseRemarkFlags(const std::vector<std::string>& items,
                                                                  const std::string& flag, bool about_deviation);

// The document's reference (its file name) and SHA-256 of its bytes.
v1::DocumentRef DocumentOf(const std::string& path, const std::string& bytes);

// The grid file of `oiv attest` (strict JSON: duplicate and unknown keys refused naming the path):
//   {"date": "YYYY-MM-DD", "survey_date": "YYYY-MM-DD", "notes": "...",
//    "obligations": [{"obligation", "section", "published", "completeness", "update", "open_format", "notes"}]}
// (TransparencyAttestation's fields; scores are checked by the service). `path` names it in errors.
absl::StatusOr<v1::TransparencyAttestation> ParseAttestationGrid(const std::string& path, const std::string& bytes);

// `oiv status --json`, a stable shape (docs/API.md "piao oiv status --json"):
//   {"administration", "year", "as_of",
//    "validation": null | V, "validations": [V...],
//    "monitoring_reports": [{"number", "period", "date", "addressee", "summary", "remarks", "document", ...R}],
//    "attestation": null | A, "attestations": [A...],
//    "sg_proposal": null | P, "sg_proposals": [P...],
//    "deviations": [D...], "deviation_history": [D...]}
//   V = {"number", "date", "outcome", "motivation", "remarks": [{"objective", "remark", "about_deviation",
//        "deviation_version"}], "document": null | {"reference", "sha256"}, "supersedes", ...R}
//   A = {"number", "date", "survey_date", "notes", "obligations": [{"obligation", "section", "published",
//        "completeness", "update", "open_format", "notes"}], "document", ...R}
//   P = {"number", "date", "evaluated", "proposed_score_pct" (null when none), "proposal", "document", ...R}
//   D = {"objective", "causes", "measures", "date", "version", ...R}
//   R = "actor", "recorded_at" (RFC 3339), "global_position", "superseded"
nlohmann::json OivStatusToJson(const v1::OivStatus& status);
// The same for people: the validation in force with its remarks, then the rest.
std::string RenderOivStatus(const v1::OivStatus& status);

absl::Status RunOivValidate(const OivOptions& options);
absl::Status RunOivMonitoringReport(const OivOptions& options);
absl::Status RunOivAttest(const OivOptions& options);
absl::Status RunOivProposeSgEvaluation(const OivOptions& options);
absl::Status RunOivStatus(const OivOptions& options);
absl::Status RunDeviationRecord(const OivOptions& options);

// GetOivStatus read-your-writes (the year's only plan's administration when none is named).
absl::StatusOr<v1::OivStatus> FetchOivStatus(const std::string& data_dir, const std::string& administration, int year,
                                             const std::string& as_of);

}  // namespace piao::cli

#endif  // PIAO_TOOLS_PIAO_OIV_CMD_H_
