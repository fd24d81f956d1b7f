// Conversions between the plan model and its protobuf form (planning events and RPCs). Lossless both ways:
// FromProto(ToProto(x)) == x for every model value (tested on the whole Torino 2022 plan).
#ifndef PIAO_LIBS_PLAN_PLAN_PROTO_H_
#define PIAO_LIBS_PLAN_PLAN_PROTO_H_

#include <nlohmann/json.hpp>

#include "absl/status/statusor.h"
#include "libs/plan/model.h"
#include "libs/plan/objective_level.h"
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

v1::RevisionKind ToProto(ChangeKind kind);
// INVALID_ARGUMENT naming `path` for REVISION_KIND_UNSPECIFIED or an unknown number.
absl::StatusOr<ChangeKind> FromProto(v1::RevisionKind kind, const std::string& path);

// A revision as carried by ApplyRevisionAct / RevisionActApplied: typed `change`, `from` and `to` (never the
// deprecated JSON text fields).
v1::RevisionChange ToProto(const Revision& revision);
// `act` and `effective_date` come from the enclosing request or event. Reads the typed fields: each kind takes
// its own member of ChangedValue (a target change a Target, ...; INVALID_ARGUMENT naming "<path>.from" or
// "<path>.to" otherwise) and the rules of CheckRevisionValues. A change that sets none of the typed fields is
// read from wave one's `kind`/`from_json`/`to_json` (SCHEMA.md JSON text, as strict as a revisions file);
// setting both is INVALID_ARGUMENT.
absl::StatusOr<Revision> FromProto(const v1::RevisionChange& change, const std::string& act, Date effective_date,
                                   const std::string& path);

// A change's value in the revisions file's JSON shape (wave one's from_json/to_json, the CLI's "from"/"to"):
// null when none; a description update as {"name", "algorithm", "type", "source", "flags"}. INVALID_ARGUMENT
// naming `path` for a value the model cannot hold.
absl::StatusOr<nlohmann::json> ChangedValueToJson(const v1::ChangedValue& value, const std::string& path);

// The RevisionActApplied event of one act: every change with the full key of the objective it touched, and
// `after` = each changed indicator once, as defined in `revised` (the plan after the whole act, from
// ApplyRevisionAct). INTERNAL if `revised` lacks a changed indicator.
absl::StatusOr<v1::RevisionActApplied> RevisionActEvent(const Plan& revised, const ApprovalAct& act,
                                                        Date effective_date, const std::vector<Revision>& changes);

}  // namespace piao::plan

#endif  // PIAO_LIBS_PLAN_PLAN_PROTO_H_
