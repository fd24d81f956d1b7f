#include "libs/plan/objective_level.h"

#include "absl/strings/str_cat.h"
#include "libs/base/legacy_enum.h"

namespace piao::plan {
v1::ObjectiveLevel ToProto(Level level) {
  switch (level) {
    case Level::kStrategic: return v1::OBJECTIVE_LEVEL_STRATEGIC;
    case Level::kOperational: return v1::OBJECTIVE_LEVEL_OPERATIONAL;
    case Level::kIndividual: return v1::OBJECTIVE_LEVEL_INDIVIDUAL;
  }
  return v1::OBJECTIVE_LEVEL_UNSPECIFIED;
}

absl::StatusOr<Level> FromProto(v1::ObjectiveLevel level, const std::string& path) {
  for (Level l : {Level::kStrategic, Level::kOperational, Level::kIndividual}) {
    if (ToProto(l) == level) return l;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": must be OBJECTIVE_LEVEL_STRATEGIC, OBJECTIVE_LEVEL_OPERATIONAL or OBJECTIVE_LEVEL_INDIVIDUAL"));
}

std::string LevelText(v1::ObjectiveLevel level) { return EnumText(level); }

absl::StatusOr<v1::ObjectiveLevel> ObjectiveLevelOf(absl::string_view text, const std::string& path) {
  return EnumOfText<v1::ObjectiveLevel>(text, path);
}

absl::StatusOr<v1::ObjectiveLevel> RequestedLevel(v1::ObjectiveLevel level_kind, absl::string_view level,
                                                  const std::string& path) {
  absl::StatusOr<int> n = RequestedEnum(v1::ObjectiveLevel_descriptor(), level_kind, level,
                                        absl::StrCat(path, "level_kind"), absl::StrCat(path, "level"));
  if (!n.ok()) return n.status();
  return static_cast<v1::ObjectiveLevel>(*n);
}

// The one reader of wave one's text fields, besides the reflection of ObjectiveLevels().
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
absl::StatusOr<v1::ObjectiveLevel> RequestedLevel(const v1::ObjectiveKey& key, const std::string& path) {
  return RequestedLevel(key.level_kind(), key.level(), path);
}
absl::StatusOr<v1::ObjectiveLevel> RequestedLevel(const v1::ObjectiveDefinition& objective, const std::string& path) {
  return RequestedLevel(objective.level_kind(), objective.level(), path);
}
#pragma GCC diagnostic pop

const LegacyEnums& ObjectiveLevels() {
  static const LegacyEnums* levels = new LegacyEnums({{"level", "level_kind", v1::ObjectiveLevel_descriptor()}});
  return *levels;
}

}  // namespace piao::plan
