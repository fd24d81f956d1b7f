#include "libs/hr/fold.h"

#include "absl/strings/str_cat.h"
#include "piao/v1/hr.pb.h"

namespace piao::hr {
namespace {

template <typename M>
absl::Status Apply(HrBook& book, const v1::EventEnvelope& e, absl::Status (HrBook::*apply)(const M&)) {
  M m;
  if (!m.ParseFromString(e.payload())) {
    return absl::DataLossError(absl::StrCat("undecodable ", e.event_type(), " at position ", e.global_position()));
  }
  absl::Status s = (book.*apply)(m);
  if (!s.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(e.event_type(), " at position ", e.global_position(), " does not apply: ", s.message()));
  }
  return absl::OkStatus();
}

template <typename M>
bool Is(const std::string& t) {
  return t == M::descriptor()->full_name();
}

}  // namespace

bool IsHrEventType(const std::string& t) {
  return Is<v1::EstablishmentAdopted>(t) || Is<v1::StaffRecorded>(t) || Is<v1::LeavesRecorded>(t) ||
         Is<v1::SelectionsOpened>(t) || Is<v1::HiringRemaindersRecorded>(t) || Is<v1::ProtectedQuotaRecorded>(t) ||
         Is<v1::HiresPlanned>(t) || Is<v1::RemotabilityAssessed>(t) || Is<v1::AgileAgreementsSigned>(t) ||
         Is<v1::YearSettingsSet>(t);
}

absl::Status ApplyHrEvent(HrBook& book, const v1::EventEnvelope& e) {
  const std::string& t = e.event_type();
  if (Is<v1::EstablishmentAdopted>(t)) return Apply(book, e, &HrBook::ApplyEstablishment);
  if (Is<v1::StaffRecorded>(t)) return Apply(book, e, &HrBook::ApplyStaff);
  if (Is<v1::LeavesRecorded>(t)) return Apply(book, e, &HrBook::ApplyLeaves);
  if (Is<v1::SelectionsOpened>(t)) return Apply(book, e, &HrBook::ApplySelections);
  if (Is<v1::HiringRemaindersRecorded>(t)) return Apply(book, e, &HrBook::ApplyRemainders);
  if (Is<v1::ProtectedQuotaRecorded>(t)) return Apply(book, e, &HrBook::ApplyProtectedQuota);
  if (Is<v1::HiresPlanned>(t)) return Apply(book, e, &HrBook::ApplyPlannedHires);
  if (Is<v1::RemotabilityAssessed>(t)) return Apply(book, e, &HrBook::ApplyRemotability);
  if (Is<v1::AgileAgreementsSigned>(t)) return Apply(book, e, &HrBook::ApplyAgreements);
  if (Is<v1::YearSettingsSet>(t)) return Apply(book, e, &HrBook::ApplyYearSettings);
  return absl::FailedPreconditionError(
      absl::StrCat("unknown event type ", t, " at position ", e.global_position()));
}

}  // namespace piao::hr
