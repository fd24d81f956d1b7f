// The projection's risk register views, pure: a risk event in -> the records it adds (ProjectRiskEvent); records
// in -> the register's state as of any date (LoadRegister, then libs/risk's views).
//
// Key layout (prefix "r/", so it never meets the plan views' keys):
//   r/Y/<year>/{admin}                    ""             the registers of a year
//   r/R/{admin}{year}E/<pos:16 hex>       EventEnvelope  each risk event as stored (payload, valid time, actor,
//                                                        record time), without its hash chain fields
// The views (risk map as of a date, processes above a band, measures overdue, monitoring coverage, a process's
// rating history, the RPCT report) are folded from these records at query time by libs/risk, so each rating
// keeps the method and scheme version recorded with it, and every date is answerable. Records are a function
// of the event alone: rebuilding from zero is byte-identical. {x} is a part encoded with libs/base/key_codec.h.
#ifndef PIAO_SERVICES_PROJECTION_RISK_VIEW_H_
#define PIAO_SERVICES_PROJECTION_RISK_VIEW_H_

#include <string>

#include "absl/status/statusor.h"
#include "libs/risk/register.h"
#include "services/projection/view.h"

namespace piao::projection {

inline constexpr char kRiskSource[] = "risk";

// The records of one event of the risk service. INVALID_ARGUMENT when its stream id is not <admin>/<year>;
// an event type libs/risk does not know is reported as unknown_type (nothing written).
absl::StatusOr<ViewUpdate> ProjectRiskEvent(const v1::EventEnvelope& event);

// The administration of the year's register: `administration` itself when given, else the year's only one.
// NOT_FOUND when there is none; INVALID_ARGUMENT listing them when there are several.
absl::StatusOr<std::string> ResolveRiskAdministration(const ViewReader& view, const std::string& administration,
                                                      int year);

// The stored events of the year's register of `administration`, in position order (empty when none).
absl::StatusOr<std::vector<v1::EventEnvelope>> LoadRiskEvents(const ViewReader& view, const std::string& administration,
                                                              int year);

// Every recorded event of the register folded, in position order.
absl::StatusOr<risk::RegisterState> LoadRegister(const ViewReader& view, const std::string& administration, int year);

}  // namespace piao::projection

#endif  // PIAO_SERVICES_PROJECTION_RISK_VIEW_H_
