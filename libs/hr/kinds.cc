#include "libs/hr/kinds.h"

#include "absl/strings/str_cat.h"
#include "libs/base/legacy_enum.h"

namespace piao::hr {
// The one reader of wave one's text fields, besides the reflection of HrKinds().
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
absl::StatusOr<v1::EstablishmentKind> RequestedEstablishmentKind(const v1::EstablishmentAdopted& e,
                                                                 const std::string& path) {
  return RequiredEnum(e.establishment_kind(), e.kind(), path + "establishment_kind", path + "kind");
}
absl::StatusOr<v1::EmployeeMovement> RequestedMovement(const v1::Employee& e, const std::string& path) {
  return RequiredEnum(e.movement_kind(), e.movement(), path + "movement_kind", path + "movement");
}
absl::StatusOr<v1::LeaveReason> RequestedLeaveReason(const v1::Leave& l, const std::string& path) {
  return RequiredEnum(l.reason_kind(), l.reason(), path + "reason_kind", path + "reason");
}
#pragma GCC diagnostic pop

const LegacyEnums& HrKinds() {
  static const LegacyEnums* kinds = new LegacyEnums({
      {"kind", "establishment_kind", v1::EstablishmentKind_descriptor()},
      {"movement", "movement_kind", v1::EmployeeMovement_descriptor()},
      {"reason", "reason_kind", v1::LeaveReason_descriptor()},
  });
  return *kinds;
}

}  // namespace piao::hr
