// Poison events: one event the projection cannot apply must never stop it for everyone.
//
// When the view code refuses an event for a reason that retrying cannot cure (anything but UNAVAILABLE,
// ABORTED, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, CANCELLED), the handler records it as quarantined instead
// of failing: the applier consumes its position (so later events of every other stream go on), the event and
// every later event of the same stream stay out of the views, and every query about its administration answers
// FAILED_PRECONDITION naming the source, position, type and reason, instead of serving a partial view or
// timing out. `GetProgress` reports the projection DEGRADED with the quarantined events (`piao stack status`).
// Quarantine records are a function of the event sequence, like the views: a rebuild quarantines the same
// events, so fixing the cause (a new version of the projection, or a corrected source) and rebuilding clears it.
//
// Key layout ({x} = key_codec part):
//   q/e/{source}<pos:16 hex>                  v1.QuarantinedEvent
//   q/s/{source}{stream}                      <first quarantined pos:16 hex>
//   q/a/{administration}{source}<pos:16 hex>  ""
#ifndef PIAO_SERVICES_PROJECTION_QUARANTINE_H_
#define PIAO_SERVICES_PROJECTION_QUARANTINE_H_

#include <initializer_list>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/base/strong_types.h"
#include "libs/kafka/partitioning.h"
#include "piao/v1/event.pb.h"
#include "piao/v1/projection.pb.h"
#include "services/projection/view.h"

namespace piao::projection {

// True for errors a later retry may cure: the event is offered again instead of being quarantined.
bool IsTransientViewError(const absl::Status& s);

// The administration an event's stream belongs to (libs/kafka/partitioning.h): the unit of partitioning.
using kafka::AdministrationOfStream;

// The first quarantined position of the event's stream, if its stream is held.
absl::StatusOr<std::optional<GlobalPosition>> HeldStream(const ViewReader& view, const v1::EventEnvelope& e);

// The records that quarantine `e` (first_position: the stream's first quarantined event), for the same batch
// as the applier's position.
ViewUpdate QuarantineUpdate(const v1::EventEnvelope& e, GlobalPosition first_position, std::string reason);

// OK unless an event of one of `sources` for `administration` is quarantined: FAILED_PRECONDITION naming the
// first one.
absl::Status CheckServed(const ViewReader& view, const std::string& administration,
                         std::initializer_list<absl::string_view> sources);

// Fills progress->state, quarantined (oldest first, at most `max`) and quarantined_total.
absl::Status DescribeQuarantine(const ViewReader& view, v1::Progress* progress, size_t max = 100);

}  // namespace piao::projection

#endif  // PIAO_SERVICES_PROJECTION_QUARANTINE_H_
