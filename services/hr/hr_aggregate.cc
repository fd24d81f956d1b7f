#include "services/hr/hr_aggregate.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/base/status_macros.h"
#include "libs/hr/fold.h"
#include "libs/hr/kinds.h"
#include "services/common/aggregate_util.h"

namespace piao::hr {
namespace {

absl::Status ValidAdministration(const std::string& a) {
  if (a.empty()) return absl::InvalidArgumentError("administration: must not be empty");
  if (a.find('/') != std::string::npos) return absl::InvalidArgumentError("administration: must not contain '/'");
  return absl::OkStatus();
}

template <typename Items, typename Key>
std::string SortedKeys(const Items& items, Key key) {
  std::vector<std::string> keys;
  for (const auto& item : items) keys.push_back(key(item));
  std::sort(keys.begin(), keys.end());
  return absl::StrJoin(keys, "\x1f");
}

// What a fact is about: two facts on the same subject state the same thing twice, or the later one changes it.
std::string Subject(const v1::EstablishmentAdopted& b) {
  return absl::StrCat(b.establishment_kind(), "\x1f", b.act(), "\x1f", b.act_date());
}
std::string Subject(const v1::StaffRecorded& b) {
  return SortedKeys(b.employees(), [](const v1::Employee& e) { return e.id(); });
}
std::string Subject(const v1::LeavesRecorded& b) {
  return SortedKeys(b.leaves(), [](const v1::Leave& l) { return absl::StrCat(l.employee(), "@", l.date()); });
}
std::string Subject(const v1::SelectionsOpened& b) {
  return SortedKeys(b.selections(), [](const v1::Selection& x) { return x.id(); });
}
std::string Subject(const v1::HiringRemaindersRecorded& b) { return absl::StrCat(b.budget_year()); }
std::string Subject(const v1::ProtectedQuotaRecorded& b) { return b.date(); }
std::string Subject(const v1::HiresPlanned& b) {
  return absl::StrCat(b.year(), "\x1f", SortedKeys(b.hires(), [](const v1::PlannedHire& h) { return h.id(); }));
}
std::string Subject(const v1::RemotabilityAssessed& b) {
  return SortedKeys(b.subprocesses(), [](const v1::SubprocessAssessment& x) { return x.code(); });
}
std::string Subject(const v1::AgileAgreementsSigned& b) {
  return SortedKeys(b.agreements(), [](const v1::AgileAgreement& a) { return a.id(); });
}
std::string Subject(const v1::YearSettingsSet& b) { return absl::StrCat(b.year()); }

template <typename Body>
std::string SubjectKey(const Body& b) {
  return absl::StrCat(Body::descriptor()->full_name(), "\x1e", Subject(b));
}

template <typename Body>
absl::Status NoteFact(HrState& s, const v1::EventEnvelope& e) {
  Body b;
  if (!b.ParseFromString(e.payload())) {
    return absl::DataLossError(absl::StrCat("undecodable ", e.event_type(), " at position ", e.global_position()));
  }
  s.latest_fact[SubjectKey(b)] = e.payload();
  return absl::OkStatus();
}

absl::Status NoteLatestFact(HrState& s, const v1::EventEnvelope& e) {
  const std::string& t = e.event_type();
  if (t == v1::EstablishmentAdopted::descriptor()->full_name()) return NoteFact<v1::EstablishmentAdopted>(s, e);
  if (t == v1::StaffRecorded::descriptor()->full_name()) return NoteFact<v1::StaffRecorded>(s, e);
  if (t == v1::LeavesRecorded::descriptor()->full_name()) return NoteFact<v1::LeavesRecorded>(s, e);
  if (t == v1::SelectionsOpened::descriptor()->full_name()) return NoteFact<v1::SelectionsOpened>(s, e);
  if (t == v1::HiringRemaindersRecorded::descriptor()->full_name()) return NoteFact<v1::HiringRemaindersRecorded>(s, e);
  if (t == v1::ProtectedQuotaRecorded::descriptor()->full_name()) return NoteFact<v1::ProtectedQuotaRecorded>(s, e);
  if (t == v1::HiresPlanned::descriptor()->full_name()) return NoteFact<v1::HiresPlanned>(s, e);
  if (t == v1::RemotabilityAssessed::descriptor()->full_name()) return NoteFact<v1::RemotabilityAssessed>(s, e);
  if (t == v1::AgileAgreementsSigned::descriptor()->full_name()) return NoteFact<v1::AgileAgreementsSigned>(s, e);
  if (t == v1::YearSettingsSet::descriptor()->full_name()) return NoteFact<v1::YearSettingsSet>(s, e);
  return absl::OkStatus();  // ApplyHrEvent already refused unknown types
}

template <typename Request, typename Event>
absl::StatusOr<std::vector<eventstore::NewEvent>> DecideWith(const HrState& s, const Request& c,
                                                             absl::Status (HrBook::*apply)(const Event&),
                                                             std::optional<Date> valid_from = std::nullopt) {
  PIAO_RETURN_IF_ERROR(ValidAdministration(c.administration()));
  if (!c.has_body()) return absl::InvalidArgumentError("body: required (the fact to record)");
  Event body = c.body();  // its kinds as the enums only (wave one's texts read), as the event carries them
  if (absl::Status typed = HrKinds().Normalise(&body); !typed.ok()) {
    return absl::Status(typed.code(), absl::StrCat("body.", typed.message()));
  }
  if (auto latest = s.latest_fact.find(SubjectKey(body));
      latest != s.latest_fact.end() && latest->second == body.SerializeAsString()) {
    return std::vector<eventstore::NewEvent>{};  // unchanged: the latest fact on this subject says the same
  }
  HrBook trial = s.book;  // the rules decide on a copy: nothing changes unless all of it applies
  absl::Status applied = (trial.*apply)(body);
  if (!applied.ok()) return absl::Status(applied.code(), absl::StrCat("body.", applied.message()));
  std::vector<eventstore::NewEvent> out;
  out.push_back(services::MakeEvent(body, valid_from));
  return out;
}

}  // namespace

StreamId HrStream(const std::string& administration) { return StreamId{"hr", administration}; }

absl::StatusOr<HrState> FoldHr(const std::vector<v1::EventEnvelope>& events) {
  HrState s;
  PIAO_RETURN_IF_ERROR(FoldHrInto(s, events));
  return s;
}

absl::Status FoldHrInto(HrState& s, const std::vector<v1::EventEnvelope>& events) {
  for (const v1::EventEnvelope& stored : events) {
    // Folded in the current shape of its type (wave one's kinds as text upcast to the enums).
    PIAO_ASSIGN_OR_RETURN(const v1::EventEnvelope e, services::ToCurrentSchema(stored));
    PIAO_RETURN_IF_ERROR(ApplyHrEvent(s.book, e));
    PIAO_RETURN_IF_ERROR(NoteLatestFact(s, e));
    s.version = StreamVersion(e.stream_version());
  }
  return absl::OkStatus();
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
