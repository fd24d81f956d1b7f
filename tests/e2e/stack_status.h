// `piao stack status --json` for end-to-end tests: the whole answer, or one component of it.
#ifndef PIAO_TESTS_E2E_STACK_STATUS_H_
#define PIAO_TESTS_E2E_STACK_STATUS_H_

#include <string>

#include <nlohmann/json.hpp>

#include "tests/e2e/cli_runner.h"

namespace piao::e2e {

// `data_flag` is " --data DIR". A discarded value when the command printed no JSON.
inline nlohmann::json StackStatusJson(const std::string& data_flag) {
  return nlohmann::json::parse(RunPiao("stack status --json" + data_flag).out, nullptr, false);
}

// The component named `name` ("planning", "projection", "broker", ...), or an empty object.
inline nlohmann::json StackComponent(const std::string& data_flag, const std::string& name) {
  nlohmann::json s = StackStatusJson(data_flag);
  if (s.is_object()) {
    for (const nlohmann::json& c : s["components"]) {
      if (c["name"] == name) return c;
    }
  }
  return nlohmann::json::object();
}

}  // namespace piao::e2e

#endif  // PIAO_TESTS_E2E_STACK_STATUS_H_
