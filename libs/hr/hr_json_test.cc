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
  EXPECT_EQ(f->staff[0].employees(0).movement(), "in_service");
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
  };
  for (const Case& c : cases) {
    auto f = ParseHrImport(c.j);
    ASSERT_FALSE(f.ok()) << c.path;
    EXPECT_EQ(f.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(f.status().message()), HasSubstr(c.path));
  }
}

}  // namespace
}  // namespace piao::hr
