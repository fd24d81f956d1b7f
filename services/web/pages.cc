#include "services/web/pages.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "libs/base/legacy_enum.h"
#include "libs/base/timestamp.h"

namespace piao::web {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

// The length of the valid UTF-8 sequence at s[i], or 0 when it is not one.
size_t Utf8Length(absl::string_view s, size_t i) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  if (n == 2 && c < 0xC2) return 0;  // overlong
  return n;
}

std::string E(absl::string_view s) { return HtmlEscape(s); }

std::string BaseParams(const Frame& f, Params extra = {}) {
  Params p = {{"amm", f.administration}, {"anno", f.year > 0 ? absl::StrCat(f.year) : ""}};
  for (auto& kv : extra) p.push_back(std::move(kv));
  return QueryHref(p);
}

std::string Dash(const std::string& s) { return s.empty() ? "—" : E(s); }

std::string ScoreCell(bool has, double score, v1::AchievementBand band) {
  return absl::StrCat("<span class=\"badge ", BandClass(band), "\">", has ? Percent(score) : "—", " <small>",
                      BandLabel(band), "</small></span>");
}

// A horizontal bar chart as inline SVG: one row per item, two bars (approved, revised) on a 0-100 scale.
struct BarRow {
  std::string label;
  bool has_a = false, has_b = false;
  double a = 0, b = 0;
};
std::string PairBarChart(const std::string& title, const std::string& label_a, const std::string& label_b,
                         const std::vector<BarRow>& rows) {
  const int row_h = 34, left = 130, width = 640, bar_w = width - left - 70;
  const int height = 40 + row_h * static_cast<int>(rows.size());
  std::string out = absl::StrCat("<figure class=\"chart\"><svg role=\"img\" aria-labelledby=\"chart-t\" viewBox=\"0 0 ",
                                 width, " ", height, "\" width=\"100%\"><title id=\"chart-t\">", E(title), "</title>");
  absl::StrAppend(&out, "<rect x=\"", left, "\" y=\"6\" width=\"12\" height=\"12\" fill=\"#8a6d00\"/><text x=\"",
                  left + 18, "\" y=\"16\" font-size=\"12\" fill=\"#1b1b1b\">", E(label_a), "</text>",
                  "<rect x=\"", left + 190, "\" y=\"6\" width=\"12\" height=\"12\" fill=\"#0b5394\"/><text x=\"",
                  left + 208, "\" y=\"16\" font-size=\"12\" fill=\"#1b1b1b\">", E(label_b), "</text>");
  for (size_t i = 0; i < rows.size(); ++i) {
    const int y = 30 + row_h * static_cast<int>(i);
    const BarRow& r = rows[i];
    absl::StrAppend(&out, "<text x=\"", left - 6, "\" y=\"", y + 18, "\" font-size=\"12\" text-anchor=\"end\" fill=\"#1b1b1b\">",
                    E(r.label), "</text>");
    const auto bar = [&](bool has, double v, int dy, const char* colour) {
      const double w = has ? std::clamp(v, 0.0, 100.0) / 100.0 * bar_w : 0;
      absl::StrAppend(&out, "<rect x=\"", left, "\" y=\"", y + dy, "\" width=\"", static_cast<int>(std::lround(w)),
                      "\" height=\"12\" fill=\"", colour, "\"/><text x=\"", left + static_cast<int>(std::lround(w)) + 4,
                      "\" y=\"", y + dy + 11, "\" font-size=\"11\" fill=\"#1b1b1b\">", has ? Percent(v) : "—", "</text>");
    };
    bar(r.has_a, r.a, 2, "#8a6d00");
    bar(r.has_b, r.b, 16, "#0b5394");
  }
  absl::StrAppend(&out, "</svg></figure>");
  return out;
}

std::string ObjectiveKeyText(const v1::ObjectiveScore& o) {
  return absl::StrCat(static_cast<int>(o.level_kind()), "|", o.code(), "|", o.unit(), "|", o.owner());
}

std::string ScopeOf(const v1::ObjectiveScore& o) {
  if (o.level_kind() == v1::OBJECTIVE_LEVEL_OPERATIONAL) return o.unit();
  if (o.level_kind() == v1::OBJECTIVE_LEVEL_INDIVIDUAL) return o.owner();
  return "";
}

std::string LevelName(v1::ObjectiveLevel level) {
  switch (level) {
    case v1::OBJECTIVE_LEVEL_STRATEGIC: return "strategic";
    case v1::OBJECTIVE_LEVEL_OPERATIONAL: return "operational";
    case v1::OBJECTIVE_LEVEL_INDIVIDUAL: return "individual";
    default: return "";
  }
}

std::string Weight(bool has, double w) { return has ? Percent(w) : "—"; }

std::string SourceName(v1::SourceService s) {
  switch (s) {
    case v1::SOURCE_SERVICE_PLANNING: return "planning";
    case v1::SOURCE_SERVICE_MEASUREMENT: return "measurement";
    case v1::SOURCE_SERVICE_RISK: return "risk";
    case v1::SOURCE_SERVICE_HR: return "hr";
    default: return "";
  }
}

std::string SourceLabel(const std::string& s) {
  if (s == "planning") return "Pianificazione";
  if (s == "measurement") return "Misurazione";
  if (s == "risk") return "Rischi";
  if (s == "hr") return "Personale";
  return s;
}

std::string Checked(bool on) { return on ? " checked" : ""; }

std::string TextInput(const std::string& id, const std::string& label, const std::string& value,
                      const std::string& type = "text", const std::string& hint = "") {
  return absl::StrCat("<p class=\"field\"><label for=\"", id, "\">", label, "</label><input type=\"", type,
                      "\" id=\"", id, "\" name=\"", id, "\" value=\"", E(value), "\"",
                      hint.empty() ? "" : absl::StrCat(" placeholder=\"", E(hint), "\""), "></p>");
}

std::string SeverityClass(uint32_t severity) {
  return absl::StrCat("sev sev-", std::min<uint32_t>(severity, 4));
}

}  // namespace

std::string HtmlEscape(absl::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  for (size_t i = 0; i < s.size();) {
    const size_t n = Utf8Length(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    if (n > 1) {
      out.append(s.data() + i, n);
      i += n;
      continue;
    }
    const char c = s[i++];
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      case '\0': out += "\xEF\xBF\xBD"; break;
      default: out += c;
    }
  }
  return out;
}

std::string UrlEncode(absl::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string QueryHref(const Params& params) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : params) {
    if (!v.empty()) parts.push_back(absl::StrCat(UrlEncode(k), "=", UrlEncode(v)));
  }
  return parts.empty() ? "" : E(absl::StrCat("?", absl::StrJoin(parts, "&")));
}

std::string CsvField(absl::string_view s) {
  std::string v(s);
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r')) {
    v = "'" + v;
  }
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  return absl::StrCat("\"", absl::StrReplaceAll(v, {{"\"", "\"\""}}), "\"");
}

std::string ItalianNumber(double value, int decimals) {
  if (!std::isfinite(value)) return "—";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, std::fabs(value));
  std::string digits(buf);
  std::string frac;
  if (const size_t dot = digits.find('.'); dot != std::string::npos) {
    frac = digits.substr(dot + 1);
    digits.resize(dot);
  }
  std::string grouped;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped += '.';
    grouped += digits[i];
  }
  const bool negative = value < 0 && std::fabs(value) >= 0.5 * std::pow(10.0, -decimals);
  return absl::StrCat(negative ? "-" : "", grouped, frac.empty() ? "" : ",", frac);
}

std::string Percent(double value) { return ItalianNumber(value, 2) + " %"; }

std::string Euro(int64_t cents) {
  return "€ " + ItalianNumber(static_cast<double>(cents) / 100.0, 2);
}

std::string BandLabel(v1::AchievementBand band) {
  switch (band) {
    case v1::ACHIEVEMENT_BAND_MET: return "Raggiunto";
    case v1::ACHIEVEMENT_BAND_PARTLY: return "Parzialmente raggiunto";
    case v1::ACHIEVEMENT_BAND_MISSED: return "Non raggiunto";
    case v1::ACHIEVEMENT_BAND_NOT_MEASURED: return "Non ancora misurato";
    case v1::ACHIEVEMENT_BAND_NOT_SCORED: return "Non valutato";
    default: return "—";
  }
}

std::string BandClass(v1::AchievementBand band) {
  switch (band) {
    case v1::ACHIEVEMENT_BAND_MET: return "band-met";
    case v1::ACHIEVEMENT_BAND_PARTLY: return "band-partly";
    case v1::ACHIEVEMENT_BAND_MISSED: return "band-missed";
    case v1::ACHIEVEMENT_BAND_NOT_MEASURED: return "band-not-measured";
    default: return "band-not-scored";
  }
}

namespace {
std::string OpText(const std::string& op) {
  if (op == ">=") return "≥";
  if (op == "<=") return "≤";
  return op;
}
std::string QuantityText(double value, const std::string& unit) {
  // Up to two decimals, without trailing zeros.
  std::string n = ItalianNumber(value, 2);
  if (n.find(',') != std::string::npos) {
    while (!n.empty() && n.back() == '0') n.pop_back();
    if (!n.empty() && n.back() == ',') n.pop_back();
  }
  return unit.empty() ? n : absl::StrCat(n, " ", unit);
}
}  // namespace

std::string TargetText(const v1::Target& t) {
  switch (t.kind_case()) {
    case v1::Target::kComparison:
      return E(absl::StrCat(OpText(t.comparison().op()), " ", QuantityText(t.comparison().value(), t.comparison().unit())));
    case v1::Target::kByDate: return E("entro il " + t.by_date());
    case v1::Target::kText: return E(t.text());
    default: return "—";
  }
}

std::string ThresholdText(const v1::Threshold& t) {
  std::string out;
  switch (t.kind_case()) {
    case v1::Threshold::kQuantity: out = E(QuantityText(t.quantity().value(), t.quantity().unit())); break;
    case v1::Threshold::kDate: out = E(t.date()); break;
    default: return "—";
  }
  if (t.implied()) out += " <small>(implicita)</small>";
  return out;
}

std::string ValueText(const v1::MeasuredValue& v) {
  switch (v.kind_case()) {
    case v1::MeasuredValue::kQuantity: return E(QuantityText(v.quantity().value(), v.quantity().unit()));
    case v1::MeasuredValue::kDate: return E(v.date());
    case v1::MeasuredValue::kText: return E(v.text());
    default: return "—";
  }
}

std::string ChangedText(const v1::ChangedValue& v) {
  switch (v.kind_case()) {
    case v1::ChangedValue::kTarget: return TargetText(v.target());
    case v1::ChangedValue::kThreshold: return ThresholdText(v.threshold());
    case v1::ChangedValue::kWeightPct: return Percent(v.weight_pct());
    case v1::ChangedValue::kFormula: return absl::StrCat("<code>", E(v.formula()), "</code>");
    case v1::ChangedValue::kIndicator:
      return absl::StrCat(E(v.indicator().code()), " — ", E(v.indicator().name()), " (",
                          TargetText(v.indicator().target()), ")");
    case v1::ChangedValue::kDescription:
      return absl::StrCat(E(v.description().name()),
                          v.description().algorithm().empty() ? "" : "; algoritmo: " + E(v.description().algorithm()));
    case v1::ChangedValue::kActual: return ValueText(v.actual());
    case v1::ChangedValue::kTitle: return E(v.title());
    default: return "—";
  }
}

std::string ChangeName(v1::AuditChange change) {
  std::string name = EnumText(v1::AuditChange_descriptor(), change);
  return absl::StrReplaceAll(absl::AsciiStrToLower(name), {{"_", "-"}});
}

v1::AuditChange ChangeFromName(absl::string_view name) {
  const google::protobuf::EnumDescriptor* d = v1::AuditChange_descriptor();
  for (int i = 0; i < d->value_count(); ++i) {
    const auto c = static_cast<v1::AuditChange>(d->value(i)->number());
    if (c != v1::AUDIT_CHANGE_UNSPECIFIED && ChangeName(c) == name) return c;
  }
  return v1::AUDIT_CHANGE_UNSPECIFIED;
}

std::string ChangeLabel(v1::AuditChange change) {
  switch (change) {
    case v1::AUDIT_CHANGE_OBJECTIVE_ADOPTED: return "Obiettivo adottato";
    case v1::AUDIT_CHANGE_ADOPTED: return "Indicatore adottato";
    case v1::AUDIT_CHANGE_TARGET: return "Target";
    case v1::AUDIT_CHANGE_THRESHOLD: return "Soglia";
    case v1::AUDIT_CHANGE_WEIGHT: return "Peso";
    case v1::AUDIT_CHANGE_ADDED: return "Indicatore aggiunto";
    case v1::AUDIT_CHANGE_SUPPRESSED: return "Indicatore soppresso";
    case v1::AUDIT_CHANGE_NEUTRALISED: return "Indicatore neutralizzato";
    case v1::AUDIT_CHANGE_DESCRIPTION: return "Descrizione";
    case v1::AUDIT_CHANGE_FORMULA: return "Formula";
    case v1::AUDIT_CHANGE_REVISED: return "Revisione";
    case v1::AUDIT_CHANGE_ACTUAL: return "Valore rilevato";
    case v1::AUDIT_CHANGE_ACTUAL_CORRECTED: return "Correzione del valore";
    case v1::AUDIT_CHANGE_RISK_AREAS_DEFINED: return "Aree di rischio";
    case v1::AUDIT_CHANGE_RISK_SCHEME_DEFINED: return "Schema di valutazione";
    case v1::AUDIT_CHANGE_RISK_METHOD_DEFINED: return "Metodo qualitativo";
    case v1::AUDIT_CHANGE_RISK_PROCESS_DEFINED: return "Processo";
    case v1::AUDIT_CHANGE_RISK_ASSESSMENT_RECORDED: return "Valutazione del rischio";
    case v1::AUDIT_CHANGE_RISK_MEASURE_DEFINED: return "Misura";
    case v1::AUDIT_CHANGE_RISK_MONITORING_PLANNED: return "Piano di monitoraggio";
    case v1::AUDIT_CHANGE_RISK_MONITORING_RECORDED: return "Monitoraggio";
    case v1::AUDIT_CHANGE_RISK_OWNER_REPORT_SUBMITTED: return "Relazione del dirigente";
    case v1::AUDIT_CHANGE_HR_ESTABLISHMENT_ADOPTED: return "Dotazione organica";
    case v1::AUDIT_CHANGE_HR_STAFF_RECORDED: return "Personale in servizio";
    case v1::AUDIT_CHANGE_HR_LEAVES_RECORDED: return "Cessazioni";
    case v1::AUDIT_CHANGE_HR_SELECTIONS_OPENED: return "Selezioni avviate";
    case v1::AUDIT_CHANGE_HR_HIRING_REMAINDERS_RECORDED: return "Resti assunzionali";
    case v1::AUDIT_CHANGE_HR_PROTECTED_QUOTA_RECORDED: return "Quota d'obbligo";
    case v1::AUDIT_CHANGE_HR_HIRES_PLANNED: return "Assunzioni programmate";
    case v1::AUDIT_CHANGE_HR_REMOTABILITY_ASSESSED: return "Lavoro agile: attività";
    case v1::AUDIT_CHANGE_HR_AGILE_AGREEMENTS_SIGNED: return "Accordi di lavoro agile";
    case v1::AUDIT_CHANGE_HR_YEAR_SETTINGS_SET: return "Impostazioni dell'anno";
    case v1::AUDIT_CHANGE_OIV_RELAZIONE_VALIDATED: return "Validazione OIV della Relazione";
    case v1::AUDIT_CHANGE_OIV_MONITORING_REPORT_SUBMITTED: return "Relazione di monitoraggio OIV";
    case v1::AUDIT_CHANGE_OIV_TRANSPARENCY_ATTESTED: return "Attestazione di trasparenza";
    case v1::AUDIT_CHANGE_OIV_SG_EVALUATION_PROPOSED: return "Proposta di valutazione del SG";
    case v1::AUDIT_CHANGE_DEVIATION_RECORDED: return "Scostamento dichiarato";
    default: return ChangeName(change);
  }
}

std::string LevelLabel(v1::ObjectiveLevel level) {
  switch (level) {
    case v1::OBJECTIVE_LEVEL_STRATEGIC: return "strategico";
    case v1::OBJECTIVE_LEVEL_OPERATIONAL: return "operativo";
    case v1::OBJECTIVE_LEVEL_INDIVIDUAL: return "individuale";
    default: return "—";
  }
}

std::string TimeText(const google::protobuf::Timestamp& t) {
  if (!IsSet(t)) return "—";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", FromTimestamp(t), absl::UTCTimeZone());
}

// ---- layout ----

std::string RenderPage(const Frame& f, const std::string& body) {
  static const std::vector<std::pair<std::string, std::string>> kSections = {
      {"albero", "Albero della performance"}, {"audit", "Registro delle modifiche"}, {"rischi", "Mappa dei rischi"},
      {"personale", "Capacità del personale"}, {"oiv", "Scrivania OIV"}};
  std::string nav;
  for (const auto& [key, label] : kSections) {
    absl::StrAppend(&nav, "<li><a href=\"/", key, BaseParams(f), "\"", f.section == key ? " aria-current=\"page\"" : "",
                    ">", label, "</a></li>");
  }
  return absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"it\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>", E(f.title), " — PIAO Ledger</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head><body>"
      "<a class=\"skip\" href=\"#contenuto\">Vai al contenuto</a>"
      "<header class=\"top\"><p class=\"brand\"><a href=\"/", BaseParams(f), "\">PIAO Ledger</a></p>"
      "<nav aria-label=\"Sezioni\"><ul>", nav, "</ul></nav>"
      "<form class=\"signout\" method=\"post\" action=\"/esci\"><input type=\"hidden\" name=\"csrf\" value=\"",
      E(f.csrf), "\"><span class=\"who\">", E(f.principal), "</span> <button type=\"submit\">Esci</button></form>"
      "</header><main id=\"contenuto\"><h1>", E(f.title), "</h1>",
      f.administration.empty() && f.year == 0 ? "" :
          absl::StrCat("<p class=\"scope\">Amministrazione <strong>", Dash(f.administration),
                       "</strong> · anno <strong>", f.year > 0 ? absl::StrCat(f.year) : "—", "</strong></p>"),
      body, "</main><footer><p>PIAO Ledger — dati letti dai servizi con le credenziali dell'utente.</p></footer>"
      "</body></html>\n");
}

std::string RenderLoginPage(const std::string& csrf, const std::string& error) {
  return absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"it\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>Accesso — PIAO Ledger</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head><body>"
      "<main id=\"contenuto\" class=\"login\"><h1>PIAO Ledger — accesso</h1>",
      error.empty() ? "" : absl::StrCat("<p class=\"error\" role=\"alert\">", E(error), "</p>"),
      "<form method=\"post\" action=\"/accedi\"><input type=\"hidden\" name=\"csrf\" value=\"", E(csrf), "\">"
      "<p class=\"field\"><label for=\"token\">Token di accesso</label>"
      "<input type=\"password\" id=\"token\" name=\"token\" autocomplete=\"current-password\" required></p>"
      "<p><button type=\"submit\">Accedi</button></p></form>"
      "<p class=\"hint\">Il token è quello rilasciato con <code>piao token issue</code> (o, in locale, il file "
      "<code>operator.token</code> della cartella dei dati). Non viene mai mostrato né salvato nel browser: "
      "la sessione usa un cookie di sessione.</p></main></body></html>\n");
}

std::string ErrorBody(const std::string& heading, const std::string& detail) {
  return absl::StrCat("<section class=\"error\" role=\"alert\"><h2>", E(heading), "</h2><p>", E(detail), "</p></section>");
}

std::string HomeBody(const Frame& f) {
  return absl::StrCat(
      "<form method=\"get\" action=\"/albero\" class=\"filters\"><fieldset><legend>Amministrazione e anno</legend>",
      TextInput("amm", "Amministrazione", f.administration, "text", "es. CCIAA-TO"),
      TextInput("anno", "Anno", f.year > 0 ? absl::StrCat(f.year) : "", "number"),
      "<p><button type=\"submit\">Apri l'albero della performance</button></p></fieldset></form>"
      "<ul class=\"cards\">"
      "<li><a href=\"/albero", BaseParams(f), "\">Albero della performance</a>: aree, obiettivi e indicatori, come approvato e come revisionato.</li>"
      "<li><a href=\"/audit", BaseParams(f), "\">Registro delle modifiche</a>: ogni modifica con atto, data, autore e motivo; esportabile in CSV.</li>"
      "<li><a href=\"/rischi", BaseParams(f), "\">Mappa dei rischi</a>: aree per fascia di rischio, misure scadute, copertura del monitoraggio.</li>"
      "<li><a href=\"/personale", BaseParams(f), "\">Capacità del personale</a>: tetto di spesa, margine, budget assunzionali, vacanze, turnover.</li>"
      "<li><a href=\"/oiv", BaseParams(f), "\">Scrivania OIV</a>: validazione e attestazioni.</li></ul>");
}

// ---- the performance tree ----

std::string TreeBody(const Frame& f, const TreeQuery& q, const v1::ScoresView& revised, const v1::ScoresView& approved) {
  std::map<std::string, const v1::ObjectiveScore*> approved_by_key;
  for (const v1::ObjectiveScore& o : approved.objectives()) approved_by_key[ObjectiveKeyText(o)] = &o;

  std::string out = absl::StrCat(
      "<form method=\"get\" action=\"/albero\" class=\"filters\"><fieldset><legend>Vista</legend>"
      "<input type=\"hidden\" name=\"amm\" value=\"", E(f.administration), "\">"
      "<input type=\"hidden\" name=\"anno\" value=\"", f.year, "\">",
      TextInput("data", "In vigore al (AAAA-MM-GG)", q.as_of, "date"),
      TextInput("periodo", "Periodo di monitoraggio (vuoto = fine anno)", q.period, "text", "AAAA-MM-GG"),
      "<p><button type=\"submit\">Aggiorna</button></p></fieldset></form>");

  absl::StrAppend(&out, "<section class=\"summary\"><h2>Performance organizzativa</h2><table class=\"kv\"><tbody>"
                        "<tr><th scope=\"row\">Come approvato</th><td>",
                  ScoreCell(approved.has_enterprise_score_pct(), approved.enterprise_score_pct(), approved.enterprise_band()),
                  "</td></tr><tr><th scope=\"row\">Come revisionato</th><td>",
                  ScoreCell(revised.has_enterprise_score_pct(), revised.enterprise_score_pct(), revised.enterprise_band()),
                  "</td></tr><tr><th scope=\"row\">Periodo</th><td>", Dash(revised.period()),
                  "</td></tr><tr><th scope=\"row\">Definizioni in vigore al</th><td>",
                  Dash(revised.as_of_date().empty() ? std::string("ultime") : revised.as_of_date()),
                  "</td></tr></tbody></table></section>");

  // The chart of the strategic objectives.
  std::vector<BarRow> rows;
  for (const v1::ObjectiveScore& o : revised.objectives()) {
    if (o.level_kind() != v1::OBJECTIVE_LEVEL_STRATEGIC) continue;
    BarRow r;
    r.label = o.code();
    r.has_b = o.has_score_pct();
    r.b = o.score_pct();
    if (auto it = approved_by_key.find(ObjectiveKeyText(o)); it != approved_by_key.end()) {
      r.has_a = it->second->has_score_pct();
      r.a = it->second->score_pct();
    }
    rows.push_back(r);
  }
  if (!rows.empty()) {
    absl::StrAppend(&out, "<section><h2>Obiettivi strategici</h2>",
                    PairBarChart("Punteggio degli obiettivi strategici: come approvato e come revisionato",
                                 "come approvato", "come revisionato", rows),
                    "</section>");
  }

  const auto indicators_table = [&](const v1::ObjectiveScore& o) {
    const v1::ObjectiveScore* a = nullptr;
    if (auto it = approved_by_key.find(ObjectiveKeyText(o)); it != approved_by_key.end()) a = it->second;
    std::string t = "<table class=\"indicators\"><caption class=\"sr-only\">Indicatori</caption><thead><tr>"
                    "<th scope=\"col\">Indicatore</th><th scope=\"col\">Peso</th>"
                    "<th scope=\"col\">Target approvato</th><th scope=\"col\">Target revisionato</th>"
                    "<th scope=\"col\">Soglia</th><th scope=\"col\">Valore</th><th scope=\"col\">Grado</th></tr></thead><tbody>";
    for (const v1::IndicatorScore& i : o.indicators()) {
      const v1::IndicatorScore* ai = nullptr;
      if (a != nullptr) {
        for (const v1::IndicatorScore& x : a->indicators()) {
          if (x.code() == i.code()) ai = &x;
        }
      }
      const std::string href = absl::StrCat("/indicatore", BaseParams(f, {{"obiettivo", o.code()},
                                                                           {"livello", LevelName(o.level_kind())},
                                                                           {"ambito", ScopeOf(o)},
                                                                           {"codice", i.code()}}));
      absl::StrAppend(&t, "<tr><th scope=\"row\"><a href=\"", href, "\">", E(i.code()), "</a> <span class=\"name\">",
                      E(i.name()), "</span>", i.suppressed() ? " <small>(soppresso)</small>" : "",
                      i.neutralised() ? " <small>(neutralizzato)</small>" : "", "</th><td>",
                      Weight(i.has_weight_pct(), i.weight_pct()), "</td><td>",
                      ai != nullptr ? TargetText(ai->target()) : "<small>non previsto</small>", "</td><td>",
                      TargetText(i.target()), "</td><td>", i.has_threshold() ? ThresholdText(i.threshold()) : "—",
                      "</td><td>", i.has_actual() ? ValueText(i.actual()) : "—", "</td><td>",
                      ScoreCell(i.has_grade_pct(), i.grade_pct(), i.band()), "</td></tr>");
    }
    absl::StrAppend(&t, "</tbody></table>");
    return t;
  };

  const auto objective_block = [&](const v1::ObjectiveScore& o, const std::string& children) {
    const v1::ObjectiveScore* a = nullptr;
    if (auto it = approved_by_key.find(ObjectiveKeyText(o)); it != approved_by_key.end()) a = it->second;
    std::string scope = ScopeOf(o);
    return absl::StrCat(
        "<details class=\"objective level-", LevelName(o.level_kind()), " ", BandClass(o.band()), "\"><summary>"
        "<span class=\"code\">", E(o.code()), "</span> <span class=\"title\">", E(o.title()), "</span>",
        scope.empty() ? "" : absl::StrCat(" <span class=\"scope\">(", E(scope), ")</span>"),
        "<span class=\"scores\"><span class=\"basis\">approvato</span> ",
        a != nullptr ? ScoreCell(a->has_score_pct(), a->score_pct(), a->band()) : "<span class=\"badge band-not-scored\">—</span>",
        " <span class=\"basis\">revisionato</span> ", ScoreCell(o.has_score_pct(), o.score_pct(), o.band()),
        "</span></summary>", o.indicators_size() > 0 ? indicators_table(o) : "", children, "</details>");
  };

  // Areas in order of first appearance; each strategic objective with its operational and individual ones.
  std::vector<std::string> areas;
  std::map<std::string, std::vector<const v1::ObjectiveScore*>> strategic_by_area;
  std::set<std::string> placed;
  for (const v1::ObjectiveScore& o : revised.objectives()) {
    if (o.level_kind() != v1::OBJECTIVE_LEVEL_STRATEGIC) continue;
    if (!strategic_by_area.count(o.strategic_area())) areas.push_back(o.strategic_area());
    strategic_by_area[o.strategic_area()].push_back(&o);
  }
  const auto children_of = [&](const v1::ObjectiveScore& parent) {
    std::string ops, inds;
    for (const v1::ObjectiveScore& c : revised.objectives()) {
      if (c.level_kind() == v1::OBJECTIVE_LEVEL_STRATEGIC || c.parent() != parent.code()) continue;
      placed.insert(ObjectiveKeyText(c));
      (c.level_kind() == v1::OBJECTIVE_LEVEL_OPERATIONAL ? ops : inds) += objective_block(c, "");
    }
    std::string out;
    if (!ops.empty()) absl::StrAppend(&out, "<div class=\"children\"><h4>Obiettivi operativi</h4>", ops, "</div>");
    if (!inds.empty()) absl::StrAppend(&out, "<div class=\"children\"><h4>Obiettivi individuali</h4>", inds, "</div>");
    return out;
  };
  absl::StrAppend(&out, "<section class=\"tree\"><h2>Albero</h2>"
                        "<p class=\"legend\">Legenda: <span class=\"badge band-met\">Raggiunto</span> ≥ 95 % · "
                        "<span class=\"badge band-partly\">Parzialmente raggiunto</span> · "
                        "<span class=\"badge band-missed\">Non raggiunto</span> · "
                        "<span class=\"badge band-not-measured\">Non ancora misurato</span></p>");
  for (const std::string& area : areas) {
    absl::StrAppend(&out, "<details class=\"area\" open><summary><h3>", area.empty() ? "Area non indicata" : E(area),
                    "</h3></summary>");
    for (const v1::ObjectiveScore* s : strategic_by_area[area]) {
      placed.insert(ObjectiveKeyText(*s));
      absl::StrAppend(&out, objective_block(*s, children_of(*s)));
    }
    absl::StrAppend(&out, "</details>");
  }
  std::string rest;
  for (const v1::ObjectiveScore& o : revised.objectives()) {
    if (!placed.count(ObjectiveKeyText(o))) rest += objective_block(o, "");
  }
  if (!rest.empty()) absl::StrAppend(&out, "<details class=\"area\"><summary><h3>Altri obiettivi</h3></summary>", rest, "</details>");
  absl::StrAppend(&out, "</section>");
  if (revised.units_size() > 0) {
    absl::StrAppend(&out, "<section><h2>Performance per unità organizzativa</h2><table><thead><tr><th scope=\"col\">Unità</th>"
                          "<th scope=\"col\">Punteggio</th></tr></thead><tbody>");
    for (const v1::GroupScore& g : revised.units()) {
      absl::StrAppend(&out, "<tr><th scope=\"row\">", E(g.name()), "</th><td>", ScoreCell(g.has_score_pct(), g.score_pct(), g.band()),
                      "</td></tr>");
    }
    absl::StrAppend(&out, "</tbody></table></section>");
  }
  return out;
}

// ---- one indicator ----

std::string IndicatorBody(const Frame& f, const IndicatorQuery& q, const v1::IndicatorHistory& h,
                          const v1::Lineage* lineage) {
  std::string out = absl::StrCat("<p class=\"crumbs\"><a href=\"/albero", BaseParams(f), "\">Albero</a> › obiettivo ",
                                 LevelLabel(h.objective().level_kind()), " <strong>", E(h.objective().code()), "</strong>",
                                 h.objective().scope().empty() ? "" : absl::StrCat(" (", E(h.objective().scope()), ")"),
                                 " › indicatore <strong>", E(h.indicator()), "</strong></p>");
  if (lineage != nullptr && lineage->has_indicator()) {
    const v1::IndicatorScore& i = lineage->indicator();
    absl::StrAppend(&out, "<section class=\"summary\"><h2>", E(i.name()), "</h2><table class=\"kv\"><tbody>",
                    "<tr><th scope=\"row\">Target</th><td>", TargetText(i.target()), "</td></tr>",
                    "<tr><th scope=\"row\">Soglia</th><td>", i.has_threshold() ? ThresholdText(i.threshold()) : "—", "</td></tr>",
                    "<tr><th scope=\"row\">Peso</th><td>", Weight(i.has_weight_pct(), i.weight_pct()), "</td></tr>",
                    "<tr><th scope=\"row\">Algoritmo</th><td>", Dash(i.algorithm()), "</td></tr>",
                    "<tr><th scope=\"row\">Valore</th><td>", i.has_actual() ? ValueText(i.actual()) : "—", "</td></tr>",
                    "<tr><th scope=\"row\">Grado di raggiungimento</th><td>", ScoreCell(i.has_grade_pct(), i.grade_pct(), i.band()),
                    " <small>", E(i.how()), "</small></td></tr></tbody></table></section>");
  }
  // The timeline of the definitions.
  absl::StrAppend(&out, "<section><h2>Storia della definizione</h2><ol class=\"timeline\">");
  for (const v1::IndicatorVersion& v : h.versions()) {
    std::string change;
    if (v.from_value().kind_case() != v1::ChangedValue::KIND_NOT_SET ||
        v.to_value().kind_case() != v1::ChangedValue::KIND_NOT_SET) {
      change = absl::StrCat("<p class=\"change\">da <span class=\"from\">", ChangedText(v.from_value()),
                            "</span> a <span class=\"to\">", ChangedText(v.to_value()), "</span></p>");
    }
    absl::StrAppend(
        &out, "<li><p class=\"when\"><time datetime=\"", E(v.effective_date()), "\">", Dash(v.effective_date()), "</time> · <strong>",
        E(ChangeLabel(v.change_kind())), "</strong></p>", "<p class=\"act\">", Dash(v.act().text()), "</p>", change,
        "<dl><dt>Target</dt><dd>", TargetText(v.target()), "</dd><dt>Soglia</dt><dd>",
        v.has_threshold() ? ThresholdText(v.threshold()) : "—", "</dd><dt>Peso</dt><dd>", Weight(v.has_weight_pct(), v.weight_pct()),
        "</dd>", v.formula().empty() ? "" : absl::StrCat("<dt>Formula</dt><dd><code>", E(v.formula()), "</code></dd>"),
        "<dt>Autore</dt><dd>", Dash(v.actor()), "</dd><dt>Registrato il</dt><dd>", TimeText(v.recorded_at()), "</dd>",
        v.reason().empty() ? "" : absl::StrCat("<dt>Motivo</dt><dd>", E(v.reason()), "</dd>"), "</dl></li>");
  }
  absl::StrAppend(&out, "</ol></section>");
  // Actuals and corrections.
  absl::StrAppend(&out, "<section><h2>Valori rilevati e correzioni</h2>");
  if (h.actuals_size() == 0) {
    absl::StrAppend(&out, "<p>Nessun valore rilevato.</p>");
  } else {
    absl::StrAppend(&out, "<table><thead><tr><th scope=\"col\">Periodo</th><th scope=\"col\">Valore</th><th scope=\"col\">Id</th>"
                          "<th scope=\"col\">Corregge</th><th scope=\"col\">Fonte</th><th scope=\"col\">Autore</th>"
                          "<th scope=\"col\">Registrato il</th><th scope=\"col\">Motivo</th></tr></thead><tbody>");
    for (const v1::ActualVersion& a : h.actuals()) {
      absl::StrAppend(&out, "<tr><td>", Dash(a.period()), "</td><td>", ValueText(a.value()), "</td><td>", Dash(a.actual_id()),
                      "</td><td>", Dash(a.corrects()), "</td><td>", Dash(a.source()), "</td><td>", Dash(a.actor()), "</td><td>",
                      TimeText(a.recorded_at()), "</td><td>", Dash(a.reason()), "</td></tr>");
    }
    absl::StrAppend(&out, "</tbody></table>");
  }
  absl::StrAppend(&out, "</section>");
  // Lineage.
  absl::StrAppend(&out, "<section><h2>Provenienza del valore</h2>");
  if (lineage == nullptr || !lineage->has_actual()) {
    absl::StrAppend(&out, "<p>Nessun valore corrente.</p>");
  } else if (!lineage->actual().has_computation()) {
    absl::StrAppend(&out, "<p>Valore inserito: ", ValueText(lineage->actual().value()), " (", Dash(lineage->actual().actual_id()),
                    ", fonte ", Dash(lineage->actual().source()), ", da ", Dash(lineage->actual().actor()), ").</p>");
  } else {
    const v1::Computation& c = lineage->actual().computation();
    absl::StrAppend(&out, "<p>Valore calcolato ", ValueText(lineage->actual().value()), " con la formula <code>", E(c.formula()),
                    "</code> (versione del piano ", c.plan_version(), ").</p><table><thead><tr><th scope=\"col\">Variabile</th>"
                    "<th scope=\"col\">Periodo</th><th scope=\"col\">Valore</th><th scope=\"col\">Lotto</th><th scope=\"col\">Riga</th>"
                    "<th scope=\"col\">Voce</th></tr></thead><tbody>");
    for (const v1::ComputationInput& in : c.inputs()) {
      const v1::VariableValue& v = in.value();
      absl::StrAppend(&out, "<tr><td>", in.lag() > 0 ? absl::StrCat("prev(", E(in.variable()), ")") : E(in.variable()), "</td><td>",
                      Dash(v.period()), "</td><td>", E(QuantityText(v.value(), v.unit())), "</td><td>", Dash(v.batch_id()),
                      "</td><td>", v.row(), "</td><td>", Dash(v.source_code()), v.label().empty() ? "" : " " + E(v.label()),
                      "</td></tr>");
    }
    absl::StrAppend(&out, "</tbody></table>");
    if (lineage->batches_size() > 0) {
      absl::StrAppend(&out, "<h3>Lotti di dati</h3><ul>");
      for (const v1::BatchSummary& b : lineage->batches()) {
        absl::StrAppend(&out, "<li><strong>", E(b.batch_id()), "</strong>: ", b.rows(), " righe, fonte ", Dash(b.source()),
                        ", caricato da ", Dash(b.actor()), "</li>");
      }
      absl::StrAppend(&out, "</ul>");
    }
  }
  absl::StrAppend(&out, "</section>");
  (void)q;
  return out;
}

// ---- audit ----

std::vector<std::pair<std::string, std::string>> AuditParams(const Frame& f, const AuditQuery& q) {
  Params p = {{"amm", f.administration}, {"anno", f.year > 0 ? absl::StrCat(f.year) : ""},
              {"attore", q.actor},       {"dal", q.from},
              {"al", q.to},              {"obiettivo", q.objective},
              {"indicatore", q.indicator}, {"processo", q.process},
              {"valido_dal", q.valid_from}, {"valido_al", q.valid_to}};
  for (const std::string& s : q.services) p.push_back({"servizio", s});
  for (const std::string& c : q.changes) p.push_back({"modifica", c});
  p.push_back({"cerca", "1"});
  return p;
}

std::string AuditBody(const Frame& f, const AuditQuery& q, const v1::AuditTrail& trail) {
  const std::set<std::string> services(q.services.begin(), q.services.end());
  const std::set<std::string> changes(q.changes.begin(), q.changes.end());
  std::string out = absl::StrCat(
      "<form method=\"get\" action=\"/audit\" class=\"filters\"><input type=\"hidden\" name=\"cerca\" value=\"1\">"
      "<fieldset><legend>Filtri</legend>",
      TextInput("amm", "Amministrazione", f.administration), TextInput("anno", "Anno", f.year > 0 ? absl::StrCat(f.year) : "", "number"),
      TextInput("attore", "Autore (principal)", q.actor, "text", "es. user:local-operator"),
      TextInput("obiettivo", "Obiettivo", q.objective), TextInput("indicatore", "Indicatore", q.indicator),
      TextInput("processo", "Processo (rischi)", q.process),
      TextInput("dal", "Registrato dal (AAAA-MM-GG)", q.from, "date"), TextInput("al", "Registrato al (AAAA-MM-GG)", q.to, "date"),
      TextInput("valido_dal", "In vigore dal", q.valid_from, "date"), TextInput("valido_al", "In vigore al", q.valid_to, "date"),
      "</fieldset><fieldset><legend>Servizi</legend>");
  for (const char* s : {"planning", "measurement", "risk", "hr"}) {
    absl::StrAppend(&out, "<label class=\"check\"><input type=\"checkbox\" name=\"servizio\" value=\"", s, "\"",
                    Checked(services.count(s) > 0), "> ", SourceLabel(s), "</label>");
  }
  absl::StrAppend(&out, "</fieldset><fieldset><legend>Tipi di modifica</legend><div class=\"checks\">");
  const google::protobuf::EnumDescriptor* d = v1::AuditChange_descriptor();
  for (int i = 0; i < d->value_count(); ++i) {
    const auto c = static_cast<v1::AuditChange>(d->value(i)->number());
    if (c == v1::AUDIT_CHANGE_UNSPECIFIED) continue;
    const std::string name = ChangeName(c);
    absl::StrAppend(&out, "<label class=\"check\"><input type=\"checkbox\" name=\"modifica\" value=\"", E(name), "\"",
                    Checked(changes.count(name) > 0), "> ", E(ChangeLabel(c)), "</label>");
  }
  absl::StrAppend(&out, "</div></fieldset><p><button type=\"submit\">Cerca</button></p></form>");
  if (!q.searched) return out;
  const Params params = AuditParams(f, q);
  absl::StrAppend(&out, "<section><h2>Risultati</h2><p>", trail.total(), trail.total() == 1 ? " modifica" : " modifiche", trail.pages() > 1 ?
                  absl::StrCat(", pagina ", trail.page(), " di ", trail.pages()) : "",
                  ". <a class=\"button\" href=\"/audit.csv", QueryHref(params), "\" download>Esporta CSV</a></p>");
  if (trail.entries_size() > 0) {
    absl::StrAppend(&out, "<div class=\"scroll\"><table class=\"audit\"><thead><tr><th scope=\"col\">Registrato il</th>"
                          "<th scope=\"col\">In vigore dal</th><th scope=\"col\">Servizio</th><th scope=\"col\">Modifica</th>"
                          "<th scope=\"col\">Oggetto</th><th scope=\"col\">Da</th><th scope=\"col\">A</th><th scope=\"col\">Atto</th>"
                          "<th scope=\"col\">Autore</th><th scope=\"col\">Motivo</th></tr></thead><tbody>");
    for (const v1::AuditEntry& e : trail.entries()) {
      std::string subject;
      if (!e.objective().code().empty()) {
        subject = E(e.objective().code());
        if (!e.indicator().empty()) absl::StrAppend(&subject, " / ", E(e.indicator()));
      }
      if (e.processes_size() > 0) {
        std::vector<std::string> ps;
        for (const std::string& p : e.processes()) ps.push_back(E(p));
        absl::StrAppend(&subject, subject.empty() ? "" : " ", absl::StrJoin(ps, ", "));
      }
      if (!e.subject().empty()) absl::StrAppend(&subject, subject.empty() ? "" : " ", E(e.subject()));
      absl::StrAppend(&out, "<tr><td>", TimeText(e.recorded_at()), "</td><td>", Dash(e.valid_from()), "</td><td>",
                      E(SourceLabel(SourceName(e.source_service()))), "</td><td>", E(ChangeLabel(e.change())), "</td><td>",
                      subject.empty() ? "—" : subject, "</td><td>", ChangedText(e.from_value()), "</td><td>", ChangedText(e.to_value()),
                      "</td><td>", Dash(e.act().text()), "</td><td>", Dash(e.actor()), "</td><td>", Dash(e.reason()), "</td></tr>");
    }
    absl::StrAppend(&out, "</tbody></table></div>");
  }
  if (trail.pages() > 1) {
    absl::StrAppend(&out, "<nav aria-label=\"Pagine\" class=\"pager\"><ul>");
    for (uint32_t p = 1; p <= trail.pages(); ++p) {
      Params pp = params;
      pp.push_back({"pagina", absl::StrCat(p)});
      absl::StrAppend(&out, "<li><a href=\"/audit", QueryHref(pp), "\"", p == trail.page() ? " aria-current=\"page\"" : "", ">", p,
                      "</a></li>");
    }
    absl::StrAppend(&out, "</ul></nav>");
  }
  absl::StrAppend(&out, "</section>");
  return out;
}

std::string AuditCsv(const v1::AuditTrail& trail) {
  // Plain text in the CSV: the HTML forms of the values, without markup.
  const auto plain = [](const std::string& html) {
    std::string out;
    bool tag = false;
    for (char c : html) {
      if (c == '<') tag = true;
      else if (c == '>') tag = false;
      else if (!tag) out += c;
    }
    return absl::StrReplaceAll(out, {{"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}});
  };
  std::string out = "registrato_il,in_vigore_dal,servizio,modifica,obiettivo,livello,ambito,indicatore,processi,oggetto,da,a,"
                    "atto,autore,motivo,posizione\r\n";
  for (const v1::AuditEntry& e : trail.entries()) {
    std::vector<std::string> ps(e.processes().begin(), e.processes().end());
    const std::vector<std::string> fields = {
        TimeText(e.recorded_at()), e.valid_from(), SourceName(e.source_service()), ChangeName(e.change()), e.objective().code(),
        LevelName(e.objective().level_kind()), e.objective().scope(), e.indicator(), absl::StrJoin(ps, " "), e.subject(),
        e.from_value().kind_case() == v1::ChangedValue::KIND_NOT_SET ? "" : plain(ChangedText(e.from_value())),
        e.to_value().kind_case() == v1::ChangedValue::KIND_NOT_SET ? "" : plain(ChangedText(e.to_value())), e.act().text(),
        e.actor(), e.reason(), absl::StrCat(e.global_position())};
    std::vector<std::string> escaped;
    for (const std::string& x : fields) escaped.push_back(CsvField(x));
    absl::StrAppend(&out, absl::StrJoin(escaped, ","), "\r\n");
  }
  return out;
}

// ---- risk ----

std::string RiskBody(const Frame& f, const std::string& as_of, const v1::RiskMap& map, const v1::RiskReport& report) {
  std::string out = absl::StrCat(
      "<form method=\"get\" action=\"/rischi\" class=\"filters\"><fieldset><legend>Vista</legend>"
      "<input type=\"hidden\" name=\"amm\" value=\"", E(f.administration), "\"><input type=\"hidden\" name=\"anno\" value=\"", f.year,
      "\">", TextInput("data", "Alla data (AAAA-MM-GG)", as_of, "date"),
      "<p><button type=\"submit\">Aggiorna</button></p></fieldset></form>");
  // The map: areas x bands. The register's schemes name their bands differently ("Rischio basso", "basso"):
  // the columns are the severities, each headed by the band names rated at it.
  std::vector<uint32_t> severities;
  std::map<uint32_t, std::vector<std::string>> names;  // severity -> band names, case-insensitively distinct
  std::vector<std::pair<std::string, std::string>> areas;
  std::map<std::pair<std::string, uint32_t>, uint32_t> counts;
  for (const v1::AreaBandCount& c : map.by_area()) {
    if (std::find_if(areas.begin(), areas.end(), [&](const auto& a) { return a.first == c.area(); }) == areas.end()) {
      areas.push_back({c.area(), c.area_name()});
    }
    const uint32_t sev = c.level().empty() ? 0 : c.severity();
    if (std::find(severities.begin(), severities.end(), sev) == severities.end()) severities.push_back(sev);
    std::vector<std::string>& n = names[sev];
    const std::string label = c.level().empty() ? "Non valutato" : c.level();
    if (std::none_of(n.begin(), n.end(), [&](const std::string& x) { return absl::AsciiStrToLower(x) == absl::AsciiStrToLower(label); })) {
      n.push_back(label);
    }
    counts[{c.area(), sev}] += c.processes();
  }
  std::sort(severities.begin(), severities.end());
  absl::StrAppend(&out, "<section><h2>Mappa: aree per livello di rischio</h2><p>Alla data ",
                  map.as_of_date().empty() ? std::string("di oggi (tutto il registrato)") : E(map.as_of_date()),
                  "; misure scadute valutate al ", Dash(map.overdue_on()), ".</p><div class=\"scroll\"><table class=\"heat\">"
                  "<caption>Numero di processi per area e livello di rischio</caption><thead><tr><th scope=\"col\">Area</th>");
  for (uint32_t sev : severities) {
    std::vector<std::string> escaped;
    for (const std::string& n : names[sev]) escaped.push_back(E(n));
    absl::StrAppend(&out, "<th scope=\"col\">", absl::StrJoin(escaped, " / "), "</th>");
  }
  absl::StrAppend(&out, "</tr></thead><tbody>");
  for (const auto& [code, name] : areas) {
    absl::StrAppend(&out, "<tr><th scope=\"row\">", E(code), " <span class=\"name\">", E(name), "</span></th>");
    for (uint32_t sev : severities) {
      const uint32_t n = counts[{code, sev}];
      absl::StrAppend(&out, "<td class=\"", n > 0 ? SeverityClass(sev) : "empty", "\">", n > 0 ? absl::StrCat(n) : "", "</td>");
    }
    absl::StrAppend(&out, "</tr>");
  }
  absl::StrAppend(&out, "</tbody></table></div></section>");
  // Monitoring coverage.
  const double coverage = std::clamp(report.coverage_pct(), 0.0, 100.0);
  absl::StrAppend(&out, "<section><h2>Misure e monitoraggio</h2><figure class=\"chart\"><svg role=\"img\" aria-labelledby=\"cov-t\" "
                        "viewBox=\"0 0 420 44\" width=\"100%\"><title id=\"cov-t\">Copertura del monitoraggio: ", Percent(coverage),
                  "</title><rect x=\"0\" y=\"8\" width=\"400\" height=\"20\" fill=\"#e3e3e3\"/><rect x=\"0\" y=\"8\" width=\"",
                  static_cast<int>(std::lround(coverage * 4)), "\" height=\"20\" fill=\"#0b5394\"/></svg>"
                  "<figcaption>Copertura del monitoraggio: ", Percent(coverage), " (", report.monitored(), " misure monitorate su ",
                  report.planned(), " pianificate)</figcaption></figure>"
                  "<table class=\"kv\"><tbody><tr><th scope=\"row\">Processi</th><td>", report.processes(), " (valutati ",
                  report.processes_assessed(), ")</td></tr><tr><th scope=\"row\">Misure</th><td>", report.measures(),
                  "</td></tr><tr><th scope=\"row\">Attuate</th><td>", report.implemented(), "</td></tr><tr><th scope=\"row\">Scadute</th><td>",
                  report.overdue(), "</td></tr><tr><th scope=\"row\">In corso</th><td>", report.pending(),
                  "</td></tr><tr><th scope=\"row\">Non monitorate</th><td>", report.not_monitored(), "</td></tr></tbody></table></section>");
  // Overdue measures.
  absl::StrAppend(&out, "<section><h2>Misure scadute</h2>");
  if (map.measures_overdue_size() == 0) {
    absl::StrAppend(&out, "<p>Nessuna misura scaduta.</p>");
  } else {
    absl::StrAppend(&out, "<table><thead><tr><th scope=\"col\">Misura</th><th scope=\"col\">Titolo</th><th scope=\"col\">Responsabile</th>"
                          "<th scope=\"col\">Scadenza</th><th scope=\"col\">Processi</th></tr></thead><tbody>");
    for (const v1::MeasureStatus& m : map.measures_overdue()) {
      std::vector<std::string> ps;
      for (const std::string& p : m.processes()) ps.push_back(E(p));
      absl::StrAppend(&out, "<tr><td>", E(m.code()), "</td><td>", Dash(m.title()), "</td><td>", Dash(m.owner()), "</td><td>",
                      Dash(m.deadline()), "</td><td>", absl::StrJoin(ps, ", "), "</td></tr>");
    }
    absl::StrAppend(&out, "</tbody></table>");
  }
  absl::StrAppend(&out, "</section>");
  // Processes.
  absl::StrAppend(&out, "<section><h2>Processi</h2><div class=\"scroll\"><table><thead><tr><th scope=\"col\">Processo</th>"
                        "<th scope=\"col\">Area</th><th scope=\"col\">Unità</th><th scope=\"col\">Livello</th><th scope=\"col\">Punteggio</th>"
                        "<th scope=\"col\">Valutato il</th></tr></thead><tbody>");
  for (const v1::ProcessRating& p : map.processes()) {
    absl::StrAppend(&out, "<tr><th scope=\"row\"><a href=\"/rischi/processo", BaseParams(f, {{"codice", p.code()}}), "\">", E(p.code()),
                    "</a> <span class=\"name\">", E(p.name()), "</span></th><td>", E(p.area()), "</td><td>", Dash(p.unit()),
                    "</td><td><span class=\"", SeverityClass(p.level().empty() ? 0 : p.severity()), "\">",
                    p.level().empty() ? "non valutato" : E(p.level()), "</span></td><td>",
                    p.has_score() ? ItalianNumber(p.score(), 2) : "—", "</td><td>", Dash(p.assessed_on()), "</td></tr>");
  }
  absl::StrAppend(&out, "</tbody></table></div></section>");
  return out;
}

std::string ProcessBody(const Frame& f, const v1::ProcessHistory& h) {
  const v1::RiskProcess& p = h.process();
  std::string out = absl::StrCat("<p class=\"crumbs\"><a href=\"/rischi", BaseParams(f), "\">Mappa dei rischi</a> › <strong>",
                                 E(p.code()), "</strong></p><section class=\"summary\"><h2>", E(p.name()), "</h2>"
                                 "<table class=\"kv\"><tbody><tr><th scope=\"row\">Area</th><td>", E(p.area()),
                                 "</td></tr><tr><th scope=\"row\">Unità</th><td>", Dash(p.unit()),
                                 "</td></tr><tr><th scope=\"row\">Responsabile</th><td>", Dash(p.owner()),
                                 "</td></tr></tbody></table></section><section><h2>Storia delle valutazioni</h2>");
  if (h.ratings_size() == 0) return out + "<p>Nessuna valutazione.</p></section>";
  absl::StrAppend(&out, "<ol class=\"timeline\">");
  for (const v1::ProcessRating& r : h.ratings()) {
    absl::StrAppend(&out, "<li><p class=\"when\"><time>", Dash(r.assessed_on()), "</time> · <span class=\"",
                    SeverityClass(r.severity()), "\">", r.level().empty() ? "—" : E(r.level()), "</span></p><dl>",
                    r.has_score() ? absl::StrCat("<dt>Punteggio</dt><dd>", ItalianNumber(r.score(), 2), "</dd>") : "",
                    "<dt>Schema</dt><dd>", Dash(r.scheme()), " v", r.scheme_version(), "</dd><dt>Evento più rischioso</dt><dd>",
                    Dash(r.highest_event()), "</dd>",
                    r.motivation().empty() ? "" : absl::StrCat("<dt>Motivazione</dt><dd>", E(r.motivation()), "</dd>"),
                    "<dt>Autore</dt><dd>", Dash(r.actor()), "</dd><dt>Registrato il</dt><dd>", TimeText(r.recorded_at()),
                    "</dd></dl></li>");
  }
  absl::StrAppend(&out, "</ol></section>");
  return out;
}

// ---- HR ----

namespace {
// Vertical grouped bars (one group per label, one bar per series) as inline SVG with value labels.
std::string GroupedBars(const std::string& id, const std::string& title, const std::vector<std::string>& series,
                        const std::vector<std::string>& colours, const std::vector<std::string>& labels,
                        const std::vector<std::vector<double>>& values, const std::function<std::string(double)>& fmt) {
  double max = 0;
  for (const auto& g : values) for (double v : g) max = std::max(max, std::fabs(v));
  if (max <= 0) max = 1;
  // A fixed drawing width, so every chart has the same scale of text whatever its number of bars.
  const int width = 720, plot_h = 160, top = 34;
  const int n = std::max<int>(1, static_cast<int>(labels.size()));
  const int group_w = (width - 20) / n;
  const int ns = std::max<int>(1, static_cast<int>(series.size()));
  const int bar_w = std::min(48, (group_w - 10) / ns);
  std::string out = absl::StrCat("<figure class=\"chart\"><svg role=\"img\" aria-labelledby=\"", id, "\" viewBox=\"0 0 ", width, " ",
                                 top + plot_h + 26, "\" width=\"100%\"><title id=\"", id, "\">", E(title), "</title>");
  for (size_t k = 0; k < series.size(); ++k) {
    absl::StrAppend(&out, "<rect x=\"", 10 + 150 * k, "\" y=\"4\" width=\"12\" height=\"12\" fill=\"", colours[k], "\"/><text x=\"",
                    28 + 150 * k, "\" y=\"14\" font-size=\"12\" fill=\"#1b1b1b\">", E(series[k]), "</text>");
  }
  for (size_t g = 0; g < labels.size(); ++g) {
    const int gx = 10 + group_w * static_cast<int>(g) + (group_w - bar_w * ns) / 2;
    for (size_t k = 0; k < series.size() && k < values[g].size(); ++k) {
      const double v = values[g][k];
      const int h = static_cast<int>(std::lround(std::fabs(v) / max * plot_h));
      const int x = gx + bar_w * static_cast<int>(k);
      absl::StrAppend(&out, "<rect x=\"", x + 1, "\" y=\"", top + plot_h - h, "\" width=\"", bar_w - 2, "\" height=\"", h,
                      "\" fill=\"", colours[k], "\"/><text x=\"", x + bar_w / 2, "\" y=\"", top + plot_h - h - 3,
                      "\" font-size=\"11\" text-anchor=\"middle\" fill=\"#1b1b1b\">", E(fmt(v)), "</text>");
    }
    absl::StrAppend(&out, "<text x=\"", gx + bar_w * ns / 2, "\" y=\"", top + plot_h + 16,
                    "\" font-size=\"12\" text-anchor=\"middle\" fill=\"#1b1b1b\">", E(labels[g]), "</text>");
  }
  absl::StrAppend(&out, "<line x1=\"10\" x2=\"", width - 10, "\" y1=\"", top + plot_h, "\" y2=\"", top + plot_h,
                  "\" stroke=\"#555\"/></svg></figure>");
  return out;
}
}  // namespace

std::string HrBody(const Frame& f, const std::string& as_of, const v1::HrSummary& s) {
  std::string out = absl::StrCat(
      "<form method=\"get\" action=\"/personale\" class=\"filters\"><fieldset><legend>Vista</legend>"
      "<input type=\"hidden\" name=\"amm\" value=\"", E(f.administration), "\"><input type=\"hidden\" name=\"anno\" value=\"", f.year,
      "\">", TextInput("data", "Alla data (vuoto = 31 dicembre dell'anno precedente)", as_of, "date"),
      "<p><button type=\"submit\">Aggiorna</button></p></fieldset></form>");
  const auto millions = [](double cents) { return ItalianNumber(cents / 100.0 / 1e6, 2) + " M€"; };
  absl::StrAppend(&out, "<section><h2>Tetto di spesa e margine</h2><p>Alla data ", Dash(s.as_of_date()), ".</p>",
                  GroupedBars("hr-ceiling", "Tetto di spesa, costo del personale in servizio e margine", {"importo"}, {"#0b5394"},
                              {"Tetto", "In servizio", "Margine"},
                              {{static_cast<double>(s.ceiling_cents())}, {static_cast<double>(s.in_service_cost_cents())},
                               {static_cast<double>(s.margin_cents())}},
                              millions),
                  "<table class=\"kv\"><tbody><tr><th scope=\"row\">Tetto di spesa</th><td>", Euro(s.ceiling_cents()), " <small>(",
                  Dash(s.ceiling_act()), ")</small></td></tr><tr><th scope=\"row\">Dotazione organica</th><td>", s.establishment_posts(),
                  " posti, ", Euro(s.establishment_cost_cents()), "</td></tr><tr><th scope=\"row\">In servizio</th><td>",
                  s.in_service_count(), " (", s.employed_count(), " dipendenti + ", s.in_selection_count(), " in selezione), ",
                  Euro(s.in_service_cost_cents()), "</td></tr><tr><th scope=\"row\">Margine</th><td>", Euro(s.margin_cents()),
                  "</td></tr></tbody></table></section>");
  // Establishment and in service by category.
  std::map<std::string, std::pair<int, int>> by_cat;
  std::vector<std::string> cats;
  for (const v1::CategoryFigure& c : s.establishment()) {
    if (!by_cat.count(c.category())) cats.push_back(c.category());
    by_cat[c.category()].first = c.posts();
  }
  for (const v1::CategoryFigure& c : s.in_service()) {
    if (!by_cat.count(c.category())) cats.push_back(c.category());
    by_cat[c.category()].second = c.posts();
  }
  if (!cats.empty()) {
    std::vector<std::vector<double>> vals;
    for (const std::string& c : cats) vals.push_back({static_cast<double>(by_cat[c].first), static_cast<double>(by_cat[c].second)});
    absl::StrAppend(&out, "<section><h2>Posti e personale per categoria</h2>",
                    GroupedBars("hr-cat", "Posti in dotazione e personale in servizio per categoria", {"posti", "in servizio"},
                                {"#8a6d00", "#0b5394"}, cats, vals, [](double v) { return ItalianNumber(v, 0); }),
                    "<table><thead><tr><th scope=\"col\">Categoria</th><th scope=\"col\">Posti</th><th scope=\"col\">In servizio</th>"
                    "</tr></thead><tbody>");
    for (const std::string& c : cats) {
      absl::StrAppend(&out, "<tr><th scope=\"row\">", E(c), "</th><td>", by_cat[c].first, "</td><td>", by_cat[c].second, "</td></tr>");
    }
    absl::StrAppend(&out, "</tbody></table></section>");
  }
  const v1::HiringBudgetView& b = s.hiring_budget();
  absl::StrAppend(&out, "<section><h2>Budget assunzionale ", b.year(), "</h2><table><thead><tr><th scope=\"col\">Voce</th>"
                        "<th scope=\"col\">Ordinario</th><th scope=\"col\">Categorie protette</th></tr></thead><tbody>"
                        "<tr><th scope=\"row\">Cessazioni dell'anno precedente (", b.leavers_count(), ")</th><td>",
                  Euro(b.leavers_ordinary_cents()), "</td><td>", Euro(b.leavers_protected_cents()),
                  "</td></tr><tr><th scope=\"row\">Resti</th><td>", Euro(b.remainders_ordinary_cents()), "</td><td>",
                  Euro(b.remainders_protected_cents()), "</td></tr><tr><th scope=\"row\">Budget</th><td>", Euro(b.ordinary_cents()),
                  "</td><td>", Euro(b.protected_cents()), "</td></tr><tr><th scope=\"row\">Assunzioni programmate</th><td>",
                  b.planned_ordinary_count(), " · ", Euro(b.planned_ordinary_cents()), "</td><td>", b.planned_protected_count(), " · ",
                  Euro(b.planned_protected_cents()), "</td></tr><tr><th scope=\"row\">Residuo</th><td>", Euro(b.residual_ordinary_cents()),
                  "</td><td>", Euro(b.residual_protected_cents()), "</td></tr></tbody></table></section>");
  if (s.vacancies_size() > 0) {
    std::vector<std::string> keys;
    for (const v1::VacancyColumn& v : s.vacancies()) {
      for (const auto& [k, n] : v.by_category()) {
        if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
      }
    }
    static const std::vector<std::string> kOrder = {"DIR", "D3", "D1", "D", "C", "B3", "B1", "B", "A", "total"};
    std::sort(keys.begin(), keys.end(), [](const std::string& a, const std::string& b) {
      const auto ia = std::find(kOrder.begin(), kOrder.end(), a) - kOrder.begin();
      const auto ib = std::find(kOrder.begin(), kOrder.end(), b) - kOrder.begin();
      return ia != ib ? ia < ib : a < b;
    });
    absl::StrAppend(&out, "<section><h2>Posti vacanti</h2><div class=\"scroll\"><table><thead><tr><th scope=\"col\">Categoria</th>");
    for (const v1::VacancyColumn& v : s.vacancies()) absl::StrAppend(&out, "<th scope=\"col\">al ", E(v.date()), "</th>");
    absl::StrAppend(&out, "</tr></thead><tbody>");
    for (const std::string& k : keys) {
      absl::StrAppend(&out, "<tr><th scope=\"row\">", k == "total" ? "Totale" : E(k), "</th>");
      for (const v1::VacancyColumn& v : s.vacancies()) {
        auto it = v.by_category().find(k);
        absl::StrAppend(&out, "<td>", it == v.by_category().end() ? "—" : absl::StrCat(it->second), "</td>");
      }
      absl::StrAppend(&out, "</tr>");
    }
    absl::StrAppend(&out, "</tbody></table></div></section>");
  }
  if (s.turnover_size() > 0) {
    std::vector<std::string> years;
    std::vector<std::vector<double>> vals;
    for (const v1::TurnoverYear& t : s.turnover()) {
      years.push_back(absl::StrCat(t.year()));
      vals.push_back({static_cast<double>(t.hires()), static_cast<double>(t.leavers() + t.mobility_out())});
    }
    absl::StrAppend(&out, "<section><h2>Turnover</h2>",
                    GroupedBars("hr-turnover", "Assunzioni e uscite per anno", {"assunzioni", "uscite"}, {"#0b5394", "#a61c00"}, years,
                                vals, [](double v) { return ItalianNumber(v, 0); }),
                    "<table><thead><tr><th scope=\"col\">Anno</th><th scope=\"col\">Assunzioni</th><th scope=\"col\">di cui mobilità</th>"
                    "<th scope=\"col\">Cessazioni</th><th scope=\"col\">Mobilità in uscita</th><th scope=\"col\">Saldo</th>"
                    "<th scope=\"col\">Fino al</th></tr></thead><tbody>");
    for (const v1::TurnoverYear& t : s.turnover()) {
      absl::StrAppend(&out, "<tr><th scope=\"row\">", t.year(), "</th><td>", t.hires(), "</td><td>", t.mobility_in(), "</td><td>",
                      t.leavers(), "</td><td>", t.mobility_out(), "</td><td>", t.balance(), "</td><td>", Dash(t.through()), "</td></tr>");
    }
    absl::StrAppend(&out, "</tbody></table></section>");
  }
  return out;
}

std::string OutcomeLabel(v1::ValidationOutcome outcome) {
  switch (outcome) {
    case v1::VALIDATION_OUTCOME_VALIDATED: return "Validata";
    case v1::VALIDATION_OUTCOME_VALIDATED_WITH_REMARKS: return "Validata con osservazioni";
    case v1::VALIDATION_OUTCOME_NOT_VALIDATED: return "Non validata";
    default: return "—";
  }
}

namespace {
std::string RecordText(const v1::OivRecord& r) {
  return absl::StrCat(Dash(r.actor()), ", registrato il ", TimeText(r.recorded_at()),
                      r.superseded() ? " <span class=\"badge band-not-scored\">sostituito</span>" : "");
}
std::string DocumentText(const v1::DocumentRef& d) {
  if (d.reference().empty() && d.sha256().empty()) return "—";
  return absl::StrCat(Dash(d.reference()), d.sha256().empty() ? "" : absl::StrCat(" <small>SHA-256 <code>", E(d.sha256()), "</code></small>"));
}
std::string RemarksList(const google::protobuf::RepeatedPtrField<v1::ObjectiveRemark>& remarks) {
  if (remarks.empty()) return "";
  std::string out = "<ul class=\"remarks\">";
  for (const v1::ObjectiveRemark& r : remarks) {
    absl::StrAppend(&out, "<li><strong>", E(r.objective()), "</strong>: ", E(r.remark()),
                    r.about_deviation() ? absl::StrCat(" <small>(sullo scostamento dichiarato, versione ", r.deviation_version(), ")</small>") : "",
                    "</li>");
  }
  return out + "</ul>";
}
std::string Hidden(const Frame& f, const std::string& key) {
  return absl::StrCat("<input type=\"hidden\" name=\"csrf\" value=\"", E(f.csrf), "\"><input type=\"hidden\" name=\"amm\" value=\"",
                      E(f.administration), "\"><input type=\"hidden\" name=\"anno\" value=\"", f.year, "\">"
                      "<input type=\"hidden\" name=\"chiave\" value=\"", E(key), "\">");
}
std::string TextArea(const std::string& id, const std::string& label, bool required) {
  return absl::StrCat("<p class=\"field wide\"><label for=\"", id, "\">", label, required ? " (obbligatorio)" : "", "</label><textarea id=\"", id,
                      "\" name=\"", id, "\" rows=\"3\"", required ? " required" : "", "></textarea></p>");
}
std::string ScoreSelect(const std::string& id, const std::string& label, uint32_t value) {
  std::string out = absl::StrCat("<label class=\"sr-only\" for=\"", id, "\">", label, "</label><select id=\"", id, "\" name=\"", id, "\">");
  for (uint32_t v = 0; v <= 3; ++v) absl::StrAppend(&out, "<option", v == value ? " selected" : "", ">", v, "</option>");
  return out + "</select>";
}
}  // namespace

std::string OivBody(const Frame& f, const v1::OivStatus& st, const OivForms& forms) {
  std::string out;
  if (!forms.notice.empty()) absl::StrAppend(&out, "<p class=\"ok\" role=\"status\">", E(forms.notice), "</p>");
  // The validation in force and its history.
  absl::StrAppend(&out, "<section><h2>Validazione della Relazione sulla performance</h2>");
  if (!st.has_validation()) {
    absl::StrAppend(&out, "<p>Nessuna validazione registrata.</p>");
  } else {
    const v1::RelazioneValidation& v = st.validation().validation();
    absl::StrAppend(&out, "<table class=\"kv\"><tbody><tr><th scope=\"row\">Esito</th><td><strong>", OutcomeLabel(v.outcome()),
                    "</strong></td></tr><tr><th scope=\"row\">Data</th><td>", Dash(v.date()), "</td></tr><tr><th scope=\"row\">Numero</th><td>",
                    v.number(), v.supersedes() > 0 ? absl::StrCat(" (sostituisce la ", v.supersedes(), ")") : "",
                    "</td></tr><tr><th scope=\"row\">Motivazione</th><td>", E(v.motivation()),
                    "</td></tr><tr><th scope=\"row\">Documento</th><td>", DocumentText(v.document()),
                    "</td></tr><tr><th scope=\"row\">Registrata da</th><td>", RecordText(st.validation().record()),
                    "</td></tr></tbody></table>", v.remarks_size() > 0 ? "<h3>Osservazioni</h3>" : "", RemarksList(v.remarks()));
  }
  if (st.validations_size() > 0) {
    absl::StrAppend(&out, "<h3>Storia delle validazioni</h3><ol class=\"timeline\">");
    for (const v1::RecordedValidation& rv : st.validations()) {
      absl::StrAppend(&out, "<li><p class=\"when\"><time>", Dash(rv.validation().date()), "</time> · <strong>",
                      OutcomeLabel(rv.validation().outcome()), "</strong> (n. ", rv.validation().number(), ")</p><p>",
                      E(rv.validation().motivation()), "</p>", RemarksList(rv.validation().remarks()), "<p><small>",
                      RecordText(rv.record()), "</small></p></li>");
    }
    absl::StrAppend(&out, "</ol>");
  }
  absl::StrAppend(&out, "</section>");
  // Deviations stated by the planning office.
  if (st.deviations_size() > 0) {
    absl::StrAppend(&out, "<section><h2>Scostamenti dichiarati</h2><table><thead><tr><th scope=\"col\">Obiettivo</th><th scope=\"col\">Cause</th>"
                          "<th scope=\"col\">Misure correttive</th><th scope=\"col\">Data</th><th scope=\"col\">Registrato</th></tr></thead><tbody>");
    for (const v1::RecordedDeviation& d : st.deviations()) {
      absl::StrAppend(&out, "<tr><th scope=\"row\">", E(d.deviation().objective()), "</th><td>", E(d.deviation().causes()), "</td><td>",
                      E(d.deviation().measures()), "</td><td>", Dash(d.deviation().date()), "</td><td>", RecordText(d.record()), "</td></tr>");
    }
    absl::StrAppend(&out, "</tbody></table></section>");
  }
  // Monitoring reports.
  absl::StrAppend(&out, "<section><h2>Relazioni di monitoraggio</h2>");
  if (st.monitoring_reports_size() == 0) {
    absl::StrAppend(&out, "<p>Nessuna relazione di monitoraggio.</p>");
  } else {
    absl::StrAppend(&out, "<ol class=\"timeline\">");
    for (const v1::RecordedMonitoringReport& m : st.monitoring_reports()) {
      absl::StrAppend(&out, "<li><p class=\"when\"><time>", Dash(m.report().date()), "</time> · periodo <strong>", Dash(m.report().period()),
                      "</strong> · a ", m.report().addressee().empty() ? "Giunta" : E(m.report().addressee()), "</p><p>",
                      E(m.report().summary()), "</p>", RemarksList(m.report().remarks()), "<p><small>", RecordText(m.record()),
                      "</small></p></li>");
    }
    absl::StrAppend(&out, "</ol>");
  }
  absl::StrAppend(&out, "</section>");
  // The attestation grid.
  absl::StrAppend(&out, "<section><h2>Attestazione sugli obblighi di trasparenza</h2>");
  if (!st.has_attestation()) {
    absl::StrAppend(&out, "<p>Nessuna attestazione.</p>");
  } else {
    const v1::TransparencyAttestation& a = st.attestation().attestation();
    absl::StrAppend(&out, "<p>Attestazione n. ", a.number(), " del ", Dash(a.date()), " (rilevazione del ",
                    Dash(a.survey_date().empty() ? a.date() : a.survey_date()), "), ", RecordText(st.attestation().record()), ".</p>"
                    "<div class=\"scroll\"><table class=\"grid\"><caption>Griglia di rilevazione (punteggi 0-3)</caption><thead><tr>"
                    "<th scope=\"col\">Obbligo</th><th scope=\"col\">Sezione</th><th scope=\"col\">Pubblicato</th><th scope=\"col\">Completezza</th>"
                    "<th scope=\"col\">Aggiornamento</th><th scope=\"col\">Formato aperto</th><th scope=\"col\">Note</th></tr></thead><tbody>");
    for (const v1::TransparencyObligation& o : a.obligations()) {
      absl::StrAppend(&out, "<tr><th scope=\"row\">", E(o.obligation()), "</th><td>", Dash(o.section()), "</td><td>", o.published() ? "sì" : "no",
                      "</td><td class=\"", SeverityClass(4 - std::min<uint32_t>(o.completeness(), 3)), "\">", o.completeness(), "</td><td class=\"",
                      SeverityClass(4 - std::min<uint32_t>(o.update(), 3)), "\">", o.update(), "</td><td class=\"",
                      SeverityClass(4 - std::min<uint32_t>(o.open_format(), 3)), "\">", o.open_format(), "</td><td>", Dash(o.notes()), "</td></tr>");
    }
    absl::StrAppend(&out, "</tbody></table></div>");
    if (st.attestations_size() > 1) {
      absl::StrAppend(&out, "<h3>Attestazioni precedenti</h3><ul>");
      for (const v1::RecordedAttestation& ra : st.attestations()) {
        absl::StrAppend(&out, "<li>n. ", ra.attestation().number(), " del ", Dash(ra.attestation().date()), ", ",
                        ra.attestation().obligations_size(), " obblighi — ", RecordText(ra.record()), "</li>");
      }
      absl::StrAppend(&out, "</ul>");
    }
  }
  absl::StrAppend(&out, "</section>");
  if (st.has_sg_proposal()) {
    const v1::SgEvaluationProposal& p = st.sg_proposal().proposal();
    absl::StrAppend(&out, "<section><h2>Proposta di valutazione del Segretario generale</h2><p><strong>", E(p.evaluated()), "</strong>",
                    p.has_proposed_score_pct() ? absl::StrCat(": ", Percent(p.proposed_score_pct())) : "", " (", Dash(p.date()), ")</p><p>",
                    E(p.proposal()), "</p><p><small>", RecordText(st.sg_proposal().record()), "</small></p></section>");
  }

  // The forms of the OIV's acts.
  absl::StrAppend(&out, "<section class=\"forms\"><h2>Atti dell'OIV</h2><p class=\"hint\">Solo l'OIV può registrarli: "
                        "per gli altri ruoli i servizi rifiutano l'atto.</p>");
  absl::StrAppend(&out, "<form method=\"post\" action=\"/oiv/validazione\" class=\"filters\"><fieldset><legend>Validazione della Relazione</legend>",
                  Hidden(f, forms.key_validation),
                  "<p class=\"field\"><label for=\"esito\">Esito</label><select id=\"esito\" name=\"esito\">"
                  "<option value=\"validated\">Validata</option><option value=\"validated-with-remarks\">Validata con osservazioni</option>"
                  "<option value=\"not-validated\">Non validata</option></select></p>",
                  TextInput("v_data", "Data dell'atto (vuoto = oggi)", "", "date"), TextArea("motivazione", "Motivazione", true),
                  TextInput("documento", "Documento (riferimento)", ""), TextInput("sha256", "SHA-256 del documento", ""), "</fieldset>");
  for (int i = 1; i <= kRemarkRows; ++i) {
    absl::StrAppend(&out, "<fieldset><legend>Osservazione ", i, "</legend>", TextInput(absl::StrCat("oss_obiettivo_", i), "Obiettivo", ""),
                    "<p class=\"field wide\"><label for=\"oss_testo_", i, "\">Osservazione</label><textarea id=\"oss_testo_", i,
                    "\" name=\"oss_testo_", i, "\" rows=\"2\"></textarea></p><p><label class=\"check\"><input type=\"checkbox\" "
                    "name=\"oss_scostamento_", i, "\" value=\"1\"> riguarda lo scostamento dichiarato</label></p></fieldset>");
  }
  absl::StrAppend(&out, "<p><button type=\"submit\">Registra la validazione</button></p></form>");

  absl::StrAppend(&out, "<form method=\"post\" action=\"/oiv/monitoraggio\" class=\"filters\"><fieldset><legend>Relazione di monitoraggio</legend>",
                  Hidden(f, forms.key_monitoring), TextInput("periodo", "Periodo di monitoraggio (AAAA-MM-GG)", "", "date"),
                  TextInput("m_data", "Data (vuoto = oggi)", "", "date"), TextInput("destinatario", "Destinatario (vuoto = Giunta)", ""),
                  TextArea("sintesi", "Sintesi", true), TextInput("m_obiettivo", "Osservazione: obiettivo", ""),
                  "<p class=\"field wide\"><label for=\"m_osservazione\">Osservazione</label><textarea id=\"m_osservazione\" name=\"m_osservazione\" "
                  "rows=\"2\"></textarea></p></fieldset><p><button type=\"submit\">Registra la relazione di monitoraggio</button></p></form>");

  absl::StrAppend(&out, "<form method=\"post\" action=\"/oiv/attestazione\" class=\"filters\"><fieldset><legend>Griglia di attestazione</legend>",
                  Hidden(f, forms.key_attestation), TextInput("a_data", "Data (vuoto = oggi)", "", "date"),
                  TextInput("rilevazione", "Data della rilevazione", "", "date"),
                  "</fieldset><div class=\"scroll\"><table class=\"grid\"><caption>Obblighi (righe vuote ignorate)</caption><thead><tr>"
                  "<th scope=\"col\">Obbligo</th><th scope=\"col\">Sezione</th><th scope=\"col\">Pubblicato</th><th scope=\"col\">Completezza</th>"
                  "<th scope=\"col\">Aggiornamento</th><th scope=\"col\">Formato aperto</th><th scope=\"col\">Note</th></tr></thead><tbody>");
  std::vector<v1::TransparencyObligation> rows;
  if (st.has_attestation()) rows.assign(st.attestation().attestation().obligations().begin(), st.attestation().attestation().obligations().end());
  while (static_cast<int>(rows.size()) < kObligationRows) rows.emplace_back();
  for (size_t i = 0; i < rows.size(); ++i) {
    const v1::TransparencyObligation& o = rows[i];
    const std::string n = absl::StrCat(i + 1);
    absl::StrAppend(&out, "<tr><td><label class=\"sr-only\" for=\"ob_", n, "\">Obbligo ", n, "</label><input id=\"ob_", n, "\" name=\"ob_", n,
                    "\" value=\"", E(o.obligation()), "\"></td><td><label class=\"sr-only\" for=\"sez_", n, "\">Sezione ", n,
                    "</label><input id=\"sez_", n, "\" name=\"sez_", n, "\" value=\"", E(o.section()), "\"></td><td><label class=\"sr-only\" for=\"pub_",
                    n, "\">Pubblicato ", n, "</label><input type=\"checkbox\" id=\"pub_", n, "\" name=\"pub_", n, "\" value=\"1\"",
                    Checked(o.published()), "></td><td>", ScoreSelect("compl_" + n, "Completezza " + n, o.completeness()), "</td><td>",
                    ScoreSelect("agg_" + n, "Aggiornamento " + n, o.update()), "</td><td>",
                    ScoreSelect("fmt_" + n, "Formato aperto " + n, o.open_format()), "</td><td><label class=\"sr-only\" for=\"note_", n,
                    "\">Note ", n, "</label><input id=\"note_", n, "\" name=\"note_", n, "\" value=\"", E(o.notes()), "\"></td></tr>");
  }
  absl::StrAppend(&out, "</tbody></table></div><input type=\"hidden\" name=\"righe\" value=\"", rows.size(),
                  "\"><p><button type=\"submit\">Registra l'attestazione</button></p></form></section>");
  return out;
}

const char kStyleSheet[] = R"css(
*{box-sizing:border-box}
body{margin:0;font-family:"DejaVu Sans",system-ui,sans-serif;font-size:16px;line-height:1.5;color:#1b1b1b;background:#fff}
a{color:#0b4f8a}
a:focus,button:focus,input:focus,summary:focus{outline:3px solid #b35c00;outline-offset:2px}
.skip{position:absolute;left:-9999px}
.skip:focus{left:8px;top:8px;background:#fff;padding:4px 8px;z-index:10}
header.top{display:flex;flex-wrap:wrap;align-items:center;gap:8px 24px;padding:8px 16px;background:#0b3a66;color:#fff}
header.top a{color:#fff}
header.top .brand{margin:0;font-weight:bold;font-size:1.1em}
header.top nav ul{display:flex;flex-wrap:wrap;gap:4px 16px;list-style:none;margin:0;padding:0}
header.top nav a[aria-current]{font-weight:bold;text-decoration:underline 3px}
header.top .signout{margin-left:auto}
header.top .who{font-size:.9em}
main{padding:16px;max-width:1200px;margin:0 auto}
main.login{max-width:480px;margin-top:48px}
footer{padding:8px 16px;color:#444;font-size:.85em;border-top:1px solid #ccc}
h1{font-size:1.6em;margin:.2em 0 .4em}
h2{font-size:1.3em;margin-top:1.2em}
h3{font-size:1.1em;display:inline;margin:0}
h4{font-size:1em;margin:.6em 0 .2em}
.scope{color:#333}
button,.button{display:inline-block;font:inherit;padding:6px 14px;border:1px solid #0b3a66;background:#0b3a66;color:#fff;border-radius:4px;cursor:pointer;text-decoration:none}
header.top button{background:#fff;color:#0b3a66}
.filters fieldset{border:1px solid #bbb;border-radius:4px;margin:0 0 12px;display:flex;flex-wrap:wrap;gap:0 16px;align-items:flex-end}
.filters legend{font-weight:bold}
.field{display:flex;flex-direction:column;margin:4px 0}
.field input,.field select,.field textarea{font:inherit;padding:4px 6px;border:1px solid #555;border-radius:3px;min-width:12em}
.checks{display:flex;flex-wrap:wrap;gap:2px 14px}
label.check{white-space:nowrap}
table{border-collapse:collapse;margin:8px 0;width:100%}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
thead th{background:#eef2f6}
table.kv{width:auto}
table.kv th{background:#f5f5f5}
.scroll{overflow-x:auto}
.name{font-weight:normal;color:#333}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;border:1px solid #777;white-space:nowrap}
.band-met{background:#dff0d8;border-color:#2e7d32}
.band-partly{background:#fff3cd;border-color:#8a6d00}
.band-missed{background:#f8d7da;border-color:#a61c00}
.band-not-measured{background:#eeeeee;border-color:#666}
.band-not-scored{background:#fafafa;border-color:#999}
details.objective{border-left:6px solid #999;margin:6px 0 6px 8px;padding:2px 8px;background:#fcfcfc}
details.objective.band-met{border-left-color:#2e7d32;background:#fcfcfc}
details.objective.band-partly{border-left-color:#b38600;background:#fcfcfc}
details.objective.band-missed{border-left-color:#a61c00;background:#fcfcfc}
details.objective.band-not-measured,details.objective.band-not-scored{background:#fcfcfc}
details.area{margin:12px 0;border:1px solid #ccc;border-radius:4px;padding:4px 8px}
summary{cursor:pointer;padding:4px 0}
summary .code{font-weight:bold}
summary .scores{display:inline-flex;flex-wrap:wrap;gap:4px;margin-left:8px;align-items:center}
summary .basis{font-size:.85em;color:#333}
.children{margin-left:12px}
.legend{font-size:.9em}
.chart{margin:8px 0;max-width:760px}
.chart figcaption{font-size:.9em}
ol.timeline{list-style:none;padding-left:0;border-left:4px solid #0b3a66;margin-left:8px}
ol.timeline>li{position:relative;margin:0 0 12px 0;padding:4px 12px}
ol.timeline>li::before{content:"";position:absolute;left:-11px;top:10px;width:14px;height:14px;border-radius:50%;background:#0b3a66}
ol.timeline .when{margin:0;font-size:1.05em}
ol.timeline .act{margin:0;font-weight:bold}
ol.timeline dl{display:grid;grid-template-columns:max-content 1fr;gap:0 12px;margin:4px 0}
ol.timeline dt{color:#333}
ol.timeline dd{margin:0}
.change .from{text-decoration:line-through}
.heat td{text-align:center;font-weight:bold;min-width:4em}
.sev{padding:1px 6px;border-radius:3px}
.sev-0{background:#eeeeee}
.sev-1{background:#dff0d8}
.sev-2{background:#fff3cd}
.sev-3{background:#fdd9b5}
.sev-4{background:#f8d7da}
td.empty{background:#fff}
.error{border:2px solid #a61c00;background:#fdf0ef;padding:8px 12px;border-radius:4px}
.ok{border:2px solid #2e7d32;background:#eef7ee;padding:8px 12px;border-radius:4px}
.hint{color:#333;font-size:.9em}
.field.wide{flex-basis:100%}
.field.wide textarea{width:100%}
table.grid input{font:inherit;width:100%;min-width:6em}
ul.remarks{margin:4px 0}
.pager ul{display:flex;flex-wrap:wrap;gap:6px;list-style:none;padding:0}
.pager a[aria-current]{font-weight:bold}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
ul.cards li{margin:6px 0}
@media (max-width:700px){th,td{padding:3px 4px}body{font-size:15px}}
)css";

}  // namespace piao::web
