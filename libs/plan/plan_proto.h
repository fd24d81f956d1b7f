// Conversions between the plan model and its protobuf form (planning events and RPCs). Lossless both ways:
// FromProto(ToProto(x)) == x for every model value (tested on the whole Torino 2022 plan).
#ifndef PIAO_LIBS_PLAN_PLAN_PROTO_H_
#define PIAO_LIBS_PLAN_PLAN_PROTO_H_

#include "absl/status/statusor.h"
#include "libs/plan/model.h"
#include "libs/plan/revision.h"
#include "piao/v1/plan.pb.h"
#include "piao/v1/planning.pb.h"

namespace piao::plan {

v1::Target ToProto(const Target& target);
v1::Threshold ToProto(const Threshold& threshold);
v1::MeasuredValue ToProto(const Value& value);
v1::IndicatorDefinition ToProto(const Indicator& indicator);
v1::ObjectiveDefinition ToProto(const Objective& objective);  // with its indicators
v1::ObjectiveKey ToProto(const ObjectiveKey& key);
v1::Act ToProto(const ApprovalAct& act);

// INVALID_ARGUMENT naming `path` and the field for values the model cannot hold (bad dates, unknown ops).
absl::StatusOr<Target> FromProto(const v1::Target& target, const std::string& path);
absl::StatusOr<Threshold> FromProto(const v1::Threshold& threshold, const std::string& path);
absl::StatusOr<Value> FromProto(const v1::MeasuredValue& value, const std::string& path);
absl::StatusOr<Indicator> FromProto(const v1::IndicatorDefinition& indicator, const std::string& path);
absl::StatusOr<Objective> FromProto(const v1::ObjectiveDefinition& objective, const std::string& path);
absl::StatusOr<ObjectiveKey> FromProto(const v1::ObjectiveKey& key, const std::string& path);
absl::StatusOr<ApprovalAct> FromProto(const v1::Act& act, const std::string& path);

// A revision as carried by ApplyRevisionAct / RevisionActApplied (from/to as SCHEMA.md JSON text), and back.
v1::RevisionChange ToProto(const Revision& revision);
// `act` and `effective_date` come from the enclosing request or event.
absl::StatusOr<Revision> FromProto(const v1::RevisionChange& change, const std::string& act, Date effective_date,
                                   const std::string& path);

// The RevisionActApplied event of one act: every change with the full key of the objective it touched, and
// `after` = each changed indicator once, as defined in `revised` (the plan after the whole act, from
// ApplyRevisionAct). INTERNAL if `revised` lacks a changed indicator.
absl::StatusOr<v1::RevisionActApplied> RevisionActEvent(const Plan& revised, const ApprovalAct& act,
                                                        Date effective_date, const std::vector<Revision>& changes);

}  // namespace piao::plan

#endif  // PIAO_LIBS_PLAN_PLAN_PROTO_H_
