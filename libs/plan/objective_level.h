// Objective levels on the wire. The enum piao.v1.ObjectiveLevel (`level_kind`) is the contract; wave one's text
// `level` ("strategic" | "operational" | "individual"), still a deprecated field beside it on ObjectiveKey,
// ObjectiveDefinition, ObjectiveScore and the projection's level filters, is read and written only here:
//   requests   the enum, else the text alone; both set and disagreeing, or a text naming no level, is refused
//   events     carry only the enum (ObjectiveLevels().Normalise; the upcasters of services/common/event_schema.h turn every
//              stored event that carried the text into that shape)
//   answers    carry the enum and, for wave-one clients, the text too (ObjectiveLevels().FillTexts)
#ifndef PIAO_LIBS_PLAN_OBJECTIVE_LEVEL_H_
#define PIAO_LIBS_PLAN_OBJECTIVE_LEVEL_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/base/legacy_enum.h"
#include "libs/plan/model.h"
#include "piao/v1/plan.pb.h"

namespace piao::plan {

v1::ObjectiveLevel ToProto(Level level);
// INVALID_ARGUMENT naming `path` for OBJECTIVE_LEVEL_UNSPECIFIED or a number that is no level.
absl::StatusOr<Level> FromProto(v1::ObjectiveLevel level, const std::string& path);

// The level's name in files, the CLI and wave one's text: "strategic" | "operational" | "individual"; "" for
// unspecified or a number that is no level.
std::string LevelText(v1::ObjectiveLevel level);
// INVALID_ARGUMENT naming `path` for a text that names no level.
absl::StatusOr<v1::ObjectiveLevel> ObjectiveLevelOf(absl::string_view text, const std::string& path);

// The level a message asks for: `level_kind`, else wave one's text `level` (`path` prefixes the field names in
// errors, e.g. "objectives[2]."). UNSPECIFIED when neither is set: the caller says whether a level is required.
// INVALID_ARGUMENT naming the field for an enum number out of range, a text that names no level, or both set
// and disagreeing.
absl::StatusOr<v1::ObjectiveLevel> RequestedLevel(v1::ObjectiveLevel level_kind, absl::string_view level,
                                                  const std::string& path);
absl::StatusOr<v1::ObjectiveLevel> RequestedLevel(const v1::ObjectiveKey& key, const std::string& path);
absl::StatusOr<v1::ObjectiveLevel> RequestedLevel(const v1::ObjectiveDefinition& objective, const std::string& path);

// Every message inside a message (itself included) that carries a level: a string `level` beside an
// ObjectiveLevel `level_kind`, found by reflection (libs/base/legacy_enum.h). Normalise: its RequestedLevel in
// `level_kind`, the text cleared; errors name the field's path ("objectives[2].level: ..."). FillTexts, for
// answers: the text from the enum. Upcast: the upcaster step of the event types that carried the text.
const LegacyEnums& ObjectiveLevels();

}  // namespace piao::plan

#endif  // PIAO_LIBS_PLAN_OBJECTIVE_LEVEL_H_
