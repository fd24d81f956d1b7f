#include "tools/piao/import.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <cctype>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/base/sha256.h"
#include "libs/base/status_macros.h"
#include "libs/plan/plan_json.h"
#include "libs/plan/plan_proto.h"
#include "libs/plan/revision.h"
#include "libs/plan/validate.h"
#include "libs/service/client.h"
#include "libs/service/grpc_status.h"
#include "piao/v1/measurement.grpc.pb.h"
#include "piao/v1/planning.grpc.pb.h"
#include "tools/piao/cli_util.h"
#include "tools/piao/feed_cmd.h"
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

std::string BaseName(const std::string& path) { return std::filesystem::path(path).filename().string(); }

// A status with the file name in front of its message.
absl::Status InFile(const std::string& path, const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat(path, ": ", s.message()));
}

// "<prefix>:<hex sha256 of the parts, each followed by a NUL>" (NULs keep "ab"+"c" apart from "a"+"bc").
std::string ContentKey(const std::string& prefix, std::initializer_list<std::string_view> parts) {
  std::string joined;
  for (std::string_view p : parts) {
    joined.append(p.data(), p.size());
    joined.push_back('\0');
  }
  return absl::StrCat(prefix, ":", ToHex(Sha256({joined})));
}

absl::Status CheckYear(int year, const std::string& what) {
  if (year < 2000 || year > 2999) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": must be a four-digit plan year, got ", year));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ChooseAdministration(const std::optional<std::string>& from_file,
                                                 const std::string& flag) {
  std::string a;
  if (from_file.has_value() && !from_file->empty()) {
    if (!flag.empty() && flag != *from_file) {
      return absl::InvalidArgumentError(absl::StrCat("administration: the file names '", *from_file,
                                                     "' but --administration is '", flag, "'"));
    }
    a = *from_file;
  } else {
    a = flag.empty() ? kDefaultAdministration : flag;
  }
  if (a.find('/') != std::string::npos) return absl::InvalidArgumentError("administration: must not contain '/'");
  return a;
}

template <typename Stub, typename Req, typename Resp>
absl::Status Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*), Stub& stub,
                  const std::string& token, absl::Duration timeout, const Req& req, Resp* resp) {
  grpc::ClientContext ctx;
  service::PrepareContext(&ctx, token, timeout);
  return service::FromGrpcStatus((stub.*method)(&ctx, req, resp));
}

std::string DescribeRef(const v1::ObjectiveKey& k, const std::string& indicator) {
  return absl::StrCat(indicator, " of ", ObjectiveLevelName(k.level_kind()), " objective ", k.code(),
                      k.scope().empty() ? "" : absl::StrCat(" (", k.scope(), ")"));
}

}  // namespace

absl::StatusOr<PreparedImport> PrepareImport(const std::string& path, const std::string& bytes,
                                             const ImportFlags& flags) {
  absl::StatusOr<plan::ParsedPlanFile> parsed = plan::ParsePlanJson(bytes);
  if (!parsed.ok()) return InFile(path, parsed.status());
  const plan::Plan& p = parsed->plan;
  if (absl::Status s = CheckYear(p.year, "year"); !s.ok()) return InFile(path, s);
  if (absl::Status s = plan::ValidatePlan(p); !s.ok()) return InFile(path, s);
  absl::StatusOr<std::string> admin = ChooseAdministration(p.administration, flags.administration);
  if (!admin.ok()) return InFile(path, admin.status());

  // The approval act: the file's, else the flags'.
  const std::string period = flags.period.empty() ? "year-end" : flags.period;
  if (period != "year-end" && !plan::ParseIsoDate(period).ok()) {
    return InFile(path, absl::InvalidArgumentError("--period: '" + period +
                                                   "' is neither year-end nor a monitoring date YYYY-MM-DD"));
  }
  if (flags.act.empty() != flags.act_date.empty()) {
    return absl::InvalidArgumentError("--act and --act-date go together: the act's text and its date");
  }
  std::optional<plan::ApprovalAct> act = p.approval;
  if (!flags.act.empty()) {
    absl::StatusOr<plan::Date> d = plan::ParseIsoDate(flags.act_date);
    if (!d.ok()) return absl::InvalidArgumentError(absl::StrCat("--act-date: ", d.status().message()));
    plan::ApprovalAct from_flags = plan::DescribeAct(flags.act, *d);
    if (act.has_value() && (act->act != from_flags.act || act->date != from_flags.date)) {
      return InFile(path, absl::InvalidArgumentError(absl::StrCat(
                              "approved: the file's act '", act->act, "' differs from --act/--act-date '",
                              flags.act, "' ", flags.act_date)));
    }
    act = from_flags;
  }
  if (act.has_value() && !act->date.has_value()) {
    return InFile(path, absl::InvalidArgumentError("approved.date: the approval act needs its date"));
  }

  PreparedImport out;
  out.file = path;
  const std::string year = absl::StrCat(p.year);
  const std::string act_text = act.has_value() ? act->act : "";
  const std::string act_date = act.has_value() ? plan::FormatIsoDate(*act->date) : "";
  const std::string correlation = ContentKey("import", {bytes}).substr(0, 7 + 16);

  out.adopt_needed = !p.objectives.empty();
  v1::AdoptObjectivesRequest& adopt = out.adopt;
  adopt.mutable_meta()->set_idempotency_key(NewCommandKey("import-adopt"));
  adopt.mutable_meta()->set_correlation_id(correlation);
  adopt.set_administration(*admin);
  adopt.set_year(p.year);
  if (act.has_value()) {
    *adopt.mutable_act() = plan::ToProto(*act);
    adopt.set_effective_date(act_date);
  }
  for (const plan::Objective& o : p.objectives) *adopt.add_objectives() = plan::ToProto(o);

  const std::string source = absl::StrCat("import:", BaseName(path));
  for (const auto& [ref, value] : parsed->actuals) {
    if (const auto* t = std::get_if<plan::Text>(&value); t != nullptr && absl::StripAsciiWhitespace(t->text).empty()) {
      return InFile(path, absl::InvalidArgumentError(absl::StrCat("actual of ", ref.indicator, " of ",
                                                                  plan::DescribeKey(ref.objective),
                                                                  ": a text actual must not be empty")));
    }
    v1::RecordActualRequest r;
    const v1::ObjectiveKey key = plan::ToProto(ref.objective);
    r.mutable_meta()->set_idempotency_key(NewCommandKey("import-actual"));
    r.mutable_meta()->set_correlation_id(correlation);
    r.set_administration(*admin);
    r.set_year(p.year);
    *r.mutable_objective() = key;
    r.set_indicator(ref.indicator);
    r.set_period(period);
    *r.mutable_value() = plan::ToProto(value);
    r.set_source(source);
    out.actuals.push_back(std::move(r));
  }
  return out;
}

std::string RenderImportResult(const ImportResult& r) {
  std::string head = absl::StrCat("import ", r.file, " (", r.administration, "/", r.year, "): ");
  if (r.duplicate) absl::StrAppend(&head, "already imported, nothing new; ");
  return absl::StrCat(head, r.objectives_added, " objectives added, ", r.indicators_added, " indicators added, ",
                      r.descriptions_updated, " descriptions updated, ", r.unchanged, " unchanged, ",
                      r.actuals_recorded, " actuals recorded",
                      r.actuals_unchanged > 0 ? absl::StrCat(" (", r.actuals_unchanged, " already recorded)") : "");
}

json ImportResultsToJson(const std::vector<ImportResult>& results) {
  json files = json::array();
  json total = {{"objectives_added", 0}, {"indicators_added", 0}, {"descriptions_updated", 0},
                {"unchanged", 0},        {"actuals_recorded", 0}, {"actuals_unchanged", 0}};
  for (const ImportResult& r : results) {
    json f = {{"file", r.file},
              {"administration", r.administration},
              {"year", r.year},
              {"duplicate", r.duplicate},
              {"objectives_added", r.objectives_added},
              {"indicators_added", r.indicators_added},
              {"descriptions_updated", r.descriptions_updated},
              {"unchanged", r.unchanged},
              {"actuals_recorded", r.actuals_recorded},
              {"actuals_unchanged", r.actuals_unchanged}};
    for (auto& [k, v] : total.items()) v = v.get<uint64_t>() + f[k].get<uint64_t>();
    files.push_back(std::move(f));
  }
  json out = total;
  out["files"] = std::move(files);
  return out;
}

absl::Status RunImport(const ImportOptions& options) {
  if (options.files.empty()) return absl::InvalidArgumentError("import: name at least one FILE");
  // Everything is read and validated before the first RPC.
  std::vector<PreparedImport> prepared;
  bool any_actuals = false;
  for (const std::string& file : options.files) {
    PIAO_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(file));
    PIAO_ASSIGN_OR_RETURN(PreparedImport p, PrepareImport(file, bytes, options.flags));
    any_actuals |= !p.actuals.empty();
    prepared.push_back(std::move(p));
  }
  PIAO_ASSIGN_OR_RETURN(ServiceConnection planning, Connect(options.data_dir, "planning"));
  auto planning_stub = v1::Planning::NewStub(planning.channel);
  ServiceConnection measurement;
  std::unique_ptr<v1::Measurement::Stub> measurement_stub;
  if (any_actuals) {
    PIAO_ASSIGN_OR_RETURN(measurement, Connect(options.data_dir, "measurement"));
    measurement_stub = v1::Measurement::NewStub(measurement.channel);
  }

  std::vector<ImportResult> results;
  for (const PreparedImport& p : prepared) {
    ImportResult r;
    uint64_t plan_version = 0;  // the plan version this import left (what the computed actuals must cover)
    r.file = p.file;
    r.administration = p.adopt.administration();
    r.year = p.adopt.year();
    if (p.adopt_needed) {
      v1::AdoptObjectivesResponse resp;
      absl::Status s = Call(&v1::Planning::Stub::AdoptObjectives, *planning_stub, planning.token, absl::Minutes(2),
                            p.adopt, &resp);
      if (!s.ok()) return InFile(p.file, s);
      r.duplicate = resp.ack().duplicate() || resp.ack().unchanged();  // nothing new either way
      r.objectives_added = resp.objectives_added();
      r.indicators_added = resp.indicators_added();
      r.descriptions_updated = resp.descriptions_updated();
      r.unchanged = resp.unchanged();
      plan_version = resp.ack().stream_version();
    }
    ProgressBar progress(absl::StrCat("actuals of ", p.file), p.actuals.size(), ProgressWanted(options.json));
    for (const v1::RecordActualRequest& a : p.actuals) {
      progress.Update(r.actuals_recorded + r.actuals_unchanged);
      v1::RecordActualResponse resp;
      absl::Status s = Call(&v1::Measurement::Stub::RecordActual, *measurement_stub, measurement.token,
                            absl::Seconds(30), a, &resp);
      if (!s.ok()) {
        // Cut short: say how far it got. Re-running the same file completes it (what is stored is unchanged).
        return absl::Status(s.code(), absl::StrCat(p.file, ": actual of ", DescribeRef(a.objective(), a.indicator()),
                                                   ": ", s.message(), " (", r.actuals_recorded + r.actuals_unchanged,
                                                   " of ", p.actuals.size(), " actuals are stored (",
                                                   r.actuals_recorded, " new); run the same import again to complete it)"));
      }
      // A duplicate key or an identical value already recorded writes nothing (position 0 = no append).
      if (!resp.ack().duplicate() && resp.ack().global_position() != 0) {
        r.actuals_recorded++;
      } else {
        r.actuals_unchanged++;
      }
    }
    progress.Update(p.actuals.size());
    progress.Finish();
    if (!options.json) std::printf("%s\n", RenderImportResult(r).c_str());
    if (p.adopt_needed && HasFormulas(p.adopt)) {  // indicators with formulas: compute what the feeds allow
      ComputeAfterPlanChange(options.data_dir, r.administration, r.year, plan_version, options.json);
    }
    results.push_back(std::move(r));
  }
  if (options.json) std::printf("%s\n", ImportResultsToJson(results).dump().c_str());
  return absl::OkStatus();
}

std::string ActDateFromText(const std::string& text) {
  // The last real "D/M/YYYY" of the text, as in "... n. 142 del 13/09/2022". A scanner rather than
  // std::regex: GCC 12 warns (maybe-uninitialized) inside <regex> at -O1.
  auto digits_at = [&](size_t i) {
    size_t n = 0;
    while (i + n < text.size() && std::isdigit(static_cast<unsigned char>(text[i + n]))) ++n;
    return n;
  };
  std::string found;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i > 0 && std::isdigit(static_cast<unsigned char>(text[i - 1]))) continue;
    const size_t d = digits_at(i);
    if (d < 1 || d > 2 || i + d >= text.size() || text[i + d] != '/') continue;
    const size_t m_at = i + d + 1, m = digits_at(m_at);
    if (m < 1 || m > 2 || m_at + m >= text.size() || text[m_at + m] != '/') continue;
    const size_t y_at = m_at + m + 1;
    if (digits_at(y_at) != 4) continue;
    const std::string iso = absl::StrFormat("%s-%02d-%02d", text.substr(y_at, 4), std::stoi(text.substr(m_at, m)),
                                            std::stoi(text.substr(i, d)));
    if (plan::ParseIsoDate(iso).ok()) found = iso;
  }
  return found;
}

absl::StatusOr<std::vector<v1::ApplyRevisionActRequest>> PrepareRevise(const std::string& path,
                                                                       const std::string& bytes,
                                                                       const ReviseFlags& flags) {
  absl::StatusOr<std::vector<plan::Revision>> revisions = plan::ParseRevisionsJson(bytes);
  if (!revisions.ok()) return InFile(path, revisions.status());
  if (revisions->empty()) return InFile(path, absl::InvalidArgumentError("revisions: the file lists no change"));
  // The file's year and administration (ParseRevisionsJson reads only the changes).
  const json root = json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  int year = flags.year;
  if (root.is_object() && root.contains("year") && !root["year"].is_null()) {
    if (!root["year"].is_number_integer()) return InFile(path, absl::InvalidArgumentError("year: must be an integer"));
    const int file_year = root["year"].get<int>();
    if (flags.year != 0 && flags.year != file_year) {
      return InFile(path, absl::InvalidArgumentError(
                              absl::StrCat("year: the file says ", file_year, " but --year is ", flags.year)));
    }
    year = file_year;
  }
  if (year == 0) return InFile(path, absl::InvalidArgumentError("year: the file has none; pass --year"));
  if (absl::Status s = CheckYear(year, "year"); !s.ok()) return InFile(path, s);
  std::optional<std::string> file_admin;
  if (root.is_object() && root.contains("administration") && root["administration"].is_string()) {
    file_admin = root["administration"].get<std::string>();
  }
  absl::StatusOr<std::string> admin = ChooseAdministration(file_admin, flags.administration);
  if (!admin.ok()) return InFile(path, admin.status());

  std::vector<v1::ApplyRevisionActRequest> out;
  for (const std::vector<plan::Revision>& act : plan::GroupByAct(*revisions)) {
    const plan::Revision& first = act.front();
    if (first.act.empty()) return InFile(path, absl::InvalidArgumentError("revisions: every change needs its act"));
    for (const plan::Revision& r : act) {
      if (r.effective_date != first.effective_date) {
        return InFile(path, absl::InvalidArgumentError(absl::StrCat(
                                "effective_date: the changes of '", first.act, "' have different effective dates (",
                                plan::FormatIsoDate(first.effective_date), ", ", plan::FormatIsoDate(r.effective_date),
                                "); one act applies on one date")));
      }
      if (absl::StripAsciiWhitespace(r.reason).empty()) {
        return InFile(path, absl::InvalidArgumentError(absl::StrCat("reason: the change of ", r.indicator, " of ",
                                                                    r.objective, " must say why")));
      }
    }
    std::string act_date = ActDateFromText(first.act);
    if (act_date.empty()) act_date = plan::FormatIsoDate(first.effective_date);
    v1::ApplyRevisionActRequest req;
    const std::string year_text = absl::StrCat(year);
    req.mutable_meta()->set_idempotency_key(NewCommandKey("revise"));
    req.mutable_meta()->set_correlation_id(ContentKey("revise", {bytes}).substr(0, 7 + 16));
    req.set_administration(*admin);
    req.set_year(year);
    *req.mutable_act() = plan::ToProto(plan::DescribeAct(first.act, *plan::ParseIsoDate(act_date)));
    req.set_effective_date(plan::FormatIsoDate(first.effective_date));
    for (const plan::Revision& r : act) *req.add_changes() = plan::ToProto(r);
    out.push_back(std::move(req));
  }
  return out;
}

std::string RenderReviseResult(const std::string& file, const ReviseResult& r) {
  return absl::StrCat("revise ", file, ": ", r.act, " (", r.act_date, ", effective ", r.effective_date, "): ",
                      r.duplicate ? absl::StrCat("already applied, nothing new (", r.changes, " changes)")
                                  : absl::StrCat(r.changes, " changes applied"),
                      ", plan version ", r.plan_version);
}

json ReviseResultsToJson(const std::string& file, const std::vector<ReviseResult>& results) {
  json acts = json::array();
  int changes = 0;
  for (const ReviseResult& r : results) {
    acts.push_back({{"act", r.act},
                    {"act_date", r.act_date},
                    {"effective_date", r.effective_date},
                    {"changes", r.changes},
                    {"duplicate", r.duplicate},
                    {"plan_version", r.plan_version}});
    if (!r.duplicate) changes += r.changes;
  }
  return {{"file", file}, {"acts", acts}, {"changes_applied", changes}};
}

absl::Status RunRevise(const ReviseOptions& options) {
  if (options.file.empty()) return absl::InvalidArgumentError("revise: name the revisions FILE");
  PIAO_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(options.file));
  PIAO_ASSIGN_OR_RETURN(std::vector<v1::ApplyRevisionActRequest> acts,
                        PrepareRevise(options.file, bytes, options.flags));
  PIAO_ASSIGN_OR_RETURN(ServiceConnection planning, Connect(options.data_dir, "planning"));
  auto stub = v1::Planning::NewStub(planning.channel);
  std::vector<ReviseResult> results;
  for (const v1::ApplyRevisionActRequest& req : acts) {
    v1::CommandAck ack;
    absl::Status s = Call(&v1::Planning::Stub::ApplyRevisionAct, *stub, planning.token, absl::Minutes(1), req, &ack);
    if (!s.ok()) return absl::Status(s.code(), absl::StrCat(options.file, ": ", req.act().text(), ": ", s.message()));
    ReviseResult r;
    r.act = req.act().text();
    r.act_date = req.act().date();
    r.effective_date = req.effective_date();
    r.changes = req.changes_size();
    r.duplicate = ack.duplicate() || ack.unchanged();  // the act is already in force
    r.plan_version = ack.stream_version();
    if (!options.json) std::printf("%s\n", RenderReviseResult(options.file, r).c_str());
    // A revised formula (or target unit) recomputes the plan's computed actuals as new facts: measurement does it
    // by itself (it follows planning); this asks what that computation recorded, to print it.
    ComputeAfterPlanChange(options.data_dir, req.administration(), req.year(), r.plan_version, options.json);
    results.push_back(std::move(r));
  }
  if (options.json) std::printf("%s\n", ReviseResultsToJson(options.file, results).dump().c_str());
  return absl::OkStatus();
}

}  // namespace piao::cli
