#include "libs/hr/summary.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "libs/base/status_macros.h"
#include "libs/scoring/pay_link.h"

namespace piao::hr {
namespace {

v1::PayLinkThresholds Thresholds(scoring::PayLinkBand b) {
  v1::PayLinkThresholds t;
  t.set_zero_below(b.zero_below);
  t.set_full_from(b.full_from);
  return t;
}

}  // namespace

absl::StatusOr<v1::HrSummary> Summarize(const HrBook& book, const SummaryOptions& o) {
  if (o.year < 2000 || o.year > 2999) {
    return absl::InvalidArgumentError(absl::StrCat("year: a four-digit PIAO year is required, got ", o.year));
  }
  const Date as_of = o.as_of.value_or(Date(o.year - 1, 12, 31));
  v1::HrSummary s;
  s.set_administration(o.administration);
  s.set_year(o.year);
  s.set_as_of_date(FormatDate(as_of));

  const Establishment* ceiling = book.CeilingAt(as_of);
  const Establishment* est = book.EstablishmentAt(as_of);
  if (ceiling == nullptr || est == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("no establishment (dotazione organica) in force on ", FormatDate(as_of)));
  }
  s.set_ceiling_cents(ceiling->Cost().cents());
  s.set_ceiling_act(ceiling->act);
  s.set_establishment_posts(est->TotalPosts());
  s.set_establishment_cost_cents(est->Cost().cents());
  s.set_establishment_act(est->act);
  for (const auto& [c, p] : est->posts) {
    v1::CategoryFigure* f = s.add_establishment();
    f->set_category(CategoryName(c));
    f->set_posts(p.posts);
    f->set_unit_cost_cents(p.unit_cost.cents());
    f->set_cost_cents(p.unit_cost.cents() * p.posts);
  }

  PIAO_ASSIGN_OR_RETURN(HrBook::InService staff, book.InServiceAt(as_of));
  s.set_in_service_count(staff.total());
  s.set_employed_count(staff.employed);
  s.set_in_selection_count(staff.in_selection);
  s.set_in_service_cost_cents(staff.cost.cents());
  for (const auto& [c, nc] : staff.by_category) {
    v1::CategoryFigure* f = s.add_in_service();
    f->set_category(CategoryName(c));
    f->set_posts(nc.first);
    f->set_cost_cents(nc.second.cents());
    if (auto u = book.UnitCost(c, as_of); u.ok()) f->set_unit_cost_cents(u->cents());
  }
  PIAO_ASSIGN_OR_RETURN(Money margin, ceiling->Cost().Minus(staff.cost));
  s.set_margin_cents(margin.cents());

  PIAO_ASSIGN_OR_RETURN(HiringBudget b, book.BudgetOf(o.year));
  v1::HiringBudgetView* bv = s.mutable_hiring_budget();
  bv->set_year(b.year);
  bv->set_leavers_count(b.leavers_count);
  bv->set_leavers_ordinary_cents(b.leavers.ordinary.cents());
  bv->set_leavers_protected_cents(b.leavers.protected_part.cents());
  bv->set_remainders_ordinary_cents(b.remainders.ordinary.cents());
  bv->set_remainders_protected_cents(b.remainders.protected_part.cents());
  bv->set_ordinary_cents(b.total.ordinary.cents());
  bv->set_protected_cents(b.total.protected_part.cents());
  bv->set_planned_ordinary_count(b.planned_ordinary_count);
  bv->set_planned_protected_count(b.planned_protected_count);
  bv->set_planned_ordinary_cents(b.planned.ordinary.cents());
  bv->set_planned_protected_cents(b.planned.protected_part.cents());
  bv->set_residual_ordinary_cents(b.residual.ordinary.cents());
  bv->set_residual_protected_cents(b.residual.protected_part.cents());

  const v1::YearSettingsSet* settings = book.SettingsOf(o.year);
  std::set<Date> dates(o.vacancy_dates.begin(), o.vacancy_dates.end());
  if (dates.empty() && settings != nullptr) {
    for (const std::string& d : settings->vacancy_dates()) {
      PIAO_ASSIGN_OR_RETURN(Date day, ParseDate(d, "vacancy_dates"));
      dates.insert(day);
    }
  }
  if (dates.empty()) {
    dates = {as_of, Date(o.year, 12, 31), Date(o.year + 1, 12, 31), Date(o.year + 2, 12, 31)};
  }
  for (Date d : dates) {
    PIAO_ASSIGN_OR_RETURN(auto vac, book.VacanciesAt(as_of, d));
    v1::VacancyColumn* col = s.add_vacancies();
    col->set_date(FormatDate(d));
    auto& m = *col->mutable_by_category();
    int total = 0;
    for (const auto& [c, n] : vac) {
      m[CategoryName(c)] = n;
      total += n;
    }
    m["D"] = vac[Category::kD3] + vac[Category::kD1];
    m["B"] = vac[Category::kB3] + vac[Category::kB1];
    m["total"] = total;
  }

  // Turnover from the first year with a movement to the as-of year.
  int first = as_of.year() + 1;
  for (const auto& [id, e] : book.employees()) {
    if (e.leave.has_value()) first = std::min<int>(first, e.leave->date.year());
    if (e.movement != Movement::kInService && e.hired.has_value()) first = std::min<int>(first, e.hired->year());
  }
  for (int y = first; y <= as_of.year(); ++y) {
    const Turnover t = book.TurnoverOf(y, as_of);
    v1::TurnoverYear* ty = s.add_turnover();
    ty->set_year(y);
    ty->set_leavers(t.leavers);
    ty->set_mobility_out(t.mobility_out);
    ty->set_hires(t.hires);
    ty->set_mobility_in(t.mobility_in);
    ty->set_balance(t.balance());
    ty->set_through(FormatDate(std::min(as_of, Date(y, 12, 31))));
  }

  if (auto q = book.ProtectedUncoveredAt(as_of); q.has_value()) {
    v1::ProtectedQuotaView* pq = s.mutable_protected_quota();
    pq->set_checked_on(FormatDate(q->first.date));
    pq->set_art1_uncovered(q->second.art1);
    pq->set_art18_uncovered(q->second.art18);
    int art1 = q->second.art1, art18 = q->second.art18;
    for (const auto& [id, h] : book.planned_hires()) {
      if (h.year != o.year) continue;
      if (h.protected_category == Protected::kArt1) art1 -= h.count;
      if (h.protected_category == Protected::kArt18) art18 -= h.count;
    }
    pq->set_art1_uncovered_after_planned(std::max(0, art1));
    pq->set_art18_uncovered_after_planned(std::max(0, art18));
  }

  v1::AgileView* agile = s.mutable_agile();
  std::set<EmployeeId> with_agreement;
  for (const auto& [code, sp] : book.subprocesses()) {
    agile->set_subprocesses_assessed(agile->subprocesses_assessed() + 1);
    if (sp.eligible()) agile->set_subprocesses_eligible(agile->subprocesses_eligible() + 1);
  }
  for (const auto& [id, e] : book.employees()) {
    if (e.InServiceAt(as_of)) {
      (*s.mutable_by_gender())[e.gender] += 1;
      (*s.mutable_by_unit())[e.unit] += 1;
      agile->set_employees_in_service(agile->employees_in_service() + 1);
    }
  }
  for (const auto& [id, a] : book.agreements()) {
    if (!a.ActiveAt(as_of)) continue;
    auto emp = book.employees().find(a.employee);
    if (emp == book.employees().end() || !emp->second.InServiceAt(as_of)) continue;
    agile->set_agreements_active(agile->agreements_active() + 1);
    if (with_agreement.insert(a.employee).second) (*agile->mutable_with_agreement_by_unit())[emp->second.unit] += 1;
  }
  agile->set_employees_with_agreement(static_cast<int32_t>(with_agreement.size()));

  scoring::PayLinkBand top_up = scoring::kAccessoryTopUpBand;
  scoring::PayLinkBand release = scoring::kResourceReleaseBand;
  if (settings != nullptr && settings->has_accessory_top_up()) {
    top_up = {settings->accessory_top_up().zero_below(), settings->accessory_top_up().full_from()};
  }
  if (settings != nullptr && settings->has_resource_release()) {
    release = {settings->resource_release().zero_below(), settings->resource_release().full_from()};
  }
  v1::PayLinkView* pay = s.mutable_pay_link();
  *pay->mutable_accessory_top_up() = Thresholds(top_up);
  *pay->mutable_resource_release() = Thresholds(release);
  if (o.enterprise_score_pct.has_value()) {
    pay->set_has_enterprise_score(true);
    pay->set_enterprise_score_pct(*o.enterprise_score_pct);
    PIAO_ASSIGN_OR_RETURN(double t, scoring::AccessoryTopUpPct(*o.enterprise_score_pct, top_up));
    PIAO_ASSIGN_OR_RETURN(double r, scoring::ResourceReleasePct(*o.enterprise_score_pct, release));
    pay->set_accessory_top_up_pct(t);
    pay->set_resource_release_pct(r);
  } else {
    pay->set_note(absl::StrCat("no enterprise score for ", o.year, " yet (the planning views have none)"));
  }
  return s;
}

}  // namespace piao::hr
