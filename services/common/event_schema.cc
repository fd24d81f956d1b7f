#include "services/common/event_schema.h"

#include "absl/strings/str_cat.h"
#include "libs/base/status_macros.h"
#include "libs/hr/kinds.h"
#include "libs/plan/plan_proto.h"
#include "libs/risk/kinds.h"
#include "piao/v1/feeds.pb.h"
#include "piao/v1/measurement.pb.h"
#include "piao/v1/planning.pb.h"
#include "piao/v1/risk.pb.h"
#include "piao/v1/hr.pb.h"

namespace piao::services {

std::string FeedKindText(v1::FeedKind kind) {
  switch (kind) {
    case v1::FEED_KIND_ACCOUNTING:
      return "accounting";
    case v1::FEED_KIND_INFOCAMERE:
      return "infocamere";
    default:
      return "";
  }
}

absl::StatusOr<v1::FeedKind> FeedKindOf(const std::string& text) {
  if (text == "accounting") return v1::FEED_KIND_ACCOUNTING;
  if (text == "infocamere") return v1::FEED_KIND_INFOCAMERE;
  return absl::InvalidArgumentError(absl::StrCat("kind: must be accounting or infocamere, got '", text, "'"));
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
absl::StatusOr<v1::FeedKind> RequestedFeedKind(const v1::SubmitBatchRequest& request) {
  if (request.feed_kind() == v1::FEED_KIND_UNSPECIFIED) {
    if (request.kind().empty()) {
      return absl::InvalidArgumentError("feed_kind: must be FEED_KIND_ACCOUNTING or FEED_KIND_INFOCAMERE");
    }
    return FeedKindOf(request.kind());
  }
  if (!v1::FeedKind_IsValid(request.feed_kind())) {
    return absl::InvalidArgumentError(absl::StrCat("feed_kind: ", request.feed_kind(), " is not a feed kind"));
  }
  if (!request.kind().empty() && request.kind() != FeedKindText(request.feed_kind())) {
    return absl::InvalidArgumentError(absl::StrCat("kind: '", request.kind(), "' contradicts feed_kind ",
                                                   v1::FeedKind_Name(request.feed_kind())));
  }
  return request.feed_kind();
}
#pragma GCC diagnostic pop

// The one reader of the deprecated v1 field.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
absl::StatusOr<std::string> UpcastVariableBatchV1(const std::string& payload) {
  v1::VariableBatchRecorded b;
  if (!b.ParseFromString(payload)) return absl::InvalidArgumentError("undecodable v1 VariableBatchRecorded");
  absl::StatusOr<v1::FeedKind> kind = FeedKindOf(b.kind());
  if (!kind.ok()) return kind.status();
  b.set_feed_kind(*kind);
  b.clear_kind();
  std::string out;
  if (!b.SerializeToString(&out)) return absl::InternalError("cannot serialise VariableBatchRecorded v2");
  return out;
}
#pragma GCC diagnostic pop

absl::StatusOr<std::string> UpcastRevisionActV1(const std::string& payload) {
  v1::RevisionActApplied ev;
  if (!ev.ParseFromString(payload)) return absl::InvalidArgumentError("undecodable v1 RevisionActApplied");
  absl::StatusOr<plan::Date> effective = plan::ParseIsoDate(ev.effective_date());
  if (!effective.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("effective_date: '", ev.effective_date(), "' is not a date"));
  }
  for (int i = 0; i < ev.changes_size(); ++i) {
    // The v1 JSON text, read by the same rules as a wave-one request, written back typed.
    PIAO_ASSIGN_OR_RETURN(plan::Revision r,
                          plan::FromProto(ev.changes(i), ev.act().text(), *effective, absl::StrCat("changes[", i, "]")));
    v1::RevisionChange typed = plan::ToProto(r);
    *typed.mutable_objective() = ev.changes(i).objective();  // the full key the event recorded
    *ev.mutable_changes(i) = std::move(typed);
  }
  std::string out;
  if (!ev.SerializeToString(&out)) return absl::InternalError("cannot serialise RevisionActApplied v2");
  return out;
}

namespace {

// A step that reads `M`'s payload, a message of wave one's shape, by reflection: every text of `texts` (one
// table per domain: plan::ObjectiveLevels, hr::HrKinds, risk::RiskKinds) beside its enum becomes the enum.
template <typename M>
void AddReflectedStep(eventstore::Upcasters& u, uint32_t from, const LegacyEnums& texts) {
  u.Add(M::descriptor()->full_name(), from,
        [&texts](const std::string& payload) { return texts.Upcast(M::default_instance(), payload); });
}

}  // namespace

const eventstore::Upcasters& EventSchemas() {
  static const eventstore::Upcasters* schemas = [] {
    auto* u = new eventstore::Upcasters();
    u->Add(v1::VariableBatchRecorded::descriptor()->full_name(), 1, UpcastVariableBatchV1);
    u->Add(v1::RevisionActApplied::descriptor()->full_name(), 1, UpcastRevisionActV1);
    // Objective levels typed (ObjectiveLevel level_kind; wave one's text `level` before).
    AddReflectedStep<v1::ObjectivesAdopted>(*u, 1, plan::ObjectiveLevels());
    AddReflectedStep<v1::DescriptionsUpdated>(*u, 1, plan::ObjectiveLevels());
    AddReflectedStep<v1::RevisionActApplied>(*u, 2, plan::ObjectiveLevels());
    AddReflectedStep<v1::ActualRecorded>(*u, 1, plan::ObjectiveLevels());
    AddReflectedStep<v1::ActualCorrected>(*u, 1, plan::ObjectiveLevels());
    // HR kinds typed (EstablishmentKind, EmployeeMovement, LeaveReason; wave one's texts before).
    AddReflectedStep<v1::EstablishmentAdopted>(*u, 1, hr::HrKinds());
    AddReflectedStep<v1::StaffRecorded>(*u, 1, hr::HrKinds());
    AddReflectedStep<v1::LeavesRecorded>(*u, 1, hr::HrKinds());
    // Risk kinds typed (RatingMethod, MeasureKind, MonitoringMode, MonitoringOutcome; wave one's texts before).
    AddReflectedStep<v1::AssessmentRecorded>(*u, 1, risk::RiskKinds());
    AddReflectedStep<v1::MeasureDefined>(*u, 1, risk::RiskKinds());
    AddReflectedStep<v1::MonitoringPlanned>(*u, 1, risk::RiskKinds());
    AddReflectedStep<v1::MonitoringRecorded>(*u, 1, risk::RiskKinds());
    return u;
  }();
  return *schemas;
}

absl::StatusOr<v1::EventEnvelope> ToCurrentSchema(const v1::EventEnvelope& e) { return EventSchemas().ToCurrent(e); }

}  // namespace piao::services
