#include "libs/eventstore/upcast.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace piao::eventstore {
namespace {

using ::testing::HasSubstr;

v1::EventEnvelope Event(const std::string& type, uint32_t version, const std::string& payload) {
  v1::EventEnvelope e;
  e.set_event_type(type);
  e.set_schema_version(version);
  e.set_payload(payload);
  e.set_source_service("measurement");
  e.set_global_position(42);
  return e;
}

TEST(Upcasters, StepsChainToTheCurrentVersionAndOthersAreUntouched) {
  Upcasters u;
  u.Add("T", 1, [](const std::string& p) -> absl::StatusOr<std::string> { return p + ">2"; })
      .Add("T", 2, [](const std::string& p) -> absl::StatusOr<std::string> { return p + ">3"; });
  EXPECT_EQ(u.Current("T"), 3u);
  EXPECT_EQ(u.Current("Other"), 1u);
  absl::StatusOr<v1::EventEnvelope> e = u.ToCurrent(Event("T", 1, "v1"));
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->payload(), "v1>2>3");
  EXPECT_EQ(e->schema_version(), 3u);
  e = u.ToCurrent(Event("T", 0, "v1"));  // unset reads as 1
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->payload(), "v1>2>3");
  e = u.ToCurrent(Event("T", 3, "v3"));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->payload(), "v3");
  e = u.ToCurrent(Event("Other", 1, "x"));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->payload(), "x");
}

TEST(Upcasters, AVersionFromTheFutureOrAMissingStepIsRefusedNamingIt) {
  Upcasters u;
  u.Add("T", 2, [](const std::string& p) -> absl::StatusOr<std::string> { return p; });
  absl::StatusOr<v1::EventEnvelope> e = u.ToCurrent(Event("T", 4, ""));
  EXPECT_EQ(e.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(e.status().message(), HasSubstr("T schema version 4 at measurement position 42"));
  EXPECT_THAT(e.status().message(), HasSubstr("reads up to version 3"));
  e = u.ToCurrent(Event("T", 1, ""));  // no 1 -> 2 step
  EXPECT_EQ(e.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(e.status().message(), HasSubstr("no upcaster to version 2"));
  e = u.ToCurrent(Event("Other", 2, ""));  // a type at version 1 given 2
  EXPECT_EQ(e.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(Upcasters, AStepsErrorKeepsItsCodeWithTheEventsContext) {
  Upcasters u;
  u.Add("T", 1, [](const std::string&) -> absl::StatusOr<std::string> {
    return absl::InvalidArgumentError("kind: bad");
  });
  absl::StatusOr<v1::EventEnvelope> e = u.ToCurrent(Event("T", 1, ""));
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(e.status().message(), HasSubstr("T schema version 1 at measurement position 42: kind: bad"));
}

}  // namespace
}  // namespace piao::eventstore
