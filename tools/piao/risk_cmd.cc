#include "tools/piao/risk_cmd.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/json_util.h"
#include "libs/base/json_strict.h"
#include "libs/base/legacy_enum.h"
#include "libs/base/sha256.h"
#include "libs/base/status_macros.h"
#include "libs/plan/model.h"
#include "libs/risk/banding.h"
#include "libs/risk/kinds.h"
#include "libs/service/client.h"
#include "libs/service/event_log_client.h"
#include "libs/service/grpc_status.h"
#include "piao/v1/projection.grpc.pb.h"
#include "piao/v1/risk.grpc.pb.h"
#include "libs/risk/register_file.h"
#include "tools/piao/cli_util.h"
#include "tools/piao/stack.h"

namespace piao::cli {
namespace {

using json = nlohmann::json;
using Stub = v1::RiskRegistry::Stub;

constexpr char kFormat[] = "piao-risk-register/1";

absl::Status InFile(const std::string& path, const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat(path, ": ", s.message()));
}


// The RiskRegistry call of each request type a register file stands for.
template <typename Request>
struct RpcOf;
#define PIAO_RPC_OF(Request, Method)                 \
  template <>                                        \
  struct RpcOf<v1::Request> {                        \
    static constexpr auto kMethod = &Stub::Method;   \
  };
PIAO_RPC_OF(DefineAreasRequest, DefineAreas)
PIAO_RPC_OF(DefineSchemeRequest, DefineScheme)
PIAO_RPC_OF(DefineQualitativeMethodRequest, DefineQualitativeMethod)
PIAO_RPC_OF(DefineProcessRequest, DefineProcess)
PIAO_RPC_OF(RecordAssessmentRequest, RecordAssessment)
PIAO_RPC_OF(DefineMeasureRequest, DefineMeasure)
PIAO_RPC_OF(PlanMonitoringRequest, PlanMonitoring)
PIAO_RPC_OF(RecordMonitoringRequest, RecordMonitoring)
PIAO_RPC_OF(SubmitOwnerReportRequest, SubmitOwnerReport)
#undef PIAO_RPC_OF

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Score(const v1::ProcessRating& p) {
  return p.has_score() ? absl::StrFormat("%g", p.score()) : "-";
}

}  // namespace

absl::StatusOr<PreparedRiskImport> PrepareRiskImport(const std::string& path, const std::string& bytes) {
  // Duplicate and unknown keys first, as for every import file (libs/base/json_strict.h).
  absl::StatusOr<json> strict = ParseJsonStrict(bytes, "the risk register");
  if (!strict.ok()) return InFile(path, strict.status());
  if (absl::Status s = CheckKnownFields(*strict, v1::RiskRegisterFile::descriptor(), ""); !s.ok()) return InFile(path, s);
  v1::RiskRegisterFile f;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto parsed = google::protobuf::util::JsonStringToMessage(bytes, &f, options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a risk register file (", kFormat,
                                                   ", docs/RISK_FORMAT.md): ", parsed.ToString()));
  }
  if (f.format() != kFormat) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": format: must be \"", kFormat, "\", got \"", f.format(), "\""));
  }
  if (f.administration().empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": administration: required"));
  if (absl::Status s = CheckYear(f.year()); !s.ok()) return InFile(path, absl::InvalidArgumentError(
                                                                       absl::StrCat("year: ", s.message())));
  // The file's kinds ("kind": "general", "method": "product", ...) as the enums the services take.
  if (absl::Status s = risk::RiskKinds().Normalise(&f); !s.ok()) return InFile(path, s);
  const std::string correlation = absl::StrCat("risk-import:", ToHex(Sha256({bytes})).substr(0, 16));
  PreparedRiskImport out;
  out.administration = f.administration();
  out.year = f.year();
  // A file that defines the catalogue is self-contained: the service decides it end to end (ValidateRegister)
  // before anything is written. A file adding facts to a register already stored is checked command by command.
  out.self_contained = f.areas_size() > 0;
  PIAO_RETURN_IF_ERROR(risk::ForEachRegisterCommand(
      f, [&](const std::string& what, const std::string& kind, auto request) -> absl::Status {
        request.mutable_meta()->set_idempotency_key(NewCommandKey("risk-" + kind));
        request.mutable_meta()->set_correlation_id(correlation);
        out.commands.push_back(RiskCommand{
            what, [request](Stub& stub, grpc::ClientContext* ctx, v1::RiskCommandResponse* resp) {
              return (stub.*RpcOf<decltype(request)>::kMethod)(ctx, request, resp);
            }});
        return absl::OkStatus();
      }));
  out.file = std::move(f);
  return out;
}

json RiskMapToJson(const v1::RiskMap& map) {
  json processes = json::array();
  for (const v1::ProcessRating& p : map.processes()) {
    const bool rated = !p.level().empty();
    processes.push_back({{"code", p.code()},
                         {"area", p.area()},
                         {"score", p.has_score() ? json(p.score()) : json(nullptr)},
                         {"level", rated ? json(p.level()) : json(nullptr)},
                         {"scheme", rated ? json(p.scheme()) : json(nullptr)}});
  }
  json overdue = json::array();
  for (const v1::MeasureStatus& m : map.measures_overdue()) {
    overdue.push_back({{"code", m.code()},
                       {"title", m.title()},
                       {"owner", m.owner()},
                       {"deadline", m.deadline()},
                       {"processes", json(std::vector<std::string>(m.processes().begin(), m.processes().end()))},
                       {"last_outcome", OrNull(EnumText(m.last_outcome_kind()))}});
  }
  return {{"processes", std::move(processes)}, {"measures_overdue", std::move(overdue)}};
}

std::string RenderRiskMap(const v1::RiskMap& map) {
  std::string out = absl::StrCat("Registro del rischio ", map.administration(), " ", map.year(), " (as of ",
                                 map.as_of_date().empty() ? "latest" : map.as_of_date(), ")\n\n");
  absl::StrAppend(&out, absl::StrFormat("%-10s %-4s %-7s %-20s %-16s %s\n", "process", "area", "score", "level",
                                        "scheme", "assessed"));
  for (const v1::ProcessRating& p : map.processes()) {
    absl::StrAppend(&out, absl::StrFormat("%-10s %-4s %-7s %-20s %-16s %s\n", p.code(), p.area(), Score(p),
                                          p.level().empty() ? "not assessed" : p.level(),
                                          p.level().empty() ? "-" : risk::SchemeRef(p.scheme(), p.scheme_version()),
                                          p.assessed_on().empty() ? "-" : p.assessed_on()));
  }
  absl::StrAppend(&out, "\nBy area and band\n");
  for (const v1::AreaBandCount& c : map.by_area()) {
    absl::StrAppend(&out, "  ", c.area(), " ", c.area_name(), ": ", c.processes(), " ",
                    c.level().empty() ? "not assessed" : c.level(), "\n");
  }
  absl::StrAppend(&out, "\nMeasures overdue on ", map.overdue_on(), "\n");
  if (map.measures_overdue_size() == 0) absl::StrAppend(&out, "  none\n");
  for (const v1::MeasureStatus& m : map.measures_overdue()) {
    absl::StrAppend(&out, "  ", m.code(), "  due ", m.deadline(), "  ", m.owner(), "  ", m.title(), "\n");
  }
  return out;
}

json RiskReportToJson(const v1::RiskReport& r) {
  json measures = json::array();
  for (const v1::MeasureStatus& m : r.measure_statuses()) {
    const bool linked = m.performance_in_plan();
    measures.push_back({{"code", m.code()},
                        {"kind", EnumText(m.measure_kind())},
                        {"owner", m.owner()},
                        {"deadline", m.deadline()},
                        {"status", EnumText(m.measure_state())},
                        {"implemented_on", OrNull(m.implemented_on())},
                        {"last_monitored_on", OrNull(m.last_monitored_on())},
                        {"planned", m.planned()},
                        {"performance_indicator", OrNull(m.performance_indicator())},
                        {"performance_objective", linked ? json(m.performance_objective()) : json(nullptr)},
                        {"performance_grade_pct", linked && m.has_performance_grade_pct()
                                                      ? json(m.performance_grade_pct())
                                                      : json(nullptr)}});
  }
  json owners = json::array();
  for (const v1::OwnerReportStatus& o : r.owner_reports()) {
    owners.push_back({{"owner", o.owner()}, {"submitted", o.submitted()}, {"date", OrNull(o.date())}});
  }
  return {{"administration", r.administration()},
          {"year", r.year()},
          {"as_of", r.as_of_date()},
          {"processes", r.processes()},
          {"processes_assessed", r.processes_assessed()},
          {"measures", r.measures()},
          {"implemented", r.implemented()},
          {"overdue", r.overdue()},
          {"pending", r.pending()},
          {"planned", r.planned()},
          {"monitored", r.monitored()},
          {"not_monitored", r.not_monitored()},
          {"coverage_pct", r.coverage_pct()},
          {"measures_detail", std::move(measures)},
          {"owner_reports", std::move(owners)}};
}

std::string RenderRiskReport(const v1::RiskReport& r) {
  std::string out = absl::StrCat("Relazione annuale RPCT ", r.administration(), " ", r.year(), " (as of ",
                                 r.as_of_date(), ")\n\n");
  absl::StrAppend(&out, "Processes           ", r.processes(), " (", r.processes_assessed(), " assessed)\n");
  absl::StrAppend(&out, "Measures            ", r.measures(), "\n");
  absl::StrAppend(&out, "  implemented       ", r.implemented(), "\n");
  absl::StrAppend(&out, "  overdue           ", r.overdue(), "\n");
  absl::StrAppend(&out, "  pending           ", r.pending(), "\n");
  absl::StrAppend(&out, "Monitoring plan     ", r.planned(), " measures, ", r.monitored(), " monitored, ",
                  r.not_monitored(), " not monitored (coverage ", absl::StrFormat("%.2f %%", r.coverage_pct()),
                  ")\n\nMeasures\n");
  for (const v1::MeasureStatus& m : r.measure_statuses()) {
    absl::StrAppend(&out, absl::StrFormat("  %-8s %-9s %-12s due %s%s%s\n", m.code(), EnumText(m.measure_kind()),
                                          EnumText(m.measure_state()),
                                          m.deadline(),
                                          m.implemented_on().empty() ? "" : ", implemented " + m.implemented_on(),
                                          m.planned() ? (m.last_monitored_on().empty() ? ", NOT MONITORED"
                                                                                       : ", monitored " +
                                                                                             m.last_monitored_on())
                                                      : ""));
  }
  bool any_link = false;
  for (const v1::MeasureStatus& m : r.measure_statuses()) {
    if (m.performance_indicator().empty()) continue;
    if (!any_link) absl::StrAppend(&out, "\nMeasures scored in the performance plan\n");
    any_link = true;
    absl::StrAppend(&out, "  ", m.code(), " -> ", m.performance_indicator());
    if (!m.performance_in_plan()) {
      absl::StrAppend(&out, ": not in the performance plan\n");
    } else {
      absl::StrAppend(&out, " (", m.performance_objective(), "): grade ",
                      m.has_performance_grade_pct() ? absl::StrFormat("%.2f %%", m.performance_grade_pct())
                                                    : std::string("none yet"),
                      "\n");
    }
  }
  absl::StrAppend(&out, "\nDirigenti's reports to the RPCT\n");
  for (const v1::OwnerReportStatus& o : r.owner_reports()) {
    absl::StrAppend(&out, "  ", o.owner(), ": ", o.submitted() ? "submitted " + o.date() : "missing", "\n");
  }
  return out;
}

json ProcessHistoryToJson(const v1::ProcessHistory& h) {
  json ratings = json::array();
  for (const v1::ProcessRating& p : h.ratings()) {
    ratings.push_back({{"assessed_on", p.assessed_on()},
                       {"method", EnumText(p.rating_method())},
                       {"scheme", p.scheme()},
                       {"scheme_version", p.scheme_version()},
                       {"score", p.has_score() ? json(p.score()) : json(nullptr)},
                       {"level", p.level()},
                       {"highest_event", p.highest_event()},
                       {"motivation", p.motivation()},
                       {"actor", p.actor()}});
  }
  return {{"process", h.process().code()}, {"area", h.process().area()}, {"ratings", std::move(ratings)}};
}

absl::Status RunRiskImport(const RiskOptions& o) {
  if (o.file.empty()) return absl::InvalidArgumentError("risk import: a FILE is required");
  PIAO_ASSIGN_OR_RETURN(std::string bytes, ReadFile(o.file));
  PIAO_ASSIGN_OR_RETURN(PreparedRiskImport prepared, PrepareRiskImport(o.file, bytes));
  PIAO_ASSIGN_OR_RETURN(ServiceConnection conn, Connect(o.data_dir, "risk"));
  auto stub = v1::RiskRegistry::NewStub(conn.channel);
  if (prepared.self_contained) {
    v1::ValidateRegisterRequest validate;
    *validate.mutable_file() = prepared.file;
    v1::ValidateRegisterResponse checked;
    grpc::ClientContext ctx;
    service::PrepareContext(&ctx, conn.token, absl::Seconds(30));
    absl::Status s = service::FromGrpcStatus(stub->ValidateRegister(&ctx, validate, &checked));
    if (!s.ok()) return absl::Status(s.code(), absl::StrCat(o.file, ": ", s.message()));
  }
  int written = 0, unchanged = 0, duplicates = 0;
  for (const RiskCommand& c : prepared.commands) {
    grpc::ClientContext ctx;
    service::PrepareContext(&ctx, conn.token, absl::Seconds(30));
    v1::RiskCommandResponse resp;
    absl::Status s = service::FromGrpcStatus(c.send(*stub, &ctx, &resp));
    if (!s.ok()) return absl::Status(s.code(), absl::StrCat(o.file, ": ", c.what, ": ", s.message()));
    if (resp.ack().duplicate()) {
      ++duplicates;
    } else if (resp.ack().global_position() == 0) {
      ++unchanged;
    } else {
      ++written;
    }
  }
  if (o.json) {
    std::printf("%s\n", json{{"file", o.file},
                             {"administration", prepared.administration},
                             {"year", prepared.year},
                             {"commands", prepared.commands.size()},
                             {"written", written},
                             {"unchanged", unchanged},
                             {"duplicates", duplicates}}
                            .dump()
                            .c_str());
  } else {
    std::printf("%s: %zu commands for %s %d: %d written, %d unchanged, %d already imported\n", o.file.c_str(),
                prepared.commands.size(), prepared.administration.c_str(), prepared.year, written, unchanged,
                duplicates);
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::RiskMap> FetchRiskMap(const RiskOptions& o) {
  PIAO_RETURN_IF_ERROR(CheckYear(o.year));
  PIAO_RETURN_IF_ERROR(CheckAsOf(o.as_of));
  if (o.above < 0) return absl::InvalidArgumentError("--above: a severity 0-4 (0 = every process)");
  v1::GetRiskMapRequest req;
  req.set_administration(o.administration);
  req.set_year(o.year);
  req.set_as_of_date(o.as_of);
  // Overdue is judged today unless an as-of date is asked.
  req.set_today(absl::FormatTime("%Y-%m-%d", absl::Now(), absl::UTCTimeZone()));
  req.set_above_severity(static_cast<uint32_t>(o.above));
  v1::RiskMap map;
  PIAO_RETURN_IF_ERROR(QueryProjection(o.data_dir, &v1::RiskViews::Stub::GetRiskMap, req, &map));
  return map;
}

absl::Status RunRiskMap(const RiskOptions& o) {
  PIAO_ASSIGN_OR_RETURN(v1::RiskMap map, FetchRiskMap(o));
  if (o.json) {
    std::printf("%s\n", RiskMapToJson(map).dump().c_str());
  } else {
    std::fputs(RenderRiskMap(map).c_str(), stdout);
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::RiskReport> FetchRiskReport(const RiskOptions& o) {
  PIAO_RETURN_IF_ERROR(CheckYear(o.year));
  PIAO_RETURN_IF_ERROR(CheckAsOf(o.as_of));
  v1::GetRiskReportRequest req;
  req.set_administration(o.administration);
  req.set_year(o.year);
  req.set_as_of_date(o.as_of);
  v1::RiskReport report;
  PIAO_RETURN_IF_ERROR(QueryProjection(o.data_dir, &v1::RiskViews::Stub::GetRiskReport, req, &report));
  return report;
}

absl::Status RunRiskReport(const RiskOptions& o) {
  PIAO_ASSIGN_OR_RETURN(v1::RiskReport report, FetchRiskReport(o));
  if (o.json) {
    std::printf("%s\n", RiskReportToJson(report).dump().c_str());
  } else {
    std::fputs(RenderRiskReport(report).c_str(), stdout);
  }
  return absl::OkStatus();
}

absl::Status RunRiskHistory(const RiskOptions& o) {
  PIAO_RETURN_IF_ERROR(CheckYear(o.year));
  if (o.process.empty()) return absl::InvalidArgumentError("--process: the process code is required");
  v1::GetProcessHistoryRequest req;
  req.set_administration(o.administration);
  req.set_year(o.year);
  req.set_process(o.process);
  v1::ProcessHistory history;
  PIAO_RETURN_IF_ERROR(QueryProjection(o.data_dir, &v1::RiskViews::Stub::GetProcessHistory, req, &history));
  if (o.json) {
    std::printf("%s\n", ProcessHistoryToJson(history).dump().c_str());
  } else {
    std::printf("%s %s (area %s, owner %s)\n", history.process().code().c_str(), history.process().name().c_str(),
                history.process().area().c_str(), history.process().owner().c_str());
    for (const v1::ProcessRating& p : history.ratings()) {
      std::printf("  %s  %-12s %-16s score %-6s %s  (highest: %s; by %s)\n", p.assessed_on().c_str(),
                  EnumText(p.rating_method()).c_str(), risk::SchemeRef(p.scheme(), p.scheme_version()).c_str(), Score(p).c_str(),
                  p.level().c_str(), p.highest_event().c_str(), p.actor().c_str());
    }
  }
  return absl::OkStatus();
}

}  // namespace piao::cli
