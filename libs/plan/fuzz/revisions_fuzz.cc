// libFuzzer target for revision files (ParseRevisionsJson): any bytes parse or fail with a message; parsed
// changes survive the JSON writer and the wire form unchanged, and every act applies to a small plan or is
// refused with a status (never a crash), the plan it returns still valid.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "libs/plan/plan_json.h"
#include "libs/plan/plan_proto.h"
#include "libs/plan/revision.h"
#include "libs/plan/validate.h"

namespace {

[[noreturn]] void Fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "revisions_fuzz: %s: %s\n", what, detail.c_str());
  std::abort();
}

// The plan acts are applied to: two objectives whose codes the corpus uses.
const piao::plan::Plan& BasePlan() {
  static const piao::plan::Plan* plan = [] {
    auto p = piao::plan::ParsePlanJson(R"({"year": 2022, "objectives": [
      {"code": "OS1", "level": "strategic", "indicators": [
        {"code": "k1", "weight_pct": 50, "target": {"op": ">=", "value": 1, "unit": "N."}},
        {"code": "k2", "weight_pct": 50, "target": {"op": "by_date", "date": "2022-12-31"},
         "threshold": {"value": 5, "unit": "%"}, "formula": "a / b * 100"}]},
      {"code": "OS2", "level": "operational", "parent": "OS1", "units": ["U1"], "indicators": [
        {"code": "k1", "target": {"op": "text", "text": "done"}}]}]})");
    if (!p.ok()) Fail("the base plan", p.status().ToString());
    return new piao::plan::Plan(p->plan);
  }();
  return *plan;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace piao::plan;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto parsed = ParseRevisionsJson(text);
  if (!parsed.ok()) {
    if (parsed.status().code() != absl::StatusCode::kInvalidArgument || parsed.status().message().empty()) {
      Fail("a bad file must be INVALID_ARGUMENT with a message", parsed.status().ToString());
    }
    return 0;
  }
  for (const Revision& r : *parsed) {
    const std::string written = nlohmann::json{{"revisions", nlohmann::json::array({RevisionToJson(r)})}}.dump();
    auto again = ParseRevisionsJson(written);
    if (!again.ok()) Fail("the writer's output does not parse", again.status().ToString());
    if (again->size() != 1 || !(again->front() == r)) Fail("JSON round trip changed a revision", written);
    auto wire = FromProto(ToProto(r), r.act, r.effective_date, "change");
    if (!wire.ok()) Fail("the wire form does not read back", wire.status().ToString());
    if (!(*wire == r)) Fail("wire round trip changed a revision", written);
  }
  for (const std::vector<Revision>& act : GroupByAct(*parsed)) {
    auto revised = ApplyRevisionAct(BasePlan(), act);
    if (revised.ok() && !PlanProblems(*revised).empty()) Fail("an applied act left an invalid plan", act.front().act);
  }
  return 0;
}
