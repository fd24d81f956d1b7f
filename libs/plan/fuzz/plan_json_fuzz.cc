// libFuzzer target for plan and results files (ParsePlanJson): any bytes parse or fail with a message; a
// parsed plan is validated, and survives both of its other forms unchanged: the JSON writer
// (ParsePlanJson(PlanToJson(p)) == p) and the wire format (FromProto(ToProto(o)) == o for each objective).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "libs/plan/plan_json.h"
#include "libs/plan/plan_proto.h"
#include "libs/plan/validate.h"

namespace {

[[noreturn]] void Fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "plan_json_fuzz: %s: %s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace piao::plan;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto parsed = ParsePlanJson(text);
  if (!parsed.ok()) {
    if (parsed.status().code() != absl::StatusCode::kInvalidArgument || parsed.status().message().empty()) {
      Fail("a bad file must be INVALID_ARGUMENT with a message", parsed.status().ToString());
    }
    return 0;
  }
  (void)PlanProblems(parsed->plan);
  const std::string written = PlanToJson(parsed->plan).dump();
  auto again = ParsePlanJson(written);
  if (!again.ok()) Fail("the writer's output does not parse", again.status().ToString());
  if (!(again->plan == parsed->plan)) Fail("JSON round trip changed the plan", written);
  for (size_t i = 0; i < parsed->plan.objectives.size(); ++i) {
    const Objective& o = parsed->plan.objectives[i];
    auto back = FromProto(ToProto(o), "objectives");
    if (!back.ok()) Fail("the wire form does not read back", back.status().ToString());
    if (!(*back == o)) Fail("wire round trip changed an objective", o.code);
  }
  return 0;
}
