// The HR capacity aggregate, pure: events in -> state out; command in -> events out. No I/O here.
//
// One stream per administration: "hr" / "<administration>". Every command carries the event it asks for
// (hr.proto); the decision applies it to a copy of the folded book (libs/hr/model.h, all the rules) and, when
// the book accepts it, stores it with its kinds as the enums only (wave one's texts read, libs/hr/kinds.h): one
// event per command, all or nothing. The fold reads each stored event in its type's current schema.
#ifndef PIAO_SERVICES_HR_HR_AGGREGATE_H_
#define PIAO_SERVICES_HR_HR_AGGREGATE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/base/strong_types.h"
#include "libs/eventstore/event_store.h"
#include "libs/hr/model.h"
#include "piao/v1/event.pb.h"
#include "piao/v1/hr.pb.h"

namespace piao::hr {

struct HrState {
  HrBook book;
  StreamVersion version;
  // The latest fact recorded on each subject (event type + what it is about: a year's settings, an act's
  // establishment, a set of employees, ...), as its serialized body. A command repeating the latest fact on its
  // subject changes nothing and is decided `unchanged`; a change back to an earlier value is a new fact.
  std::map<std::string, std::string> latest_fact;
};

// "hr" / "<administration>".
StreamId HrStream(const std::string& administration);

// Folds a stream's events, oldest first. Unknown event types are an error: a newer writer than this reader.
absl::StatusOr<HrState> FoldHr(const std::vector<v1::EventEnvelope>& events);
// The same, folding `events` (those following the ones already in `s`) into `s`: a left fold, so any split of a
// stream folded in turn gives FoldHr of the whole (libs/eventstore/command.h, StreamFold). On error `s` is partly
// updated and must be dropped.
absl::Status FoldHrInto(HrState& s, const std::vector<v1::EventEnvelope>& events);

// No events (unchanged) when the body repeats the latest fact on its subject (HrState::latest_fact).
// INVALID_ARGUMENT for the administration (non-empty, no '/') or the body (naming the field and the rule);
// FAILED_PRECONDITION when the book's state refuses it (over the ceiling or the budget, unknown employee, ...),
// with the figures. The event's valid time is the act's date for an establishment and the monitoring date
// for a protected-quota check; other facts carry their own dates inside.
absl::StatusOr<std::vector<eventstore::NewEvent>> Decide(const HrState& s, const v1::AdoptEstablishmentRequest& c);
absl::StatusOr<std::vector<eventstore::NewEvent>> Decide(const HrState& s, const v1::RecordStaffRequest& c);
absl::StatusOr<std::vector<eventstore::NewEvent>> Decide(const HrState& s, const v1::RecordLeavesRequest& c);
absl::StatusOr<std::vector<eventstore::NewEvent>> Decide(const HrState& s, const v1::OpenSelectionsRequest& c);
absl::StatusOr<std::vector<eventstore::NewEvent>> Decide(const HrState& s, const v1::RecordHiringRemaindersRequest& c);
absl::StatusOr<std::vector<eventstore::NewEvent>> Decide(const HrState& s, const v1::RecordProtectedQuotaRequest& c);
absl::StatusOr<std::vector<eventstore::NewEvent>> Decide(const HrState& s, const v1::PlanHiresRequest& c);
absl::StatusOr<std::vector<eventstore::NewEvent>> Decide(const HrState& s, const v1::AssessRemotabilityRequest& c);
absl::StatusOr<std::vector<eventstore::NewEvent>> Decide(const HrState& s, const v1::SignAgileAgreementsRequest& c);
absl::StatusOr<std::vector<eventstore::NewEvent>> Decide(const HrState& s, const v1::SetYearSettingsRequest& c);

}  // namespace piao::hr

#endif  // PIAO_SERVICES_HR_HR_AGGREGATE_H_
