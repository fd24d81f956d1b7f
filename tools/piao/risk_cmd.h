// `piao risk ...`: the anti-corruption risk register (docs/RISK_FORMAT.md).
//
//   piao risk import FILE [--data DIR] [--json]
//   piao risk map --year Y [--as-of DATE] [--above SEVERITY] [--administration A] [--data DIR] [--json]
//   piao risk report --year Y [--as-of DATE] [--administration A] [--data DIR] [--json]
//   piao risk history --year Y --process CODE [--administration A] [--data DIR] [--json]
//
// import validates the whole file first (a self-contained file, one with "areas", is decided end to end on an
// empty register before any call), then sends one command per definition/fact in dependency order with
// content-hash idempotency keys, so re-running it is a no-op. The queries read the risk service's head first
// and ask the projection to have applied it (read-your-writes).
#ifndef PIAO_TOOLS_PIAO_RISK_CMD_H_
#define PIAO_TOOLS_PIAO_RISK_CMD_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "piao/v1/projection.pb.h"
#include "piao/v1/risk.grpc.pb.h"

namespace piao::cli {

// One command of an import: what it is (for messages), and how to send it.
struct RiskCommand {
  std::string what;  // "process B.02", "assessment B.02@2022-03-15", ...
  std::function<grpc::Status(v1::RiskRegistry::Stub&, grpc::ClientContext*, v1::RiskCommandResponse*)> send;
};

struct PreparedRiskImport {
  std::string administration;
  int year = 0;
  std::vector<RiskCommand> commands;
  v1::RiskRegisterFile file;
  bool self_contained = false;  // defines its catalogue: validated whole by the service before any write
};

// Parses a register file and checks its shape (`path` names it in errors): strict JSON, known keys, format,
// administration, year. The domain rules are the service's: RunRiskImport has a self-contained file decided
// whole by RiskRegistry.ValidateRegister before sending its commands.
absl::StatusOr<PreparedRiskImport> PrepareRiskImport(const std::string& path, const std::string& bytes);

// {"processes": [{"code", "area", "score", "level", "scheme"}], "measures_overdue": [{"code", "title", "owner",
//  "deadline", "processes", "last_outcome"}]}; score, level and scheme are null for a process not yet assessed
// (score also for a qualitative rating).
nlohmann::json RiskMapToJson(const v1::RiskMap& map);
std::string RenderRiskMap(const v1::RiskMap& map);
// {"administration", "year", "as_of", "processes", "processes_assessed", "measures", "implemented", "overdue",
//  "pending", "planned", "monitored", "not_monitored", "coverage_pct", "measures_detail": [...],
//  "owner_reports": [{"owner", "submitted", "date"}]}; each measure of measures_detail carries its linked
//  "performance_indicator", "performance_objective" and "performance_grade_pct" (null when not linked/scored), as
//  the projection joined them with the year's performance plan.
nlohmann::json RiskReportToJson(const v1::RiskReport& report);
std::string RenderRiskReport(const v1::RiskReport& report);
nlohmann::json ProcessHistoryToJson(const v1::ProcessHistory& history);

struct RiskOptions {
  std::string data_dir;
  std::string administration;
  int year = 0;
  std::string as_of;
  std::string file;
  std::string process;
  int above = 0;
  bool json = false;
};
absl::Status RunRiskImport(const RiskOptions& options);
absl::Status RunRiskMap(const RiskOptions& options);
// What RunRiskMap / RunRiskReport print, fetched read-your-writes (INVALID_ARGUMENT naming a bad flag).
absl::StatusOr<v1::RiskMap> FetchRiskMap(const RiskOptions& options);
absl::StatusOr<v1::RiskReport> FetchRiskReport(const RiskOptions& options);
absl::Status RunRiskReport(const RiskOptions& options);
absl::Status RunRiskHistory(const RiskOptions& options);

}  // namespace piao::cli

#endif  // PIAO_TOOLS_PIAO_RISK_CMD_H_
