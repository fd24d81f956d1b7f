// Issue acceptance on the pure model: tests/fixtures/torino-2022/hr-2022.json (built from hr.json, the PIAO
// 2022 of the Camera di commercio di Torino, §1.3 and §4.4) reproduces the published figures to the cent.
//
// Not reproduced (hr.json R21, holds: false in the source itself): the TURN OVER table counts 15 cessations
// + 1 mobility in 2021 while the hiring-budget table counts 14 cessations. The mobility out frees no budget
// by rule; which of the 15 cessations the budget table leaves out, and why, the PIAO does not say, so the
// fixture records one with budget_excluded and a note. Both tables are then reproduced, but the exclusion
// itself is an assumption, not a published figure.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <map>

#include <nlohmann/json.hpp>

#include "libs/hr/hr_json.h"
#include "libs/hr/model.h"
#include "libs/hr/summary.h"
#include "libs/plan/fixture_files.h"

namespace piao::hr {
namespace {

using ::testing::HasSubstr;

class Torino2022Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto file = ParseHrImportText(plan::testing::ReadFixture("torino-2022/hr-2022.json"));
    ASSERT_TRUE(file.ok()) << file.status();
    file_ = new HrImport(*std::move(file));
    book_ = new HrBook();
    absl::Status s = ApplyImport(*file_, *book_);
    ASSERT_TRUE(s.ok()) << s;
  }
  static void TearDownTestSuite() {
    delete book_;
    delete file_;
  }
  static v1::HrSummary Summary(std::optional<Date> as_of = std::nullopt) {
    SummaryOptions o;
    o.administration = "CCIAA-TO";
    o.year = 2022;
    o.as_of = as_of;
    auto s = Summarize(*book_, o);
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *s : v1::HrSummary();
  }
  static HrImport* file_;
  static HrBook* book_;
};
HrImport* Torino2022Test::file_ = nullptr;
HrBook* Torino2022Test::book_ = nullptr;

TEST_F(Torino2022Test, CeilingInServiceAndMargin) {
  const v1::HrSummary s = Summary();
  EXPECT_EQ(s.as_of_date(), "2021-12-31");
  EXPECT_EQ(s.ceiling_cents(), 949991994);  // 9.499.919,94 (R06)
  EXPECT_EQ(s.establishment_posts(), 308);
  EXPECT_EQ(s.in_service_count(), 273);  // R08, R10
  EXPECT_EQ(s.employed_count(), 266);    // §1.3
  EXPECT_EQ(s.in_selection_count(), 7);
  EXPECT_EQ(s.in_service_cost_cents(), 835006243);  // 8.350.062,43
  EXPECT_EQ(s.margin_cents(), 114985751);           // 1.149.857,51 (R09)
  EXPECT_EQ(s.establishment_posts() - s.in_service_count(), 35);  // DELTA -35

  // PERSONALE IN SERVIZIO AL 31/12/2021 per category (R07).
  const std::map<std::string, std::pair<int, int64_t>> printed = {
      {"DIR", {4, 24032836}}, {"D3", {9, 32941791}}, {"D1", {84, 267394932}},
      {"C", {160, 468104800}}, {"B3", {7, 19190780}}, {"B1", {9, 23341104}}};
  ASSERT_EQ(s.in_service_size(), 6);
  for (const v1::CategoryFigure& f : s.in_service()) {
    ASSERT_TRUE(printed.contains(f.category())) << f.category();
    EXPECT_EQ(f.posts(), printed.at(f.category()).first) << f.category();
    EXPECT_EQ(f.cost_cents(), printed.at(f.category()).second) << f.category();
  }
  // DOTAZIONE ORGANICA E SPESA POTENZIALE MASSIMA per category.
  const std::map<std::string, int64_t> spesa = {{"DIR", 42057463}, {"D3", 40262189}, {"D1", 315144027},
                                                {"C", 494435695},  {"B3", 19190780}, {"B1", 38901840}, {"A", 0}};
  for (const v1::CategoryFigure& f : s.establishment()) EXPECT_EQ(f.cost_cents(), spesa.at(f.category())) << f.category();
}

TEST_F(Torino2022Test, StaffByGenderAndArea) {
  const v1::HrSummary s = Summary();
  EXPECT_EQ(s.by_gender().at("F"), 203);  // R02
  EXPECT_EQ(s.by_gender().at("M"), 63);
  EXPECT_EQ(s.by_unit().at("Segretario Generale"), 1);  // R03
  EXPECT_EQ(s.by_unit().at("Uffici di staff al Segretario generale"), 29);
  EXPECT_EQ(s.by_unit().at("Area Anagrafe economica"), 96);
  EXPECT_EQ(s.by_unit().at("Area Risorse finanziarie e Provveditorato"), 70);
  EXPECT_EQ(s.by_unit().at("Area Sviluppo del territorio e Regolazione del Mercato"), 70);
}

TEST_F(Torino2022Test, StaffByCategoryAndGenderAsInSection13) {
  // Personale in servizio per categoria al 31/12/2021 (R02, R04): SG + Dirigenti, D, C, B by gender.
  std::map<std::string, std::map<std::string, int>> counted;
  for (const auto& [id, e] : book_->employees()) {
    if (!e.InServiceAt(Date(2021, 12, 31))) continue;
    const std::string c = CategoryName(e.category);
    const std::string group = c == "D3" || c == "D1" ? "D" : c == "B3" || c == "B1" ? "B" : c;
    counted[group][e.gender] += 1;
  }
  EXPECT_EQ(counted["DIR"]["M"], 3);  // Segretario Generale 1 M + Dirigenti 2 M, 1 F
  EXPECT_EQ(counted["DIR"]["F"], 1);
  EXPECT_EQ(counted["D"]["M"], 22);
  EXPECT_EQ(counted["D"]["F"], 67);
  EXPECT_EQ(counted["C"]["M"], 35);
  EXPECT_EQ(counted["C"]["F"], 122);
  EXPECT_EQ(counted["B"]["M"], 3);
  EXPECT_EQ(counted["B"]["F"], 13);
  EXPECT_EQ(counted["A"]["M"] + counted["A"]["F"], 0);
  // Dotazione rimodulata by the §1.3 groups (R05): Dirigenti 7, D 109, C 172, B 20, A 0.
  const Establishment* r = book_->EstablishmentAt(Date(2022, 5, 24));
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->posts.at(Category::kD3).posts + r->posts.at(Category::kD1).posts, 109);
  EXPECT_EQ(r->posts.at(Category::kB3).posts + r->posts.at(Category::kB1).posts, 20);
  EXPECT_EQ(r->posts.at(Category::kC).posts, 172);
}

TEST_F(Torino2022Test, HiringBudget2022AndThePlannedHiresFittingIt) {
  const v1::HiringBudgetView b = Summary().hiring_budget();
  EXPECT_EQ(b.leavers_count(), 14);                          // N. cessati (R14)
  EXPECT_EQ(b.leavers_ordinary_cents(), 31374655);           // 313.746,55
  EXPECT_EQ(b.leavers_protected_cents(), 8444766);           // 84.447,66
  EXPECT_EQ(b.remainders_ordinary_cents(), 158605);          // 1.586,05 (R15)
  EXPECT_EQ(b.remainders_protected_cents(), 7386771);        // 73.867,71
  EXPECT_EQ(b.ordinary_cents(), 31533260);                   // 315.332,60
  EXPECT_EQ(b.protected_cents(), 15831537);                  // 158.315,37
  EXPECT_EQ(b.planned_ordinary_count(), 11);                 // ASSUNZIONI 2022 (R16)
  EXPECT_EQ(b.planned_protected_count(), 3);
  EXPECT_EQ(b.planned_ordinary_cents(), 31450791);           // 314.507,91
  EXPECT_EQ(b.planned_protected_cents(), 8776965);           // 87.769,65
  EXPECT_EQ(b.residual_ordinary_cents(), 82469);             // 824,69 (R17)
  EXPECT_EQ(b.residual_protected_cents(), 7054572);          // 70.545,72
  for (const auto& [id, h] : book_->planned_hires()) {
    if (id == "2022-C-75") {
      EXPECT_EQ(h.cost.cents(), 2194241);  // 21.942,41
    }
    if (id == "2022-C-100") {
      EXPECT_EQ(h.cost.cents(), 29256550);
    }
  }
}

TEST_F(Torino2022Test, OneMorePlannedHireDoesNotFitAndIsRefusedWithTheFigures) {
  HrBook copy = *book_;
  v1::HiresPlanned more;
  more.set_year(2022);
  v1::PlannedHire* h = more.add_hires();
  h->set_id("2022-extra");
  h->set_category("C");
  h->set_count(1);
  h->set_part_time_bp(10000);
  absl::Status s = copy.ApplyPlannedHires(more);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("343,764.46 \xE2\x82\xAC"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("budget 315,332.60 \xE2\x82\xAC by 28,431.86 \xE2\x82\xAC"));
  // A protected-category C at 100% still fits the protected budget (70.545,72 left).
  h->set_protected_category("art1");
  EXPECT_TRUE(copy.ApplyPlannedHires(more).ok());
}

TEST_F(Torino2022Test, RedistributedEstablishmentUnderTheCeiling) {
  const v1::HrSummary before = Summary(Date(2022, 5, 23));
  EXPECT_EQ(before.establishment_cost_cents(), 949991994);
  const v1::HrSummary s = Summary(Date(2022, 5, 24));
  EXPECT_EQ(s.ceiling_cents(), 949991994);  // the ceiling does not move
  EXPECT_EQ(s.establishment_cost_cents(), 949921848);  // 9.499.218,48 (R19)
  EXPECT_EQ(s.establishment_posts(), 308);
  EXPECT_EQ(s.ceiling_cents() - s.establishment_cost_cents(), 70146);  // 701,46 (R19, R20)
  EXPECT_THAT(s.establishment_act(), HasSubstr("n. 81"));
  const std::map<std::string, std::pair<int, int64_t>> printed = {
      {"DIR", {7, 42057463}}, {"D3", {10, 36601990}}, {"D1", {99, 315144027}}, {"C", {172, 503212660}},
      {"B3", {7, 19190780}},  {"B1", {13, 33714928}}, {"A", {0, 0}}};
  for (const v1::CategoryFigure& f : s.establishment()) {
    EXPECT_EQ(f.posts(), printed.at(f.category()).first) << f.category();
    EXPECT_EQ(f.cost_cents(), printed.at(f.category()).second) << f.category();
  }
  // One more DIR post would exceed the ceiling: refused with the figures.
  HrBook copy = *book_;
  v1::EstablishmentAdopted over = file_->establishments[1];
  over.set_act("redistribution test");
  over.mutable_posts(0)->set_posts(8);
  absl::Status st = copy.ApplyEstablishment(over);
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(st.message()), HasSubstr("costs 9,559,300.57 \xE2\x82\xAC"));
  EXPECT_THAT(std::string(st.message()), HasSubstr("by 59,380.63 \xE2\x82\xAC"));
}

TEST_F(Torino2022Test, VacancyTableForCertainLeavers) {
  const v1::HrSummary s = Summary();
  // POSTI VACANTI PER CESSAZIONI CERTE (R11, R12): DIR, D (= D3 + D1), C, B3, B1, A, TOTALE.
  const std::map<std::string, std::map<std::string, int>> printed = {
      {"2021-12-31", {{"DIR", 3}, {"D", 17}, {"C", 9}, {"B3", 0}, {"B1", 6}, {"A", 0}, {"total", 35}}},
      {"2022-04-01", {{"DIR", 3}, {"D", 18}, {"C", 11}, {"B3", 0}, {"B1", 6}, {"A", 0}, {"total", 38}}},
      {"2022-12-31", {{"DIR", 3}, {"D", 18}, {"C", 12}, {"B3", 0}, {"B1", 6}, {"A", 0}, {"total", 39}}},
      {"2023-12-31", {{"DIR", 3}, {"D", 20}, {"C", 13}, {"B3", 1}, {"B1", 6}, {"A", 0}, {"total", 43}}},
      {"2024-12-31", {{"DIR", 3}, {"D", 21}, {"C", 16}, {"B3", 1}, {"B1", 6}, {"A", 0}, {"total", 47}}}};
  ASSERT_EQ(s.vacancies_size(), 5);
  for (const v1::VacancyColumn& col : s.vacancies()) {
    ASSERT_TRUE(printed.contains(col.date())) << col.date();
    for (const auto& [cat, n] : printed.at(col.date())) {
      EXPECT_EQ(col.by_category().at(cat), n) << col.date() << " " << cat;
    }
  }
}

TEST_F(Torino2022Test, TurnoverBalances) {
  // TURN OVER (§1.3, R01): {cessazioni, mobilità, assunzioni, saldo}.
  const std::map<int, std::array<int, 4>> printed = {
      {2012, {3, 1, 3, -1}},   {2013, {5, 0, 1, -4}},  {2014, {3, 0, 0, -3}}, {2015, {7, 1, 1, -7}},
      {2016, {6, 1, 0, -7}},   {2017, {5, 2, 0, -7}},  {2018, {14, 2, 0, -16}}, {2019, {11, 2, 6, -7}},
      {2020, {9, 1, 1, -9}},   {2021, {15, 1, 13, -3}}};
  const v1::HrSummary s = Summary();
  ASSERT_EQ(s.turnover_size(), 10);
  int total_balance = 0;
  for (const v1::TurnoverYear& t : s.turnover()) {
    ASSERT_TRUE(printed.contains(t.year())) << t.year();
    const auto& p = printed.at(t.year());
    EXPECT_EQ(t.leavers(), p[0]) << t.year();
    EXPECT_EQ(t.mobility_out(), p[1]) << t.year();
    EXPECT_EQ(t.hires(), p[2]) << t.year();
    EXPECT_EQ(t.balance(), p[3]) << t.year();
    total_balance += t.balance();
  }
  EXPECT_EQ(total_balance, -64);  // 2012-2021, computed in hr.json
  // "27 giu 2022": 3 cessazioni, 0 mobilità, 0 assunzioni, saldo -3 (R13: all by 1 April).
  const v1::HrSummary june = Summary(Date(2022, 6, 27));
  const v1::TurnoverYear& y = june.turnover(june.turnover_size() - 1);
  EXPECT_EQ(y.year(), 2022);
  EXPECT_EQ(y.through(), "2022-06-27");
  EXPECT_EQ(y.leavers(), 3);
  EXPECT_EQ(y.mobility_out(), 0);
  EXPECT_EQ(y.hires(), 0);
  EXPECT_EQ(y.balance(), -3);
  // R21 (does not hold in the source): 15 cessations vs 14 budget leavers; see the comment at the top.
  EXPECT_EQ(s.turnover(9).leavers(), 15);
  EXPECT_EQ(s.hiring_budget().leavers_count(), 14);
}

TEST_F(Torino2022Test, ProtectedQuotaCoveredByThePlannedHires) {
  const v1::ProtectedQuotaView q = Summary().protected_quota();
  EXPECT_EQ(q.art1_uncovered(), 2);  // R18
  EXPECT_EQ(q.art18_uncovered(), 1);
  EXPECT_EQ(q.art1_uncovered_after_planned(), 0);
  EXPECT_EQ(q.art18_uncovered_after_planned(), 0);
}

TEST_F(Torino2022Test, PayLinkOfThePublishedEnterpriseScore) {
  SummaryOptions o;
  o.year = 2022;
  o.enterprise_score_pct = 90.91;  // Relazione 2022 (results fixture's expected.enterprise_score_pct)
  auto s = Summarize(*book_, o);
  ASSERT_TRUE(s.ok());
  EXPECT_DOUBLE_EQ(s->pay_link().accessory_top_up_pct(), 100);  // >= 90
  EXPECT_DOUBLE_EQ(s->pay_link().resource_release_pct(), 100);  // >= 85
  EXPECT_DOUBLE_EQ(s->pay_link().accessory_top_up().zero_below(), 70);
}

}  // namespace
}  // namespace piao::hr
