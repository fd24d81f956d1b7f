// PIAO 2022 §1.4 (Torino): the balance-sheet and income-statement items of 2017-2021 as an accounting feed,
// the ratio indicators of tests/fixtures/torino-2022/ratios-plan-YYYY.json evaluated with their formulas, and
// the published ratios reproduced within the printed rounding.
//
// "Within the printed rounding": the items are printed in millions with two decimals (±0.005), so the true
// ratio lies between the formula's values at the corners of that box; the published ratio is the true one
// rounded to its printed digits. A published figure passes when it lies in [low − half a printed unit,
// high + half a printed unit]. (2020's 168.28 is 168.27 from the rounded items, 2021's 114.66 is 114.67.)
#include <cmath>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "gtest/gtest.h"
#include "libs/feed/feed.h"
#include "libs/formula/formula.h"
#include "libs/plan/fixture_files.h"
#include "libs/plan/plan_json.h"

namespace piao::feed {
namespace {

using Values = std::map<std::pair<std::string, int>, double>;  // (variable, year)

Values LoadFeed() {
  const std::string mapping_bytes = plan::testing::ReadFixture("torino-2022/accounting-mapping.csv");
  auto mapping = ParseMapping(mapping_bytes, "accounting-mapping.csv");
  EXPECT_TRUE(mapping.ok()) << mapping.status();
  ParseOptions o;
  o.file = "accounting-2017-2021.csv";
  o.mapping = &*mapping;
  o.mapping_bytes = mapping_bytes;
  auto batch = ParseBatch(Kind::kAccounting, plan::testing::ReadFixture("torino-2022/accounting-2017-2021.csv"), o);
  EXPECT_TRUE(batch.ok()) << batch.status();
  Values v;
  for (const Row& r : batch->rows) v[{r.variable, std::stoi(r.period)}] = r.value;
  return v;
}

// The formula at `year`, with every input moved by `delta` in the direction `signs` picks (bit i: input i).
std::optional<double> Eval(const formula::Formula& f, const Values& v, int year, double delta, unsigned signs) {
  std::map<std::string, int> order;
  for (const auto& ref : f.variables()) order.emplace(ref.name, static_cast<int>(order.size()));
  formula::Outcome o = f.Evaluate([&](const std::string& name, int lag) -> std::optional<double> {
    auto it = v.find({name, year - lag});
    if (it == v.end()) return std::nullopt;
    const bool up = (signs >> order[name]) & 1u;
    return it->second + (up ? delta : -delta);
  });
  return o.value;
}

struct Bounds {
  double low = INFINITY, high = -INFINITY, at_printed = 0;
};

Bounds Range(const formula::Formula& f, const Values& v, int year) {
  Bounds b;
  b.at_printed = *Eval(f, v, year, 0, 0);
  for (unsigned s = 0; s < (1u << f.variables().size()); ++s) {
    const double x = *Eval(f, v, year, 0.005, s);
    b.low = std::min(b.low, x);
    b.high = std::max(b.high, x);
  }
  return b;
}

// Half a unit of the last printed digit: 126.7 -> 0.05, 1.28 -> 0.005.
double HalfUnit(double published) {
  for (int d = 0; d <= 4; ++d) {
    const double scale = std::pow(10.0, d);
    if (std::fabs(std::round(published * scale) - published * scale) < 1e-6) return 0.5 / scale;
  }
  return 0.00005;
}

TEST(TorinoRatiosTest, PlanFormulasReproducePublishedRatios) {
  const Values v = LoadFeed();
  ASSERT_EQ(v.size(), 189u);  // 38 items × 5 years, less the 2021 Rettifiche the PIAO leaves blank
  int checked = 0;
  for (int year = 2017; year <= 2021; ++year) {
    const std::string text = plan::testing::ReadFixture("torino-2022/ratios-plan-" + std::to_string(year) + ".json");
    auto file = plan::ParsePlanJson(text);
    ASSERT_TRUE(file.ok()) << year << ": " << file.status();
    const nlohmann::json expected = nlohmann::json::parse(text)["expected"]["actuals"];
    ASSERT_EQ(file->plan.objectives.size(), 1u);
    ASSERT_EQ(file->plan.objectives[0].code, "RATIOS");
    for (const plan::Indicator& ind : file->plan.objectives[0].indicators) {
      auto f = formula::Formula::Parse(ind.formula);
      ASSERT_TRUE(f.ok()) << ind.code << ": " << f.status();
      const double published = expected.at(ind.code).get<double>();
      const Bounds b = Range(*f, v, year);
      const double half = HalfUnit(published);
      EXPECT_GE(published, b.low - half) << year << " " << ind.code << " computed " << b.at_printed;
      EXPECT_LE(published, b.high + half) << year << " " << ind.code << " computed " << b.at_printed;
      // And the point value is close: the box is narrow (a few hundredths at most).
      EXPECT_NEAR(b.at_printed, published, 0.04) << year << " " << ind.code;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 15);
}

// Other ratios of the same table that the printed items determine: the formulas here are the ones that
// reproduce every year; the Indice di liquidità immediata does not (its denominator is not printed), nor do
// the two that need items the tables leave out (Fondo perequativo, maggiorazione del diritto annuale).
TEST(TorinoRatiosTest, OtherReproducibleRatios) {
  const Values v = LoadFeed();
  struct Ratio {
    const char* name;
    const char* formula;
    double published[5];
  };
  const Ratio ratios[] = {
      {"Capitale circolante netto", "attivo_circolante - (debiti_funzionamento + fondi_rischi_oneri)",
       {2.34, 5.73, 18, 31.36, 27.47}},
      {"Margine di struttura finanziaria", "attivo_circolante / (debiti_funzionamento + fondi_rischi_oneri) * 100",
       {111.18, 122.5, 156.4, 177.31, 166.65}},
      {"Margine di tesoreria",
       "disponibilita_liquide + crediti_funzionamento - (debiti_funzionamento + fondi_rischi_oneri)",
       {1.94, 5.36, 17.65, 31.00, 27.16}},
  };
  for (const Ratio& r : ratios) {
    auto f = formula::Formula::Parse(r.formula);
    ASSERT_TRUE(f.ok()) << f.status();
    for (int year = 2017; year <= 2021; ++year) {
      const double published = r.published[year - 2017];
      const Bounds b = Range(*f, v, year);
      // Printed as "18" and "31,00": the table drops trailing zeros, so allow two decimals everywhere.
      const double half = std::max(HalfUnit(published), 0.005);
      EXPECT_GE(published, b.low - half) << r.name << " " << year << " computed " << b.at_printed;
      EXPECT_LE(published, b.high + half) << r.name << " " << year << " computed " << b.at_printed;
    }
  }
  // The liquidity ratio over the short-term debts these three use misses the published 42.17 (2017).
  auto liq = formula::Formula::Parse("disponibilita_liquide / (debiti_funzionamento + fondi_rischi_oneri) * 100");
  ASSERT_TRUE(liq.ok());
  const Bounds b = Range(*liq, v, 2017);
  EXPECT_TRUE(42.17 < b.low - 0.005 || 42.17 > b.high + 0.005) << b.at_printed;
}

TEST(TorinoRatiosTest, YearOnYearNeedsThePreviousYear) {
  const Values v = LoadFeed();
  auto f = formula::Formula::Parse("(proventi_correnti - prev(proventi_correnti)) / prev(proventi_correnti) * 100");
  ASSERT_TRUE(f.ok());
  auto at = [&](int year) {
    return f->Evaluate([&](const std::string& name, int lag) -> std::optional<double> {
      auto it = v.find({name, year - lag});
      return it == v.end() ? std::nullopt : std::optional<double>(it->second);
    });
  };
  EXPECT_FALSE(at(2017).computable());  // 2016 is not in the feed
  EXPECT_NE(at(2017).not_computable.find("prev"), std::string::npos);
  ASSERT_TRUE(at(2018).computable());
  EXPECT_NEAR(*at(2018).value, (38.88 - 35.27) / 35.27 * 100, 1e-9);
}

}  // namespace
}  // namespace piao::feed
