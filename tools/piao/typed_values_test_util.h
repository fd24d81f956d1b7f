// Test-only: the projection's typed values written as the plan files' JSON (SCHEMA.md shapes), so CLI tests
// read like the documents they reproduce.
#ifndef PIAO_TOOLS_PIAO_TYPED_VALUES_TEST_UTIL_H_
#define PIAO_TOOLS_PIAO_TYPED_VALUES_TEST_UTIL_H_

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "libs/plan/plan_json.h"
#include "libs/plan/plan_proto.h"
#include "piao/v1/projection.pb.h"

namespace piao::cli::testing {

inline void SetTarget(const std::string& json, v1::Target* out) {
  auto t = plan::ParseTargetJson(nlohmann::json::parse(json), "target");
  ASSERT_TRUE(t.ok()) << t.status();
  *out = plan::ToProto(*t);
}

// A soglia or actual: set when the JSON is not null.
inline void SetThreshold(const std::string& json, v1::IndicatorScore* out) {
  auto t = plan::ParseThresholdJson(nlohmann::json::parse(json), "threshold");
  ASSERT_TRUE(t.ok()) << t.status();
  if (t->has_value()) *out->mutable_threshold() = plan::ToProto(**t);
}

inline void SetValue(const std::string& json, v1::MeasuredValue* out) {
  auto v = plan::ParseValueJson(nlohmann::json::parse(json), "value");
  ASSERT_TRUE(v.ok()) << v.status();
  if (v->has_value()) *out = plan::ToProto(**v);
}

}  // namespace piao::cli::testing

#endif  // PIAO_TOOLS_PIAO_TYPED_VALUES_TEST_UTIL_H_
