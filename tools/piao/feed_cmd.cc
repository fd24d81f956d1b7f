#include "tools/piao/feed_cmd.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "libs/base/sha256.h"
#include "libs/base/legacy_enum.h"
#include "libs/base/status_macros.h"
#include "libs/service/client.h"
#include "libs/service/event_log_client.h"
#include "libs/service/grpc_status.h"
#include "piao/v1/feeds.grpc.pb.h"
#include "piao/v1/planning.grpc.pb.h"
#include "piao/v1/projection.grpc.pb.h"
#include "tools/piao/audit_cmd.h"
#include "tools/piao/cli_util.h"
#include "tools/piao/stack.h"

namespace piao::cli {
namespace {

using json = nlohmann::json;

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot read the file"));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// RFC 3339 UTC, "" when unset.
std::string Rfc3339(const google::protobuf::Timestamp& t) {
  const json j = TimestampJson(t);
  return j.is_null() ? std::string() : j.get<std::string>();
}

json KeyJson(const v1::ObjectiveKey& k) { return {{"level", ObjectiveLevelName(k.level_kind())}, {"code", k.code()}, {"scope", k.scope()}}; }


}  // namespace

v1::SubmitBatchRequest BatchRequest(const feed::Batch& batch, const std::string& administration) {
  v1::SubmitBatchRequest r;
  r.mutable_meta()->set_idempotency_key(NewCommandKey("feed"));
  r.mutable_meta()->set_correlation_id(absl::StrCat("feed:", batch.checksum.substr(0, 16)));
  r.set_administration(administration);
  r.set_batch_id(batch.batch_id);
  r.set_feed_kind(batch.kind == feed::Kind::kAccounting ? v1::FEED_KIND_ACCOUNTING : v1::FEED_KIND_INFOCAMERE);
  r.set_checksum(batch.checksum);
  r.set_source(batch.source);
  for (const feed::Row& row : batch.rows) {
    v1::VariableValue* v = r.add_values();
    v->set_variable(row.variable);
    v->set_period(row.period);
    v->set_value(row.value);
    v->set_unit(row.unit);
    v->set_row(static_cast<uint32_t>(row.line));
    v->set_source_code(row.source_code);
    v->set_label(row.label);
    v->set_extraction_id(row.extraction_id);
  }
  return r;
}

absl::StatusOr<ComputedYear> ComputeFormulaActuals(const std::string& data_dir, const std::string& administration,
                                                   int year, uint64_t covering_plan_version) {
  ComputedYear out;
  out.year = year;
  v1::ComputeActualsRequest req;
  req.set_administration(administration);
  req.set_year(year);
  req.set_covering_plan_version(covering_plan_version);
  PIAO_ASSIGN_OR_RETURN(ServiceConnection measurement, Connect(data_dir, "measurement"));
  auto feeds = v1::Feeds::NewStub(measurement.channel);
  v1::ComputeActualsResponse resp;
  grpc::ClientContext ctx;
  service::PrepareContext(&ctx, measurement.token, absl::Minutes(1));
  PIAO_RETURN_IF_ERROR(service::FromGrpcStatus(feeds->ComputeActuals(&ctx, req, &resp)));
  out.results.assign(resp.results().begin(), resp.results().end());
  return out;
}

namespace {
json ResultsJson(const ComputedYear& y, int* computed) {
  json actuals = json::array();
  for (const v1::ComputedActualResult& a : y.results) {
    const v1::ComputeOutcome o = a.outcome_kind();
    const bool wrote = o == v1::COMPUTE_OUTCOME_RECORDED || o == v1::COMPUTE_OUTCOME_RECOMPUTED;
    *computed += wrote;
    const bool has_value = wrote || o == v1::COMPUTE_OUTCOME_UNCHANGED;
    actuals.push_back({{"year", y.year},
                       {"objective", KeyJson(a.objective())},
                       {"indicator", a.indicator()},
                       {"period", a.period()},
                       {"outcome", EnumText(o)},
                       {"value", has_value ? json(a.value()) : json(nullptr)},
                       {"actual_id", a.actual_id().empty() ? json(nullptr) : json(a.actual_id())},
                       {"reason", a.reason().empty() ? json(nullptr) : json(a.reason())}});
  }
  return actuals;
}
}  // namespace

void ComputeAfterPlanChange(const std::string& data_dir, const std::string& administration, int year,
                            uint64_t plan_version, bool as_json) {
  absl::StatusOr<ComputedYear> c = ComputeFormulaActuals(data_dir, administration, year, plan_version);
  if (c.status().code() == absl::StatusCode::kPermissionDenied) {
    // A planner-only token may not ask; the measurement service computes the plan's formulas by itself.
    std::fprintf(stderr,
                 "piao: the plan was written; the measurement service computes its formulas by itself (this token "
                 "may not see the result: %s)\n"
                 "      to see them now, someone with the role feed, measurer or admin runs: piao feed compute "
                 "--year %d --administration %s\n",
                 std::string(c.status().message()).c_str(), year, administration.c_str());
    return;
  }
  if (!c.ok()) {
    std::fprintf(stderr,
                 "piao: the plan was written, but asking for its computed actuals failed: %s\n"
                 "      (the measurement service retries by itself; to ask again: piao feed compute --year %d "
                 "--administration %s)\n",
                 c.status().ToString().c_str(), year, administration.c_str());
    return;
  }
  if (!as_json) std::fputs(RenderComputed(*c).c_str(), stdout);
}

absl::Status RunFeedCompute(const FeedComputeOptions& o) {
  if (o.year < 2000 || o.year > 2999) {
    return absl::InvalidArgumentError(absl::StrCat("--year: must be a four-digit plan year, got ", o.year));
  }
  const std::string admin = o.administration.empty() ? "default" : o.administration;
  PIAO_ASSIGN_OR_RETURN(ComputedYear c, ComputeFormulaActuals(o.data_dir, admin, o.year));
  if (o.json) {
    int computed = 0;
    json actuals = ResultsJson(c, &computed);
    std::printf("%s\n", json{{"year", o.year}, {"administration", admin}, {"computed_actuals", computed},
                             {"actuals", actuals}}
                            .dump()
                            .c_str());
  } else {
    const std::string text = RenderComputed(c);
    std::fputs(text.empty() ? absl::StrCat("no formulas in the plan ", admin, "/", o.year, "\n").c_str() : text.c_str(),
               stdout);
  }
  return absl::OkStatus();
}

bool HasFormulas(const v1::AdoptObjectivesRequest& adopt) {
  for (const v1::ObjectiveDefinition& o : adopt.objectives()) {
    for (const v1::IndicatorDefinition& i : o.indicators()) {
      if (!i.formula().empty()) return true;
    }
  }
  return false;
}

std::string RenderComputed(const ComputedYear& c) {
  if (c.results.empty()) return "";
  std::map<v1::ComputeOutcome, int> n;
  for (const v1::ComputedActualResult& a : c.results) n[a.outcome_kind()]++;
  return absl::StrCat("computed actuals ", c.year, ": ", n[v1::COMPUTE_OUTCOME_RECORDED], " recorded, ",
                      n[v1::COMPUTE_OUTCOME_RECOMPUTED], " recomputed, ", n[v1::COMPUTE_OUTCOME_UNCHANGED],
                      " unchanged, ", n[v1::COMPUTE_OUTCOME_NOT_COMPUTABLE], " not computable, ",
                      n[v1::COMPUTE_OUTCOME_WAITING], " waiting for data\n");
}

std::string RenderFeedImport(const FeedImportResult& r) {
  int recorded = 0, recomputed = 0, unchanged = 0, not_computable = 0, waiting = 0;
  std::string details;
  for (const ComputedYear& y : r.computed) {
    for (const v1::ComputedActualResult& a : y.results) {
      const v1::ComputeOutcome o = a.outcome_kind();
      recorded += o == v1::COMPUTE_OUTCOME_RECORDED;
      recomputed += o == v1::COMPUTE_OUTCOME_RECOMPUTED;
      unchanged += o == v1::COMPUTE_OUTCOME_UNCHANGED;
      not_computable += o == v1::COMPUTE_OUTCOME_NOT_COMPUTABLE;
      waiting += o == v1::COMPUTE_OUTCOME_WAITING;
      const std::string where = absl::StrCat(y.year, " ", a.objective().code(), "/", a.indicator(), " ", a.period());
      if (o == v1::COMPUTE_OUTCOME_RECORDED || o == v1::COMPUTE_OUTCOME_RECOMPUTED) {
        absl::StrAppend(&details, "  ", EnumText(o), " ", where, " = ", absl::StrFormat("%.4g", a.value()), " (", a.actual_id(),
                        ")", a.reason().empty() ? "" : ": " + a.reason(), "\n");
      } else if (o == v1::COMPUTE_OUTCOME_NOT_COMPUTABLE) {
        absl::StrAppend(&details, "  not computable ", where, ": ", a.reason(), "\n");
      }
    }
  }
  const v1::SubmitBatchResponse& s = r.submitted;
  std::string head = absl::StrCat(
      "feed ", r.file, " (", feed::KindName(r.kind), ", batch ", r.batch_id, ", ", r.administration, "): ", s.rows(),
      " rows, ", s.variables(), " variables",
      s.duplicate() ? " (batch already recorded, nothing new)"
                    : absl::StrCat(" (", s.values_new(), " new, ", s.values_corrected(), " corrected, ",
                                   s.values_unchanged(), " unchanged)"),
      "; computed actuals: ", recorded + recomputed, " (", recorded, " recorded, ", recomputed, " recomputed), ",
      unchanged, " unchanged, ", not_computable, " not computable, ", waiting, " waiting for data\n");
  return head + details;
}

json FeedImportToJson(const FeedImportResult& r) {
  json actuals = json::array();
  int computed = 0;
  for (const ComputedYear& y : r.computed) {
    for (json& a : ResultsJson(y, &computed)) actuals.push_back(std::move(a));
  }
  const v1::SubmitBatchResponse& s = r.submitted;
  return {{"file", r.file},
          {"kind", std::string(feed::KindName(r.kind))},
          {"batch_id", r.batch_id},
          {"checksum", r.checksum},
          {"administration", r.administration},
          {"duplicate", s.duplicate()},
          {"rows", s.rows()},
          {"variables", s.variables()},
          {"values_new", s.values_new()},
          {"values_corrected", s.values_corrected()},
          {"values_unchanged", s.values_unchanged()},
          {"computed_actuals", computed},
          {"actuals", actuals}};
}

absl::Status RunFeedImport(const FeedImportOptions& o) {
  PIAO_ASSIGN_OR_RETURN(feed::Kind kind, feed::ParseKind(o.kind));
  if (o.file.empty()) return absl::InvalidArgumentError("feed import: name the feed FILE");
  PIAO_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(o.file));
  feed::ParseOptions po;
  po.file = o.file;
  po.batch_id = o.batch_id;
  feed::Mapping mapping;
  if (!o.mapping.empty()) {
    PIAO_ASSIGN_OR_RETURN(po.mapping_bytes, ReadWholeFile(o.mapping));
    PIAO_ASSIGN_OR_RETURN(mapping, feed::ParseMapping(po.mapping_bytes, o.mapping));
    po.mapping = &mapping;
  } else if (kind == feed::Kind::kAccounting) {
    return absl::InvalidArgumentError("--mapping: an accounting feed needs its mapping file (item_code,variable,unit)");
  }
  PIAO_ASSIGN_OR_RETURN(feed::Batch batch, feed::ParseBatch(kind, bytes, po));
  const std::string admin = o.administration.empty() ? "default" : o.administration;
  ProgressBar progress("feed import", batch.rows.size() + 1, ProgressWanted(o.json));
  progress.Advance(batch.rows.size(), absl::StrCat(batch.rows.size(), " rows validated"));

  FeedImportResult result;
  result.file = o.file;
  result.kind = kind;
  result.batch_id = batch.batch_id;
  result.checksum = batch.checksum;
  result.administration = admin;
  {
    const v1::SubmitBatchRequest request = BatchRequest(batch, admin);
    // The measurement service refuses a batch larger than one event may be, naming the limit (split the file
    // into batches with their own --batch-id).
    PIAO_ASSIGN_OR_RETURN(ServiceConnection measurement, Connect(o.data_dir, "measurement"));
    auto feeds = v1::Feeds::NewStub(measurement.channel);
    grpc::ClientContext ctx;
    service::PrepareContext(&ctx, measurement.token, absl::Minutes(2));
    absl::Status s = service::FromGrpcStatus(feeds->SubmitBatch(&ctx, request, &result.submitted));
    if (!s.ok()) return absl::Status(s.code(), absl::StrCat(o.file, ": ", s.message()));
  }
  progress.Advance(1, "batch recorded, its plan years computed");
  // The service recomputed the plan years the batch touches before answering (SubmitBatch).
  for (const v1::ComputedYear& y : result.submitted.computed()) {
    result.computed.push_back(ComputedYear{y.year(), {y.results().begin(), y.results().end()}});
  }
  if (!result.submitted.compute_pending().empty()) {
    std::fprintf(stderr, "piao: the batch is recorded; computing its actuals is pending: %s\n",
                 result.submitted.compute_pending().c_str());
  }
  if (o.json) {
    std::printf("%s\n", FeedImportToJson(result).dump().c_str());
  } else {
    std::fputs(RenderFeedImport(result).c_str(), stdout);
  }
  return absl::OkStatus();
}

json LineageToJson(const v1::Lineage& l) {
  const v1::ObjectiveKey& key = l.objective();
  const v1::ObjectiveScore& objective = l.objective_score();
  const v1::IndicatorScore& indicator = l.indicator();
  auto num = [](bool has, double v) { return has ? json(v) : json(nullptr); };
  json out = {{"year", l.year()},
              {"administration", l.administration()},
              {"objective",
               {{"level", ObjectiveLevelName(key.level_kind())},
                {"code", key.code()},
                {"scope", key.scope()},
                {"score_pct", num(objective.has_score_pct(), objective.score_pct())},
                {"label", objective.label()}}},
              {"indicator",
               {{"code", indicator.code()},
                {"grade_pct", num(indicator.has_grade_pct(), indicator.grade_pct())},
                {"how", indicator.how()},
                {"target", TargetJson(indicator.target())},
                {"threshold", ThresholdJson(indicator)},
                {"weight_pct", num(indicator.has_weight_pct(), indicator.weight_pct())}}}};
  out["actual"] = nullptr;
  out["formula"] = nullptr;
  out["inputs"] = json::array();
  out["batches"] = json::array();
  out["earlier_actuals"] = json::array();
  if (!l.has_actual()) return out;
  const v1::ActualVersion& current = l.actual();
  out["actual"] = {{"actual_id", current.actual_id()},
                   {"period", current.period()},
                   {"value", ValueJson(current)},
                   {"source", current.source()},
                   {"corrects", current.corrects().empty() ? json(nullptr) : json(current.corrects())},
                   {"reason", current.reason()},
                   {"actor", current.actor()},
                   {"recorded_at", Rfc3339(current.recorded_at())}};
  for (const v1::ActualVersion& a : l.earlier_actuals()) {
    out["earlier_actuals"].push_back({{"actual_id", a.actual_id()},
                                      {"value", ValueJson(a)},
                                      {"reason", a.reason()},
                                      {"recorded_at", Rfc3339(a.recorded_at())}});
  }
  if (!current.has_computation()) return out;
  const v1::Computation& c = current.computation();
  json version = nullptr;
  if (l.has_formula_version()) {
    const v1::IndicatorVersion& since = l.formula_version();
    version = {{"change", AuditChangeName(since.change_kind())},
               {"act", since.act().text()},
               {"effective_date", since.effective_date()},
               {"global_position", since.global_position()},
               {"actor", since.actor()},
               {"recorded_at", Rfc3339(since.recorded_at())}};
  }
  out["formula"] = {{"text", c.formula()}, {"plan_version", c.plan_version()}, {"version", version}};
  for (const v1::ComputationInput& in : c.inputs()) {
    const v1::VariableValue& v = in.value();
    out["inputs"].push_back({{"variable", in.variable()},
                             {"lag", in.lag()},
                             {"period", v.period()},
                             {"value", v.value()},
                             {"unit", v.unit()},
                             {"batch_id", v.batch_id()},
                             {"row", v.row()},
                             {"source_code", v.source_code()},
                             {"label", v.label()},
                             {"extraction_id", v.extraction_id()}});
  }
  for (const v1::BatchSummary& b : l.batches()) {
    out["batches"].push_back({{"batch_id", b.batch_id()},
                              {"kind", FeedKindName(b.feed_kind())},
                              {"source", b.source()},
                              {"checksum", b.checksum()},
                              {"rows", b.rows()},
                              {"actor", b.actor()},
                              {"global_position", b.global_position()}});
  }
  return out;
}

std::string RenderLineage(const json& l) {
  auto text = [](const json& j) -> std::string {
    if (j.is_null()) return "none";
    if (j.is_string()) return j.get<std::string>();
    if (j.is_number()) return absl::StrFormat("%.6g", j.get<double>());
    // A measured value {"value", "unit"} or a target {"op", "value", "unit"}: as people write them.
    if (j.is_object() && j.contains("value") && j["value"].is_number()) {
      return absl::StrCat(j.contains("op") ? j["op"].get<std::string>() + " " : "",
                          absl::StrFormat("%.6g", j["value"].get<double>()),
                          j.contains("unit") ? " " + j["unit"].get<std::string>() : "");
    }
    return j.dump();
  };
  const json& o = l["objective"];
  const json& i = l["indicator"];
  std::string out = absl::StrCat("lineage of ", text(i["code"]), " (objective ", text(o["code"]), ", ",
                                 text(l["administration"]), "/", l["year"].dump(), ")\n");
  absl::StrAppend(&out, "  score     objective ", text(o["code"]), ": ", text(o["score_pct"]), " %, ", text(o["label"]),
                  "\n");
  absl::StrAppend(&out, "  ← grade   ", text(i["code"]), ": ", text(i["grade_pct"]), " % (", text(i["how"]), "), target ", text(i["target"]),
                  ", threshold ", text(i["threshold"]), ", weight ", text(i["weight_pct"]), " %\n");
  if (l["actual"].is_null()) {
    absl::StrAppend(&out, "  ← actual  none recorded\n");
    return out;
  }
  const json& a = l["actual"];
  absl::StrAppend(&out, "  ← actual  ", text(a["actual_id"]), " ", text(a["period"]), " = ", text(a["value"]),
                  ", recorded ", text(a["recorded_at"]), " by ", text(a["actor"]),
                  a["corrects"].is_null() ? "" : absl::StrCat(", corrects ", text(a["corrects"])),
                  a["reason"].get<std::string>().empty() ? "" : absl::StrCat(" (", text(a["reason"]), ")"), "\n");
  for (const json& e : l["earlier_actuals"]) {
    absl::StrAppend(&out, "            earlier ", text(e["actual_id"]), " = ", text(e["value"]), " (",
                    text(e["recorded_at"]), ")\n");
  }
  if (l["formula"].is_null()) {
    absl::StrAppend(&out, "  (typed, not computed: source ", text(a["source"]), ")\n");
    return out;
  }
  const json& f = l["formula"];
  absl::StrAppend(&out, "  ← formula ", text(f["text"]), " (plan version ", f["plan_version"].dump(), ")\n");
  if (!f["version"].is_null()) {
    const json& v = f["version"];
    absl::StrAppend(&out, "            version: ", text(v["change"]), " under ", text(v["act"]), ", effective ",
                    text(v["effective_date"]), " (planning position ", v["global_position"].dump(), ", ",
                    text(v["actor"]), ")\n");
  }
  for (const json& in : l["inputs"]) {
    absl::StrAppend(&out, "  ← ", text(in["variable"]), in["lag"].get<int>() ? absl::StrCat(" (prev ", in["lag"].dump(), ")") : "",
                    " ", text(in["period"]), " = ", absl::StrFormat("%g", in["value"].get<double>()), " ",
                    text(in["unit"]), "  ← batch ", text(in["batch_id"]), " row ", in["row"].dump(), " (",
                    text(in["source_code"]), in["label"].get<std::string>().empty() ? "" : " " + text(in["label"]),
                    ")\n");
  }
  for (const json& b : l["batches"]) {
    absl::StrAppend(&out, "  batch ", text(b["batch_id"]), ": ", text(b["kind"]), " feed ", text(b["source"]), ", ",
                    b["rows"].dump(), " rows, sha256 ", text(b["checksum"]), ", by ", text(b["actor"]),
                    " (measurement position ", b["global_position"].dump(), ")\n");
  }
  return out;
}

absl::Status RunLineage(const LineageOptions& o) {
  PIAO_RETURN_IF_ERROR(CheckYear(o.year));
  if (o.objective.empty()) return absl::InvalidArgumentError("--objective: the objective code is required");
  if (o.indicator.empty()) return absl::InvalidArgumentError("--indicator: the indicator code is required");
  v1::GetLineageRequest req;
  req.set_administration(o.administration);
  req.set_year(o.year);
  req.set_objective(o.objective);
  req.set_indicator(o.indicator);
  PIAO_ASSIGN_OR_RETURN(const v1::ObjectiveLevel level, ParseLevelFlag(o.level));
  req.set_level_kind(level);
  req.set_scope(o.scope);
  v1::Lineage lineage;
  PIAO_RETURN_IF_ERROR(QueryProjection(o.data_dir, &v1::Projection::Stub::GetLineage, req, &lineage));
  const json j = LineageToJson(lineage);
  if (o.json) {
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::fputs(RenderLineage(j).c_str(), stdout);
  }
  return absl::OkStatus();
}

}  // namespace piao::cli
