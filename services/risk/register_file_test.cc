// A whole register file decided by the service (RiskRegistry.ValidateRegister, DecideRegisterFile): the Torino
// 2022 register end to end, and refusals naming the item and the field.
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "google/protobuf/util/json_util.h"
#include "services/risk/risk_aggregate.h"

namespace piao::risk {
namespace {

using ::testing::HasSubstr;

std::string Fixture() {
  const char* src = std::getenv("PIAO_SOURCE_DIR");
  std::ifstream in(std::string(src != nullptr ? src : PIAO_DEFAULT_SOURCE_DIR) +
                   "/tests/fixtures/torino-2022/risk-register.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

v1::RiskRegisterFile Parse(const std::string& json) {
  v1::RiskRegisterFile f;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &f).ok());
  return f;
}

v1::Principal Rpct() {
  v1::Principal p;
  p.set_id("user:rpct");
  p.add_roles("rpct");
  return p;
}

TEST(DecideRegisterFile, TheTorinoRegisterDecidesEndToEnd) {
  absl::StatusOr<uint32_t> n = DecideRegisterFile(Parse(Fixture()), Rpct());
  ASSERT_TRUE(n.ok()) << n.status();
  // areas + 2 schemes + 1 method + 23 processes + 23 assessments + 12 measures + plan + 9 records + 3 reports
  EXPECT_EQ(*n, 75u);
}

TEST(DecideRegisterFile, RefusalsNameTheItemAndTheField) {
  const nlohmann::json good = nlohmann::json::parse(Fixture());
  struct Case {
    std::function<void(nlohmann::json&)> spoil;
    const char* message;
  };
  const Case cases[] = {
      {[](nlohmann::json& j) { j["assessments"][5]["events"][0]["probability"] = 6; },
       "assessments[5] B.03@2022-03-31: assessment.events[0].score: 30 is outside [1, 25]"},
      {[](nlohmann::json& j) { j["monitoring_plan"][0]["mode"] = "always"; }, "monitoring_plan: entries[0].mode"},
      {[](nlohmann::json& j) { j["processes"][2]["area"] = "F"; }, "processes[2] A.03: process.area: no area 'F'"},
      {[](nlohmann::json& j) { j["measures"][0]["deadline"] = "2022-06-31"; }, "measures[0] MO4: measure.deadline"},
  };
  for (const Case& c : cases) {
    nlohmann::json j = good;
    c.spoil(j);
    absl::StatusOr<uint32_t> n = DecideRegisterFile(Parse(j.dump()), Rpct());
    ASSERT_FALSE(n.ok()) << c.message;
    EXPECT_THAT(n.status().message(), HasSubstr(c.message));
  }
}

}  // namespace
}  // namespace piao::risk
