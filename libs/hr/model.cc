#include "libs/hr/model.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "libs/base/status_macros.h"
#include "libs/hr/kinds.h"
#include "libs/plan/model.h"
#include "libs/scoring/pay_link.h"

namespace piao::hr {
namespace {

constexpr struct {
  Category c;
  const char* name;
} kCategoryNames[] = {{Category::kDir, "DIR"}, {Category::kD3, "D3"}, {Category::kD1, "D1"}, {Category::kC, "C"},
                      {Category::kB3, "B3"},   {Category::kB1, "B1"}, {Category::kA, "A"}};

absl::Status ValidYear(int year, absl::string_view field) {
  if (year < 2000 || year > 2999) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": a four-digit year 2000-2999, got ", year));
  }
  return absl::OkStatus();
}

absl::Status ValidPartTime(int32_t bp, absl::string_view field) {
  if (bp < 1 || bp > kFullTimeBp) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": part-time share in basis points, 1..10000 (10000 = 100%), got ", bp));
  }
  return absl::OkStatus();
}

Movement MovementOf(v1::EmployeeMovement m) {
  switch (m) {
    case v1::EMPLOYEE_MOVEMENT_HIRE: return Movement::kHire;
    case v1::EMPLOYEE_MOVEMENT_MOBILITY_IN: return Movement::kMobilityIn;
    default: return Movement::kInService;
  }
}

LeaveReason ReasonOf(v1::LeaveReason r) {
  switch (r) {
    case v1::LEAVE_REASON_RETIREMENT: return LeaveReason::kRetirement;
    case v1::LEAVE_REASON_RESIGNATION: return LeaveReason::kResignation;
    case v1::LEAVE_REASON_MOBILITY_OUT: return LeaveReason::kMobilityOut;
    default: return LeaveReason::kOther;
  }
}

absl::Status NonEmpty(const std::string& s, absl::string_view field) {
  if (s.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": must not be empty"));
  return absl::OkStatus();
}

absl::Status ValidBand(const v1::PayLinkThresholds& b, absl::string_view field) {
  absl::StatusOr<double> probe = scoring::PayLinkPct(0, scoring::PayLinkBand{b.zero_below(), b.full_from()});
  if (!probe.ok()) return absl::InvalidArgumentError(absl::StrCat(field, ": ", probe.status().message()));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Category> ParseCategory(absl::string_view text, absl::string_view field) {
  for (const auto& [c, name] : kCategoryNames) {
    if (text == name) return c;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": category must be one of DIR, D3, D1, C, B3, B1, A, got '", text, "'"));
}

const char* CategoryName(Category c) {
  for (const auto& [cat, name] : kCategoryNames) {
    if (cat == c) return name;
  }
  return "?";
}

absl::StatusOr<Protected> ParseProtected(absl::string_view text, absl::string_view field) {
  if (text.empty()) return Protected::kNone;
  if (text == "art1") return Protected::kArt1;
  if (text == "art18") return Protected::kArt18;
  return absl::InvalidArgumentError(absl::StrCat(
      field, ": protected_category must be empty, art1 (disabili) or art18 (categorie protette), got '", text, "'"));
}

absl::StatusOr<Date> ParseDate(absl::string_view text, absl::string_view field) {
  absl::StatusOr<plan::Date> d = plan::ParseIsoDate(text);
  if (!d.ok()) return absl::InvalidArgumentError(absl::StrCat(field, ": a real date YYYY-MM-DD, got '", text, "'"));
  return *d;
}

std::string FormatDate(Date d) { return plan::FormatIsoDate(d); }

int Establishment::TotalPosts() const {
  int n = 0;
  for (const auto& [c, p] : posts) n += p.posts;
  return n;
}

Money Establishment::Cost() const {
  int64_t cents = 0;
  for (const auto& [c, p] : posts) cents += p.unit_cost.cents() * p.posts;
  return Money::Cents(cents);
}

bool EmployeeRecord::InServiceAt(Date d) const {
  return (!hired.has_value() || *hired <= d) && (!leave.has_value() || leave->date > d);
}

// ---- facts ----

absl::Status HrBook::ApplyEstablishment(const v1::EstablishmentAdopted& e) {
  Establishment est;
  PIAO_RETURN_IF_ERROR(NonEmpty(e.act(), "act"));
  est.act = e.act();
  PIAO_ASSIGN_OR_RETURN(est.date, ParseDate(e.act_date(), "act_date"));
  PIAO_ASSIGN_OR_RETURN(const v1::EstablishmentKind kind, RequestedEstablishmentKind(e, ""));
  est.ceiling = kind == v1::ESTABLISHMENT_KIND_CEILING;
  if (e.posts().empty()) return absl::InvalidArgumentError("posts: an establishment needs its categories");
  Money total;
  for (int i = 0; i < e.posts_size(); ++i) {
    const v1::EstablishmentPost& p = e.posts(i);
    const std::string field = absl::StrCat("posts[", i, "]");
    PIAO_ASSIGN_OR_RETURN(Category c, ParseCategory(p.category(), field + ".category"));
    if (est.posts.contains(c)) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".category: ", p.category(), " appears twice"));
    }
    if (p.posts() < 0) return absl::InvalidArgumentError(absl::StrCat(field, ".posts: must not be negative"));
    if (p.unit_cost_cents() < 0 || (p.posts() > 0 && p.unit_cost_cents() == 0)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".unit_cost: must be positive for a category with posts"));
    }
    PIAO_ASSIGN_OR_RETURN(Money cost, Money::Cents(p.unit_cost_cents()).Times(p.posts()));
    PIAO_ASSIGN_OR_RETURN(total, total.Plus(cost));
    est.posts[c] = Post{p.posts(), Money::Cents(p.unit_cost_cents())};
  }
  if (!est.ceiling) {
    const Establishment* ceiling = CeilingAt(est.date);
    if (ceiling == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "establishment_kind: a redistribution needs a spending ceiling in force on ", FormatDate(est.date),
          "; adopt the establishment that sets it (kind ceiling) first"));
    }
    for (const auto& [c, p] : est.posts) {
      auto it = ceiling->posts.find(c);
      if (it != ceiling->posts.end() && it->second.unit_cost != p.unit_cost) {
        return absl::InvalidArgumentError(absl::StrCat(
            "posts.", CategoryName(c), ".unit_cost: a redistribution moves posts at the ceiling's unit costs (",
            it->second.unit_cost.ToString(), " in ", ceiling->act, "), got ", p.unit_cost.ToString()));
      }
    }
    const Money limit = ceiling->Cost();
    if (total > limit) {
      PIAO_ASSIGN_OR_RETURN(Money over, total.Minus(limit));
      return absl::FailedPreconditionError(absl::StrCat(
          "posts: the redistributed establishment of ", est.act, " costs ", total.ToString(), " (",
          est.TotalPosts(), " posts), over the spending ceiling ", limit.ToString(), " (", ceiling->act,
          ") by ", over.ToString(), "; the dotazione organica cannot exceed the spesa potenziale massima"));
    }
  }
  establishments_.push_back(std::move(est));
  return absl::OkStatus();
}

absl::Status HrBook::ApplyStaff(const v1::StaffRecorded& e) {
  if (e.employees().empty()) return absl::InvalidArgumentError("employees: at least one");
  std::map<EmployeeId, EmployeeRecord> added;
  std::map<std::string, Date> fills;
  for (int i = 0; i < e.employees_size(); ++i) {
    const v1::Employee& p = e.employees(i);
    const std::string field = absl::StrCat("employees[", i, "]");
    EmployeeRecord r;
    PIAO_RETURN_IF_ERROR(NonEmpty(p.id(), field + ".id"));
    r.id = EmployeeId(p.id());
    if (employees_.contains(r.id) || added.contains(r.id)) {
      return absl::FailedPreconditionError(absl::StrCat(field, ".id: employee ", p.id(), " is already recorded"));
    }
    PIAO_ASSIGN_OR_RETURN(r.category, ParseCategory(p.category(), field + ".category"));
    PIAO_RETURN_IF_ERROR(NonEmpty(p.unit(), field + ".unit"));
    r.unit = p.unit();
    if (p.gender() != "F" && p.gender() != "M") {
      return absl::InvalidArgumentError(absl::StrCat(field, ".gender: must be F or M, got '", p.gender(), "'"));
    }
    r.gender = p.gender();
    PIAO_RETURN_IF_ERROR(ValidPartTime(p.part_time_bp(), field + ".part_time"));
    r.part_time_bp = p.part_time_bp();
    PIAO_ASSIGN_OR_RETURN(r.protected_category, ParseProtected(p.protected_category(), field + ".protected_category"));
    PIAO_ASSIGN_OR_RETURN(const v1::EmployeeMovement movement, RequestedMovement(p, field + "."));
    r.movement = MovementOf(movement);
    if (!p.hired().empty()) {
      PIAO_ASSIGN_OR_RETURN(Date d, ParseDate(p.hired(), field + ".hired"));
      r.hired = d;
    } else if (r.movement != Movement::kInService) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".hired: a hire or mobility in needs its date"));
    }
    if (!p.selection_id().empty()) {
      auto sel = selections_.find(p.selection_id());
      if (sel == selections_.end()) {
        return absl::FailedPreconditionError(
            absl::StrCat(field, ".selection_id: no selection ", p.selection_id()));
      }
      if (r.movement != Movement::kHire) {
        return absl::InvalidArgumentError(absl::StrCat(field, ".movement: filling a selection is a hire"));
      }
      if (sel->second.filled.has_value() || fills.contains(p.selection_id())) {
        return absl::FailedPreconditionError(
            absl::StrCat(field, ".selection_id: selection ", p.selection_id(), " is already filled"));
      }
      if (sel->second.category != r.category) {
        return absl::FailedPreconditionError(absl::StrCat(field, ".category: selection ", p.selection_id(), " is for ",
                                                          CategoryName(sel->second.category)));
      }
      if (*r.hired < sel->second.opened) {
        return absl::FailedPreconditionError(absl::StrCat(field, ".hired: before selection ", p.selection_id(),
                                                          " opened (", FormatDate(sel->second.opened), ")"));
      }
      fills[p.selection_id()] = *r.hired;
      r.selection_id = p.selection_id();
    }
    added[r.id] = std::move(r);
  }
  for (auto& [id, r] : added) employees_[id] = std::move(r);
  for (const auto& [id, d] : fills) selections_[id].filled = d;
  return absl::OkStatus();
}

absl::Status HrBook::ApplyLeaves(const v1::LeavesRecorded& e) {
  if (e.leaves().empty()) return absl::InvalidArgumentError("leaves: at least one");
  std::map<EmployeeId, LeaveRecord> added;
  for (int i = 0; i < e.leaves_size(); ++i) {
    const v1::Leave& l = e.leaves(i);
    const std::string field = absl::StrCat("leaves[", i, "]");
    const EmployeeId id(l.employee());
    auto it = employees_.find(id);
    if (it == employees_.end()) {
      return absl::FailedPreconditionError(absl::StrCat(field, ".employee: no employee '", l.employee(), "'"));
    }
    if (it->second.leave.has_value() || added.contains(id)) {
      return absl::FailedPreconditionError(absl::StrCat(field, ".employee: ", l.employee(), " already has a leave"));
    }
    LeaveRecord r;
    PIAO_ASSIGN_OR_RETURN(r.date, ParseDate(l.date(), field + ".date"));
    if (it->second.hired.has_value() && r.date <= *it->second.hired) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".date: must be after the hire date ",
                                                     FormatDate(*it->second.hired)));
    }
    PIAO_ASSIGN_OR_RETURN(const v1::LeaveReason reason, RequestedLeaveReason(l, field + "."));
    r.reason = ReasonOf(reason);
    r.budget_excluded = l.budget_excluded();
    if (r.budget_excluded && l.note().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".note: say why the leave frees no hiring budget"));
    }
    r.note = l.note();
    added[id] = std::move(r);
  }
  for (auto& [id, r] : added) employees_[id].leave = std::move(r);
  return absl::OkStatus();
}

absl::Status HrBook::ApplySelections(const v1::SelectionsOpened& e) {
  if (e.selections().empty()) return absl::InvalidArgumentError("selections: at least one");
  std::map<std::string, SelectionRecord> added;
  for (int i = 0; i < e.selections_size(); ++i) {
    const v1::Selection& s = e.selections(i);
    const std::string field = absl::StrCat("selections[", i, "]");
    PIAO_RETURN_IF_ERROR(NonEmpty(s.id(), field + ".id"));
    if (selections_.contains(s.id()) || added.contains(s.id())) {
      return absl::FailedPreconditionError(absl::StrCat(field, ".id: selection ", s.id(), " is already recorded"));
    }
    SelectionRecord r;
    r.id = s.id();
    PIAO_ASSIGN_OR_RETURN(r.category, ParseCategory(s.category(), field + ".category"));
    PIAO_RETURN_IF_ERROR(ValidPartTime(s.part_time_bp(), field + ".part_time"));
    r.part_time_bp = s.part_time_bp();
    PIAO_ASSIGN_OR_RETURN(r.protected_category, ParseProtected(s.protected_category(), field + ".protected_category"));
    PIAO_ASSIGN_OR_RETURN(r.opened, ParseDate(s.opened(), field + ".opened"));
    PIAO_RETURN_IF_ERROR(ValidYear(s.plan_year(), field + ".plan_year"));
    r.plan_year = s.plan_year();
    added[r.id] = std::move(r);
  }
  for (auto& [id, r] : added) selections_[id] = std::move(r);
  return absl::OkStatus();
}

absl::Status HrBook::ApplyRemainders(const v1::HiringRemaindersRecorded& e) {
  PIAO_RETURN_IF_ERROR(ValidYear(e.budget_year(), "budget_year"));
  if (e.remainders().empty()) return absl::InvalidArgumentError("remainders: at least one");
  std::map<int, BudgetParts> added;
  static const std::map<int, BudgetParts> kNone;
  auto found = remainders_.find(e.budget_year());
  const auto& existing = found == remainders_.end() ? kNone : found->second;
  for (int i = 0; i < e.remainders_size(); ++i) {
    const v1::HiringRemainder& r = e.remainders(i);
    const std::string field = absl::StrCat("remainders[", i, "]");
    PIAO_RETURN_IF_ERROR(ValidYear(r.origin_year(), field + ".origin_year"));
    if (r.origin_year() >= e.budget_year()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".origin_year: a remainder comes from a year before ", e.budget_year()));
    }
    if (existing.contains(r.origin_year()) || added.contains(r.origin_year())) {
      return absl::FailedPreconditionError(absl::StrCat(field, ".origin_year: the ", r.origin_year(),
                                                        " remainder of budget ", e.budget_year(), " is recorded"));
    }
    if (r.ordinary_cents() < 0 || r.protected_cents() < 0) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": amounts must not be negative"));
    }
    added[r.origin_year()] = BudgetParts{Money::Cents(r.ordinary_cents()), Money::Cents(r.protected_cents())};
  }
  for (auto& [y, p] : added) remainders_[e.budget_year()][y] = p;
  return absl::OkStatus();
}

absl::Status HrBook::ApplyProtectedQuota(const v1::ProtectedQuotaRecorded& e) {
  QuotaCheck q;
  PIAO_ASSIGN_OR_RETURN(q.date, ParseDate(e.date(), "date"));
  if (e.art1_uncovered() < 0 || e.art18_uncovered() < 0) {
    return absl::InvalidArgumentError("art1_uncovered, art18_uncovered: must not be negative");
  }
  q.art1 = e.art1_uncovered();
  q.art18 = e.art18_uncovered();
  quota_checks_.push_back(q);
  return absl::OkStatus();
}

absl::StatusOr<Money> HrBook::PlannedCostFor(const v1::PlannedHire& h, int year, const std::string& field) const {
  PIAO_ASSIGN_OR_RETURN(Category c, ParseCategory(h.category(), field + ".category"));
  absl::StatusOr<Money> unit = UnitCost(c, Date(year, 12, 31));
  if (!unit.ok()) return absl::FailedPreconditionError(absl::StrCat(field, ": ", unit.status().message()));
  PIAO_ASSIGN_OR_RETURN(Money one, unit->ProRated(h.part_time_bp()));
  return one.Times(h.count());
}

absl::Status HrBook::ApplyPlannedHires(const v1::HiresPlanned& e) {
  PIAO_RETURN_IF_ERROR(ValidYear(e.year(), "year"));
  if (e.hires().empty()) return absl::InvalidArgumentError("hires: at least one");
  std::map<std::string, PlannedHireRecord> added;
  BudgetParts adding;
  for (int i = 0; i < e.hires_size(); ++i) {
    const v1::PlannedHire& h = e.hires(i);
    const std::string field = absl::StrCat("hires[", i, "]");
    PIAO_RETURN_IF_ERROR(NonEmpty(h.id(), field + ".id"));
    if (planned_.contains(h.id()) || added.contains(h.id())) {
      return absl::FailedPreconditionError(absl::StrCat(field, ".id: planned hire ", h.id(), " is already recorded"));
    }
    PlannedHireRecord r;
    r.id = h.id();
    r.year = e.year();
    PIAO_ASSIGN_OR_RETURN(r.category, ParseCategory(h.category(), field + ".category"));
    if (h.count() < 1) return absl::InvalidArgumentError(absl::StrCat(field, ".count: at least 1"));
    r.count = h.count();
    PIAO_RETURN_IF_ERROR(ValidPartTime(h.part_time_bp(), field + ".part_time"));
    r.part_time_bp = h.part_time_bp();
    PIAO_ASSIGN_OR_RETURN(r.protected_category, ParseProtected(h.protected_category(), field + ".protected_category"));
    PIAO_ASSIGN_OR_RETURN(r.cost, PlannedCostFor(h, e.year(), field));
    Money& part = r.protected_category == Protected::kNone ? adding.ordinary : adding.protected_part;
    PIAO_ASSIGN_OR_RETURN(part, part.Plus(r.cost));
    added[r.id] = std::move(r);
  }
  PIAO_ASSIGN_OR_RETURN(HiringBudget budget, BudgetOf(e.year()));
  for (int protected_part = 0; protected_part < 2; ++protected_part) {
    const Money already = protected_part ? budget.planned.protected_part : budget.planned.ordinary;
    const Money add = protected_part ? adding.protected_part : adding.ordinary;
    const Money limit = protected_part ? budget.total.protected_part : budget.total.ordinary;
    PIAO_ASSIGN_OR_RETURN(Money sum, already.Plus(add));
    if (sum > limit) {
      PIAO_ASSIGN_OR_RETURN(Money over, sum.Minus(limit));
      return absl::FailedPreconditionError(absl::StrCat(
          "hires: the ", e.year(), protected_part ? " protected-category (L. 68/1999)" : " ordinary",
          " hires cost ", sum.ToString(), " (already planned ", already.ToString(), " + these ", add.ToString(),
          "), over the ", e.year(), protected_part ? " protected-category" : " ordinary", " hiring budget ",
          limit.ToString(), " by ", over.ToString()));
    }
  }
  const Date before(e.year() - 1, 12, 31);
  const Establishment* ceiling = CeilingAt(Date(e.year(), 12, 31));
  if (ceiling == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("hires: no spending ceiling in force in ", e.year(), "; adopt the establishment first"));
  }
  PIAO_ASSIGN_OR_RETURN(InService staff, InServiceAt(before));
  PIAO_ASSIGN_OR_RETURN(Money planned, budget.planned.ordinary.Plus(budget.planned.protected_part));
  PIAO_ASSIGN_OR_RETURN(Money add, adding.ordinary.Plus(adding.protected_part));
  PIAO_ASSIGN_OR_RETURN(Money with_planned, staff.cost.Plus(planned));
  PIAO_ASSIGN_OR_RETURN(Money total, with_planned.Plus(add));
  if (total > ceiling->Cost()) {
    PIAO_ASSIGN_OR_RETURN(Money over, total.Minus(ceiling->Cost()));
    return absl::FailedPreconditionError(absl::StrCat(
        "hires: staff in service on ", FormatDate(before), " (", staff.cost.ToString(), ") + hires planned for ",
        e.year(), " (", planned.ToString(), ") + these (", add.ToString(), ") = ", total.ToString(),
        ", over the spending ceiling ", ceiling->Cost().ToString(), " (", ceiling->act, ") by ", over.ToString()));
  }
  for (auto& [id, r] : added) planned_[id] = std::move(r);
  return absl::OkStatus();
}

absl::Status HrBook::ApplyRemotability(const v1::RemotabilityAssessed& e) {
  if (e.subprocesses().empty()) return absl::InvalidArgumentError("subprocesses: at least one");
  std::map<std::string, SubprocessRecord> added;
  for (int i = 0; i < e.subprocesses_size(); ++i) {
    const v1::SubprocessAssessment& s = e.subprocesses(i);
    const std::string field = absl::StrCat("subprocesses[", i, "]");
    PIAO_RETURN_IF_ERROR(NonEmpty(s.code(), field + ".code"));
    if (added.contains(s.code())) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".code: ", s.code(), " appears twice"));
    }
    SubprocessRecord r;
    r.code = s.code();
    r.name = s.name();
    r.unit = s.unit();
    const std::pair<const char*, int> scores[] = {{"user_contact", s.user_contact()},
                                                  {"programmability", s.programmability()},
                                                  {"collegiality", s.collegiality()},
                                                  {"interdependence", s.interdependence()},
                                                  {"score", s.score()}};
    for (int k = 0; k < 5; ++k) {
      if (scores[k].second < 0 || scores[k].second > 5) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ".", scores[k].first, ": must lie within 0..5, got ", scores[k].second));
      }
      if (k < 4) r.criteria[k] = scores[k].second;
    }
    r.score = s.score();
    added[r.code] = std::move(r);
  }
  // A re-assessment is a new fact that supersedes the earlier score of the same sub-process.
  for (auto& [code, r] : added) subprocesses_[code] = std::move(r);
  return absl::OkStatus();
}

absl::Status HrBook::ApplyAgreements(const v1::AgileAgreementsSigned& e) {
  if (e.agreements().empty()) return absl::InvalidArgumentError("agreements: at least one");
  std::map<std::string, AgreementRecord> added;
  for (int i = 0; i < e.agreements_size(); ++i) {
    const v1::AgileAgreement& a = e.agreements(i);
    const std::string field = absl::StrCat("agreements[", i, "]");
    PIAO_RETURN_IF_ERROR(NonEmpty(a.id(), field + ".id"));
    if (agreements_.contains(a.id()) || added.contains(a.id())) {
      return absl::FailedPreconditionError(absl::StrCat(field, ".id: agreement ", a.id(), " is already recorded"));
    }
    AgreementRecord r;
    r.id = a.id();
    r.employee = EmployeeId(a.employee());
    PIAO_ASSIGN_OR_RETURN(r.from, ParseDate(a.from(), field + ".from"));
    if (!a.to().empty()) {
      PIAO_ASSIGN_OR_RETURN(Date to, ParseDate(a.to(), field + ".to"));
      if (to < r.from) return absl::InvalidArgumentError(absl::StrCat(field, ".to: before from"));
      r.to = to;
    }
    auto emp = employees_.find(r.employee);
    if (emp == employees_.end()) {
      return absl::FailedPreconditionError(absl::StrCat(field, ".employee: no employee '", a.employee(), "'"));
    }
    if (!emp->second.InServiceAt(r.from)) {
      return absl::FailedPreconditionError(
          absl::StrCat(field, ".employee: ", a.employee(), " is not in service on ", a.from()));
    }
    if (a.subprocesses().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".subprocesses: name the eligible sub-processes"));
    }
    for (const std::string& code : a.subprocesses()) {
      auto sp = subprocesses_.find(code);
      if (sp == subprocesses_.end()) {
        return absl::FailedPreconditionError(
            absl::StrCat(field, ".subprocesses: ", code, " has no remotability assessment"));
      }
      if (!sp->second.eligible()) {
        return absl::FailedPreconditionError(absl::StrCat(field, ".subprocesses: ", code, " scored ",
                                                          sp->second.score,
                                                          ", below 2: not workable in agile mode"));
      }
      r.subprocesses.push_back(code);
    }
    r.days = a.days_per_period();
    r.half_days = a.half_days_per_period();
    if (r.days < 0 || r.half_days < 0 || r.days * 2 + r.half_days == 0) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": days_per_period or half_days_per_period required"));
    }
    if (r.days > kAgileMaxDays || r.half_days > kAgileMaxHalfDays || r.days * 2 + r.half_days > kAgileMaxHalfDays) {
      return absl::FailedPreconditionError(absl::StrCat(
          field, ": ", r.days, " days + ", r.half_days, " half-days per period exceed the cap of ", kAgileMaxDays,
          " days or ", kAgileMaxHalfDays, " half-days"));
    }
    added[r.id] = std::move(r);
  }
  for (auto& [id, r] : added) agreements_[id] = std::move(r);
  return absl::OkStatus();
}

absl::Status HrBook::ApplyYearSettings(const v1::YearSettingsSet& e) {
  PIAO_RETURN_IF_ERROR(ValidYear(e.year(), "year"));
  for (int i = 0; i < e.vacancy_dates_size(); ++i) {
    PIAO_RETURN_IF_ERROR(ParseDate(e.vacancy_dates(i), absl::StrCat("vacancy_dates[", i, "]")).status());
  }
  if (e.has_accessory_top_up()) PIAO_RETURN_IF_ERROR(ValidBand(e.accessory_top_up(), "accessory_top_up"));
  if (e.has_resource_release()) PIAO_RETURN_IF_ERROR(ValidBand(e.resource_release(), "resource_release"));
  settings_[e.year()] = e;
  return absl::OkStatus();
}

// ---- figures ----

const Establishment* HrBook::EstablishmentAt(Date d) const {
  const Establishment* best = nullptr;
  for (const Establishment& e : establishments_) {
    if (e.date <= d && (best == nullptr || e.date >= best->date)) best = &e;
  }
  return best;
}

const Establishment* HrBook::CeilingAt(Date d) const {
  const Establishment* best = nullptr;
  for (const Establishment& e : establishments_) {
    if (e.ceiling && e.date <= d && (best == nullptr || e.date >= best->date)) best = &e;
  }
  return best;
}

absl::StatusOr<Money> HrBook::UnitCost(Category c, Date d) const {
  const Establishment* e = EstablishmentAt(d);
  if (e == nullptr && !establishments_.empty()) e = &establishments_.front();
  if (e == nullptr) return absl::FailedPreconditionError("no establishment adopted: unit costs unknown");
  auto it = e->posts.find(c);
  if (it == e->posts.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("category ", CategoryName(c), " has no unit cost in ", e->act));
  }
  return it->second.unit_cost;
}

absl::StatusOr<HrBook::InService> HrBook::InServiceAt(Date d) const {
  InService out;
  auto add = [&](Category c, int32_t bp) -> absl::Status {
    PIAO_ASSIGN_OR_RETURN(Money unit, UnitCost(c, d));
    PIAO_ASSIGN_OR_RETURN(Money cost, unit.ProRated(bp));
    PIAO_ASSIGN_OR_RETURN(out.cost, out.cost.Plus(cost));
    auto& [n, sum] = out.by_category[c];
    ++n;
    PIAO_ASSIGN_OR_RETURN(sum, sum.Plus(cost));
    return absl::OkStatus();
  };
  for (const auto& [id, e] : employees_) {
    if (!e.InServiceAt(d)) continue;
    ++out.employed;
    PIAO_RETURN_IF_ERROR(add(e.category, e.part_time_bp));
  }
  for (const auto& [id, s] : selections_) {
    if (!s.OpenAt(d)) continue;
    ++out.in_selection;
    PIAO_RETURN_IF_ERROR(add(s.category, s.part_time_bp));
  }
  return out;
}

absl::StatusOr<HiringBudget> HrBook::BudgetOf(int year) const { return BudgetOf(year, 0); }

absl::StatusOr<HiringBudget> HrBook::BudgetOf(int year, int depth) const {
  HiringBudget b;
  b.year = year;
  for (const auto& [id, e] : employees_) {
    if (!e.leave.has_value() || e.leave->date.year() != year - 1) continue;
    if (e.leave->reason == LeaveReason::kMobilityOut || e.leave->budget_excluded) continue;
    PIAO_ASSIGN_OR_RETURN(Money unit, UnitCost(e.category, e.leave->date));
    PIAO_ASSIGN_OR_RETURN(Money cost, unit.ProRated(e.part_time_bp));
    Money& part = e.protected_category == Protected::kNone ? b.leavers.ordinary : b.leavers.protected_part;
    PIAO_ASSIGN_OR_RETURN(part, part.Plus(cost));
    ++b.leavers_count;
  }
  if (auto it = remainders_.find(year); it != remainders_.end()) {
    for (const auto& [origin, p] : it->second) {
      PIAO_ASSIGN_OR_RETURN(b.remainders.ordinary, b.remainders.ordinary.Plus(p.ordinary));
      PIAO_ASSIGN_OR_RETURN(b.remainders.protected_part, b.remainders.protected_part.Plus(p.protected_part));
    }
  }
  // The unused budget of N-1 carries over once the book knows N-1's budget (recorded remainders start it).
  if (!remainders_.empty() && year - 1 >= remainders_.begin()->first && depth < 1000) {
    PIAO_ASSIGN_OR_RETURN(HiringBudget prev, BudgetOf(year - 1, depth + 1));
    const Money zero;
    PIAO_ASSIGN_OR_RETURN(b.remainders.ordinary, b.remainders.ordinary.Plus(std::max(zero, prev.residual.ordinary)));
    PIAO_ASSIGN_OR_RETURN(b.remainders.protected_part,
                          b.remainders.protected_part.Plus(std::max(zero, prev.residual.protected_part)));
  }
  PIAO_ASSIGN_OR_RETURN(b.total.ordinary, b.leavers.ordinary.Plus(b.remainders.ordinary));
  PIAO_ASSIGN_OR_RETURN(b.total.protected_part, b.leavers.protected_part.Plus(b.remainders.protected_part));
  for (const auto& [id, h] : planned_) {
    if (h.year != year) continue;
    const bool prot = h.protected_category != Protected::kNone;
    Money& part = prot ? b.planned.protected_part : b.planned.ordinary;
    PIAO_ASSIGN_OR_RETURN(part, part.Plus(h.cost));
    (prot ? b.planned_protected_count : b.planned_ordinary_count) += h.count;
  }
  PIAO_ASSIGN_OR_RETURN(b.residual.ordinary, b.total.ordinary.Minus(b.planned.ordinary));
  PIAO_ASSIGN_OR_RETURN(b.residual.protected_part, b.total.protected_part.Minus(b.planned.protected_part));
  return b;
}

Turnover HrBook::TurnoverOf(int year, Date through) const {
  Turnover t;
  t.year = year;
  for (const auto& [id, e] : employees_) {
    if (e.leave.has_value() && e.leave->date.year() == year && e.leave->date <= through) {
      (e.leave->reason == LeaveReason::kMobilityOut ? t.mobility_out : t.leavers) += 1;
    }
    if (e.movement != Movement::kInService && e.hired.has_value() && e.hired->year() == year &&
        *e.hired <= through) {
      ++t.hires;
      if (e.movement == Movement::kMobilityIn) ++t.mobility_in;
    }
  }
  return t;
}

absl::StatusOr<std::map<Category, int>> HrBook::VacanciesAt(Date as_of, Date at) const {
  const Establishment* est = EstablishmentAt(as_of);
  if (est == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("no establishment in force on ", FormatDate(as_of)));
  }
  std::map<Category, int> out;
  for (Category c : kCategories) {
    auto it = est->posts.find(c);
    out[c] = it == est->posts.end() ? 0 : it->second.posts;
  }
  for (const auto& [id, e] : employees_) {
    if (!e.InServiceAt(as_of)) continue;
    if (e.leave.has_value() && e.leave->date <= at) continue;  // a certain leaver by then
    --out[e.category];
  }
  for (const auto& [id, s] : selections_) {
    if (s.OpenAt(as_of)) --out[s.category];
  }
  return out;
}

std::optional<std::pair<QuotaCheck, QuotaCheck>> HrBook::ProtectedUncoveredAt(Date d) const {
  const QuotaCheck* check = nullptr;
  for (const QuotaCheck& q : quota_checks_) {
    if (q.date <= d && (check == nullptr || q.date >= check->date)) check = &q;
  }
  if (check == nullptr) return std::nullopt;
  QuotaCheck now = *check;
  now.date = d;
  for (const auto& [id, e] : employees_) {
    if (e.protected_category == Protected::kNone) continue;
    int& n = e.protected_category == Protected::kArt1 ? now.art1 : now.art18;
    if (e.movement != Movement::kInService && e.hired.has_value() && *e.hired > check->date && *e.hired <= d) --n;
    if (e.leave.has_value() && e.leave->date > check->date && e.leave->date <= d) ++n;
  }
  now.art1 = std::max(0, now.art1);
  now.art18 = std::max(0, now.art18);
  return std::make_pair(*check, now);
}

const v1::YearSettingsSet* HrBook::SettingsOf(int year) const {
  auto it = settings_.find(year);
  return it == settings_.end() ? nullptr : &it->second;
}

}  // namespace piao::hr
