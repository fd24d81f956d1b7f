#include "libs/hr/hr_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace piao::hr {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

TEST(HrJsonTest, ParsesAmountsExactlyFromStringsAndNumbers) {
  json j = {{"format", "piao-hr/1"},
            {"establishments",
             {{{"act", "DM"}, {"act_date", "2018-02-16"}, {"kind", "ceiling"},
               {"posts", {{{"category", "C"}, {"posts", 169}, {"unit_cost", 29256.55}},
                          {{"category", "D3"}, {"posts", 11}, {"unit_cost", "36601.99"}}}}}}},
            {"staff", {{{"id", "x"}, {"category", "C"}, {"unit", "U"}, {"gender", "F"}, {"part_time", "90%"}}}}};
  auto f = ParseHrImport(j);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->establishments[0].posts(0).unit_cost_cents(), 2925655);
  EXPECT_EQ(f->establishments[0].posts(1).unit_cost_cents(), 3660199);
  EXPECT_EQ(f->staff[0].employees(0).part_time_bp(), 9000);
  // The file's texts become the enums (events carry only those).
  EXPECT_EQ(f->establishments[0].establishment_kind(), v1::ESTABLISHMENT_KIND_CEILING);
  EXPECT_EQ(f->staff[0].employees(0).movement_kind(), v1::EMPLOYEE_MOVEMENT_IN_SERVICE);
}

TEST(HrJsonTest, BadFilesNameThePath) {
  struct Case {
    json j;
    const char* path;
  } cases[] = {
      {{{"format", "other"}}, "$.format"},
      {{{"format", "piao-hr/1"}, {"staf", json::array()}}, "$.staf"},
      {{{"format", "piao-hr/1"}, {"staff", {{{"id", "x"}}}}}, "$.staff[0].category"},
      {{{"format", "piao-hr/1"},
        {"establishments", {{{"act", "a"}, {"act_date", "2018-01-01"}, {"kind", "ceiling"},
                             {"posts", {{{"category", "C"}, {"posts", 1}, {"unit_cost", "1.234"}}}}}}}},
       "$.establishments[0].posts[0].unit_cost"},
      {{{"format", "piao-hr/1"},
        {"staff", {{{"id", "x"}, {"category", "C"}, {"unit", "U"}, {"gender", "F"}, {"part_time", "120%"}}}}},
       "$.staff[0].part_time"},
      {{{"format", "piao-hr/1"}, {"leaves", {{{"employee", "x"}, {"date", "2021-01-01"}, {"reason", "other"},
                                              {"budget_excluded", "yes"}}}}},
       "$.leaves[0].budget_excluded"},
      {{{"format", "piao-hr/1"},
        {"establishments", {{{"act", "a"}, {"act_date", "2018-01-01"}, {"kind", "plan"},
                             {"posts", {{{"category", "C"}, {"posts", 1}, {"unit_cost", "1"}}}}}}}},
       "$.establishments[0].kind: must be ceiling or redistribution, got 'plan'"},
      {{{"format", "piao-hr/1"},
        {"staff", {{{"id", "x"}, {"category", "C"}, {"unit", "U"}, {"gender", "F"}, {"movement", "transfer"}}}}},
       "$.staff[0].movement: must be in_service, hire or mobility_in, got 'transfer'"},
      {{{"format", "piao-hr/1"}, {"leaves", {{{"employee", "x"}, {"date", "2021-01-01"}, {"reason", "fired"}}}}},
       "$.leaves[0].reason: must be retirement, resignation, mobility_out or other, got 'fired'"},
  };
  for (const Case& c : cases) {
    auto f = ParseHrImport(c.j);
    ASSERT_FALSE(f.ok()) << c.path;
    EXPECT_EQ(f.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(f.status().message()), HasSubstr(c.path));
  }
}

// The same rules as every import file: a key given twice, or one the format does not have, is refused with
// its path, not resolved to the last value or skipped.
TEST(HrJsonTest, DuplicateAndUnknownKeysAreRefusedNamingThem) {
  const std::string ok =
      R"({"format": "piao-hr/1", "administration": "CCIAA-TO", "provenance": {"free": ["form"]},
          "staff": [{"id": "x", "category": "C", "unit": "U", "gender": "F"}],
          "year_settings": [{"year": 2022, "accessory_top_up": {"zero_below": 60, "full_from": 90}}]})";
  ASSERT_TRUE(ParseHrImportText(ok).ok()) << ParseHrImportText(ok).status();
  struct Case {
    std::string from, to, expected;
  } cases[] = {
      {R"("unit": "U")", R"("unit": "U", "unit": "V")", "$.staff[0].unit: duplicate key"},
      {R"("format": "piao-hr/1")", R"("format": "piao-hr/1", "format": "piao-hr/1")", "$.format: duplicate key"},
      {R"("zero_below": 60)", R"("zero_below": 60, "zero_below": 70)",
       "$.year_settings[0].accessory_top_up.zero_below: duplicate key"},
      {R"("zero_below": 60)", R"("zero_below": 60, "full_form": 70)",
       "$.year_settings[0].accessory_top_up.full_form: unknown key"},
      {R"("gender": "F")", R"("gender": "F", "genre": "F")", "$.staff[0].genre: unknown key"},
  };
  for (const Case& c : cases) {
    std::string text = ok;
    text.replace(text.find(c.from), c.from.size(), c.to);
    auto f = ParseHrImportText(text);
    ASSERT_FALSE(f.ok()) << c.expected;
    EXPECT_EQ(f.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(f.status().message()), HasSubstr(c.expected));
  }
  EXPECT_THAT(std::string(ParseHrImportText("{\"format\": ").status().message()),
              HasSubstr("the HR file is not valid JSON"));
}

}  // namespace
}  // namespace piao::hr
