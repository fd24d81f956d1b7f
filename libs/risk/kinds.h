// The risk register's kinds on the wire. The enums are the contract: Assessment.rating_method (RatingMethod),
// Measure.measure_kind (MeasureKind), MonitoringPlanEntry.monitoring_mode (MonitoringMode),
// MonitoringRecord.outcome_kind (MonitoringOutcome), and in answers MeasureStatus.measure_kind, .measure_state
// (MeasureState), .last_outcome_kind and ProcessRating.rating_method. Wave one's texts beside them (`method`,
// `kind`, `mode`, `outcome`, `status`, `last_outcome`), deprecated, are read only here, with the rules of
// libs/base/legacy_enum.h:
//   requests   the enum, else the text alone; both set and disagreeing, or a text naming no value, is refused
//   events     carry only the enum (RiskKinds().Normalise before a command is decided; RiskKinds().Upcast for the
//              stored events that carried the text, services/common/event_schema.h)
//   answers    the enum and, for wave-one clients, the text (RiskKinds().FillTexts)
// The register file (docs/RISK_FORMAT.md, protobuf JSON) keeps the texts ("kind": "general"): they arrive in the
// deprecated fields and are mapped here like a wave-one request.
// Ordinal risk levels ("alto", "Rischio medio") are not kinds: each administration defines its own (schemes and
// qualitative methods), so they stay text.
#ifndef PIAO_LIBS_RISK_KINDS_H_
#define PIAO_LIBS_RISK_KINDS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "libs/base/legacy_enum.h"
#include "piao/v1/risk.pb.h"

namespace piao::risk {

// Each kind (`path` prefixes the field names in errors, e.g. "measure."): the enum, else wave one's text;
// INVALID_ARGUMENT naming the field when neither is set, the enum is out of range, the text names no value or
// both are set and disagree.
absl::StatusOr<v1::RatingMethod> RequestedRatingMethod(const v1::Assessment& a, const std::string& path);
absl::StatusOr<v1::MeasureKind> RequestedMeasureKind(const v1::Measure& m, const std::string& path);
absl::StatusOr<v1::MonitoringMode> RequestedMonitoringMode(const v1::MonitoringPlanEntry& e, const std::string& path);
absl::StatusOr<v1::MonitoringOutcome> RequestedOutcome(const v1::MonitoringRecord& r, const std::string& path);

// Every risk kind inside a message, by reflection (libs/base/legacy_enum.h). Normalise: the enums only (wave
// one's texts read and cleared; errors name the field's path, "entries[2].mode: ..."); FillTexts, for answers:
// the texts from the enums; Upcast: the upcaster step of the risk event types that carried the texts.
const LegacyEnums& RiskKinds();

}  // namespace piao::risk

#endif  // PIAO_LIBS_RISK_KINDS_H_
