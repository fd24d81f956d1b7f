// The HR facts' kinds on the wire. The enums are the contract: EstablishmentAdopted.establishment_kind
// (EstablishmentKind), Employee.movement_kind (EmployeeMovement), Leave.reason_kind (LeaveReason). Wave one's
// texts beside them (`kind` "ceiling" | "redistribution", `movement` "in_service" | "hire" | "mobility_in",
// `reason` "retirement" | "resignation" | "mobility_out" | "other"), deprecated, are read only here, with the
// rules of libs/base/legacy_enum.h:
//   requests   the enum, else the text alone; both set and disagreeing, or a text naming no value, is refused
//   events     carry only the enum (HrKinds().Normalise before a body is stored; HrKinds().Upcast for the stored
//              events that carried the text, services/common/event_schema.h)
//   answers    the enum and, for wave-one clients, the text (HrKinds().FillTexts)
// The HR file (docs/HR_FORMAT.md) keeps the texts; libs/hr/hr_json.cc maps them to the enums.
#ifndef PIAO_LIBS_HR_KINDS_H_
#define PIAO_LIBS_HR_KINDS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "libs/base/legacy_enum.h"
#include "piao/v1/hr.pb.h"

namespace piao::hr {

// Each fact's kind (`path` prefixes the field names in errors, e.g. "employees[2]."): the enum, else wave one's
// text; INVALID_ARGUMENT naming the field when neither is set, the enum is out of range, the text names no value
// or both are set and disagree.
absl::StatusOr<v1::EstablishmentKind> RequestedEstablishmentKind(const v1::EstablishmentAdopted& e,
                                                                 const std::string& path);
absl::StatusOr<v1::EmployeeMovement> RequestedMovement(const v1::Employee& e, const std::string& path);
absl::StatusOr<v1::LeaveReason> RequestedLeaveReason(const v1::Leave& l, const std::string& path);

// Every HR kind inside a message, by reflection (libs/base/legacy_enum.h). Normalise: the enums only (wave
// one's texts read and cleared; errors name the field's path); FillTexts, for answers: the texts from the enums;
// Upcast: the upcaster step of the HR event types that carried the texts.
const LegacyEnums& HrKinds();

}  // namespace piao::hr

#endif  // PIAO_LIBS_HR_KINDS_H_
