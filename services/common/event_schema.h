// The schema versions of PIAO Ledger's events and the upcasters between them (libs/eventstore/upcast.h), in
// one registry that every writer and reader uses: writers stamp each new event with its type's current
// version (MakeEvent), readers decode through ToCurrentSchema (DecodePayload, the projection's Decode).
//
// Versions beyond 1 (docs/EVENTS.md, "Compatibility"):
//   piao.v1.VariableBatchRecorded  v2: the feed's kind as the enum `feed_kind` (v1: the text `kind`)
//   piao.v1.RevisionActApplied     v2: each change's kind and values typed (`change`, `from`, `to`; v1: the
//                                  text `kind` and the JSON text `from_json`, `to_json`)
//                                  v3: objective levels as the enum `level_kind` (v2: the text `level`)
//   piao.v1.ObjectivesAdopted, piao.v1.DescriptionsUpdated, piao.v1.ActualRecorded, piao.v1.ActualCorrected
//                                  v2: objective levels as the enum `level_kind` (v1: the text `level`); one
//                                  step for all of them, plan::ObjectiveLevels() (libs/plan/objective_level.h)
//   piao.v1.EstablishmentAdopted, piao.v1.StaffRecorded, piao.v1.LeavesRecorded
//                                  v2: the kinds as the enums `establishment_kind`, `movement_kind`,
//                                  `reason_kind` (v1: the texts `kind`, `movement`, `reason`); hr::HrKinds()
//   piao.v1.AssessmentRecorded, piao.v1.MeasureDefined, piao.v1.MonitoringPlanned, piao.v1.MonitoringRecorded
//                                  v2: the kinds as the enums `rating_method`, `measure_kind`, `monitoring_mode`,
//                                  `outcome_kind` (v1: the texts `method`, `kind`, `mode`, `outcome`);
//                                  risk::RiskKinds()
#ifndef PIAO_SERVICES_COMMON_EVENT_SCHEMA_H_
#define PIAO_SERVICES_COMMON_EVENT_SCHEMA_H_

#include <string>

#include "absl/status/statusor.h"
#include "libs/eventstore/upcast.h"
#include "piao/v1/event.pb.h"
#include "piao/v1/feeds.pb.h"

namespace piao::services {

const eventstore::Upcasters& EventSchemas();

// `e` with its payload in the current shape of its type (EventSchemas().ToCurrent).
absl::StatusOr<v1::EventEnvelope> ToCurrentSchema(const v1::EventEnvelope& e);

// VariableBatchRecorded v1 -> v2: `kind` text to the `feed_kind` enum. INVALID_ARGUMENT for a payload that
// does not decode or a kind other than "accounting" and "infocamere". Pure; exposed for its tests.
absl::StatusOr<std::string> UpcastVariableBatchV1(const std::string& payload);

// RevisionActApplied v1 -> v2: every change's JSON text read by wave one's rules and written typed, its
// objective key kept. INVALID_ARGUMENT for a payload that does not decode or a change those rules refuse.
absl::StatusOr<std::string> UpcastRevisionActV1(const std::string& payload);

// The feed kind's name in answers and requests ("accounting", "infocamere"; "" for unspecified), and back
// (INVALID_ARGUMENT naming `kind` otherwise).
std::string FeedKindText(v1::FeedKind kind);
absl::StatusOr<v1::FeedKind> FeedKindOf(const std::string& text);
// A SubmitBatchRequest's kind: `feed_kind`, else wave one's text `kind`; INVALID_ARGUMENT naming the field when
// neither names a kind, the enum is out of range, or both are set and disagree.
absl::StatusOr<v1::FeedKind> RequestedFeedKind(const v1::SubmitBatchRequest& request);

}  // namespace piao::services

#endif  // PIAO_SERVICES_COMMON_EVENT_SCHEMA_H_
