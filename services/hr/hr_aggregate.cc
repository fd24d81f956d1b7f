#include "services/hr/hr_aggregate.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "libs/base/status_macros.h"
#include "libs/hr/fold.h"
#include "services/common/aggregate_util.h"

namespace piao::hr {
namespace {

absl::Status ValidAdministration(const std::string& a) {
  if (a.empty()) return absl::InvalidArgumentError("administration: must not be empty");
  if (a.find('/') != std::string::npos) return absl::InvalidArgumentError("administration: must not contain '/'");
  return absl::OkStatus();
}

template <typename Request, typename Event>
absl::StatusOr<std::vector<eventstore::NewEvent>> DecideWith(const HrState& s, const Request& c,
                                                             absl::Status (HrBook::*apply)(const Event&),
                                                             std::optional<Date> valid_from = std::nullopt) {
  PIAO_RETURN_IF_ERROR(ValidAdministration(c.administration()));
  if (!c.has_body()) return absl::InvalidArgumentError("body: required (the fact to record)");
  HrBook trial = s.book;  // the rules decide on a copy: nothing changes unless all of it applies
  absl::Status applied = (trial.*apply)(c.body());
  if (!applied.ok()) return absl::Status(applied.code(), absl::StrCat("body.", applied.message()));
  std::vector<eventstore::NewEvent> out;
  out.push_back(services::MakeEvent(c.body(), valid_from));
  return out;
}

}  // namespace

StreamId HrStream(const std::string& administration) { return StreamId{"hr", administration}; }

absl::StatusOr<HrState> FoldHr(const std::vector<v1::EventEnvelope>& events) {
  HrState s;
  for (const v1::EventEnvelope& e : events) {
    PIAO_RETURN_IF_ERROR(ApplyHrEvent(s.book, e));
    s.version = StreamVersion(e.stream_version());
  }
  return s;
}

absl::StatusOr<std::vector<eventstore::NewEvent>> Decide(const HrState& s, const v1::AdoptEstablishmentRequest& c) {
  std::optional<Date> from;
  if (auto d = ParseDate(c.body().act_date(), "act_date"); d.ok()) from = *d;
  return DecideWith(s, c, &HrBook::ApplyEstablishment, from);
}
absl::StatusOr<std::vector<eventstore::NewEvent>> Decide(const HrState& s, const v1::RecordStaffRequest& c) {
  return DecideWith(s, c, &HrBook::ApplyStaff);
}
absl::StatusOr<std::vector<eventstore::NewEvent>> Decide(const HrState& s, const v1::RecordLeavesRequest& c) {
  return DecideWith(s, c, &HrBook::ApplyLeaves);
}
absl::StatusOr<std::vector<eventstore::NewEvent>> Decide(const HrState& s, const v1::OpenSelectionsRequest& c) {
  return DecideWith(s, c, &HrBook::ApplySelections);
}
absl::StatusOr<std::vector<eventstore::NewEvent>> Decide(const HrState& s,
                                                         const v1::RecordHiringRemaindersRequest& c) {
  return DecideWith(s, c, &HrBook::ApplyRemainders);
}
absl::StatusOr<std::vector<eventstore::NewEvent>> Decide(const HrState& s,
                                                         const v1::RecordProtectedQuotaRequest& c) {
  std::optional<Date> from;
  if (auto d = ParseDate(c.body().date(), "date"); d.ok()) from = *d;
  return DecideWith(s, c, &HrBook::ApplyProtectedQuota, from);
}
absl::StatusOr<std::vector<eventstore::NewEvent>> Decide(const HrState& s, const v1::PlanHiresRequest& c) {
  return DecideWith(s, c, &HrBook::ApplyPlannedHires);
}
absl::StatusOr<std::vector<eventstore::NewEvent>> Decide(const HrState& s, const v1::AssessRemotabilityRequest& c) {
  return DecideWith(s, c, &HrBook::ApplyRemotability);
}
absl::StatusOr<std::vector<eventstore::NewEvent>> Decide(const HrState& s, const v1::SignAgileAgreementsRequest& c) {
  return DecideWith(s, c, &HrBook::ApplyAgreements);
}
absl::StatusOr<std::vector<eventstore::NewEvent>> Decide(const HrState& s, const v1::SetYearSettingsRequest& c) {
  return DecideWith(s, c, &HrBook::ApplyYearSettings);
}

}  // namespace piao::hr
