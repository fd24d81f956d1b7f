// The HR rules on small hand-built books (the Torino figures are in hr_torino_2022_test.cc).
#include "libs/hr/model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libs/base/legacy_enum.h"
#include "libs/hr/summary.h"

namespace piao::hr {
namespace {

using ::testing::HasSubstr;

// The helpers take the HR file's texts: a text that names a value is set as the enum, any other as wave one's
// deprecated text (read by the same rules, to be refused).
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

v1::EstablishmentAdopted Est(const std::string& kind, const std::string& date,
                             std::vector<std::tuple<std::string, int, int64_t>> posts) {
  v1::EstablishmentAdopted e;
  e.set_act(kind == "ceiling" ? "D.M. test" : "delibera test " + date);
  e.set_act_date(date);
  if (auto k = EnumOfText<v1::EstablishmentKind>(kind, "kind"); k.ok()) {
    e.set_establishment_kind(*k);
  } else {
    e.set_kind(kind);
  }
  for (const auto& [c, n, cost] : posts) {
    v1::EstablishmentPost* p = e.add_posts();
    p->set_category(c);
    p->set_posts(n);
    p->set_unit_cost_cents(cost);
  }
  return e;
}

v1::Employee Emp(const std::string& id, const std::string& cat, const std::string& hired = "",
                 const std::string& movement = "in_service", int32_t bp = 10000, const std::string& prot = "") {
  v1::Employee e;
  e.set_id(id);
  e.set_category(cat);
  e.set_unit("Area A");
  e.set_gender("F");
  e.set_part_time_bp(bp);
  e.set_protected_category(prot);
  e.set_hired(hired);
  if (auto m = EnumOfText<v1::EmployeeMovement>(movement, "movement"); m.ok()) {
    e.set_movement_kind(*m);
  } else {
    e.set_movement(movement);
  }
  return e;
}

v1::StaffRecorded Staff(std::vector<v1::Employee> es) {
  v1::StaffRecorded s;
  for (auto& e : es) *s.add_employees() = e;
  return s;
}

v1::LeavesRecorded Leaves(std::vector<std::tuple<std::string, std::string, std::string>> ls) {
  v1::LeavesRecorded r;
  for (const auto& [id, date, reason] : ls) {
    v1::Leave* l = r.add_leaves();
    l->set_employee(id);
    l->set_date(date);
    if (auto r = EnumOfText<v1::LeaveReason>(reason, "reason"); r.ok()) {
      l->set_reason_kind(*r);
    } else {
      l->set_reason(reason);
    }
  }
  return r;
}

v1::HiresPlanned Plan(int year, const std::string& id, const std::string& cat, int count, int32_t bp = 10000,
                      const std::string& prot = "") {
  v1::HiresPlanned p;
  p.set_year(year);
  v1::PlannedHire* h = p.add_hires();
  h->set_id(id);
  h->set_category(cat);
  h->set_count(count);
  h->set_part_time_bp(bp);
  h->set_protected_category(prot);
  return p;
}

// Ceiling: 2 C at 1,000.00 + 1 D1 at 2,000.00 = 4,000.00.
class HrBookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(book_.ApplyEstablishment(Est("ceiling", "2018-01-01", {{"C", 2, 100000}, {"D1", 1, 200000}})).ok());
  }
  HrBook book_;
};

TEST_F(HrBookTest, RedistributionWithinTheCeilingIsANewFactOverItIsRefusedWithTheFigures) {
  absl::Status over = book_.ApplyEstablishment(Est("redistribution", "2022-05-01", {{"C", 3, 100000}, {"D1", 1, 200000}}));
  EXPECT_EQ(over.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(over.message()), HasSubstr("costs 5,000.00 \xE2\x82\xAC"));
  EXPECT_THAT(std::string(over.message()), HasSubstr("ceiling 4,000.00 \xE2\x82\xAC"));
  EXPECT_THAT(std::string(over.message()), HasSubstr("by 1,000.00 \xE2\x82\xAC"));
  EXPECT_EQ(book_.establishments().size(), 1u);

  ASSERT_TRUE(book_.ApplyEstablishment(Est("redistribution", "2022-05-01", {{"C", 4, 100000}, {"D1", 0, 200000}})).ok());
  EXPECT_EQ(book_.EstablishmentAt(Date(2022, 4, 30))->posts.at(Category::kC).posts, 2);
  EXPECT_EQ(book_.EstablishmentAt(Date(2022, 5, 1))->posts.at(Category::kC).posts, 4);
  EXPECT_EQ(book_.CeilingAt(Date(2022, 5, 1))->Cost().cents(), 400000);

  // A redistribution re-pricing a post, or without a ceiling in force, is refused.
  EXPECT_EQ(book_.ApplyEstablishment(Est("redistribution", "2022-06-01", {{"C", 2, 90000}})).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(book_.ApplyEstablishment(Est("redistribution", "2017-06-01", {{"C", 2, 100000}})).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(HrBookTest, BadEstablishmentsNameTheField) {
  struct Case {
    v1::EstablishmentAdopted e;
    const char* field;
  } cases[] = {
      {Est("ceiling", "2018-02-30", {{"C", 1, 100}}), "act_date"},
      {Est("plan", "2018-01-01", {{"C", 1, 100}}), "kind"},
      {Est("ceiling", "2018-01-01", {{"X", 1, 100}}), "posts[0].category"},
      {Est("ceiling", "2018-01-01", {{"C", 1, 100}, {"C", 1, 100}}), "posts[1].category"},
      {Est("ceiling", "2018-01-01", {{"C", -1, 100}}), "posts[0].posts"},
      {Est("ceiling", "2018-01-01", {{"C", 1, 0}}), "posts[0].unit_cost"},
      {Est("ceiling", "2018-01-01", {}), "posts"},
  };
  for (const Case& c : cases) {
    absl::Status s = book_.ApplyEstablishment(c.e);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_THAT(std::string(s.message()), HasSubstr(c.field));
  }
}

TEST_F(HrBookTest, InServiceCostIsProRatedAndCountsSelections) {
  ASSERT_TRUE(book_.ApplyStaff(Staff({Emp("e1", "C"), Emp("e2", "C", "", "in_service", 7500)})).ok());
  v1::SelectionsOpened sel;
  v1::Selection* s = sel.add_selections();
  s->set_id("s1");
  s->set_category("D1");
  s->set_part_time_bp(10000);
  s->set_opened("2021-06-01");
  s->set_plan_year(2021);
  ASSERT_TRUE(book_.ApplySelections(sel).ok());

  auto before = book_.InServiceAt(Date(2021, 5, 31));
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->total(), 2);
  EXPECT_EQ(before->cost.cents(), 100000 + 75000);
  auto at = book_.InServiceAt(Date(2021, 12, 31));
  EXPECT_EQ(at->employed, 2);
  EXPECT_EQ(at->in_selection, 1);
  EXPECT_EQ(at->cost.cents(), 375000);

  // Filling the selection turns it into an employee: counted once.
  ASSERT_TRUE(book_.ApplyStaff([] {
                     v1::Employee e = Emp("e3", "D1", "2022-03-01", "hire");
                     e.set_selection_id("s1");
                     return Staff({e});
                   }())
                  .ok());
  EXPECT_EQ(book_.InServiceAt(Date(2022, 3, 1))->total(), 3);
  EXPECT_EQ(book_.InServiceAt(Date(2022, 2, 28))->in_selection, 1);
  v1::Employee again = Emp("e4", "D1", "2022-04-01", "hire");
  again.set_selection_id("s1");
  EXPECT_EQ(book_.ApplyStaff(Staff({again})).code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(HrBookTest, StaffIsAllOrNothing) {
  absl::Status s = book_.ApplyStaff(Staff({Emp("e1", "C"), Emp("e1", "C")}));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("employees[1].id"));
  EXPECT_TRUE(book_.employees().empty());
  struct Case {
    v1::Employee e;
    const char* field;
  } cases[] = {{Emp("", "C"), "employees[0].id"},
               {Emp("x", "Z"), "employees[0].category"},
               {Emp("x", "C", "", "in_service", 0), "employees[0].part_time"},
               {Emp("x", "C", "", "in_service", 10000, "art2"), "employees[0].protected_category"},
               {Emp("x", "C", "", "hire"), "employees[0].hired"},
               {Emp("x", "C", "2022-13-01", "hire"), "employees[0].hired"},
               {Emp("x", "C", "", "transfer"), "employees[0].movement"}};
  for (const Case& c : cases) {
    absl::Status st = book_.ApplyStaff(Staff({c.e}));
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_THAT(std::string(st.message()), HasSubstr(c.field));
  }
}

TEST_F(HrBookTest, VacanciesGrowWithCertainLeaversOnly) {
  ASSERT_TRUE(book_.ApplyStaff(Staff({Emp("e1", "C"), Emp("e2", "C"), Emp("d", "D1")})).ok());
  ASSERT_TRUE(book_.ApplyLeaves(Leaves({{"e1", "2022-04-01", "retirement"}, {"d", "2023-01-01", "resignation"}})).ok());
  // A hire after the as-of date is not netted.
  ASSERT_TRUE(book_.ApplyStaff(Staff({Emp("n", "C", "2022-06-01", "hire")})).ok());
  const Date as_of(2021, 12, 31);
  struct Case {
    Date at;
    int c, d1;
  } cases[] = {{Date(2021, 12, 31), 0, 0}, {Date(2022, 3, 31), 0, 0}, {Date(2022, 4, 1), 1, 0},
               {Date(2022, 12, 31), 1, 0}, {Date(2023, 12, 31), 1, 1}};
  for (const Case& k : cases) {
    auto v = book_.VacanciesAt(as_of, k.at);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->at(Category::kC), k.c) << FormatDate(k.at);
    EXPECT_EQ(v->at(Category::kD1), k.d1) << FormatDate(k.at);
  }
  // Seen from a later date, the leaver is gone and the hire covers the post.
  EXPECT_EQ(book_.VacanciesAt(Date(2022, 6, 1), Date(2022, 6, 1))->at(Category::kC), 0);
  // Leaves: one per employee, after the hire, a known reason.
  EXPECT_EQ(book_.ApplyLeaves(Leaves({{"e1", "2022-05-01", "retirement"}})).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(book_.ApplyLeaves(Leaves({{"nobody", "2022-05-01", "retirement"}})).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(book_.ApplyLeaves(Leaves({{"n", "2022-05-01", "retirement"}})).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(book_.ApplyLeaves(Leaves({{"e2", "2022-05-01", "fired"}})).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(HrBookTest, TurnoverCountsLeaversMobilityAndHires) {
  ASSERT_TRUE(book_.ApplyStaff(Staff({Emp("a", "C"), Emp("b", "C"), Emp("c", "C"), Emp("h", "C", "2021-03-01", "hire"),
                                      Emp("m", "C", "2021-09-01", "mobility_in")}))
                  .ok());
  ASSERT_TRUE(book_.ApplyLeaves(Leaves({{"a", "2021-02-01", "retirement"},
                                        {"b", "2021-07-01", "mobility_out"},
                                        {"c", "2022-01-01", "resignation"}}))
                  .ok());
  Turnover t = book_.TurnoverOf(2021, Date(2021, 12, 31));
  EXPECT_EQ(t.leavers, 1);
  EXPECT_EQ(t.mobility_out, 1);
  EXPECT_EQ(t.hires, 2);
  EXPECT_EQ(t.mobility_in, 1);
  EXPECT_EQ(t.balance(), 0);
  EXPECT_EQ(book_.TurnoverOf(2021, Date(2021, 6, 30)).balance(), 0);  // 1 hire - 1 leaver
  EXPECT_EQ(book_.TurnoverOf(2022, Date(2022, 12, 31)).balance(), -1);
}

TEST_F(HrBookTest, BudgetIsLastYearsLeaversPlusUnusedBudgetWithProtectedApart) {
  ASSERT_TRUE(book_.ApplyStaff(Staff({Emp("a", "C", "", "in_service", 9000), Emp("p", "C", "", "in_service", 10000, "art1"),
                                      Emp("m", "C"), Emp("x", "C"), Emp("y", "D1")}))
                  .ok());
  v1::LeavesRecorded l = Leaves({{"a", "2021-03-01", "retirement"},
                                 {"p", "2021-05-01", "retirement"},
                                 {"m", "2021-06-01", "mobility_out"},
                                 {"x", "2021-07-01", "other"},
                                 {"y", "2022-02-01", "retirement"}});
  l.mutable_leaves(3)->set_budget_excluded(true);
  EXPECT_EQ(book_.ApplyLeaves(l).code(), absl::StatusCode::kInvalidArgument);  // excluded without a why
  l.mutable_leaves(3)->set_note("fixed-term");
  ASSERT_TRUE(book_.ApplyLeaves(l).ok());
  v1::HiringRemaindersRecorded r;
  r.set_budget_year(2022);
  v1::HiringRemainder* h = r.add_remainders();
  h->set_origin_year(2021);
  h->set_ordinary_cents(1000);
  h->set_protected_cents(500);
  ASSERT_TRUE(book_.ApplyRemainders(r).ok());
  EXPECT_EQ(book_.ApplyRemainders(r).code(), absl::StatusCode::kFailedPrecondition);  // recorded once

  auto b = book_.BudgetOf(2022);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->leavers_count, 2);
  EXPECT_EQ(b->leavers.ordinary.cents(), 90000);  // C at 90%, not the mobility, not the excluded
  EXPECT_EQ(b->leavers.protected_part.cents(), 100000);
  EXPECT_EQ(b->total.ordinary.cents(), 91000);
  EXPECT_EQ(b->total.protected_part.cents(), 100500);

  // A planned hire over its part of the budget is refused with the figures; within it, it is planned.
  absl::Status over = book_.ApplyPlannedHires(Plan(2022, "h1", "C", 1));
  EXPECT_EQ(over.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(over.message()), HasSubstr("ordinary hiring budget 910.00 \xE2\x82\xAC by 90.00 \xE2\x82\xAC"));
  ASSERT_TRUE(book_.ApplyPlannedHires(Plan(2022, "h1", "C", 1, 5000)).ok());
  ASSERT_TRUE(book_.ApplyPlannedHires(Plan(2022, "h2", "C", 1, 10000, "art18")).ok());
  EXPECT_EQ(book_.ApplyPlannedHires(Plan(2022, "h1", "C", 1, 1000)).code(), absl::StatusCode::kFailedPrecondition);

  // 2023: the 2022 leaver (D1) + what 2022 left unused.
  auto b23 = book_.BudgetOf(2023);
  ASSERT_TRUE(b23.ok());
  EXPECT_EQ(b23->leavers.ordinary.cents(), 200000);
  EXPECT_EQ(b23->remainders.ordinary.cents(), 91000 - 50000);
  EXPECT_EQ(b23->remainders.protected_part.cents(), 500);
}

TEST_F(HrBookTest, PlannedHiresMustFitTheCeiling) {
  // In service: 2 C + 1 D1 = the whole ceiling; a big budget from leavers cannot buy more than the ceiling.
  ASSERT_TRUE(book_.ApplyStaff(Staff({Emp("a", "C"), Emp("b", "C"), Emp("c", "D1"), Emp("old", "D1")})).ok());
  ASSERT_TRUE(book_.ApplyLeaves(Leaves({{"old", "2021-03-01", "retirement"}})).ok());
  absl::Status s = book_.ApplyPlannedHires(Plan(2022, "h", "C", 1));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("over the spending ceiling 4,000.00 \xE2\x82\xAC"));
  EXPECT_TRUE(book_.planned_hires().empty());
}

TEST_F(HrBookTest, ProtectedQuotaFollowsProtectedHiresAndLeavers) {
  v1::ProtectedQuotaRecorded q;
  q.set_date("2021-12-31");
  q.set_art1_uncovered(2);
  q.set_art18_uncovered(0);
  ASSERT_TRUE(book_.ApplyProtectedQuota(q).ok());
  ASSERT_TRUE(book_.ApplyStaff(Staff({Emp("p1", "C", "2022-03-01", "hire", 10000, "art1"),
                                      Emp("p2", "C", "", "in_service", 10000, "art18")}))
                  .ok());
  ASSERT_TRUE(book_.ApplyLeaves(Leaves({{"p2", "2022-06-01", "retirement"}})).ok());
  EXPECT_FALSE(book_.ProtectedUncoveredAt(Date(2021, 12, 30)).has_value());
  auto at = book_.ProtectedUncoveredAt(Date(2022, 12, 31));
  ASSERT_TRUE(at.has_value());
  EXPECT_EQ(at->second.art1, 1);
  EXPECT_EQ(at->second.art18, 1);
}

TEST_F(HrBookTest, AgileWorkEligibilityAndCap) {
  ASSERT_TRUE(book_.ApplyStaff(Staff({Emp("e1", "C")})).ok());
  v1::RemotabilityAssessed r;
  auto add = [&](const std::string& code, int score) {
    v1::SubprocessAssessment* s = r.add_subprocesses();
    s->set_code(code);
    s->set_user_contact(score);
    s->set_programmability(3);
    s->set_collegiality(2);
    s->set_interdependence(1);
    s->set_score(score);
  };
  add("B1.1", 2);
  add("C2.1", 1);
  ASSERT_TRUE(book_.ApplyRemotability(r).ok());
  r.mutable_subprocesses(0)->set_collegiality(6);
  EXPECT_EQ(book_.ApplyRemotability(r).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(book_.subprocesses().at("B1.1").eligible());
  EXPECT_FALSE(book_.subprocesses().at("C2.1").eligible());

  auto agreement = [](const std::string& sub, int days, int half) {
    v1::AgileAgreementsSigned a;
    v1::AgileAgreement* g = a.add_agreements();
    g->set_id("A1");
    g->set_employee("e1");
    g->add_subprocesses(sub);
    g->set_days_per_period(days);
    g->set_half_days_per_period(half);
    g->set_from("2022-04-01");
    return a;
  };
  struct Case {
    std::string sub;
    int days, half;
    absl::StatusCode code;
    const char* says;
  } cases[] = {{"C2.1", 4, 0, absl::StatusCode::kFailedPrecondition, "below 2"},
               {"Z9", 4, 0, absl::StatusCode::kFailedPrecondition, "no remotability assessment"},
               {"B1.1", 9, 0, absl::StatusCode::kFailedPrecondition, "cap of 8 days or 16 half-days"},
               {"B1.1", 0, 17, absl::StatusCode::kFailedPrecondition, "cap"},
               {"B1.1", 6, 6, absl::StatusCode::kFailedPrecondition, "cap"},
               {"B1.1", 0, 0, absl::StatusCode::kInvalidArgument, "required"}};
  for (const Case& c : cases) {
    absl::Status s = book_.ApplyAgreements(agreement(c.sub, c.days, c.half));
    EXPECT_EQ(s.code(), c.code) << c.sub << " " << c.days << " " << c.half;
    EXPECT_THAT(std::string(s.message()), HasSubstr(c.says));
  }
  ASSERT_TRUE(book_.ApplyAgreements(agreement("B1.1", 4, 8)).ok());
  ASSERT_TRUE(book_.ApplyAgreements([&] {
                     auto a = agreement("B1.1", 8, 0);
                     a.mutable_agreements(0)->set_id("A2");
                     return a;
                   }())
                  .ok());

  SummaryOptions o;
  o.year = 2022;
  o.as_of = Date(2022, 5, 1);
  auto s = Summarize(book_, o);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->agile().subprocesses_assessed(), 2);
  EXPECT_EQ(s->agile().subprocesses_eligible(), 1);
  EXPECT_EQ(s->agile().agreements_active(), 2);
  EXPECT_EQ(s->agile().employees_with_agreement(), 1);
  EXPECT_EQ(s->agile().employees_in_service(), 1);
  EXPECT_EQ(s->agile().with_agreement_by_unit().at("Area A"), 1);
}

TEST_F(HrBookTest, PayLinkThresholdsAreSetPerYear) {
  v1::YearSettingsSet y;
  y.set_year(2023);
  y.mutable_accessory_top_up()->set_zero_below(60);
  y.mutable_accessory_top_up()->set_full_from(80);
  ASSERT_TRUE(book_.ApplyYearSettings(y).ok());
  y.mutable_resource_release()->set_zero_below(90);
  y.mutable_resource_release()->set_full_from(80);
  EXPECT_EQ(book_.ApplyYearSettings(y).code(), absl::StatusCode::kInvalidArgument);

  SummaryOptions o;
  o.enterprise_score_pct = 75;
  o.year = 2022;
  auto s22 = Summarize(book_, o);
  ASSERT_TRUE(s22.ok()) << s22.status();
  EXPECT_DOUBLE_EQ(s22->pay_link().accessory_top_up_pct(), 75);  // 70-89.99: the score itself
  EXPECT_DOUBLE_EQ(s22->pay_link().resource_release_pct(), 75);
  o.enterprise_score_pct = 65;
  EXPECT_DOUBLE_EQ(Summarize(book_, o)->pay_link().accessory_top_up_pct(), 0);
  o.year = 2023;
  EXPECT_DOUBLE_EQ(Summarize(book_, o)->pay_link().accessory_top_up_pct(), 65);  // 60-79.99 in 2023
  o.enterprise_score_pct = 85;
  EXPECT_DOUBLE_EQ(Summarize(book_, o)->pay_link().accessory_top_up_pct(), 100);
  EXPECT_DOUBLE_EQ(Summarize(book_, o)->pay_link().resource_release_pct(), 100);
}

}  // namespace
}  // namespace piao::hr
