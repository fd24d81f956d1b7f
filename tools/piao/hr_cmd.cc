#include "tools/piao/hr_cmd.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "libs/base/sha256.h"
#include "libs/base/status_macros.h"
#include "libs/hr/hr_json.h"
#include "libs/hr/model.h"
#include "libs/hr/money.h"
#include "libs/service/client.h"
#include "libs/service/event_log_client.h"
#include "libs/service/grpc_status.h"
#include "piao/v1/hr.grpc.pb.h"
#include "tools/piao/cli_util.h"
#include "tools/piao/stack.h"

namespace piao::cli {
namespace {

using json = nlohmann::json;

// A euro amount in the tree: an object no summary field can produce (its key starts with a control byte).
constexpr char kMoneyKey[] = "\x01eur_cents";

json Eur(int64_t cents) { return json{{kMoneyKey, cents}}; }
std::string Text(int64_t cents) { return hr::Money::Cents(cents).ToString(); }

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Sends one command with a fresh idempotency key; counts what was new (unchanged facts are not).
struct Sender {
  v1::HrCapacity::Stub* stub;
  std::string token;
  std::string administration;
  int stored = 0, duplicates = 0;
  uint64_t last_position = 0;

  template <typename Request, typename Body>
  absl::Status Send(const Body& body, const std::string& what,
                    grpc::Status (v1::HrCapacity::Stub::*call)(grpc::ClientContext*, const Request&,
                                                               v1::HrCommandResponse*)) {
    Request r;
    r.set_administration(administration);
    *r.mutable_body() = body;
    r.mutable_meta()->set_idempotency_key(NewCommandKey("hr-import"));
    r.mutable_meta()->set_correlation_id(absl::StrCat("hr-import:", administration));
    grpc::ClientContext ctx;
    service::PrepareContext(&ctx, token, absl::Seconds(30));
    v1::HrCommandResponse out;
    absl::Status s = service::FromGrpcStatus((stub->*call)(&ctx, r, &out));
    if (!s.ok()) {
      return absl::Status(s.code(), absl::StrCat(what, ": ", s.message(), " (", stored + duplicates,
                                                 " earlier commands are stored; fix the file and import it again)"));
    }
    (out.ack().duplicate() || out.ack().unchanged() ? duplicates : stored) += 1;
    last_position = std::max<uint64_t>(last_position, out.ack().global_position());
    return absl::OkStatus();
  }
};

// Large groups go in several commands, each all or nothing.
template <typename M, typename Item>
std::vector<M> Chunks(const M& m, const google::protobuf::RepeatedPtrField<Item>& items,
                      google::protobuf::RepeatedPtrField<Item>* (M::*mutable_items)(), size_t size = 500) {
  std::vector<M> out;
  for (int i = 0; i < items.size(); i += static_cast<int>(size)) {
    M part = m;
    auto* dst = (part.*mutable_items)();
    dst->Clear();
    for (int k = i; k < std::min<int>(items.size(), i + static_cast<int>(size)); ++k) *dst->Add() = items[k];
    out.push_back(std::move(part));
  }
  return out;
}

json ByCategory(const google::protobuf::RepeatedPtrField<v1::CategoryFigure>& figures, const char* count_name) {
  json out = json::object();
  for (const v1::CategoryFigure& f : figures) {
    out[f.category()] = {{count_name, f.posts()}, {"unit_cost_eur", Eur(f.unit_cost_cents())},
                         {"cost_eur", Eur(f.cost_cents())}};
  }
  return out;
}

json Thresholds(const v1::PayLinkThresholds& t) {
  return {{"zero_below_pct", t.zero_below()}, {"full_from_pct", t.full_from()}};
}

}  // namespace

json HrSummaryToJson(const v1::HrSummary& s) {
  const v1::HiringBudgetView& b = s.hiring_budget();
  json vacancies = json::object();
  for (const v1::VacancyColumn& c : s.vacancies()) {
    json col = json::object();
    for (const auto& [cat, n] : c.by_category()) col[cat] = n;
    vacancies[c.date()] = std::move(col);
  }
  json turnover = json::object();
  for (const v1::TurnoverYear& t : s.turnover()) {
    turnover[std::to_string(t.year())] = {{"leavers", t.leavers()},   {"mobility_out", t.mobility_out()},
                                          {"hires", t.hires()},       {"mobility_in", t.mobility_in()},
                                          {"balance", t.balance()},   {"through", t.through()}};
  }
  json quota = nullptr;
  if (s.has_protected_quota()) {
    const v1::ProtectedQuotaView& q = s.protected_quota();
    quota = {{"checked_on", q.checked_on()},
             {"art1_uncovered", q.art1_uncovered()},
             {"art18_uncovered", q.art18_uncovered()},
             {"art1_uncovered_after_planned", q.art1_uncovered_after_planned()},
             {"art18_uncovered_after_planned", q.art18_uncovered_after_planned()}};
  }
  json by_gender = json::object(), by_unit = json::object(), agile_units = json::object();
  for (const auto& [k, v] : s.by_gender()) by_gender[k] = v;
  for (const auto& [k, v] : s.by_unit()) by_unit[k] = v;
  for (const auto& [k, v] : s.agile().with_agreement_by_unit()) agile_units[k] = v;
  const v1::PayLinkView& p = s.pay_link();
  return {
      {"administration", s.administration()},
      {"year", s.year()},
      {"as_of", s.as_of_date()},
      {"ceiling_eur", Eur(s.ceiling_cents())},
      {"ceiling_act", s.ceiling_act()},
      {"establishment",
       {{"act", s.establishment_act()},
        {"posts", s.establishment_posts()},
        {"cost_eur", Eur(s.establishment_cost_cents())},
        {"headroom_eur", Eur(s.ceiling_cents() - s.establishment_cost_cents())},
        {"by_category", ByCategory(s.establishment(), "posts")}}},
      {"in_service_count", s.in_service_count()},
      {"employed_count", s.employed_count()},
      {"in_selection_count", s.in_selection_count()},
      {"in_service_cost_eur", Eur(s.in_service_cost_cents())},
      {"in_service_by_category", ByCategory(s.in_service(), "count")},
      {"margin_eur", Eur(s.margin_cents())},
      {"hiring_budget_ordinary_eur", Eur(b.ordinary_cents())},
      {"hiring_budget_protected_eur", Eur(b.protected_cents())},
      {"hiring_budget",
       {{"year", b.year()},
        {"leavers_count", b.leavers_count()},
        {"leavers_ordinary_eur", Eur(b.leavers_ordinary_cents())},
        {"leavers_protected_eur", Eur(b.leavers_protected_cents())},
        {"remainders_ordinary_eur", Eur(b.remainders_ordinary_cents())},
        {"remainders_protected_eur", Eur(b.remainders_protected_cents())},
        {"planned_ordinary_count", b.planned_ordinary_count()},
        {"planned_protected_count", b.planned_protected_count()},
        {"planned_ordinary_eur", Eur(b.planned_ordinary_cents())},
        {"planned_protected_eur", Eur(b.planned_protected_cents())},
        {"residual_ordinary_eur", Eur(b.residual_ordinary_cents())},
        {"residual_protected_eur", Eur(b.residual_protected_cents())}}},
      {"vacancies", std::move(vacancies)},
      {"turnover", std::move(turnover)},
      {"protected_quota", std::move(quota)},
      {"staff_by_gender", std::move(by_gender)},
      {"staff_by_unit", std::move(by_unit)},
      {"agile",
       {{"subprocesses_assessed", s.agile().subprocesses_assessed()},
        {"subprocesses_eligible", s.agile().subprocesses_eligible()},
        {"agreements_active", s.agile().agreements_active()},
        {"employees_in_service", s.agile().employees_in_service()},
        {"employees_with_agreement", s.agile().employees_with_agreement()},
        {"with_agreement_by_unit", std::move(agile_units)}}},
      {"pay_link",
       {{"enterprise_score_pct", p.has_enterprise_score() ? json(p.enterprise_score_pct()) : json(nullptr)},
        {"accessory_top_up_pct", p.has_enterprise_score() ? json(p.accessory_top_up_pct()) : json(nullptr)},
        {"resource_release_pct", p.has_enterprise_score() ? json(p.resource_release_pct()) : json(nullptr)},
        {"accessory_top_up_band", Thresholds(p.accessory_top_up())},
        {"resource_release_band", Thresholds(p.resource_release())},
        {"note", p.note()}}},
  };
}

std::string DumpHrJson(const json& j) {
  if (j.is_object() && j.size() == 1 && j.contains(kMoneyKey) && j[kMoneyKey].is_number_integer()) {
    return hr::Money::Cents(j[kMoneyKey].get<int64_t>()).ToDecimal();
  }
  if (j.is_object()) {
    std::string out = "{";
    bool first = true;
    for (const auto& [k, v] : j.items()) {
      absl::StrAppend(&out, first ? "" : ",", json(k).dump(), ":", DumpHrJson(v));
      first = false;
    }
    return out + "}";
  }
  if (j.is_array()) {
    std::string out = "[";
    for (size_t i = 0; i < j.size(); ++i) absl::StrAppend(&out, i == 0 ? "" : ",", DumpHrJson(j[i]));
    return out + "]";
  }
  return j.dump();
}

std::string RenderHrSummary(const v1::HrSummary& s) {
  std::string o;
  const v1::HiringBudgetView& b = s.hiring_budget();
  absl::StrAppend(&o, "HR capacity of ", s.administration(), ", PIAO ", s.year(), ", as of ", s.as_of_date(), "\n");
  absl::StrAppend(&o, "  spending ceiling (spesa potenziale massima)  ", Text(s.ceiling_cents()), "  (", s.ceiling_act(),
                  ")\n");
  absl::StrAppend(&o, "  dotazione organica in force               ", s.establishment_posts(), " posts, ",
                  Text(s.establishment_cost_cents()), "  (", s.establishment_act(), ")\n");
  absl::StrAppend(&o, "  in service                                 ", s.in_service_count(), " (", s.employed_count(),
                  " employed + ", s.in_selection_count(), " in selection), ", Text(s.in_service_cost_cents()), "\n");
  absl::StrAppend(&o, "  margin to the ceiling                      ", Text(s.margin_cents()), "\n");
  absl::StrAppend(&o, "  hiring budget ", b.year(), "  ordinary ", Text(b.ordinary_cents()), " (leavers ",
                  Text(b.leavers_ordinary_cents()), " + remainders ", Text(b.remainders_ordinary_cents()),
                  "), planned ", Text(b.planned_ordinary_cents()), ", left ", Text(b.residual_ordinary_cents()), "\n");
  absl::StrAppend(&o, "                     L. 68/1999 ", Text(b.protected_cents()), " (leavers ",
                  Text(b.leavers_protected_cents()), " + remainders ", Text(b.remainders_protected_cents()),
                  "), planned ", Text(b.planned_protected_cents()), ", left ", Text(b.residual_protected_cents()),
                  "\n");
  absl::StrAppend(&o, "\n  vacancies (posti vacanti per cessazioni certe)\n  ", absl::StrFormat("%-12s", "date"));
  const char* cats[] = {"DIR", "D3", "D1", "C", "B3", "B1", "A", "total"};
  for (const char* c : cats) absl::StrAppend(&o, absl::StrFormat("%6s", c));
  absl::StrAppend(&o, "\n");
  for (const v1::VacancyColumn& col : s.vacancies()) {
    absl::StrAppend(&o, "  ", absl::StrFormat("%-12s", col.date()));
    for (const char* c : cats) {
      auto it = col.by_category().find(c);
      absl::StrAppend(&o, absl::StrFormat("%6d", it == col.by_category().end() ? 0 : it->second));
    }
    absl::StrAppend(&o, "\n");
  }
  absl::StrAppend(&o, "\n  turnover   year  leavers  mobility  hires  balance\n");
  for (const v1::TurnoverYear& t : s.turnover()) {
    absl::StrAppend(&o, absl::StrFormat("             %4d  %7d  %8d  %5d  %7d%s\n", t.year(), t.leavers(),
                                        t.mobility_out(), t.hires(), t.balance(),
                                        t.through().substr(5) == "12-31" ? "" : " (to " + t.through() + ")"));
  }
  if (s.has_protected_quota()) {
    absl::StrAppend(&o, "\n  protected categories uncovered (L. 68/1999): art. 1 ", s.protected_quota().art1_uncovered(),
                    ", art. 18 ", s.protected_quota().art18_uncovered(), "; after the planned hires: art. 1 ",
                    s.protected_quota().art1_uncovered_after_planned(), ", art. 18 ",
                    s.protected_quota().art18_uncovered_after_planned(), "\n");
  }
  absl::StrAppend(&o, "  staff by gender:");
  for (const auto& [k, v] : s.by_gender()) absl::StrAppend(&o, " ", k, " ", v);
  absl::StrAppend(&o, "\n  agile work: ", s.agile().subprocesses_eligible(), " of ", s.agile().subprocesses_assessed(),
                  " sub-processes eligible, ", s.agile().employees_with_agreement(), " of ",
                  s.agile().employees_in_service(), " employees with an agreement\n");
  if (s.pay_link().has_enterprise_score()) {
    absl::StrAppend(&o, "  pay link: enterprise score ", absl::StrFormat("%.2f", s.pay_link().enterprise_score_pct()),
                    "% -> accessory top-up ", absl::StrFormat("%.2f", s.pay_link().accessory_top_up_pct()),
                    "%, resources released ", absl::StrFormat("%.2f", s.pay_link().resource_release_pct()), "%\n");
  } else {
    absl::StrAppend(&o, "  pay link: ", s.pay_link().note(), "\n");
  }
  return o;
}

absl::Status RunHrImport(const HrImportOptions& o) {
  PIAO_ASSIGN_OR_RETURN(std::string text, ReadFile(o.file));
  absl::StatusOr<hr::HrImport> file = hr::ParseHrImportText(text);
  if (!file.ok()) return absl::Status(file.status().code(), absl::StrCat(o.file, ": ", file.status().message()));
  std::string admin = file->administration;
  if (!o.administration.empty() && !admin.empty() && admin != o.administration) {
    return absl::InvalidArgumentError(absl::StrCat("administration: the file names '", admin,
                                                   "' but --administration is '", o.administration, "'"));
  }
  if (admin.empty()) admin = o.administration.empty() ? "default" : o.administration;
  if (admin.find('/') != std::string::npos) return absl::InvalidArgumentError("administration: must not contain '/'");
  // The book's rules on the file alone: a bad field fails here, before anything is written. Facts that need
  // what the service already holds (FAILED_PRECONDITION) are decided by the service.
  hr::HrBook local;
  if (absl::Status s = hr::ApplyImport(*file, local); !s.ok() && s.code() != absl::StatusCode::kFailedPrecondition) {
    return absl::Status(s.code(), absl::StrCat(o.file, ": ", s.message()));
  }

  PIAO_ASSIGN_OR_RETURN(ServiceConnection conn, Connect(o.data_dir, "hr"));
  auto stub = v1::HrCapacity::NewStub(conn.channel);
  Sender send{stub.get(), conn.token, admin};
  using S = v1::HrCapacity::Stub;
  int n = 0;
  for (const auto& m : file->establishments) {
    PIAO_RETURN_IF_ERROR(send.Send<v1::AdoptEstablishmentRequest>(m, "establishments: " + m.act(), &S::AdoptEstablishment));
  }
  for (const auto& m : file->selections) {
    for (const auto& part : Chunks(m, m.selections(), &v1::SelectionsOpened::mutable_selections)) {
      PIAO_RETURN_IF_ERROR(send.Send<v1::OpenSelectionsRequest>(part, "selections", &S::OpenSelections));
    }
  }
  for (const auto& m : file->staff) {
    for (const auto& part : Chunks(m, m.employees(), &v1::StaffRecorded::mutable_employees)) {
      PIAO_RETURN_IF_ERROR(send.Send<v1::RecordStaffRequest>(part, absl::StrCat("staff (part ", ++n, ")"), &S::RecordStaff));
    }
  }
  for (const auto& m : file->leaves) {
    for (const auto& part : Chunks(m, m.leaves(), &v1::LeavesRecorded::mutable_leaves)) {
      PIAO_RETURN_IF_ERROR(send.Send<v1::RecordLeavesRequest>(part, "leaves", &S::RecordLeaves));
    }
  }
  for (const auto& m : file->remainders) {
    PIAO_RETURN_IF_ERROR(send.Send<v1::RecordHiringRemaindersRequest>(
        m, absl::StrCat("hiring_remainders ", m.budget_year()), &S::RecordHiringRemainders));
  }
  for (const auto& m : file->protected_quota) {
    PIAO_RETURN_IF_ERROR(send.Send<v1::RecordProtectedQuotaRequest>(m, "protected_quota " + m.date(),
                                                                    &S::RecordProtectedQuota));
  }
  for (const auto& m : file->planned_hires) {
    PIAO_RETURN_IF_ERROR(
        send.Send<v1::PlanHiresRequest>(m, absl::StrCat("planned_hires ", m.year()), &S::PlanHires));
  }
  for (const auto& m : file->remotability) {
    PIAO_RETURN_IF_ERROR(send.Send<v1::AssessRemotabilityRequest>(m, "remotability", &S::AssessRemotability));
  }
  for (const auto& m : file->agreements) {
    PIAO_RETURN_IF_ERROR(send.Send<v1::SignAgileAgreementsRequest>(m, "agile_agreements", &S::SignAgileAgreements));
  }
  for (const auto& m : file->year_settings) {
    PIAO_RETURN_IF_ERROR(
        send.Send<v1::SetYearSettingsRequest>(m, absl::StrCat("year_settings ", m.year()), &S::SetYearSettings));
  }
  if (o.json) {
    std::printf("%s\n", json{{"file", o.file},
                             {"administration", admin},
                             {"commands", send.stored + send.duplicates},
                             {"stored", send.stored},
                             {"already_stored", send.duplicates},
                             {"hr_position", send.last_position}}
                            .dump()
                            .c_str());
  } else {
    std::printf("hr import %s (%s): %d commands, %d stored, %d already stored\n", o.file.c_str(), admin.c_str(),
                send.stored + send.duplicates, send.stored, send.duplicates);
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::HrSummary> FetchHrSummary(const HrSummaryOptions& o) {
  if (o.year < 2000 || o.year > 2999) {
    return absl::InvalidArgumentError(absl::StrCat("--year: a four-digit PIAO year is required, got ", o.year));
  }
  v1::GetHrSummaryRequest req;
  req.set_administration(o.administration);
  req.set_year(o.year);
  if (!o.as_of.empty()) {
    if (!hr::ParseDate(o.as_of, "--as-of").ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--as-of: must be a real date YYYY-MM-DD, got '", o.as_of, "'"));
    }
    req.set_as_of_date(o.as_of);
  }
  for (const std::string& d : o.vacancy_dates) {
    if (!hr::ParseDate(d, "--vacancy-dates").ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--vacancy-dates: '", d, "' is not a real date YYYY-MM-DD"));
    }
    req.add_vacancy_dates(d);
  }
  // Read-your-writes: the HR facts and the scores (plan + actuals, for the pay link) as they stand now.
  v1::HrSummary s;
  PIAO_RETURN_IF_ERROR(QueryProjection(o.data_dir, &v1::HrViews::Stub::GetHrSummary, req, &s));
  return s;
}

absl::Status RunHrSummary(const HrSummaryOptions& o) {
  PIAO_ASSIGN_OR_RETURN(v1::HrSummary s, FetchHrSummary(o));
  if (o.json) {
    std::printf("%s\n", DumpHrJson(HrSummaryToJson(s)).c_str());
  } else {
    std::fputs(RenderHrSummary(s).c_str(), stdout);
  }
  return absl::OkStatus();
}

}  // namespace piao::cli
