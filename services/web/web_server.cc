#include "services/web/web_server.h"

#include <httplib.h>

#include <algorithm>
#include <functional>
#include <tuple>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/base/log.h"
#include "libs/base/timestamp.h"
#include "piao/v1/hr.grpc.pb.h"
#include "piao/v1/oiv.grpc.pb.h"
#include "piao/v1/projection.grpc.pb.h"
#include "piao/v1/risk.grpc.pb.h"
#include "services/web/pages.h"

namespace piao::web {
namespace {

constexpr char kCookie[] = "piao_session";
constexpr char kHtml[] = "text/html; charset=utf-8";

// What a failed call means to the person in front of the page.
struct Failure {
  int http = 500;
  std::string heading;
  std::string detail;
};

Failure FromGrpc(const grpc::Status& s) {
  Failure f;
  f.detail = s.error_message();
  switch (s.error_code()) {
    case grpc::StatusCode::UNAUTHENTICATED: f.http = 401; f.heading = "Sessione non più valida: accedi di nuovo"; break;
    case grpc::StatusCode::PERMISSION_DENIED: f.http = 403; f.heading = "Accesso negato"; break;
    case grpc::StatusCode::NOT_FOUND: f.http = 404; f.heading = "Nessun dato"; break;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE: f.http = 400; f.heading = "Richiesta non valida"; break;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED: f.http = 503; f.heading = "Servizio non disponibile, riprova"; break;
    default: f.http = 502; f.heading = "Errore del servizio"; break;
  }
  return f;
}

// "YYYY-MM-DD" at the start (or the end) of that day, UTC.
std::optional<google::protobuf::Timestamp> DayBound(const std::string& text, bool end) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime("%Y-%m-%d", text, absl::UTCTimeZone(), &t, &err)) return std::nullopt;
  if (end) t += absl::Hours(24) - absl::Nanoseconds(1);
  return ToTimestamp(t);
}

}  // namespace

struct WebServer::Impl {
  WebOptions options;
  std::unique_ptr<httplib::Server> server;
  SessionStore sessions;     // signed-in sessions
  SessionStore presessions;  // the sign-in form's: apart, so anonymous requests never push a signed-in one out
  std::shared_ptr<grpc::Channel> projection_channel;
  std::unique_ptr<v1::Projection::Stub> projection;
  std::unique_ptr<v1::RiskViews::Stub> risk;
  std::unique_ptr<v1::HrViews::Stub> hr;
  std::unique_ptr<v1::OivViews::Stub> oiv_views;
  std::shared_ptr<grpc::Channel> planning_channel;
  std::unique_ptr<v1::OivActs::Stub> oiv_acts;
  bool tls = false;
  std::string url;

  static SessionStore::Options PreOptions(SessionStore::Options o) {
    o.idle = std::min(o.idle, absl::Minutes(15));
    o.lifetime = std::min(o.lifetime, absl::Hours(1));
    return o;
  }
  explicit Impl(WebOptions o) : options(std::move(o)), sessions(options.sessions), presessions(PreOptions(options.sessions)) {}

  void Prepare(grpc::ClientContext* ctx, const Session& s) {
    service::PrepareContext(ctx, s.token, options.call_timeout);
  }

  // The signed-in session of the request, or nullopt (then the response redirects to the sign-in page).
  std::optional<Session> SignedIn(const httplib::Request& req, httplib::Response& res, std::string* id_out = nullptr) {
    const std::string id = CookieValue(req.get_header_value("Cookie"), kCookie);
    std::optional<Session> s = sessions.Find(id);
    if (!s.has_value() || s->token.empty()) {
      res.set_redirect("/accedi", 303);
      return std::nullopt;
    }
    if (id_out != nullptr) *id_out = id;
    return s;
  }

  // The form fields of a POST (application/x-www-form-urlencoded).
  static httplib::Params Form(const httplib::Request& req) {
    httplib::Params form;
    httplib::detail::parse_query_text(req.body, form);
    return form;
  }
  static std::string FormValue(const httplib::Params& form, const std::string& key) {
    auto it = form.find(key);
    return it == form.end() ? "" : it->second;
  }

  Frame MakeFrame(const httplib::Request& req, const Session& s, std::string title, std::string section, Failure* bad) {
    Frame f;
    f.title = std::move(title);
    f.section = std::move(section);
    f.principal = s.principal;
    f.csrf = s.csrf;
    f.administration = req.get_param_value("amm");
    const std::string year = req.get_param_value("anno");
    if (!year.empty() && (!absl::SimpleAtoi(year, &f.year) || f.year < 2000 || f.year > 2999)) {
      bad->http = 400;
      bad->heading = "Anno non valido";
      bad->detail = "anno: un numero tra 2000 e 2999";
      f.year = 0;
    }
    return f;
  }

  void SendPage(httplib::Response& res, const Frame& f, const std::string& body, int status = 200) {
    res.status = status;
    res.set_content(RenderPage(f, body), kHtml);
  }
  void SendFailure(httplib::Response& res, const Frame& f, const Failure& failure) {
    SendPage(res, f, ErrorBody(failure.heading, failure.detail), failure.http);
  }
  // A page that needs the year: without it, the home form.
  bool NeedYear(httplib::Response& res, const Frame& f) {
    if (f.year > 0) return true;
    SendPage(res, f, ErrorBody("Scegli amministrazione e anno", "Indica l'anno del piano da consultare.") + HomeBody(f), 400);
    return false;
  }
  // A failed call: a revoked token ends the session; anything else is shown.
  void Fail(const httplib::Request& req, httplib::Response& res, const Frame& f, const grpc::Status& s) {
    if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
      sessions.Remove(CookieValue(req.get_header_value("Cookie"), kCookie));
      res.set_header("Set-Cookie", SessionCookie(kCookie, "", tls));
    }
    SendFailure(res, f, FromGrpc(s));
  }

  // A POST route of a signed-in session: refused (403) unless the form's csrf field is the session's token.
  void Post(const std::string& path, std::function<void(const httplib::Request&, httplib::Response&)> handler) {
    server->Post(path, [this, handler](const httplib::Request& req, httplib::Response& res) {
      std::optional<Session> s = sessions.Find(CookieValue(req.get_header_value("Cookie"), kCookie));
      if (!s.has_value() || s->token.empty() || !TokensEqual(s->csrf, FormValue(Form(req), "csrf"))) {
        res.status = 403;
        res.set_content("<!DOCTYPE html><html lang=\"it\"><head><meta charset=\"utf-8\"><title>Richiesta rifiutata</title>"
                        "</head><body><main><h1>Richiesta rifiutata</h1><p>Modulo senza un token CSRF valido per questa "
                        "sessione.</p><p><a href=\"/\">Torna all'inizio</a></p></main></body></html>",
                        kHtml);
        return;
      }
      handler(req, res);
    });
  }

  void Routes();
  void Login(const httplib::Request& req, httplib::Response& res);
  void Tree(const httplib::Request& req, httplib::Response& res);
  void Indicator(const httplib::Request& req, httplib::Response& res);
  bool AuditRequest(const httplib::Request& req, const Frame& f, AuditQuery* q, v1::GetAuditTrailRequest* r, Failure* bad);
  void Audit(const httplib::Request& req, httplib::Response& res, bool csv);
  void Risk(const httplib::Request& req, httplib::Response& res);
  void Process(const httplib::Request& req, httplib::Response& res);
  void Hr(const httplib::Request& req, httplib::Response& res);
  void OivPage(const httplib::Request& req, httplib::Response& res, const std::string& failure_heading = "",
               const std::string& failure_detail = "", int status = 200);
  void OivAct(const httplib::Request& req, httplib::Response& res, const std::string& kind);
};

void WebServer::Impl::Login(const httplib::Request& req, httplib::Response& res) {
  const std::string pre_id = CookieValue(req.get_header_value("Cookie"), kCookie);
  std::optional<Session> pre = presessions.Find(pre_id);
  const httplib::Params form = Form(req);
  if (!pre.has_value() || !TokensEqual(pre->csrf, FormValue(form, "csrf"))) {
    res.status = 403;
    res.set_content(RenderLoginPage("", "Modulo scaduto o non valido: ricarica la pagina di accesso."), kHtml);
    return;
  }
  const std::string token(absl::StripAsciiWhitespace(FormValue(form, "token")));
  const auto retry = [&](int status, const std::string& error) {
    res.status = status;
    res.set_content(RenderLoginPage(pre->csrf, error), kHtml);
  };
  if (token.empty()) return retry(400, "Inserisci il token.");
  // A cheap call every authenticated principal may make: the token is valid when the projection accepts it.
  grpc::ClientContext ctx;
  service::PrepareContext(&ctx, token, options.call_timeout);
  v1::Progress progress;
  grpc::Status s = projection->GetProgress(&ctx, v1::GetProgressRequest(), &progress);
  if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED) return retry(401, "Token non valido.");
  if (!s.ok()) return retry(503, "Servizi non raggiungibili: " + s.error_message());
  presessions.Remove(pre_id);  // a new id on sign-in: a pre-session id never becomes a signed-in one
  absl::StatusOr<std::string> id = sessions.Create(token, "utente connesso");
  if (!id.ok()) return retry(503, "Impossibile creare la sessione.");
  log::Info("signed in", {{"remote", req.remote_addr}});
  res.set_header("Set-Cookie", SessionCookie(kCookie, *id, tls));
  res.set_redirect("/", 303);
}

void WebServer::Impl::Tree(const httplib::Request& req, httplib::Response& res) {
  std::optional<Session> s = SignedIn(req, res);
  if (!s) return;
  Failure bad;
  Frame f = MakeFrame(req, *s, "Albero della performance", "albero", &bad);
  if (!bad.heading.empty()) return SendFailure(res, f, bad);
  if (!NeedYear(res, f)) return;
  TreeQuery q{req.get_param_value("data"), req.get_param_value("periodo")};
  v1::ScoresView views[2];
  const v1::ScoreBasis bases[2] = {v1::SCORE_BASIS_REVISED, v1::SCORE_BASIS_APPROVED};
  for (int i = 0; i < 2; ++i) {
    v1::GetScoresRequest r;
    r.set_administration(f.administration);
    r.set_year(f.year);
    r.set_as_of_date(q.as_of);
    r.set_period(q.period);
    r.set_basis_kind(bases[i]);
    grpc::ClientContext ctx;
    Prepare(&ctx, *s);
    grpc::Status st = projection->GetScores(&ctx, r, &views[i]);
    if (!st.ok()) return Fail(req, res, f, st);
  }
  if (f.administration.empty()) f.administration = views[0].administration();
  SendPage(res, f, TreeBody(f, q, views[0], views[1]));
}

namespace {
v1::ObjectiveLevel LevelFromName(const std::string& s) {
  if (s == "strategic") return v1::OBJECTIVE_LEVEL_STRATEGIC;
  if (s == "operational") return v1::OBJECTIVE_LEVEL_OPERATIONAL;
  if (s == "individual") return v1::OBJECTIVE_LEVEL_INDIVIDUAL;
  return v1::OBJECTIVE_LEVEL_UNSPECIFIED;
}
}  // namespace

void WebServer::Impl::Indicator(const httplib::Request& req, httplib::Response& res) {
  std::optional<Session> s = SignedIn(req, res);
  if (!s) return;
  Failure bad;
  Frame f = MakeFrame(req, *s, "Indicatore", "albero", &bad);
  if (!bad.heading.empty()) return SendFailure(res, f, bad);
  if (!NeedYear(res, f)) return;
  IndicatorQuery q{req.get_param_value("obiettivo"), req.get_param_value("livello"), req.get_param_value("ambito"),
                   req.get_param_value("codice")};
  v1::GetIndicatorHistoryRequest hr;
  hr.set_administration(f.administration);
  hr.set_year(f.year);
  hr.set_objective(q.objective);
  hr.set_indicator(q.indicator);
  hr.set_level_kind(LevelFromName(q.level));
  hr.set_scope(q.scope);
  v1::IndicatorHistory history;
  {
    grpc::ClientContext ctx;
    Prepare(&ctx, *s);
    grpc::Status st = projection->GetIndicatorHistory(&ctx, hr, &history);
    if (!st.ok()) return Fail(req, res, f, st);
  }
  v1::GetLineageRequest lr;
  lr.set_administration(f.administration);
  lr.set_year(f.year);
  lr.set_objective(q.objective);
  lr.set_indicator(q.indicator);
  lr.set_level_kind(LevelFromName(q.level));
  lr.set_scope(q.scope);
  v1::Lineage lineage;
  grpc::ClientContext ctx;
  Prepare(&ctx, *s);
  grpc::Status st = projection->GetLineage(&ctx, lr, &lineage);
  if (!st.ok() && st.error_code() != grpc::StatusCode::NOT_FOUND) return Fail(req, res, f, st);
  f.title = "Indicatore " + history.indicator();
  SendPage(res, f, IndicatorBody(f, q, history, st.ok() ? &lineage : nullptr));
}

bool WebServer::Impl::AuditRequest(const httplib::Request& req, const Frame& f, AuditQuery* q,
                                   v1::GetAuditTrailRequest* r, Failure* bad) {
  q->actor = req.get_param_value("attore");
  q->from = req.get_param_value("dal");
  q->to = req.get_param_value("al");
  q->objective = req.get_param_value("obiettivo");
  q->indicator = req.get_param_value("indicatore");
  q->process = req.get_param_value("processo");
  q->valid_from = req.get_param_value("valido_dal");
  q->valid_to = req.get_param_value("valido_al");
  q->searched = req.has_param("cerca");
  for (size_t i = 0; i < req.get_param_value_count("servizio"); ++i) q->services.push_back(req.get_param_value("servizio", i));
  for (size_t i = 0; i < req.get_param_value_count("modifica"); ++i) q->changes.push_back(req.get_param_value("modifica", i));
  const std::string page = req.get_param_value("pagina");
  if (!page.empty() && (!absl::SimpleAtoi(page, &q->page) || q->page < 1)) {
    *bad = {400, "Pagina non valida", "pagina: un numero da 1"};
    return false;
  }
  r->set_administration(f.administration);
  r->set_year(f.year);
  r->set_actor(q->actor);
  r->set_objective(q->objective);
  r->set_indicator(q->indicator);
  r->set_process(q->process);
  r->set_valid_from(q->valid_from);
  r->set_valid_to(q->valid_to);
  for (const auto& [text, end, field] : {std::tuple{q->from, false, "dal"}, std::tuple{q->to, true, "al"}}) {
    if (text.empty()) continue;
    std::optional<google::protobuf::Timestamp> t = DayBound(text, end);
    if (!t) {
      *bad = {400, "Data non valida", absl::StrCat(field, ": una data AAAA-MM-GG")};
      return false;
    }
    *(end ? r->mutable_to_record_time() : r->mutable_from_record_time()) = *t;
  }
  for (const std::string& sv : q->services) {
    v1::SourceService v = sv == "planning"      ? v1::SOURCE_SERVICE_PLANNING
                          : sv == "measurement" ? v1::SOURCE_SERVICE_MEASUREMENT
                          : sv == "risk"        ? v1::SOURCE_SERVICE_RISK
                          : sv == "hr"          ? v1::SOURCE_SERVICE_HR
                                                : v1::SOURCE_SERVICE_UNSPECIFIED;
    if (v == v1::SOURCE_SERVICE_UNSPECIFIED) {
      *bad = {400, "Servizio non valido", "servizio: planning, measurement, risk o hr"};
      return false;
    }
    r->add_source_services(v);
  }
  for (const std::string& c : q->changes) {
    v1::AuditChange v = ChangeFromName(c);
    if (v == v1::AUDIT_CHANGE_UNSPECIFIED) {
      *bad = {400, "Tipo di modifica non valido", "modifica: " + c};
      return false;
    }
    r->add_changes(v);
  }
  return true;
}

void WebServer::Impl::Audit(const httplib::Request& req, httplib::Response& res, bool csv) {
  std::optional<Session> s = SignedIn(req, res);
  if (!s) return;
  Failure bad;
  Frame f = MakeFrame(req, *s, "Registro delle modifiche", "audit", &bad);
  if (!bad.heading.empty()) return SendFailure(res, f, bad);
  AuditQuery q;
  v1::GetAuditTrailRequest r;
  if (!AuditRequest(req, f, &q, &r, &bad)) return SendFailure(res, f, bad);
  v1::AuditTrail trail;
  if (!csv && !q.searched) return SendPage(res, f, AuditBody(f, q, trail));
  if (!NeedYear(res, f)) return;
  r.set_page_size(csv ? 0 : 50);
  r.set_page(csv ? 0 : static_cast<uint32_t>(q.page));
  grpc::ClientContext ctx;
  Prepare(&ctx, *s);
  grpc::Status st = projection->GetAuditTrail(&ctx, r, &trail);
  if (!st.ok()) return Fail(req, res, f, st);
  if (csv) {
    res.set_header("Content-Disposition",
                   absl::StrCat("attachment; filename=\"audit-", f.year, ".csv\""));
    res.set_content(AuditCsv(trail), "text/csv; charset=utf-8");
    return;
  }
  SendPage(res, f, AuditBody(f, q, trail));
}

void WebServer::Impl::Risk(const httplib::Request& req, httplib::Response& res) {
  std::optional<Session> s = SignedIn(req, res);
  if (!s) return;
  Failure bad;
  Frame f = MakeFrame(req, *s, "Mappa dei rischi", "rischi", &bad);
  if (!bad.heading.empty()) return SendFailure(res, f, bad);
  if (!NeedYear(res, f)) return;
  const std::string as_of = req.get_param_value("data");
  v1::GetRiskMapRequest mr;
  mr.set_administration(f.administration);
  mr.set_year(f.year);
  mr.set_as_of_date(as_of);
  v1::RiskMap map;
  {
    grpc::ClientContext ctx;
    Prepare(&ctx, *s);
    grpc::Status st = risk->GetRiskMap(&ctx, mr, &map);
    if (!st.ok()) return Fail(req, res, f, st);
  }
  v1::GetRiskReportRequest rr;
  rr.set_administration(f.administration);
  rr.set_year(f.year);
  rr.set_as_of_date(as_of);
  v1::RiskReport report;
  grpc::ClientContext ctx;
  Prepare(&ctx, *s);
  grpc::Status st = risk->GetRiskReport(&ctx, rr, &report);
  if (!st.ok()) return Fail(req, res, f, st);
  SendPage(res, f, RiskBody(f, as_of, map, report));
}

void WebServer::Impl::Process(const httplib::Request& req, httplib::Response& res) {
  std::optional<Session> s = SignedIn(req, res);
  if (!s) return;
  Failure bad;
  Frame f = MakeFrame(req, *s, "Processo", "rischi", &bad);
  if (!bad.heading.empty()) return SendFailure(res, f, bad);
  if (!NeedYear(res, f)) return;
  v1::GetProcessHistoryRequest r;
  r.set_administration(f.administration);
  r.set_year(f.year);
  r.set_process(req.get_param_value("codice"));
  v1::ProcessHistory h;
  grpc::ClientContext ctx;
  Prepare(&ctx, *s);
  grpc::Status st = risk->GetProcessHistory(&ctx, r, &h);
  if (!st.ok()) return Fail(req, res, f, st);
  f.title = "Processo " + h.process().code();
  SendPage(res, f, ProcessBody(f, h));
}

void WebServer::Impl::Hr(const httplib::Request& req, httplib::Response& res) {
  std::optional<Session> s = SignedIn(req, res);
  if (!s) return;
  Failure bad;
  Frame f = MakeFrame(req, *s, "Capacità del personale", "personale", &bad);
  if (!bad.heading.empty()) return SendFailure(res, f, bad);
  if (!NeedYear(res, f)) return;
  const std::string as_of = req.get_param_value("data");
  v1::GetHrSummaryRequest r;
  r.set_administration(f.administration);
  r.set_year(f.year);
  r.set_as_of_date(as_of);
  v1::HrSummary summary;
  grpc::ClientContext ctx;
  Prepare(&ctx, *s);
  grpc::Status st = hr->GetHrSummary(&ctx, r, &summary);
  if (!st.ok()) return Fail(req, res, f, st);
  SendPage(res, f, HrBody(f, as_of, summary));
}

// The OIV's desk: the status of the year's acts (read-your-writes after a submission: `dopo` is the planning
// position the act was stored at) and the forms, each with a fresh idempotency key.
void WebServer::Impl::OivPage(const httplib::Request& req, httplib::Response& res, const std::string& failure_heading,
                              const std::string& failure_detail, int status) {
  std::optional<Session> s = SignedIn(req, res);
  if (!s) return;
  Failure bad;
  Frame f = MakeFrame(req, *s, "Scrivania OIV", "oiv", &bad);
  if (!bad.heading.empty()) return SendFailure(res, f, bad);
  if (!NeedYear(res, f)) return;
  v1::GetOivStatusRequest r;
  r.set_administration(f.administration);
  r.set_year(f.year);
  uint64_t after = 0;
  if (absl::SimpleAtoi(req.get_param_value("dopo"), &after) && after > 0) {
    (*r.mutable_consistency()->mutable_min_positions())["planning"] = after;
  }
  v1::OivStatus st;
  grpc::ClientContext ctx;
  Prepare(&ctx, *s);
  grpc::Status gs = oiv_views->GetOivStatus(&ctx, r, &st);
  std::string prefix;
  if (!failure_heading.empty()) prefix = ErrorBody(failure_heading, failure_detail);
  if (!gs.ok()) {
    Failure failure = FromGrpc(gs);
    return SendPage(res, f, prefix + ErrorBody(failure.heading, failure.detail), status != 200 ? status : failure.http);
  }
  if (f.administration.empty()) f.administration = st.administration();
  OivForms forms;
  for (std::string* key : {&forms.key_validation, &forms.key_monitoring, &forms.key_attestation}) {
    absl::StatusOr<std::string> k = RandomHex256();
    if (!k.ok()) return SendFailure(res, f, {503, "Servizio non disponibile", "nessun numero casuale"});
    *key = "web:" + *k;
  }
  const std::string done = req.get_param_value("registrato");
  if (done == "validazione") forms.notice = "Validazione registrata.";
  if (done == "monitoraggio") forms.notice = "Relazione di monitoraggio registrata.";
  if (done == "attestazione") forms.notice = "Attestazione registrata.";
  SendPage(res, f, prefix + OivBody(f, st, forms), status);
}

namespace {
v1::ValidationOutcome OutcomeFromName(const std::string& s) {
  if (s == "validated") return v1::VALIDATION_OUTCOME_VALIDATED;
  if (s == "validated-with-remarks") return v1::VALIDATION_OUTCOME_VALIDATED_WITH_REMARKS;
  if (s == "not-validated") return v1::VALIDATION_OUTCOME_NOT_VALIDATED;
  return v1::VALIDATION_OUTCOME_UNSPECIFIED;
}
}  // namespace

// One OIV act posted from the desk's forms (CSRF already checked by Post()): the request built from the form,
// sent to planning's OivActs with the user's token; success redirects to the desk (post/redirect/get), a refusal
// shows the desk again with the service's answer.
void WebServer::Impl::OivAct(const httplib::Request& req, httplib::Response& res, const std::string& kind) {
  std::optional<Session> s = SignedIn(req, res);
  if (!s) return;
  const httplib::Params form = Form(req);
  const auto v = [&](const std::string& k) { return std::string(absl::StripAsciiWhitespace(FormValue(form, k))); };
  // The page parameters travel in the form: the desk is shown again from them.
  httplib::Request page = req;
  page.params = {{"amm", v("amm")}, {"anno", v("anno")}};
  int year = 0;
  if (!absl::SimpleAtoi(v("anno"), &year)) return OivPage(page, res, "Anno non valido", "anno", 400);
  if (!oiv_acts) return OivPage(page, res, "Servizio non disponibile", "il servizio di pianificazione non è configurato", 503);
  grpc::ClientContext ctx;
  Prepare(&ctx, *s);
  v1::OivCommandResponse answer;
  grpc::Status gs;
  if (kind == "validazione") {
    v1::ValidateRelazioneRequest r;
    r.mutable_meta()->set_idempotency_key(v("chiave"));
    r.set_administration(v("amm"));
    r.set_year(year);
    v1::RelazioneValidation* val = r.mutable_validation();
    val->set_date(v("v_data"));
    val->set_outcome(OutcomeFromName(v("esito")));
    val->set_motivation(v("motivazione"));
    if (!v("documento").empty() || !v("sha256").empty()) {
      val->mutable_document()->set_reference(v("documento"));
      val->mutable_document()->set_sha256(v("sha256"));
    }
    for (int i = 1; i <= kRemarkRows; ++i) {
      const std::string objective = v(absl::StrCat("oss_obiettivo_", i)), text = v(absl::StrCat("oss_testo_", i));
      if (objective.empty() && text.empty()) continue;
      v1::ObjectiveRemark* remark = val->add_remarks();
      remark->set_objective(objective);
      remark->set_remark(text);
      remark->set_about_deviation(v(absl::StrCat("oss_scostamento_", i)) == "1");
    }
    gs = oiv_acts->ValidateRelazione(&ctx, r, &answer);
  } else if (kind == "monitoraggio") {
    v1::SubmitMonitoringReportRequest r;
    r.mutable_meta()->set_idempotency_key(v("chiave"));
    r.set_administration(v("amm"));
    r.set_year(year);
    v1::OivMonitoringReport* m = r.mutable_report();
    m->set_period(v("periodo"));
    m->set_date(v("m_data"));
    m->set_addressee(v("destinatario"));
    m->set_summary(v("sintesi"));
    if (!v("m_obiettivo").empty() || !v("m_osservazione").empty()) {
      v1::ObjectiveRemark* remark = m->add_remarks();
      remark->set_objective(v("m_obiettivo"));
      remark->set_remark(v("m_osservazione"));
    }
    gs = oiv_acts->SubmitMonitoringReport(&ctx, r, &answer);
  } else {
    v1::AttestTransparencyRequest r;
    r.mutable_meta()->set_idempotency_key(v("chiave"));
    r.set_administration(v("amm"));
    r.set_year(year);
    v1::TransparencyAttestation* a = r.mutable_attestation();
    a->set_date(v("a_data"));
    a->set_survey_date(v("rilevazione"));
    int rows = 0;
    if (!absl::SimpleAtoi(v("righe"), &rows) || rows < 0 || rows > 500) rows = kObligationRows;
    for (int i = 1; i <= rows; ++i) {
      const std::string n = absl::StrCat(i);
      if (v("ob_" + n).empty() && v("sez_" + n).empty() && v("note_" + n).empty()) continue;
      v1::TransparencyObligation* o = a->add_obligations();
      o->set_obligation(v("ob_" + n));
      o->set_section(v("sez_" + n));
      o->set_published(v("pub_" + n) == "1");
      uint32_t score = 0;
      o->set_completeness(absl::SimpleAtoi(v("compl_" + n), &score) ? score : 0);
      o->set_update(absl::SimpleAtoi(v("agg_" + n), &score) ? score : 0);
      o->set_open_format(absl::SimpleAtoi(v("fmt_" + n), &score) ? score : 0);
      o->set_notes(v("note_" + n));
    }
    gs = oiv_acts->AttestTransparency(&ctx, r, &answer);
  }
  if (!gs.ok()) {
    if (gs.error_code() == grpc::StatusCode::UNAUTHENTICATED) return Fail(page, res, Frame(), gs);
    const Failure failure = FromGrpc(gs);
    return OivPage(page, res, failure.heading, failure.detail, failure.http);
  }
  log::Info("oiv act recorded", {{"act", answer.id()}, {"administration", v("amm")}});
  res.set_redirect(absl::StrCat("/oiv", "?amm=", UrlEncode(v("amm")), "&anno=", year, "&registrato=", kind, "&dopo=",
                                answer.ack().global_position()),
                   303);
}

void WebServer::Impl::Routes() {
  httplib::Headers headers = {
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
      {"Cache-Control", "no-store"},
      {"Cross-Origin-Opener-Policy", "same-origin"},
  };
  if (tls) headers.emplace("Strict-Transport-Security", "max-age=31536000");
  server->set_default_headers(headers);
  server->set_payload_max_length(64 * 1024);  // forms only

  // Every POST carries the session's CSRF token (the sign-in form: its pre-session's), checked before its
  // handler runs: Post() below is the only way a POST route is added.
  server->Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
  server->Get("/static/app.css", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "max-age=3600");
    res.set_content(kStyleSheet, "text/css; charset=utf-8");
  });
  server->Get("/accedi", [this](const httplib::Request& req, httplib::Response& res) {
    if (sessions.Find(CookieValue(req.get_header_value("Cookie"), kCookie)).has_value()) {
      return res.set_redirect("/", 303);  // already signed in
    }
    absl::StatusOr<std::string> id = presessions.Create("", "");
    if (!id.ok()) {
      res.status = 503;
      return res.set_content(RenderLoginPage("", "Impossibile creare la sessione."), kHtml);
    }
    std::optional<Session> pre = presessions.Find(*id);
    res.set_header("Set-Cookie", SessionCookie(kCookie, *id, tls));
    res.set_content(RenderLoginPage(pre ? pre->csrf : "", ""), kHtml);
  });
  server->Post("/accedi", [this](const httplib::Request& req, httplib::Response& res) { Login(req, res); });
  Post("/esci", [this](const httplib::Request& req, httplib::Response& res) {
    sessions.Remove(CookieValue(req.get_header_value("Cookie"), kCookie));
    res.set_header("Set-Cookie", SessionCookie(kCookie, "", tls));
    res.set_redirect("/accedi", 303);
  });
  server->Get("/", [this](const httplib::Request& req, httplib::Response& res) {
    std::optional<Session> s = SignedIn(req, res);
    if (!s) return;
    Failure bad;
    Frame f = MakeFrame(req, *s, "Area di lavoro", "", &bad);
    if (!bad.heading.empty()) return SendFailure(res, f, bad);
    SendPage(res, f, HomeBody(f));
  });
  server->Get("/albero", [this](const httplib::Request& req, httplib::Response& res) { Tree(req, res); });
  server->Get("/indicatore", [this](const httplib::Request& req, httplib::Response& res) { Indicator(req, res); });
  server->Get("/audit", [this](const httplib::Request& req, httplib::Response& res) { Audit(req, res, false); });
  server->Get("/audit.csv", [this](const httplib::Request& req, httplib::Response& res) { Audit(req, res, true); });
  server->Get("/rischi", [this](const httplib::Request& req, httplib::Response& res) { Risk(req, res); });
  server->Get("/rischi/processo", [this](const httplib::Request& req, httplib::Response& res) { Process(req, res); });
  server->Get("/personale", [this](const httplib::Request& req, httplib::Response& res) { Hr(req, res); });
  server->Get("/oiv", [this](const httplib::Request& req, httplib::Response& res) { OivPage(req, res); });
  for (const char* kind : {"validazione", "monitoraggio", "attestazione"}) {
    Post(std::string("/oiv/") + kind, [this, kind](const httplib::Request& req, httplib::Response& res) { OivAct(req, res, kind); });
  }
  server->set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    res.set_content(absl::StrCat("<!DOCTYPE html><html lang=\"it\"><head><meta charset=\"utf-8\"><title>Errore ", res.status,
                                 "</title></head><body><main><h1>Errore ", res.status,
                                 "</h1><p><a href=\"/\">Torna all'inizio</a></p></main></body></html>"),
                    kHtml);
  });
}

absl::StatusOr<std::unique_ptr<WebServer>> WebServer::Create(WebOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  Impl& i = *impl;
  if (i.options.tls_cert_file.empty() != i.options.tls_key_file.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  i.tls = !i.options.tls_cert_file.empty();
  if (i.tls) {
    auto ssl = std::make_unique<httplib::SSLServer>(i.options.tls_cert_file.c_str(), i.options.tls_key_file.c_str());
    if (!ssl->is_valid()) {
      return absl::InvalidArgumentError(absl::StrCat("--tls-cert/--tls-key: cannot load ", i.options.tls_cert_file, " and ",
                                                     i.options.tls_key_file));
    }
    i.server = std::move(ssl);
  } else {
    i.server = std::make_unique<httplib::Server>();
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> projection = service::MakeChannel(i.options.projection);
  if (!projection.ok()) return projection.status();
  i.projection_channel = *projection;
  i.projection = v1::Projection::NewStub(i.projection_channel);
  i.risk = v1::RiskViews::NewStub(i.projection_channel);
  i.hr = v1::HrViews::NewStub(i.projection_channel);
  i.oiv_views = v1::OivViews::NewStub(i.projection_channel);
  if (!i.options.planning.address.empty()) {
    absl::StatusOr<std::shared_ptr<grpc::Channel>> planning = service::MakeChannel(i.options.planning);
    if (!planning.ok()) return planning.status();
    i.planning_channel = *planning;
    i.oiv_acts = v1::OivActs::NewStub(i.planning_channel);
  }
  i.Routes();
  return std::unique_ptr<WebServer>(new WebServer(std::move(impl)));
}

WebServer::WebServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WebServer::~WebServer() = default;

absl::StatusOr<std::string> WebServer::Bind() {
  int port = impl_->options.port;
  if (port == 0) {
    port = impl_->server->bind_to_any_port(impl_->options.host);
    if (port <= 0) return absl::UnavailableError("cannot bind " + impl_->options.host);
  } else if (!impl_->server->bind_to_port(impl_->options.host, port)) {
    return absl::UnavailableError(absl::StrCat("cannot bind ", impl_->options.host, ":", port));
  }
  impl_->url = absl::StrCat(impl_->tls ? "https" : "http", "://", impl_->options.host, ":", port);
  return impl_->url;
}

void WebServer::Run() { impl_->server->listen_after_bind(); }
void WebServer::Stop() { impl_->server->stop(); }

}  // namespace piao::web
