#include "tools/piao/hr_cmd.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace piao::cli {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

TEST(HrCmdTest, EuroAmountsAreNumbersWithTwoDecimals) {
  v1::HrSummary s;
  s.set_year(2022);
  s.set_ceiling_cents(949991994);
  s.set_in_service_cost_cents(468104800);  // 4681048.00: two decimals kept
  s.mutable_hiring_budget()->set_ordinary_cents(31533260);
  s.mutable_hiring_budget()->set_protected_cents(-5);
  v1::VacancyColumn* c = s.add_vacancies();
  c->set_date("2021-12-31");
  (*c->mutable_by_category())["D"] = 17;
  v1::TurnoverYear* t = s.add_turnover();
  t->set_year(2021);
  t->set_balance(-3);
  s.set_administration("\x01eur_cents");
  const std::string text = DumpHrJson(HrSummaryToJson(s));
  EXPECT_THAT(text, HasSubstr("\"ceiling_eur\":9499919.94"));
  EXPECT_THAT(text, HasSubstr("\"in_service_cost_eur\":4681048.00"));
  EXPECT_THAT(text, HasSubstr("\"hiring_budget_ordinary_eur\":315332.60"));
  EXPECT_THAT(text, HasSubstr("\"hiring_budget_protected_eur\":-0.05"));
  const json j = json::parse(text);
  EXPECT_DOUBLE_EQ(j["ceiling_eur"].get<double>(), 9499919.94);
  EXPECT_EQ(j["vacancies"]["2021-12-31"]["D"], 17);
  EXPECT_EQ(j["turnover"]["2021"]["balance"], -3);
  EXPECT_EQ(j["administration"], "\x01eur_cents");  // a string is never taken for money
  EXPECT_TRUE(j["pay_link"]["enterprise_score_pct"].is_null());
}

TEST(HrCmdTest, TextFormReadsInEuro) {
  v1::HrSummary s;
  s.set_ceiling_cents(949991994);
  s.set_margin_cents(114985751);
  const std::string text = RenderHrSummary(s);
  EXPECT_THAT(text, HasSubstr("9,499,919.94 \xE2\x82\xAC"));
  EXPECT_THAT(text, HasSubstr("margin to the ceiling                      1,149,857.51 \xE2\x82\xAC"));
}

}  // namespace
}  // namespace piao::cli
