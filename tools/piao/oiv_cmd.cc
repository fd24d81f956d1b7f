#include "tools/piao/oiv_cmd.h"

#include <cstdio>
#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/util/json_util.h"
#include "libs/base/json_strict.h"
#include "libs/base/legacy_enum.h"
#include "libs/base/process.h"
#include "libs/base/sha256.h"
#include "libs/base/status_macros.h"
#include "libs/service/client.h"
#include "libs/service/grpc_status.h"
#include "piao/v1/oiv.grpc.pb.h"
#include "tools/piao/cli_util.h"
#include "tools/piao/stack.h"

namespace piao::cli {
namespace {

using json = nlohmann::json;

json DocumentJson(const v1::DocumentRef& d) {
  if (d.reference().empty() && d.sha256().empty()) return nullptr;
  return {{"reference", d.reference()}, {"sha256", d.sha256()}};
}

json RemarksJson(const google::protobuf::RepeatedPtrField<v1::ObjectiveRemark>& remarks) {
  json out = json::array();
  for (const v1::ObjectiveRemark& r : remarks) {
    out.push_back({{"objective", r.objective()},
                   {"remark", r.remark()},
                   {"about_deviation", r.about_deviation()},
                   {"deviation_version", NumberOrNull(r.about_deviation(), r.deviation_version())}});
  }
  return out;
}

void AddRecord(const v1::OivRecord& r, json* into) {
  (*into)["actor"] = r.actor();
  (*into)["recorded_at"] = TimestampJson(r.recorded_at());
  (*into)["global_position"] = r.global_position();
  (*into)["superseded"] = r.superseded();
}

json ValidationJson(const v1::RecordedValidation& r) {
  const v1::RelazioneValidation& v = r.validation();
  json out = {{"number", v.number()},         {"date", v.date()},
              {"outcome", OutcomeName(v.outcome())}, {"motivation", v.motivation()},
              {"remarks", RemarksJson(v.remarks())}, {"document", DocumentJson(v.document())},
              {"supersedes", NumberOrNull(v.supersedes() > 0, v.supersedes())}};
  AddRecord(r.record(), &out);
  return out;
}

json ReportJson(const v1::RecordedMonitoringReport& r) {
  const v1::OivMonitoringReport& m = r.report();
  json out = {{"number", m.number()},     {"period", m.period()},   {"date", m.date()},
              {"addressee", m.addressee()}, {"summary", m.summary()}, {"remarks", RemarksJson(m.remarks())},
              {"document", DocumentJson(m.document())}};
  AddRecord(r.record(), &out);
  return out;
}

json AttestationJson(const v1::RecordedAttestation& r) {
  const v1::TransparencyAttestation& a = r.attestation();
  json obligations = json::array();
  for (const v1::TransparencyObligation& o : a.obligations()) {
    obligations.push_back({{"obligation", o.obligation()},
                           {"section", o.section()},
                           {"published", o.published()},
                           {"completeness", o.completeness()},
                           {"update", o.update()},
                           {"open_format", o.open_format()},
                           {"notes", o.notes()}});
  }
  json out = {{"number", a.number()}, {"date", a.date()}, {"survey_date", a.survey_date()}, {"notes", a.notes()},
              {"obligations", std::move(obligations)}, {"document", DocumentJson(a.document())}};
  AddRecord(r.record(), &out);
  return out;
}

json ProposalJson(const v1::RecordedSgProposal& r) {
  const v1::SgEvaluationProposal& p = r.proposal();
  json out = {{"number", p.number()},
              {"date", p.date()},
              {"evaluated", p.evaluated()},
              {"proposed_score_pct", NumberOrNull(p.has_proposed_score_pct(), p.proposed_score_pct())},
              {"proposal", p.proposal()},
              {"document", DocumentJson(p.document())}};
  AddRecord(r.record(), &out);
  return out;
}

json DeviationJson(const v1::RecordedDeviation& r) {
  const v1::ObjectiveDeviation& d = r.deviation();
  json out = {{"objective", d.objective()}, {"causes", d.causes()}, {"measures", d.measures()},
              {"date", d.date()},           {"version", r.stream_version()}};
  AddRecord(r.record(), &out);
  return out;
}

// The administration named, else the year's only plan's (the projection resolves it).
absl::StatusOr<std::string> AdministrationOf(const std::string& data_dir, const std::string& administration, int year) {
  if (!administration.empty()) return administration;
  v1::GetScoresRequest req;
  req.set_year(year);
  v1::ScoresView view;
  absl::Status s = QueryProjection(data_dir, &v1::Projection::Stub::GetScores, req, &view);
  if (!s.ok()) return absl::Status(s.code(), absl::StrCat("--administration: ", s.message()));
  return view.administration();
}

// Sends one OivActs command with a fresh key and prints what was written.
template <typename Request>
absl::Status Send(const OivOptions& o, const std::string& what,
                  grpc::Status (v1::OivActs::Stub::*rpc)(grpc::ClientContext*, const Request&, v1::OivCommandResponse*),
                  Request request) {
  PIAO_RETURN_IF_ERROR(CheckYear(o.year));
  PIAO_ASSIGN_OR_RETURN(std::string admin, AdministrationOf(o.data_dir, o.administration, o.year));
  request.set_administration(admin);
  request.set_year(o.year);
  request.mutable_meta()->set_idempotency_key(NewCommandKey(what));
  PIAO_ASSIGN_OR_RETURN(ServiceConnection conn, Connect(o.data_dir, "planning"));
  auto stub = v1::OivActs::NewStub(conn.channel);
  grpc::ClientContext ctx;
  service::PrepareContext(&ctx, conn.token, absl::Seconds(30));
  v1::OivCommandResponse resp;
  PIAO_RETURN_IF_ERROR(service::FromGrpcStatus(((*stub).*rpc)(&ctx, request, &resp)));
  const bool unchanged = resp.ack().unchanged() || resp.ack().duplicate();
  if (o.json) {
    std::printf("%s\n", json{{"administration", admin},
                             {"year", o.year},
                             {"id", resp.id()},
                             {"stream", resp.ack().stream()},
                             {"global_position", resp.ack().global_position()},
                             {"unchanged", unchanged}}
                            .dump()
                            .c_str());
  } else {
    std::printf("%s %s %d: %s%s\n", what.c_str(), admin.c_str(), o.year, resp.id().c_str(),
                unchanged ? " (unchanged: the same act is already in force)" : " recorded");
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::DocumentRef> ReadDocument(const std::string& path) {
  if (path.empty()) return v1::DocumentRef();
  absl::StatusOr<std::string> bytes = ReadFile(path);
  if (!bytes.ok()) return absl::Status(bytes.status().code(), absl::StrCat("--document: ", bytes.status().message()));
  return DocumentOf(path, *bytes);
}

std::string Superseded(const v1::OivRecord& r) { return r.superseded() ? " [superseded]" : ""; }

}  // namespace

absl::StatusOr<v1::ValidationOutcome> ParseOutcomeFlag(const std::string& text) {
  for (v1::ValidationOutcome o : {v1::VALIDATION_OUTCOME_VALIDATED, v1::VALIDATION_OUTCOME_VALIDATED_WITH_REMARKS,
                                  v1::VALIDATION_OUTCOME_NOT_VALIDATED}) {
    if (OutcomeName(o) == text) return o;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--outcome: must be validated, validated-with-remarks or not-validated, got '", text, "'"));
}

std::string OutcomeName(v1::ValidationOutcome outcome) {
  return absl::StrReplaceAll(EnumText(outcome), {{"_", "-"}});
}

absl::StatusOr<std::vector<v1::ObjectiveRemark>> ParseRemarkFlags(const std::vector<std::string>& items,
                                                                  const std::string& flag, bool about_deviation) {
  std::vector<v1::ObjectiveRemark> out;
  for (const std::string& item : items) {
    const size_t eq = item.find('=');
    const std::string objective(absl::StripAsciiWhitespace(item.substr(0, eq == std::string::npos ? 0 : eq)));
    const std::string text = eq == std::string::npos ? "" : std::string(absl::StripAsciiWhitespace(item.substr(eq + 1)));
    if (eq == std::string::npos || objective.empty() || text.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(flag, ": must be OBJECTIVE=TEXT, got '", item, "'"));
    }
    v1::ObjectiveRemark& r = out.emplace_back();
    r.set_objective(objective);
    r.set_remark(text);
    r.set_about_deviation(about_deviation);
  }
  return out;
}

v1::DocumentRef DocumentOf(const std::string& path, const std::string& bytes) {
  v1::DocumentRef d;
  d.set_reference(std::filesystem::path(path).filename().string());
  d.set_sha256(ToHex(Sha256({bytes})));
  return d;
}

absl::StatusOr<v1::TransparencyAttestation> ParseAttestationGrid(const std::string& path, const std::string& bytes) {
  auto in_file = [&](const absl::Status& s) {
    return absl::Status(s.code(), absl::StrCat(path, ": ", s.message()));
  };
  absl::StatusOr<json> strict = ParseJsonStrict(bytes, "the attestation grid");
  if (!strict.ok()) return in_file(strict.status());
  if (!strict->is_object()) return in_file(absl::InvalidArgumentError("must be one JSON object"));
  for (const char* set_by_service : {"number", "supersedes", "document"}) {
    if (strict->contains(set_by_service)) {
      return in_file(absl::InvalidArgumentError(absl::StrCat(
          set_by_service, ": unknown key (expected one of date, survey_date, notes, obligations)")));
    }
  }
  if (absl::Status s = CheckKnownFields(*strict, v1::TransparencyAttestation::descriptor(), ""); !s.ok()) {
    return in_file(s);
  }
  v1::TransparencyAttestation a;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto parsed = google::protobuf::util::JsonStringToMessage(bytes, &a, options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not an attestation grid: ", parsed.ToString()));
  }
  return a;
}

json OivStatusToJson(const v1::OivStatus& s) {
  json out = {{"administration", s.administration()}, {"year", s.year()}, {"as_of", OrNull(s.as_of_date())}};
  out["validation"] = s.has_validation() ? ValidationJson(s.validation()) : json(nullptr);
  out["validations"] = json::array();
  for (const auto& v : s.validations()) out["validations"].push_back(ValidationJson(v));
  out["monitoring_reports"] = json::array();
  for (const auto& r : s.monitoring_reports()) out["monitoring_reports"].push_back(ReportJson(r));
  out["attestation"] = s.has_attestation() ? AttestationJson(s.attestation()) : json(nullptr);
  out["attestations"] = json::array();
  for (const auto& a : s.attestations()) out["attestations"].push_back(AttestationJson(a));
  out["sg_proposal"] = s.has_sg_proposal() ? ProposalJson(s.sg_proposal()) : json(nullptr);
  out["sg_proposals"] = json::array();
  for (const auto& p : s.sg_proposals()) out["sg_proposals"].push_back(ProposalJson(p));
  out["deviations"] = json::array();
  for (const auto& d : s.deviations()) out["deviations"].push_back(DeviationJson(d));
  out["deviation_history"] = json::array();
  for (const auto& d : s.deviation_history()) out["deviation_history"].push_back(DeviationJson(d));
  return out;
}

std::string RenderOivStatus(const v1::OivStatus& s) {
  std::string out = absl::StrCat("OIV ", s.administration(), " ", s.year(),
                                 s.as_of_date().empty() ? "" : ", as of " + s.as_of_date(), "\n");
  if (!s.has_validation()) {
    absl::StrAppend(&out, "Relazione: not validated yet\n");
  } else {
    const v1::RelazioneValidation& v = s.validation().validation();
    absl::StrAppend(&out, "Relazione: ", OutcomeName(v.outcome()), " on ", v.date(), " by ",
                    s.validation().record().actor(), " (validation ", v.number(), ")\n  motivation: ", v.motivation(),
                    "\n");
    if (!v.document().sha256().empty()) {
      absl::StrAppend(&out, "  document: ", v.document().reference(), " sha256 ", v.document().sha256(), "\n");
    }
    for (const v1::ObjectiveRemark& r : v.remarks()) {
      absl::StrAppend(&out, "  remark on ", r.objective(), r.about_deviation() ? " (about its deviation)" : "", ": ",
                      r.remark(), "\n");
    }
  }
  for (const v1::RecordedValidation& earlier : s.validations()) {
    if (!earlier.record().superseded()) continue;
    absl::StrAppend(&out, "  superseded: validation ", earlier.validation().number(), " of ",
                    earlier.validation().date(), ", ", OutcomeName(earlier.validation().outcome()), " by ",
                    earlier.record().actor(), ": ", earlier.validation().motivation(), "\n");
  }
  for (const v1::RecordedMonitoringReport& r : s.monitoring_reports()) {
    absl::StrAppend(&out, "Monitoring report ", r.report().number(), " (period ", r.report().period(), ") of ",
                    r.report().date(), " to ", r.report().addressee(), " by ", r.record().actor(),
                    Superseded(r.record()), ": ", r.report().summary(), "\n");
  }
  if (s.has_attestation()) {
    const v1::TransparencyAttestation& a = s.attestation().attestation();
    absl::StrAppend(&out, "Transparency attestation ", a.number(), " of ", a.date(), " (surveyed ", a.survey_date(),
                    ") by ", s.attestation().record().actor(), ": ", a.obligations_size(), " obligation(s)\n");
    for (const v1::TransparencyObligation& o : a.obligations()) {
      absl::StrAppend(&out, "  ", o.obligation(), ": ", o.published() ? "published" : "NOT published",
                      ", completeness ", o.completeness(), ", update ", o.update(), ", open format ", o.open_format(),
                      o.notes().empty() ? "" : "; " + o.notes(), "\n");
    }
  }
  if (s.has_sg_proposal()) {
    const v1::SgEvaluationProposal& p = s.sg_proposal().proposal();
    absl::StrAppend(&out, "SG evaluation proposal ", p.number(), " of ", p.date(), " for ", p.evaluated(),
                    p.has_proposed_score_pct() ? absl::StrFormat(" (%.2f %%)", p.proposed_score_pct()) : "", " by ",
                    s.sg_proposal().record().actor(), ": ", p.proposal(), "\n");
  }
  for (const v1::RecordedDeviation& d : s.deviations()) {
    absl::StrAppend(&out, "Deviation ", d.deviation().objective(), " (", d.deviation().date(), ", ",
                    d.record().actor(), "): causes: ", d.deviation().causes(), "; measures: ",
                    d.deviation().measures(), "\n");
  }
  return out;
}

absl::StatusOr<v1::OivStatus> FetchOivStatus(const std::string& data_dir, const std::string& administration, int year,
                                             const std::string& as_of) {
  PIAO_RETURN_IF_ERROR(CheckYear(year));
  PIAO_RETURN_IF_ERROR(CheckAsOf(as_of));
  PIAO_ASSIGN_OR_RETURN(std::string admin, AdministrationOf(data_dir, administration, year));
  v1::GetOivStatusRequest req;
  req.set_administration(admin);
  req.set_year(year);
  req.set_as_of_date(as_of);
  v1::OivStatus status;
  PIAO_RETURN_IF_ERROR(QueryProjection(data_dir, &v1::OivViews::Stub::GetOivStatus, req, &status));
  return status;
}

absl::Status RunOivValidate(const OivOptions& o) {
  PIAO_ASSIGN_OR_RETURN(v1::ValidationOutcome outcome, ParseOutcomeFlag(o.outcome));
  v1::ValidateRelazioneRequest r;
  v1::RelazioneValidation* v = r.mutable_validation();
  v->set_outcome(outcome);
  v->set_motivation(o.motivation);
  v->set_date(o.date);
  PIAO_ASSIGN_OR_RETURN(std::vector<v1::ObjectiveRemark> remarks, ParseRemarkFlags(o.remarks, "--remark", false));
  PIAO_ASSIGN_OR_RETURN(std::vector<v1::ObjectiveRemark> about,
                        ParseRemarkFlags(o.deviation_remarks, "--deviation-remark", true));
  for (auto& x : remarks) *v->add_remarks() = std::move(x);
  for (auto& x : about) *v->add_remarks() = std::move(x);
  PIAO_ASSIGN_OR_RETURN(*v->mutable_document(), ReadDocument(o.document));
  return Send(o, "oiv validate", &v1::OivActs::Stub::ValidateRelazione, r);
}

absl::Status RunOivMonitoringReport(const OivOptions& o) {
  v1::SubmitMonitoringReportRequest r;
  v1::OivMonitoringReport* m = r.mutable_report();
  m->set_period(o.period);
  m->set_date(o.date);
  m->set_summary(o.summary);
  m->set_addressee(o.addressee);
  PIAO_ASSIGN_OR_RETURN(std::vector<v1::ObjectiveRemark> remarks, ParseRemarkFlags(o.remarks, "--remark", false));
  for (auto& x : remarks) *m->add_remarks() = std::move(x);
  PIAO_ASSIGN_OR_RETURN(*m->mutable_document(), ReadDocument(o.document));
  return Send(o, "oiv monitoring-report", &v1::OivActs::Stub::SubmitMonitoringReport, r);
}

absl::Status RunOivAttest(const OivOptions& o) {
  if (o.file.empty()) return absl::InvalidArgumentError("--file: the attestation grid (JSON) is required");
  PIAO_ASSIGN_OR_RETURN(std::string bytes, ReadFile(o.file));
  v1::AttestTransparencyRequest r;
  PIAO_ASSIGN_OR_RETURN(*r.mutable_attestation(), ParseAttestationGrid(o.file, bytes));
  if (!o.date.empty()) r.mutable_attestation()->set_date(o.date);
  PIAO_ASSIGN_OR_RETURN(*r.mutable_attestation()->mutable_document(), ReadDocument(o.document));
  return Send(o, "oiv attest", &v1::OivActs::Stub::AttestTransparency, r);
}

absl::Status RunOivProposeSgEvaluation(const OivOptions& o) {
  v1::ProposeSgEvaluationRequest r;
  v1::SgEvaluationProposal* p = r.mutable_proposal();
  p->set_evaluated(o.evaluated);
  p->set_proposal(o.proposal);
  p->set_date(o.date);
  if (!o.score.empty()) {
    double score = 0;
    if (!absl::SimpleAtod(o.score, &score)) {
      return absl::InvalidArgumentError(absl::StrCat("--score: must be a number 0-100, got '", o.score, "'"));
    }
    p->set_proposed_score_pct(score);
  }
  PIAO_ASSIGN_OR_RETURN(*p->mutable_document(), ReadDocument(o.document));
  return Send(o, "oiv propose-sg-evaluation", &v1::OivActs::Stub::ProposeSgEvaluation, r);
}

absl::Status RunDeviationRecord(const OivOptions& o) {
  v1::RecordDeviationRequest r;
  v1::ObjectiveDeviation* d = r.mutable_deviation();
  d->set_objective(o.objective);
  d->set_causes(o.causes);
  d->set_measures(o.measures);
  d->set_date(o.date);
  return Send(o, "deviation record", &v1::OivActs::Stub::RecordDeviation, r);
}

absl::Status RunOivStatus(const OivOptions& o) {
  PIAO_ASSIGN_OR_RETURN(v1::OivStatus status, FetchOivStatus(o.data_dir, o.administration, o.year, o.as_of));
  if (o.json) {
    std::printf("%s\n", OivStatusToJson(status).dump().c_str());
  } else {
    std::fputs(RenderOivStatus(status).c_str(), stdout);
  }
  return absl::OkStatus();
}

}  // namespace piao::cli
