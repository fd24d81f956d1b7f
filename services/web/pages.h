// The pages of the web workspace (piao-web), in Italian: pure functions from the services' answers (the
// projection's Projection, RiskViews and HrViews messages) to HTML. Every string that comes from a request or
// a service is HTML-escaped here (HtmlEscape), so the HTTP adapter (web_server.cc) only fetches and sends.
// No script: drilling down is <details>, charts are inline SVG drawn here, the CSS is served by piao-web
// itself (kStyleSheet), so the Content-Security-Policy is default-src 'self' with nothing inline.
#ifndef PIAO_SERVICES_WEB_PAGES_H_
#define PIAO_SERVICES_WEB_PAGES_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "piao/v1/hr.pb.h"
#include "piao/v1/oiv.pb.h"
#include "piao/v1/projection.pb.h"
#include "piao/v1/risk.pb.h"

namespace piao::web {

// & < > " ' as entities; invalid UTF-8 bytes become U+FFFD. Safe in element content and quoted attributes.
std::string HtmlEscape(absl::string_view s);
// Percent-encoding of a query-string component (RFC 3986 unreserved characters kept).
std::string UrlEncode(absl::string_view s);
// "?k1=v1&amp;k2=v2" of the pairs whose value is not empty, encoded and escaped for an href ("" if none).
std::string QueryHref(const std::vector<std::pair<std::string, std::string>>& params);
// A CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF; a leading = + - @ TAB or CR is
// prefixed with ' so a spreadsheet never reads it as a formula.
std::string CsvField(absl::string_view s);

// Italian number forms: 1234.5 -> "1.234,50"; a percentage "92,50 %"; cents -> "€ 1.234.567,89".
std::string ItalianNumber(double value, int decimals);
std::string Percent(double value);
std::string Euro(int64_t cents);

// The achievement band as people read it ("Raggiunto", ...) and its CSS class ("band-met", ...).
std::string BandLabel(v1::AchievementBand band);
std::string BandClass(v1::AchievementBand band);
// Typed values in short Italian form: "≥ 85 %", "entro il 2022-06-30", the text target as is; "—" for none.
std::string TargetText(const v1::Target& target);
std::string ThresholdText(const v1::Threshold& threshold);
std::string ValueText(const v1::MeasuredValue& value);
std::string ChangedText(const v1::ChangedValue& value);
// An audit change kind in Italian ("Soglia", "Correzione del valore", ...).
std::string ChangeLabel(v1::AuditChange change);
std::string LevelLabel(v1::ObjectiveLevel level);
// A record time as "2022-09-14 10:00:00 UTC"; "—" when unset.
std::string TimeText(const google::protobuf::Timestamp& t);

// What every page of a signed-in session shares.
struct Frame {
  std::string title;           // the page's <title> and <h1>
  std::string section;         // "albero", "audit", "rischi", "personale", "oiv", "" (home)
  std::string principal;       // shown in the header
  std::string csrf;            // the session's CSRF token (the sign-out form carries it)
  std::string administration;  // the administration chosen ("" = the token's only one)
  int year = 0;
};

// A whole HTML document: header with navigation and sign-out, <main> holding `body`.
std::string RenderPage(const Frame& frame, const std::string& body);
// The sign-in page (no session yet): the token field, the pre-session's CSRF token, an error if any.
std::string RenderLoginPage(const std::string& csrf, const std::string& error);
// An error inside a page: a heading and what went wrong (escaped).
std::string ErrorBody(const std::string& heading, const std::string& detail);
// The home page: administration and year, and the sections.
std::string HomeBody(const Frame& frame);

// The performance tree: areas -> strategic -> operational and individual objectives -> indicators, each with
// its score on the revised basis beside the approved one, coloured by band; a chart of the strategic scores.
struct TreeQuery {
  std::string as_of;   // "" = latest
  std::string period;  // "" = year-end, else a monitoring date
};
std::string TreeBody(const Frame& frame, const TreeQuery& query, const v1::ScoresView& revised,
                     const v1::ScoresView& approved);

// One indicator: its definitions over time (each act, date, actor, reason, from -> to), its actuals and
// corrections, and the lineage of the current actual (formula, inputs with feed batch and row).
struct IndicatorQuery {
  std::string objective;
  std::string level;  // "strategic", "operational", "individual"
  std::string scope;
  std::string indicator;
};
std::string IndicatorBody(const Frame& frame, const IndicatorQuery& query, const v1::IndicatorHistory& history,
                          const v1::Lineage* lineage);

// The audit search: a form with every filter of GetAuditTrail, the page of results, the CSV link.
struct AuditQuery {
  std::string actor, from, to, objective, indicator, process, valid_from, valid_to;
  std::vector<std::string> services;  // "planning", "measurement", "risk", "hr"
  std::vector<std::string> changes;   // display names ("target", "actual-corrected", ...)
  int page = 1;
  bool searched = false;              // false: the form alone
};
// The query string of a search (without page), for the CSV link and the pager.
std::vector<std::pair<std::string, std::string>> AuditParams(const Frame& frame, const AuditQuery& query);
std::string AuditBody(const Frame& frame, const AuditQuery& query, const v1::AuditTrail& trail);
// Every entry of `trail` as CSV (header row first).
std::string AuditCsv(const v1::AuditTrail& trail);
// The display name of an audit change kind ("actual-corrected") and back (UNSPECIFIED when unknown).
std::string ChangeName(v1::AuditChange change);
v1::AuditChange ChangeFromName(absl::string_view name);

// The risk map: areas x bands, the processes with their ratings, overdue measures, monitoring coverage.
std::string RiskBody(const Frame& frame, const std::string& as_of, const v1::RiskMap& map, const v1::RiskReport& report);
// One process: every rating, oldest first.
std::string ProcessBody(const Frame& frame, const v1::ProcessHistory& history);

// Workforce capacity: ceiling, cost in service, margin, hiring budgets, vacancies, turnover.
std::string HrBody(const Frame& frame, const std::string& as_of, const v1::HrSummary& summary);

// The OIV's desk: the validation of the Relazione in force and every earlier one, the monitoring reports, the
// transparency attestation grid, the SG evaluation proposal and the deviations; the forms of the OIV's acts
// (validation, monitoring report, attestation). The services decide who may submit them (role oiv only): the
// page shows the forms to everyone and the refusal to whoever is refused.
struct OivForms {
  // A fresh idempotency key per form, made when the page is rendered: submitting the same form twice is a retry.
  std::string key_validation, key_monitoring, key_attestation;
  std::string notice;  // what was just recorded ("" = nothing)
};
std::string OivBody(const Frame& frame, const v1::OivStatus& status, const OivForms& forms);
std::string OutcomeLabel(v1::ValidationOutcome outcome);
// The remark rows of the validation form, the obligation rows of the attestation form.
inline constexpr int kRemarkRows = 3;
inline constexpr int kObligationRows = 4;

// The style sheet served at /static/app.css.
extern const char kStyleSheet[];

}  // namespace piao::web

#endif  // PIAO_SERVICES_WEB_PAGES_H_
