// Small pieces every `piao` command shares: JSON helpers for the SCHEMA.md texts the projection answers
// with, read-your-writes heads, flag checks, terminal detection and a progress bar.
#ifndef PIAO_TOOLS_PIAO_CLI_UTIL_H_
#define PIAO_TOOLS_PIAO_CLI_UTIL_H_

#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/timestamp.pb.h"
#include "libs/base/status_macros.h"
#include "libs/service/client.h"
#include "libs/service/grpc_status.h"
#include "piao/v1/projection.grpc.pb.h"
#include "tools/piao/stack.h"

namespace piao::cli {

// A SCHEMA.md JSON text as a JSON value: null when empty or "null"; the raw text if it does not parse.
nlohmann::json ParsedOrNull(const std::string& text);
// The string, or null when empty.
nlohmann::json OrNull(const std::string& s);
template <typename T>
nlohmann::json NumberOrNull(bool has, T value) {
  return has ? nlohmann::json(value) : nlohmann::json(nullptr);
}
// RFC 3339 UTC ("2022-09-14T10:00:00Z"), null when unset.
nlohmann::json TimestampJson(const google::protobuf::Timestamp& t);
std::string TimestampText(const google::protobuf::Timestamp& t);  // "-" when unset

// Short readable forms of SCHEMA.md target / threshold / value texts (">= 85 %", "none").
std::string DescribeTargetJson(const std::string& text);
std::string DescribeThresholdJson(const std::string& text);
std::string DescribeValueJson(const std::string& text);

// A revision's from/to value for people: a target or threshold in short form, a weight "10 %", an indicator
// object "kpi7.1.2_08 — name (>= 20 %)", "—" for none; description fields "name: ...; algorithm: ..."; cut to 80 characters.
std::string DescribeChangeJson(const std::string& text);

// A change's typed value (IndicatorVersion, AuditEntry from/to) in the revisions file's JSON shape
// (plan::ChangedValueToJson), as `history --json` and `audit --json` print "from"/"to"; null when none.
nlohmann::json ChangedJson(const v1::ChangedValue& value);
// DescribeChangeJson of that JSON.
std::string DescribeChange(const v1::ChangedValue& value);

// `s` cut to at most `max_chars` characters (UTF-8 code points), ending in "…" when cut; never splits one.
std::string TruncateUtf8(const std::string& s, size_t max_chars);

// The projection's typed values in the JSON shapes of the plan files (SCHEMA.md), as every --json prints them:
// {"op", "value", "unit"} / {"op": "by_date", "date"} / {"op": "text", "text"} targets, {"value", "unit"} /
// {"date"} soglie and actuals; null when absent (or not representable).
nlohmann::json TargetJson(const v1::Target& target);
nlohmann::json ThresholdJson(const v1::Threshold& threshold);
nlohmann::json ThresholdJson(const v1::IndicatorScore& indicator);  // null when it has none
nlohmann::json ActualJson(const v1::IndicatorScore& indicator);
nlohmann::json ValueJson(const v1::ActualVersion& actual);

// The projection's achievement band as every output names it (--json values, report CSS classes):
// "met", "partly", "missed", "not-measured", "not-scored" ("" when unspecified).
std::string BandName(v1::AchievementBand band);

// --basis: "" or "revised" -> REVISED, "approved" -> APPROVED; INVALID_ARGUMENT naming --basis otherwise.
absl::StatusOr<v1::ScoreBasis> ParseBasisFlag(const std::string& basis);
// A view's basis as every output names it: "approved" or "revised".
std::string BasisName(v1::ScoreBasis basis);
// --level: "" -> UNSPECIFIED (every level), else the level it names; INVALID_ARGUMENT naming --level otherwise.
absl::StatusOr<v1::ObjectiveLevel> ParseLevelFlag(const std::string& level);
// An objective level as every output names it: "strategic", "operational", "individual" ("" for unspecified).
std::string ObjectiveLevelName(v1::ObjectiveLevel level);
// A feed kind as every output names it: "accounting", "infocamere" ("" for unspecified).
std::string FeedKindName(v1::FeedKind kind);

// An input file's keys (strict JSON, libs/base/json_strict.h) against the message it is read into by protobuf's
// JSON reader, with the same path and words as the other import files ("processes[3].risk_events[0].descripton:
// unknown key (expected one of ...)"); protobuf's own reader would refuse it too, naming neither item nor path.
absl::Status CheckKnownFields(const nlohmann::json& j, const google::protobuf::Descriptor* d, const std::string& path);

// INVALID_ARGUMENT naming --year unless 2000-2999.
absl::Status CheckYear(int year);

// A fresh idempotency key for one command ("<kind>:<128 random bits, hex>"). Made once when the command is
// prepared, so a retry of the same call reuses it; a later run of the CLI makes new ones, and the services
// decide "unchanged" against their state (re-running a file is a no-op; a change back to an earlier value is
// stored). Keys are never derived from content: that silently dropped A -> B -> A changes.
std::string NewCommandKey(absl::string_view kind);
// INVALID_ARGUMENT naming --as-of unless empty or a real date YYYY-MM-DD.
absl::Status CheckAsOf(const std::string& as_of);
// An RFC 3339 time for flag `flag`; INVALID_ARGUMENT naming the flag otherwise.
absl::StatusOr<google::protobuf::Timestamp> ParseRfc3339Flag(const std::string& flag, const std::string& text);

// Read-your-writes: each write service's current EventLog head, for consistency.min_positions.
absl::StatusOr<v1::Consistency> CurrentHeads(const std::string& data_dir);

// One query of a service the projection serves (Projection, RiskViews, HrViews), read-your-writes: sets
// `request`'s consistency to every write service's current head, calls `method` with a 60 s deadline and the
// operator's token, fills `response`.
template <typename Stub, typename Request, typename Response>
absl::Status QueryProjection(const std::string& data_dir,
                             grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                             Request request, Response* response) {
  PIAO_ASSIGN_OR_RETURN(*request.mutable_consistency(), CurrentHeads(data_dir));
  PIAO_ASSIGN_OR_RETURN(ServiceConnection projection, Connect(data_dir, "projection"));
  Stub stub(projection.channel);
  grpc::ClientContext ctx;
  service::PrepareContext(&ctx, projection.token, absl::Seconds(60));
  return service::FromGrpcStatus((stub.*method)(&ctx, request, response));
}

// True when stdout is a terminal and NO_COLOR is unset.
bool StdoutIsColorTerminal();

// A one-line progress bar on stderr, drawn only when stderr is a terminal (and never with --json).
class ProgressBar {
 public:
  ProgressBar(std::string label, size_t total, bool enabled);
  ~ProgressBar();
  void Update(size_t done);
  // Moves `n` steps on and names the step now done.
  void Advance(size_t n, const std::string& what);
  void Finish();

 private:
  void Draw(const std::string& what);
  std::string label_;
  size_t total_;
  size_t done_ = 0;
  bool enabled_;
  bool finished_ = false;
  int last_percent_ = -1;
};
// Whether a progress bar should be drawn: stderr is a terminal and the output is not --json.
bool ProgressWanted(bool json);

}  // namespace piao::cli

#endif  // PIAO_TOOLS_PIAO_CLI_UTIL_H_
