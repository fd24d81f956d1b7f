#include "libs/plan/plan_json.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/base/json_strict.h"
#include "libs/base/status_macros.h"

namespace piao::plan {
namespace {

using json = nlohmann::json;

absl::Status Err(const std::string& path, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", rule));
}

std::string Child(const std::string& path, absl::string_view key) {
  return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
}

std::string Index(const std::string& path, size_t i) { return absl::StrCat(path, "[", i, "]"); }

// The member `key` of object `obj`, or nullptr when absent or null. Missing/null and required: error.
absl::StatusOr<const json*> Member(const json& obj, absl::string_view key, const std::string& path,
                                   bool required) {
  auto it = obj.find(std::string(key));
  if (it == obj.end() || it->is_null()) {
    if (required) return Err(Child(path, key), "is required");
    return nullptr;
  }
  return &*it;
}

absl::Status ExpectObject(const json& j, const std::string& path) {
  if (!j.is_object()) return Err(path.empty() ? "(root)" : path, "must be a JSON object");
  return absl::OkStatus();
}

// A string member; "" when absent or null (unless required).
absl::StatusOr<std::string> String(const json& obj, absl::string_view key, const std::string& path,
                                   bool required = false) {
  PIAO_ASSIGN_OR_RETURN(const json* m, Member(obj, key, path, required));
  if (m == nullptr) return std::string();
  if (!m->is_string()) return Err(Child(path, key), "must be a string");
  return m->get<std::string>();
}

absl::StatusOr<std::optional<double>> Number(const json& obj, absl::string_view key, const std::string& path,
                                             bool required = false) {
  PIAO_ASSIGN_OR_RETURN(const json* m, Member(obj, key, path, required));
  if (m == nullptr) return std::optional<double>();
  if (!m->is_number()) return Err(Child(path, key), "must be a number");
  const double v = m->get<double>();
  if (!std::isfinite(v)) return Err(Child(path, key), "must be a finite number");
  return std::optional<double>(v);
}

absl::StatusOr<bool> Bool(const json& obj, absl::string_view key, const std::string& path) {
  PIAO_ASSIGN_OR_RETURN(const json* m, Member(obj, key, path, false));
  if (m == nullptr) return false;
  if (!m->is_boolean()) return Err(Child(path, key), "must be true or false");
  return m->get<bool>();
}

absl::StatusOr<Date> DateMember(const json& obj, absl::string_view key, const std::string& path) {
  PIAO_ASSIGN_OR_RETURN(std::string text, String(obj, key, path, /*required=*/true));
  auto d = ParseIsoDate(text);
  if (!d.ok()) return Err(Child(path, key), d.status().message());
  return *d;
}

absl::StatusOr<Quantity> QuantityOf(const json& j, const std::string& path) {
  Quantity q;
  PIAO_ASSIGN_OR_RETURN(std::optional<double> v, Number(j, "value", path, /*required=*/true));
  q.value = *v;
  PIAO_ASSIGN_OR_RETURN(q.unit, String(j, "unit", path));
  return q;
}

// Duplicate keys and absurd nesting are refused here, unknown keys at each object (KnownKeys below).
absl::StatusOr<nlohmann::json> ParseText(const std::string& text, absl::string_view what) {
  return ParseJsonStrict(text, what);
}

// Every object of the format has a closed set of keys: a misspelt one ("tagret") is an error, never a
// silently ignored field.
absl::Status KnownKeys(const json& j, std::initializer_list<absl::string_view> allowed, const std::string& path) {
  return CheckKnownKeys(j, allowed, path);
}

absl::StatusOr<IndicatorFlags> FlagsOf(const json& obj, const std::string& path) {
  IndicatorFlags flags;
  PIAO_ASSIGN_OR_RETURN(const json* m, Member(obj, "flags", path, false));
  if (m == nullptr) return flags;
  const std::string fpath = Child(path, "flags");
  if (!m->is_array()) return Err(fpath, "must be an array of \"C\", \"S\", \"A\"");
  for (size_t i = 0; i < m->size(); ++i) {
    const json& f = (*m)[i];
    const std::string s = f.is_string() ? f.get<std::string>() : "";
    if (s == "C") {
      flags.common = true;
    } else if (s == "S") {
      flags.simplification = true;
    } else if (s == "A") {
      flags.anti_corruption = true;
    } else {
      return Err(Index(fpath, i), "must be \"C\", \"S\" or \"A\"");
    }
  }
  return flags;
}

absl::StatusOr<std::map<int, std::optional<Target>>> TargetsByYear(const json& obj, const std::string& path) {
  std::map<int, std::optional<Target>> out;
  PIAO_ASSIGN_OR_RETURN(const json* m, Member(obj, "targets_by_year", path, false));
  if (m == nullptr) return out;
  const std::string tpath = Child(path, "targets_by_year");
  if (!m->is_object()) return Err(tpath, "must be an object keyed by year or null");
  for (auto it = m->begin(); it != m->end(); ++it) {
    int year = 0;
    const std::string ypath = Child(tpath, it.key());
    // Four ASCII digits, no leading zero: the form the writer gives back ("+317", " 317" and "0317" are not
    // years, and would come back as "317", which is refused: found by plan_json_fuzz).
    const std::string& k = it.key();
    const bool four_digits = k.size() == 4 && k[0] >= '1' && k[0] <= '9' &&
                             std::all_of(k.begin(), k.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!four_digits || !absl::SimpleAtoi(k, &year)) return Err(ypath, "key must be a year YYYY");
    if (it->is_null()) {
      out[year] = std::nullopt;
      continue;
    }
    PIAO_ASSIGN_OR_RETURN(Target t, ParseTargetJson(*it, ypath));
    out[year] = std::move(t);
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> Units(const json& obj, const std::string& path) {
  std::vector<std::string> units;
  PIAO_ASSIGN_OR_RETURN(const json* m, Member(obj, "units", path, false));
  if (m == nullptr) return units;
  const std::string upath = Child(path, "units");
  if (!m->is_array()) return Err(upath, "must be an array of unit names");
  for (size_t i = 0; i < m->size(); ++i) {
    if (!(*m)[i].is_string()) return Err(Index(upath, i), "must be a string");
    units.push_back((*m)[i].get<std::string>());
  }
  return units;
}

absl::StatusOr<std::optional<ApprovalAct>> Approval(const json& root) {
  PIAO_ASSIGN_OR_RETURN(const json* m, Member(root, "approved", "", false));
  if (m == nullptr) return std::optional<ApprovalAct>();
  const std::string path = "approved";
  PIAO_RETURN_IF_ERROR(ExpectObject(*m, path));
  PIAO_RETURN_IF_ERROR(KnownKeys(*m, {"act", "date", "number", "body"}, path));
  PIAO_ASSIGN_OR_RETURN(std::string act, String(*m, "act", path));
  std::optional<Date> date;
  if (m->contains("date") && !m->at("date").is_null()) {
    PIAO_ASSIGN_OR_RETURN(date, DateMember(*m, "date", path));
  }
  ApprovalAct out = DescribeAct(std::move(act), date);
  PIAO_ASSIGN_OR_RETURN(std::optional<double> number, Number(*m, "number", path));
  if (number.has_value()) {
    if (*number != std::floor(*number) || *number < 0 || *number > 1e9) {
      return Err(Child(path, "number"), "must be a whole act number");
    }
    out.number = static_cast<int>(*number);
  }
  PIAO_ASSIGN_OR_RETURN(std::string body, String(*m, "body", path));
  if (!body.empty()) out.body = body;
  return std::optional<ApprovalAct>(std::move(out));
}

absl::StatusOr<Objective> ObjectiveOf(const json& j, const std::string& path, ParsedPlanFile& file,
                                      std::map<ObjectiveKey, std::string>& seen_objectives,
                                      std::map<IndicatorRef, std::string>& seen_indicators) {
  PIAO_RETURN_IF_ERROR(ExpectObject(j, path));
  PIAO_RETURN_IF_ERROR(KnownKeys(j,
                                 {"code", "level", "title", "description", "strategic_area", "parent", "units",
                                  "owner", "objective_weight_pct", "note", "reported_score_pct",
                                  "reported_evaluation", "indicators"},
                                 path));
  Objective o;
  PIAO_ASSIGN_OR_RETURN(o.code, String(j, "code", path, /*required=*/true));
  PIAO_ASSIGN_OR_RETURN(std::string level, String(j, "level", path, /*required=*/true));
  auto lv = ParseLevel(level);
  if (!lv.ok()) return Err(Child(path, "level"), lv.status().message());
  o.level = *lv;
  PIAO_ASSIGN_OR_RETURN(o.title, String(j, "title", path));
  PIAO_ASSIGN_OR_RETURN(o.description, String(j, "description", path));
  PIAO_ASSIGN_OR_RETURN(o.strategic_area, String(j, "strategic_area", path));
  PIAO_ASSIGN_OR_RETURN(o.parent, String(j, "parent", path));
  PIAO_ASSIGN_OR_RETURN(o.units, Units(j, path));
  PIAO_ASSIGN_OR_RETURN(o.owner, String(j, "owner", path));
  PIAO_ASSIGN_OR_RETURN(o.objective_weight_pct, Number(j, "objective_weight_pct", path));
  PIAO_ASSIGN_OR_RETURN(o.note, String(j, "note", path));
  const ObjectiveKey key = KeyOf(o);
  auto [seen, inserted] = seen_objectives.emplace(key, path);
  if (!inserted) {
    return Err(Child(path, "code"), absl::StrCat("'", o.code, "' duplicates ", seen->second,
                                                 " (objective codes are unique per level and unit/owner)"));
  }

  ReportedObjective reported;
  PIAO_ASSIGN_OR_RETURN(reported.score_pct, Number(j, "reported_score_pct", path));
  PIAO_ASSIGN_OR_RETURN(reported.evaluation, String(j, "reported_evaluation", path));
  if (reported.score_pct.has_value() || !reported.evaluation.empty()) {
    file.reported_objectives[key] = reported;
  }

  PIAO_ASSIGN_OR_RETURN(const json* inds, Member(j, "indicators", path, /*required=*/true));
  const std::string ipath = Child(path, "indicators");
  if (!inds->is_array()) return Err(ipath, "must be an array");
  for (size_t i = 0; i < inds->size(); ++i) {
    const json& ij = (*inds)[i];
    const std::string p = Index(ipath, i);
    PIAO_ASSIGN_OR_RETURN(Indicator ind, ParseIndicatorJson(ij, p));
    IndicatorRef ref{key, ind.code};
    auto [it, inserted] = seen_indicators.emplace(ref, p);
    if (!inserted) {
      return Err(Child(p, "code"), absl::StrCat("'", ind.code, "' duplicates ", it->second,
                                                " (indicator codes are unique within their objective)"));
    }
    PIAO_ASSIGN_OR_RETURN(const json* actual, Member(ij, "actual", p, false));
    if (actual != nullptr) {
      PIAO_ASSIGN_OR_RETURN(std::optional<Value> v, ParseValueJson(*actual, Child(p, "actual")));
      file.actuals.emplace(ref, *v);
    }
    PIAO_ASSIGN_OR_RETURN(std::optional<double> grade, Number(ij, "reported_grade_pct", p));
    if (grade.has_value()) file.reported_grades.emplace(ref, *grade);
    o.indicators.push_back(std::move(ind));
  }
  return o;
}

absl::StatusOr<std::optional<double>> OptionalWeight(const json& j, const std::string& path) {
  if (j.is_null()) return std::optional<double>();
  if (!j.is_number() || !std::isfinite(j.get<double>())) return Err(path, "must be a finite number or null");
  return std::optional<double>(j.get<double>());
}

absl::StatusOr<Revision> RevisionOf(const json& j, const std::string& path) {
  PIAO_RETURN_IF_ERROR(ExpectObject(j, path));
  PIAO_RETURN_IF_ERROR(KnownKeys(j,
                                 {"objective", "indicator", "change", "from", "to", "effective_date", "act", "reason",
                                  "evidence", "note", "level", "scope"},
                                 path));
  Revision r;
  PIAO_ASSIGN_OR_RETURN(r.objective, String(j, "objective", path, true));
  PIAO_ASSIGN_OR_RETURN(r.indicator, String(j, "indicator", path, true));
  PIAO_ASSIGN_OR_RETURN(std::string change, String(j, "change", path, true));
  auto kind = ParseChangeKind(change);
  if (!kind.ok()) return Err(Child(path, "change"), kind.status().message());
  r.change = *kind;
  PIAO_ASSIGN_OR_RETURN(std::string level, String(j, "level", path));
  if (!level.empty()) {
    auto lv = ParseLevel(level);
    if (!lv.ok()) return Err(Child(path, "level"), lv.status().message());
    r.level = *lv;
  }
  if (j.contains("scope") && !j.at("scope").is_null()) {
    PIAO_ASSIGN_OR_RETURN(r.scope, String(j, "scope", path));
  }
  PIAO_ASSIGN_OR_RETURN(r.effective_date, DateMember(j, "effective_date", path));
  PIAO_ASSIGN_OR_RETURN(r.act, String(j, "act", path, true));
  if (r.act.empty()) return Err(Child(path, "act"), "must name the act (a revision needs its deliberation)");
  PIAO_ASSIGN_OR_RETURN(r.reason, String(j, "reason", path));
  PIAO_ASSIGN_OR_RETURN(r.evidence, String(j, "evidence", path));
  PIAO_ASSIGN_OR_RETURN(r.note, String(j, "note", path));

  static const json kNull = nullptr;
  const json& from = j.contains("from") ? j.at("from") : kNull;
  const json& to = j.contains("to") ? j.at("to") : kNull;
  const std::string fpath = Child(path, "from"), tpath = Child(path, "to");
  switch (r.change) {
    case ChangeKind::kTarget: {
      if (!from.is_null()) {
        PIAO_ASSIGN_OR_RETURN(r.from_target, ParseTargetJson(from, fpath));
      }
      if (!to.is_null()) {
        PIAO_ASSIGN_OR_RETURN(r.to_target, ParseTargetJson(to, tpath));
      }
      break;
    }
    case ChangeKind::kThreshold: {
      PIAO_ASSIGN_OR_RETURN(r.from_threshold, ParseThresholdJson(from, fpath));
      PIAO_ASSIGN_OR_RETURN(r.to_threshold, ParseThresholdJson(to, tpath));
      break;
    }
    case ChangeKind::kWeight:
    case ChangeKind::kNeutralised: {
      PIAO_ASSIGN_OR_RETURN(r.from_weight, OptionalWeight(from, fpath));
      PIAO_ASSIGN_OR_RETURN(r.to_weight, OptionalWeight(to, tpath));
      break;
    }
    case ChangeKind::kFormula: {
      // null = no formula; the new one must parse (ValidatePlan checks it again after the whole act).
      for (const auto& [side, p, out] : {std::tuple(&from, &fpath, &r.from_formula), std::tuple(&to, &tpath, &r.to_formula)}) {
        if (side->is_null()) continue;
        if (!side->is_string()) return Err(*p, "must be a formula (a string) or null");
        *out = side->get<std::string>();
      }
      break;
    }
    case ChangeKind::kAdded: {
      if (!from.is_null()) return Err(fpath, "must be null for an added indicator");
      if (!to.is_null()) {
        PIAO_ASSIGN_OR_RETURN(r.definition, ParseIndicatorJson(to, tpath));
      }
      break;
    }
    case ChangeKind::kSuppressed: {
      if (!to.is_null()) return Err(tpath, "must be null for a suppressed indicator");
      if (!from.is_null()) {
        PIAO_ASSIGN_OR_RETURN(r.definition, ParseIndicatorJson(from, fpath));
      }
      break;
    }
  }
  PIAO_RETURN_IF_ERROR(CheckRevisionValues(r, fpath, tpath));
  return r;
}

json StringOrNull(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }
json NumberOrNull(const std::optional<double>& v) { return v.has_value() ? json(*v) : json(nullptr); }

}  // namespace

absl::StatusOr<Target> ParseTargetJson(const json& j, const std::string& path) {
  PIAO_RETURN_IF_ERROR(ExpectObject(j, path));
  PIAO_ASSIGN_OR_RETURN(std::string op, String(j, "op", path, /*required=*/true));
  if (op == "by_date") {
    PIAO_RETURN_IF_ERROR(KnownKeys(j, {"op", "date"}, path));
    PIAO_ASSIGN_OR_RETURN(Date d, DateMember(j, "date", path));
    return Target(DeadlineTarget{d});
  }
  if (op == "text") {
    PIAO_RETURN_IF_ERROR(KnownKeys(j, {"op", "text"}, path));
    PIAO_ASSIGN_OR_RETURN(std::string text, String(j, "text", path, /*required=*/true));
    return Target(Text{std::move(text)});
  }
  auto cmp = ParseCompareOp(op);
  if (!cmp.ok()) return Err(Child(path, "op"), absl::StrCat("'", op, "' must be one of >=, <=, =, >, <, by_date, text"));
  PIAO_RETURN_IF_ERROR(KnownKeys(j, {"op", "value", "unit"}, path));
  PIAO_ASSIGN_OR_RETURN(Quantity q, QuantityOf(j, path));
  return Target(ComparisonTarget{*cmp, std::move(q)});
}

absl::StatusOr<std::optional<Threshold>> ParseThresholdJson(const json& j, const std::string& path) {
  if (j.is_null()) return std::optional<Threshold>();
  PIAO_RETURN_IF_ERROR(ExpectObject(j, path));
  PIAO_RETURN_IF_ERROR(KnownKeys(j, {"value", "unit", "date", "implied"}, path));
  const bool has_value = j.contains("value"), has_date = j.contains("date");
  if (has_value == has_date) return Err(path, "a threshold has either a \"value\" or a \"date\"");
  Threshold t;
  if (has_value) {
    PIAO_ASSIGN_OR_RETURN(Quantity q, QuantityOf(j, path));
    t.bound = std::move(q);
  } else {
    PIAO_ASSIGN_OR_RETURN(Date d, DateMember(j, "date", path));
    t.bound = d;
  }
  PIAO_ASSIGN_OR_RETURN(t.implied, Bool(j, "implied", path));
  return std::optional<Threshold>(std::move(t));
}

absl::StatusOr<std::optional<Value>> ParseValueJson(const json& j, const std::string& path) {
  if (j.is_null()) return std::optional<Value>();
  PIAO_RETURN_IF_ERROR(ExpectObject(j, path));
  PIAO_RETURN_IF_ERROR(KnownKeys(j, {"value", "unit", "date", "text"}, path));
  const int kinds = static_cast<int>(j.contains("value")) + static_cast<int>(j.contains("date")) +
                    static_cast<int>(j.contains("text"));
  if (kinds != 1) return Err(path, "must hold exactly one of \"value\", \"date\", \"text\"");
  if (j.contains("value")) {
    PIAO_ASSIGN_OR_RETURN(Quantity q, QuantityOf(j, path));
    return std::optional<Value>(std::move(q));
  }
  if (j.contains("date")) {
    PIAO_ASSIGN_OR_RETURN(Date d, DateMember(j, "date", path));
    return std::optional<Value>(d);
  }
  PIAO_ASSIGN_OR_RETURN(std::string text, String(j, "text", path, /*required=*/true));
  return std::optional<Value>(Text{std::move(text)});
}

absl::StatusOr<Indicator> ParseIndicatorJson(const json& j, const std::string& path) {
  PIAO_RETURN_IF_ERROR(ExpectObject(j, path));
  // Beside the definition, a results file prints actual and reported_grade_pct (read by ParsePlanJson) and
  // deviation (the printed "scostamento", for the reader only); a revision's definition may quote them too.
  PIAO_RETURN_IF_ERROR(KnownKeys(j,
                                 {"code", "name", "flags", "weight_pct", "type", "algorithm", "source", "target",
                                  "targets_by_year", "threshold", "baseline", "formula", "note", "neutralised",
                                  "neutralised_reason", "suppressed", "suppressed_reason", "actual",
                                  "reported_grade_pct", "deviation"},
                                 path));
  Indicator ind;
  PIAO_ASSIGN_OR_RETURN(ind.code, String(j, "code", path, /*required=*/true));
  PIAO_ASSIGN_OR_RETURN(ind.name, String(j, "name", path));
  PIAO_ASSIGN_OR_RETURN(ind.flags, FlagsOf(j, path));
  PIAO_ASSIGN_OR_RETURN(ind.weight_pct, Number(j, "weight_pct", path));
  PIAO_ASSIGN_OR_RETURN(ind.type, String(j, "type", path));
  PIAO_ASSIGN_OR_RETURN(ind.algorithm, String(j, "algorithm", path));
  PIAO_ASSIGN_OR_RETURN(ind.source, String(j, "source", path));
  PIAO_ASSIGN_OR_RETURN(const json* target, Member(j, "target", path, /*required=*/true));
  PIAO_ASSIGN_OR_RETURN(ind.target, ParseTargetJson(*target, Child(path, "target")));
  PIAO_ASSIGN_OR_RETURN(ind.targets_by_year, TargetsByYear(j, path));
  if (j.contains("threshold")) {
    PIAO_ASSIGN_OR_RETURN(ind.threshold, ParseThresholdJson(j.at("threshold"), Child(path, "threshold")));
  }
  if (j.contains("baseline")) {
    PIAO_ASSIGN_OR_RETURN(ind.baseline, ParseValueJson(j.at("baseline"), Child(path, "baseline")));
  }
  PIAO_ASSIGN_OR_RETURN(ind.formula, String(j, "formula", path));
  PIAO_ASSIGN_OR_RETURN(ind.note, String(j, "note", path));
  PIAO_ASSIGN_OR_RETURN(ind.neutralised, Bool(j, "neutralised", path));
  PIAO_ASSIGN_OR_RETURN(ind.neutralised_reason, String(j, "neutralised_reason", path));
  PIAO_ASSIGN_OR_RETURN(ind.suppressed, Bool(j, "suppressed", path));
  PIAO_ASSIGN_OR_RETURN(ind.suppressed_reason, String(j, "suppressed_reason", path));
  // A reason belongs to its flag (found by plan_json_fuzz: a reason without the flag was read, then not written).
  if (!ind.neutralised && !ind.neutralised_reason.empty()) {
    return Err(Child(path, "neutralised_reason"), "only a neutralised indicator has one (\"neutralised\": true)");
  }
  if (!ind.suppressed && !ind.suppressed_reason.empty()) {
    return Err(Child(path, "suppressed_reason"), "only a suppressed indicator has one (\"suppressed\": true)");
  }
  return ind;
}

absl::StatusOr<ParsedPlanFile> ParsePlanJson(const std::string& text) {
  PIAO_ASSIGN_OR_RETURN(json root, ParseText(text, "plan"));
  PIAO_RETURN_IF_ERROR(ExpectObject(root, ""));
  // "expected": a test fixture's published figures (actuals, scores, known misprints), for the tests that
  // compare with them; free-form and never read by the importer.
  PIAO_RETURN_IF_ERROR(
      KnownKeys(root, {"year", "source", "administration", "approved", "objectives", "expected"}, ""));
  ParsedPlanFile file;
  Plan& plan = file.plan;
  PIAO_ASSIGN_OR_RETURN(const json* year, Member(root, "year", "", /*required=*/true));
  if (!year->is_number_integer() || year->get<int64_t>() < 1900 || year->get<int64_t>() > 9999) {
    return Err("year", "must be a whole year such as 2022");
  }
  plan.year = static_cast<int>(year->get<int64_t>());
  PIAO_ASSIGN_OR_RETURN(plan.source, String(root, "source", ""));
  if (root.contains("administration") && !root.at("administration").is_null()) {
    PIAO_ASSIGN_OR_RETURN(plan.administration, String(root, "administration", ""));
  }
  PIAO_ASSIGN_OR_RETURN(plan.approval, Approval(root));

  PIAO_ASSIGN_OR_RETURN(const json* objs, Member(root, "objectives", "", /*required=*/true));
  if (!objs->is_array()) return Err("objectives", "must be an array");
  std::map<ObjectiveKey, std::string> seen_objectives;
  std::map<IndicatorRef, std::string> seen_indicators;
  for (size_t i = 0; i < objs->size(); ++i) {
    const std::string path = Index("objectives", i);
    PIAO_ASSIGN_OR_RETURN(Objective o, ObjectiveOf((*objs)[i], path, file, seen_objectives, seen_indicators));
    plan.objectives.push_back(std::move(o));
  }
  return file;
}

absl::StatusOr<std::vector<Revision>> ParseRevisionsJson(const std::string& text) {
  PIAO_ASSIGN_OR_RETURN(json root, ParseText(text, "revisions"));
  PIAO_RETURN_IF_ERROR(ExpectObject(root, ""));
  // "year" and "administration" are read by the CLI (piao revise), "source" names the document.
  PIAO_RETURN_IF_ERROR(KnownKeys(root, {"revisions", "year", "administration", "source"}, ""));
  PIAO_ASSIGN_OR_RETURN(const json* list, Member(root, "revisions", "", /*required=*/true));
  if (!list->is_array()) return Err("revisions", "must be an array");
  std::vector<Revision> out;
  for (size_t i = 0; i < list->size(); ++i) {
    PIAO_ASSIGN_OR_RETURN(Revision r, RevisionOf((*list)[i], Index("revisions", i)));
    out.push_back(std::move(r));
  }
  return out;
}

json TargetToJson(const Target& target) {
  if (const auto* c = std::get_if<ComparisonTarget>(&target)) {
    return json{{"op", std::string(CompareOpSymbol(c->op))}, {"value", c->quantity.value}, {"unit", c->quantity.unit}};
  }
  if (const auto* d = std::get_if<DeadlineTarget>(&target)) {
    return json{{"op", "by_date"}, {"date", FormatIsoDate(d->date)}};
  }
  return json{{"op", "text"}, {"text", std::get<Text>(target).text}};
}

json ThresholdToJson(const std::optional<Threshold>& threshold) {
  if (!threshold.has_value()) return nullptr;
  json j;
  if (const auto* q = std::get_if<Quantity>(&threshold->bound)) {
    j = json{{"value", q->value}, {"unit", q->unit}};
  } else {
    j = json{{"date", FormatIsoDate(std::get<Date>(threshold->bound))}};
  }
  if (threshold->implied) j["implied"] = true;
  return j;
}

json ValueToJson(const std::optional<Value>& value) {
  if (!value.has_value()) return nullptr;
  if (const auto* q = std::get_if<Quantity>(&*value)) return json{{"value", q->value}, {"unit", q->unit}};
  if (const auto* d = std::get_if<Date>(&*value)) return json{{"date", FormatIsoDate(*d)}};
  return json{{"text", std::get<Text>(*value).text}};
}

json IndicatorToJson(const Indicator& ind) {
  json flags = json::array();
  if (ind.flags.common) flags.push_back("C");
  if (ind.flags.simplification) flags.push_back("S");
  if (ind.flags.anti_corruption) flags.push_back("A");
  json by_year = nullptr;
  if (!ind.targets_by_year.empty()) {
    by_year = json::object();
    for (const auto& [year, t] : ind.targets_by_year) {
      by_year[std::to_string(year)] = t.has_value() ? TargetToJson(*t) : json(nullptr);
    }
  }
  json j{{"code", ind.code},
         {"name", ind.name},
         {"flags", flags},
         {"weight_pct", NumberOrNull(ind.weight_pct)},
         {"type", StringOrNull(ind.type)},
         {"algorithm", StringOrNull(ind.algorithm)},
         {"source", StringOrNull(ind.source)},
         {"target", TargetToJson(ind.target)},
         {"threshold", ThresholdToJson(ind.threshold)},
         {"baseline", ValueToJson(ind.baseline)},
         {"targets_by_year", by_year},
         {"note", ind.note}};
  if (!ind.formula.empty()) j["formula"] = ind.formula;
  if (ind.neutralised) {
    j["neutralised"] = true;
    j["neutralised_reason"] = ind.neutralised_reason;
  }
  if (ind.suppressed) {
    j["suppressed"] = true;
    j["suppressed_reason"] = ind.suppressed_reason;
  }
  return j;
}

json ObjectiveToJson(const Objective& o) {
  json inds = json::array();
  for (const Indicator& i : o.indicators) inds.push_back(IndicatorToJson(i));
  return json{{"code", o.code},
              {"level", std::string(LevelName(o.level))},
              {"title", o.title},
              {"description", o.description},
              {"strategic_area", StringOrNull(o.strategic_area)},
              {"parent", StringOrNull(o.parent)},
              {"units", o.units},
              {"owner", StringOrNull(o.owner)},
              {"objective_weight_pct", NumberOrNull(o.objective_weight_pct)},
              {"indicators", inds},
              {"note", o.note}};
}

json PlanToJson(const Plan& plan) {
  json objs = json::array();
  for (const Objective& o : plan.objectives) objs.push_back(ObjectiveToJson(o));
  json j{{"source", plan.source}, {"year", plan.year}, {"objectives", objs}};
  if (plan.administration.has_value()) j["administration"] = *plan.administration;
  if (plan.approval.has_value()) {
    const ApprovalAct& a = *plan.approval;
    json approved{{"act", a.act}, {"date", a.date.has_value() ? json(FormatIsoDate(*a.date)) : json(nullptr)}};
    if (a.number.has_value()) approved["number"] = *a.number;
    if (!a.body.empty()) approved["body"] = a.body;
    j["approved"] = approved;
  }
  return j;
}

json RevisionToJson(const Revision& r) {
  json from = nullptr, to = nullptr;
  switch (r.change) {
    case ChangeKind::kTarget:
      if (r.from_target.has_value()) from = TargetToJson(*r.from_target);
      if (r.to_target.has_value()) to = TargetToJson(*r.to_target);
      break;
    case ChangeKind::kThreshold:
      from = ThresholdToJson(r.from_threshold);
      to = ThresholdToJson(r.to_threshold);
      break;
    case ChangeKind::kWeight:
    case ChangeKind::kNeutralised:
      from = NumberOrNull(r.from_weight);
      to = NumberOrNull(r.to_weight);
      break;
    case ChangeKind::kAdded:
      if (r.definition.has_value()) to = IndicatorToJson(*r.definition);
      break;
    case ChangeKind::kSuppressed:
      if (r.definition.has_value()) from = IndicatorToJson(*r.definition);
      break;
    case ChangeKind::kFormula:
      if (!r.from_formula.empty()) from = r.from_formula;
      if (!r.to_formula.empty()) to = r.to_formula;
      break;
  }
  json j{{"objective", r.objective},
         {"indicator", r.indicator},
         {"change", std::string(ChangeKindName(r.change))},
         {"from", from},
         {"to", to},
         {"effective_date", FormatIsoDate(r.effective_date)},
         {"act", r.act},
         {"reason", r.reason},
         {"evidence", r.evidence},
         {"note", r.note}};
  if (r.level.has_value()) j["level"] = std::string(LevelName(*r.level));
  if (r.scope.has_value()) j["scope"] = *r.scope;
  return j;
}

}  // namespace piao::plan
