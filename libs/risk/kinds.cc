#include "libs/risk/kinds.h"

#include "libs/base/legacy_enum.h"

namespace piao::risk {

// The one reader of wave one's text fields, besides the reflection of RiskKinds().
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
absl::StatusOr<v1::RatingMethod> RequestedRatingMethod(const v1::Assessment& a, const std::string& path) {
  return RequiredEnum(a.rating_method(), a.method(), path + "rating_method", path + "method");
}
absl::StatusOr<v1::MeasureKind> RequestedMeasureKind(const v1::Measure& m, const std::string& path) {
  return RequiredEnum(m.measure_kind(), m.kind(), path + "measure_kind", path + "kind");
}
absl::StatusOr<v1::MonitoringMode> RequestedMonitoringMode(const v1::MonitoringPlanEntry& e, const std::string& path) {
  return RequiredEnum(e.monitoring_mode(), e.mode(), path + "monitoring_mode", path + "mode");
}
absl::StatusOr<v1::MonitoringOutcome> RequestedOutcome(const v1::MonitoringRecord& r, const std::string& path) {
  return RequiredEnum(r.outcome_kind(), r.outcome(), path + "outcome_kind", path + "outcome");
}
#pragma GCC diagnostic pop

const LegacyEnums& RiskKinds() {
  static const LegacyEnums* kinds = new LegacyEnums({
      {"method", "rating_method", v1::RatingMethod_descriptor()},        // Assessment, ProcessRating
      {"kind", "measure_kind", v1::MeasureKind_descriptor()},            // Measure, MeasureStatus
      {"mode", "monitoring_mode", v1::MonitoringMode_descriptor()},      // MonitoringPlanEntry
      {"outcome", "outcome_kind", v1::MonitoringOutcome_descriptor()},   // MonitoringRecord
      {"status", "measure_state", v1::MeasureState_descriptor()},        // MeasureStatus
      {"last_outcome", "last_outcome_kind", v1::MonitoringOutcome_descriptor()},  // MeasureStatus
  });
  return *kinds;
}

}  // namespace piao::risk
