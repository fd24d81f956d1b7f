#include "libs/hr/hr_json.h"

#include <initializer_list>

#include "absl/strings/str_cat.h"
#include "libs/base/json_strict.h"
#include "libs/base/legacy_enum.h"
#include "libs/base/status_macros.h"
#include "libs/hr/model.h"
#include "libs/hr/money.h"

namespace piao::hr {
namespace {

using json = nlohmann::json;

absl::Status Bad(const std::string& path, absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", rule));
}

absl::Status OnlyKeys(const json& j, const std::string& path, std::initializer_list<absl::string_view> keys) {
  if (!j.is_object()) return Bad(path, "must be an object");
  return CheckKnownKeys(j, keys, path);
}

absl::StatusOr<std::string> Str(const json& j, const char* key, const std::string& path, bool required = false) {
  if (!j.contains(key) || j[key].is_null()) {
    if (required) return Bad(path + "." + key, "required");
    return std::string();
  }
  if (!j[key].is_string()) return Bad(path + "." + key, "must be a string");
  return j[key].get<std::string>();
}

absl::StatusOr<int> Int(const json& j, const char* key, const std::string& path, bool required, int fallback = 0) {
  if (!j.contains(key) || j[key].is_null()) {
    if (required) return Bad(path + "." + key, "required");
    return fallback;
  }
  if (!j[key].is_number_integer()) return Bad(path + "." + key, "must be an integer");
  return j[key].get<int>();
}

// An amount as a string "9499919.94" or a JSON number (its shortest round-trip text, exact for cents).
absl::StatusOr<int64_t> Cents(const json& j, const char* key, const std::string& path, bool required) {
  if (!j.contains(key) || j[key].is_null()) {
    if (required) return Bad(path + "." + key, "required");
    return 0;
  }
  const json& v = j[key];
  std::string text;
  if (v.is_string()) {
    text = v.get<std::string>();
  } else if (v.is_number()) {
    text = v.dump();
  } else {
    return Bad(path + "." + key, "an amount in euro, e.g. \"9499919.94\"");
  }
  absl::StatusOr<Money> m = Money::Parse(text);
  if (!m.ok()) return Bad(path + "." + key, m.status().message());
  return m->cents();
}

// "90%", "75", 100 -> basis points; default 100%.
absl::StatusOr<int32_t> PartTime(const json& j, const std::string& path) {
  if (!j.contains("part_time") || j["part_time"].is_null()) return kFullTimeBp;
  const json& v = j["part_time"];
  const std::string text = v.is_string() ? v.get<std::string>() : v.is_number() ? v.dump() : "";
  absl::StatusOr<int32_t> bp = ParsePercentBp(text);
  if (!bp.ok()) return Bad(path + ".part_time", bp.status().message());
  return *bp;
}

absl::StatusOr<const json*> Array(const json& j, const char* key, const std::string& path) {
  static const json kEmpty = json::array();
  if (!j.contains(key) || j[key].is_null()) return &kEmpty;
  if (!j[key].is_array()) return Bad(path + "." + key, "must be an array");
  return &j[key];
}

absl::StatusOr<v1::PayLinkThresholds> Band(const json& j, const std::string& path) {
  PIAO_RETURN_IF_ERROR(OnlyKeys(j, path, {"zero_below", "full_from"}));
  v1::PayLinkThresholds t;
  for (const char* k : {"zero_below", "full_from"}) {
    if (!j.contains(k) || !j[k].is_number()) return Bad(path + "." + k, "a percentage is required");
  }
  t.set_zero_below(j["zero_below"].get<double>());
  t.set_full_from(j["full_from"].get<double>());
  return t;
}

}  // namespace

absl::StatusOr<HrImport> ParseHrImport(const json& j) {
  PIAO_RETURN_IF_ERROR(OnlyKeys(j, "$",
                                {"format", "administration", "source", "note", "provenance", "establishments",
                                 "selections", "staff", "leaves", "hiring_remainders", "protected_quota",
                                 "planned_hires", "remotability", "agile_agreements", "year_settings"}));
  PIAO_ASSIGN_OR_RETURN(std::string format, Str(j, "format", "$", true));
  if (format != "piao-hr/1") return Bad("$.format", "must be \"piao-hr/1\"");
  HrImport out;
  PIAO_ASSIGN_OR_RETURN(out.administration, Str(j, "administration", "$"));

  PIAO_ASSIGN_OR_RETURN(const json* ests, Array(j, "establishments", "$"));
  for (size_t i = 0; i < ests->size(); ++i) {
    const json& e = (*ests)[i];
    const std::string path = absl::StrCat("$.establishments[", i, "]");
    PIAO_RETURN_IF_ERROR(OnlyKeys(e, path, {"act", "act_date", "kind", "posts", "note"}));
    v1::EstablishmentAdopted m;
    PIAO_ASSIGN_OR_RETURN(*m.mutable_act(), Str(e, "act", path, true));
    PIAO_ASSIGN_OR_RETURN(*m.mutable_act_date(), Str(e, "act_date", path, true));
    PIAO_ASSIGN_OR_RETURN(const std::string kind, Str(e, "kind", path, true));
    PIAO_ASSIGN_OR_RETURN(const v1::EstablishmentKind establishment_kind,
                          EnumOfText<v1::EstablishmentKind>(kind, path + ".kind"));
    m.set_establishment_kind(establishment_kind);
    PIAO_ASSIGN_OR_RETURN(*m.mutable_note(), Str(e, "note", path));
    PIAO_ASSIGN_OR_RETURN(const json* posts, Array(e, "posts", path));
    for (size_t k = 0; k < posts->size(); ++k) {
      const json& p = (*posts)[k];
      const std::string pp = absl::StrCat(path, ".posts[", k, "]");
      PIAO_RETURN_IF_ERROR(OnlyKeys(p, pp, {"category", "posts", "unit_cost"}));
      v1::EstablishmentPost* post = m.add_posts();
      PIAO_ASSIGN_OR_RETURN(*post->mutable_category(), Str(p, "category", pp, true));
      PIAO_ASSIGN_OR_RETURN(int n, Int(p, "posts", pp, true));
      post->set_posts(n);
      PIAO_ASSIGN_OR_RETURN(int64_t c, Cents(p, "unit_cost", pp, true));
      post->set_unit_cost_cents(c);
    }
    out.establishments.push_back(std::move(m));
  }

  PIAO_ASSIGN_OR_RETURN(const json* sels, Array(j, "selections", "$"));
  if (!sels->empty()) {
    v1::SelectionsOpened m;
    for (size_t i = 0; i < sels->size(); ++i) {
      const json& s = (*sels)[i];
      const std::string path = absl::StrCat("$.selections[", i, "]");
      PIAO_RETURN_IF_ERROR(
          OnlyKeys(s, path, {"id", "category", "part_time", "protected_category", "opened", "plan_year", "note"}));
      v1::Selection* r = m.add_selections();
      PIAO_ASSIGN_OR_RETURN(*r->mutable_id(), Str(s, "id", path, true));
      PIAO_ASSIGN_OR_RETURN(*r->mutable_category(), Str(s, "category", path, true));
      PIAO_ASSIGN_OR_RETURN(int32_t bp, PartTime(s, path));
      r->set_part_time_bp(bp);
      PIAO_ASSIGN_OR_RETURN(*r->mutable_protected_category(), Str(s, "protected_category", path));
      PIAO_ASSIGN_OR_RETURN(*r->mutable_opened(), Str(s, "opened", path, true));
      PIAO_ASSIGN_OR_RETURN(int y, Int(s, "plan_year", path, true));
      r->set_plan_year(y);
      PIAO_ASSIGN_OR_RETURN(*r->mutable_note(), Str(s, "note", path));
    }
    out.selections.push_back(std::move(m));
  }

  PIAO_ASSIGN_OR_RETURN(const json* staff, Array(j, "staff", "$"));
  if (!staff->empty()) {
    v1::StaffRecorded m;
    for (size_t i = 0; i < staff->size(); ++i) {
      const json& s = (*staff)[i];
      const std::string path = absl::StrCat("$.staff[", i, "]");
      PIAO_RETURN_IF_ERROR(OnlyKeys(s, path, {"id", "category", "unit", "gender", "part_time", "protected_category",
                                              "hired", "movement", "selection_id", "note"}));
      v1::Employee* r = m.add_employees();
      PIAO_ASSIGN_OR_RETURN(*r->mutable_id(), Str(s, "id", path, true));
      PIAO_ASSIGN_OR_RETURN(*r->mutable_category(), Str(s, "category", path, true));
      PIAO_ASSIGN_OR_RETURN(*r->mutable_unit(), Str(s, "unit", path, true));
      PIAO_ASSIGN_OR_RETURN(*r->mutable_gender(), Str(s, "gender", path, true));
      PIAO_ASSIGN_OR_RETURN(int32_t bp, PartTime(s, path));
      r->set_part_time_bp(bp);
      PIAO_ASSIGN_OR_RETURN(*r->mutable_protected_category(), Str(s, "protected_category", path));
      PIAO_ASSIGN_OR_RETURN(*r->mutable_hired(), Str(s, "hired", path));
      PIAO_ASSIGN_OR_RETURN(std::string movement, Str(s, "movement", path));
      PIAO_ASSIGN_OR_RETURN(const v1::EmployeeMovement movement_kind,
                            EnumOfText<v1::EmployeeMovement>(movement.empty() ? "in_service" : movement,
                                                             path + ".movement"));
      r->set_movement_kind(movement_kind);
      PIAO_ASSIGN_OR_RETURN(*r->mutable_selection_id(), Str(s, "selection_id", path));
    }
    out.staff.push_back(std::move(m));
  }

  PIAO_ASSIGN_OR_RETURN(const json* leaves, Array(j, "leaves", "$"));
  if (!leaves->empty()) {
    v1::LeavesRecorded m;
    for (size_t i = 0; i < leaves->size(); ++i) {
      const json& l = (*leaves)[i];
      const std::string path = absl::StrCat("$.leaves[", i, "]");
      PIAO_RETURN_IF_ERROR(OnlyKeys(l, path, {"employee", "date", "reason", "budget_excluded", "note"}));
      v1::Leave* r = m.add_leaves();
      PIAO_ASSIGN_OR_RETURN(*r->mutable_employee(), Str(l, "employee", path, true));
      PIAO_ASSIGN_OR_RETURN(*r->mutable_date(), Str(l, "date", path, true));
      PIAO_ASSIGN_OR_RETURN(const std::string reason, Str(l, "reason", path, true));
      PIAO_ASSIGN_OR_RETURN(const v1::LeaveReason reason_kind, EnumOfText<v1::LeaveReason>(reason, path + ".reason"));
      r->set_reason_kind(reason_kind);
      if (l.contains("budget_excluded")) {
        if (!l["budget_excluded"].is_boolean()) return Bad(path + ".budget_excluded", "must be true or false");
        r->set_budget_excluded(l["budget_excluded"].get<bool>());
      }
      PIAO_ASSIGN_OR_RETURN(*r->mutable_note(), Str(l, "note", path));
    }
    out.leaves.push_back(std::move(m));
  }

  PIAO_ASSIGN_OR_RETURN(const json* rems, Array(j, "hiring_remainders", "$"));
  for (size_t i = 0; i < rems->size(); ++i) {
    const json& r = (*rems)[i];
    const std::string path = absl::StrCat("$.hiring_remainders[", i, "]");
    PIAO_RETURN_IF_ERROR(OnlyKeys(r, path, {"budget_year", "source", "remainders"}));
    v1::HiringRemaindersRecorded m;
    PIAO_ASSIGN_OR_RETURN(int y, Int(r, "budget_year", path, true));
    m.set_budget_year(y);
    PIAO_ASSIGN_OR_RETURN(*m.mutable_source(), Str(r, "source", path));
    PIAO_ASSIGN_OR_RETURN(const json* rows, Array(r, "remainders", path));
    for (size_t k = 0; k < rows->size(); ++k) {
      const json& row = (*rows)[k];
      const std::string rp = absl::StrCat(path, ".remainders[", k, "]");
      PIAO_RETURN_IF_ERROR(OnlyKeys(row, rp, {"origin_year", "ordinary", "protected"}));
      v1::HiringRemainder* h = m.add_remainders();
      PIAO_ASSIGN_OR_RETURN(int oy, Int(row, "origin_year", rp, true));
      h->set_origin_year(oy);
      PIAO_ASSIGN_OR_RETURN(int64_t a, Cents(row, "ordinary", rp, false));
      h->set_ordinary_cents(a);
      PIAO_ASSIGN_OR_RETURN(int64_t b, Cents(row, "protected", rp, false));
      h->set_protected_cents(b);
    }
    out.remainders.push_back(std::move(m));
  }

  PIAO_ASSIGN_OR_RETURN(const json* quota, Array(j, "protected_quota", "$"));
  for (size_t i = 0; i < quota->size(); ++i) {
    const json& q = (*quota)[i];
    const std::string path = absl::StrCat("$.protected_quota[", i, "]");
    PIAO_RETURN_IF_ERROR(OnlyKeys(q, path, {"date", "art1_uncovered", "art18_uncovered", "source"}));
    v1::ProtectedQuotaRecorded m;
    PIAO_ASSIGN_OR_RETURN(*m.mutable_date(), Str(q, "date", path, true));
    PIAO_ASSIGN_OR_RETURN(int a, Int(q, "art1_uncovered", path, true));
    PIAO_ASSIGN_OR_RETURN(int b, Int(q, "art18_uncovered", path, true));
    m.set_art1_uncovered(a);
    m.set_art18_uncovered(b);
    PIAO_ASSIGN_OR_RETURN(*m.mutable_source(), Str(q, "source", path));
    out.protected_quota.push_back(std::move(m));
  }

  PIAO_ASSIGN_OR_RETURN(const json* plans, Array(j, "planned_hires", "$"));
  for (size_t i = 0; i < plans->size(); ++i) {
    const json& p = (*plans)[i];
    const std::string path = absl::StrCat("$.planned_hires[", i, "]");
    PIAO_RETURN_IF_ERROR(OnlyKeys(p, path, {"year", "hires"}));
    v1::HiresPlanned m;
    PIAO_ASSIGN_OR_RETURN(int y, Int(p, "year", path, true));
    m.set_year(y);
    PIAO_ASSIGN_OR_RETURN(const json* rows, Array(p, "hires", path));
    for (size_t k = 0; k < rows->size(); ++k) {
      const json& row = (*rows)[k];
      const std::string rp = absl::StrCat(path, ".hires[", k, "]");
      PIAO_RETURN_IF_ERROR(OnlyKeys(row, rp, {"id", "category", "count", "part_time", "protected_category", "note"}));
      v1::PlannedHire* h = m.add_hires();
      PIAO_ASSIGN_OR_RETURN(*h->mutable_id(), Str(row, "id", rp, true));
      PIAO_ASSIGN_OR_RETURN(*h->mutable_category(), Str(row, "category", rp, true));
      PIAO_ASSIGN_OR_RETURN(int n, Int(row, "count", rp, false, 1));
      h->set_count(n);
      PIAO_ASSIGN_OR_RETURN(int32_t bp, PartTime(row, rp));
      h->set_part_time_bp(bp);
      PIAO_ASSIGN_OR_RETURN(*h->mutable_protected_category(), Str(row, "protected_category", rp));
      PIAO_ASSIGN_OR_RETURN(*h->mutable_note(), Str(row, "note", rp));
    }
    out.planned_hires.push_back(std::move(m));
  }

  PIAO_ASSIGN_OR_RETURN(const json* subs, Array(j, "remotability", "$"));
  if (!subs->empty()) {
    v1::RemotabilityAssessed m;
    for (size_t i = 0; i < subs->size(); ++i) {
      const json& s = (*subs)[i];
      const std::string path = absl::StrCat("$.remotability[", i, "]");
      PIAO_RETURN_IF_ERROR(OnlyKeys(s, path, {"code", "name", "unit", "user_contact", "programmability",
                                              "collegiality", "interdependence", "score"}));
      v1::SubprocessAssessment* r = m.add_subprocesses();
      PIAO_ASSIGN_OR_RETURN(*r->mutable_code(), Str(s, "code", path, true));
      PIAO_ASSIGN_OR_RETURN(*r->mutable_name(), Str(s, "name", path));
      PIAO_ASSIGN_OR_RETURN(*r->mutable_unit(), Str(s, "unit", path));
      PIAO_ASSIGN_OR_RETURN(int a, Int(s, "user_contact", path, true));
      PIAO_ASSIGN_OR_RETURN(int b, Int(s, "programmability", path, true));
      PIAO_ASSIGN_OR_RETURN(int c, Int(s, "collegiality", path, true));
      PIAO_ASSIGN_OR_RETURN(int d, Int(s, "interdependence", path, true));
      PIAO_ASSIGN_OR_RETURN(int score, Int(s, "score", path, true));
      r->set_user_contact(a);
      r->set_programmability(b);
      r->set_collegiality(c);
      r->set_interdependence(d);
      r->set_score(score);
    }
    out.remotability.push_back(std::move(m));
  }

  PIAO_ASSIGN_OR_RETURN(const json* ags, Array(j, "agile_agreements", "$"));
  if (!ags->empty()) {
    v1::AgileAgreementsSigned m;
    for (size_t i = 0; i < ags->size(); ++i) {
      const json& a = (*ags)[i];
      const std::string path = absl::StrCat("$.agile_agreements[", i, "]");
      PIAO_RETURN_IF_ERROR(OnlyKeys(
          a, path, {"id", "employee", "subprocesses", "days_per_period", "half_days_per_period", "from", "to"}));
      v1::AgileAgreement* r = m.add_agreements();
      PIAO_ASSIGN_OR_RETURN(*r->mutable_id(), Str(a, "id", path, true));
      PIAO_ASSIGN_OR_RETURN(*r->mutable_employee(), Str(a, "employee", path, true));
      PIAO_ASSIGN_OR_RETURN(const json* codes, Array(a, "subprocesses", path));
      for (const json& c : *codes) {
        if (!c.is_string()) return Bad(path + ".subprocesses", "sub-process codes are strings");
        r->add_subprocesses(c.get<std::string>());
      }
      PIAO_ASSIGN_OR_RETURN(int d, Int(a, "days_per_period", path, false));
      PIAO_ASSIGN_OR_RETURN(int h, Int(a, "half_days_per_period", path, false));
      r->set_days_per_period(d);
      r->set_half_days_per_period(h);
      PIAO_ASSIGN_OR_RETURN(*r->mutable_from(), Str(a, "from", path, true));
      PIAO_ASSIGN_OR_RETURN(*r->mutable_to(), Str(a, "to", path));
    }
    out.agreements.push_back(std::move(m));
  }

  PIAO_ASSIGN_OR_RETURN(const json* sets, Array(j, "year_settings", "$"));
  for (size_t i = 0; i < sets->size(); ++i) {
    const json& s = (*sets)[i];
    const std::string path = absl::StrCat("$.year_settings[", i, "]");
    PIAO_RETURN_IF_ERROR(OnlyKeys(s, path, {"year", "vacancy_dates", "accessory_top_up", "resource_release", "act"}));
    v1::YearSettingsSet m;
    PIAO_ASSIGN_OR_RETURN(int y, Int(s, "year", path, true));
    m.set_year(y);
    PIAO_ASSIGN_OR_RETURN(const json* dates, Array(s, "vacancy_dates", path));
    for (const json& d : *dates) {
      if (!d.is_string()) return Bad(path + ".vacancy_dates", "dates are strings YYYY-MM-DD");
      m.add_vacancy_dates(d.get<std::string>());
    }
    if (s.contains("accessory_top_up")) {
      PIAO_ASSIGN_OR_RETURN(*m.mutable_accessory_top_up(), Band(s["accessory_top_up"], path + ".accessory_top_up"));
    }
    if (s.contains("resource_release")) {
      PIAO_ASSIGN_OR_RETURN(*m.mutable_resource_release(), Band(s["resource_release"], path + ".resource_release"));
    }
    PIAO_ASSIGN_OR_RETURN(*m.mutable_act(), Str(s, "act", path));
    out.year_settings.push_back(std::move(m));
  }
  return out;
}

absl::StatusOr<HrImport> ParseHrImportText(const std::string& text) {
  PIAO_ASSIGN_OR_RETURN(json j, ParseJsonStrict(text, "the HR file", "$"));
  return ParseHrImport(j);
}

absl::Status ApplyImport(const HrImport& f, HrBook& book) {
  for (const auto& m : f.establishments) PIAO_RETURN_IF_ERROR(book.ApplyEstablishment(m));
  for (const auto& m : f.selections) PIAO_RETURN_IF_ERROR(book.ApplySelections(m));
  for (const auto& m : f.staff) PIAO_RETURN_IF_ERROR(book.ApplyStaff(m));
  for (const auto& m : f.leaves) PIAO_RETURN_IF_ERROR(book.ApplyLeaves(m));
  for (const auto& m : f.remainders) PIAO_RETURN_IF_ERROR(book.ApplyRemainders(m));
  for (const auto& m : f.protected_quota) PIAO_RETURN_IF_ERROR(book.ApplyProtectedQuota(m));
  for (const auto& m : f.planned_hires) PIAO_RETURN_IF_ERROR(book.ApplyPlannedHires(m));
  for (const auto& m : f.remotability) PIAO_RETURN_IF_ERROR(book.ApplyRemotability(m));
  for (const auto& m : f.agreements) PIAO_RETURN_IF_ERROR(book.ApplyAgreements(m));
  for (const auto& m : f.year_settings) PIAO_RETURN_IF_ERROR(book.ApplyYearSettings(m));
  return absl::OkStatus();
}

}  // namespace piao::hr
