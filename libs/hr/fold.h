// The HR stream's events folded into an HrBook (shared by the service's aggregate and the projection).
#ifndef PIAO_LIBS_HR_FOLD_H_
#define PIAO_LIBS_HR_FOLD_H_

#include <string>

#include "absl/status/status.h"
#include "libs/hr/model.h"
#include "piao/v1/event.pb.h"

namespace piao::hr {

// True for the event types of hr.proto.
bool IsHrEventType(const std::string& event_type);

// Applies one stored event. DATA_LOSS when it does not decode; FAILED_PRECONDITION for an unknown type (a
// newer writer than this reader) or an event the book's rules refuse (never for events this code decided).
absl::Status ApplyHrEvent(HrBook& book, const v1::EventEnvelope& event);

}  // namespace piao::hr

#endif  // PIAO_LIBS_HR_FOLD_H_
