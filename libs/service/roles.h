// The roles a principal can hold. A role is granted per token in the tokens file (see auth.h) and checked per
// gRPC method by a RolePolicy. Roles are plain lower-case strings so that tokens files stay readable.
#ifndef PIAO_LIBS_SERVICE_ROLES_H_
#define PIAO_LIBS_SERVICE_ROLES_H_

#include <array>

#include "absl/strings/string_view.h"

namespace piao::service::roles {

// Operates the system: may call every administrative method.
inline constexpr absl::string_view kAdmin = "admin";
// Planning office: writes plans, objectives and indicators.
inline constexpr absl::string_view kPlanner = "planner";
// Data entry: records measurements.
inline constexpr absl::string_view kMeasurer = "measurer";
// Integration feeds (InfoCamere, accounting, ...): automated imports.
inline constexpr absl::string_view kFeed = "feed";
// Independent evaluation body (OIV): read-only everywhere.
inline constexpr absl::string_view kOiv = "oiv";
// Anti-corruption and transparency officer (RPCT).
inline constexpr absl::string_view kRpct = "rpct";
// Human resources.
inline constexpr absl::string_view kHr = "hr";
// Service-to-service automation (projections, relays): may read events.
inline constexpr absl::string_view kService = "service";

// Every role above; a tokens file naming any other role is rejected.
inline constexpr std::array<absl::string_view, 8> kAll = {kAdmin, kPlanner, kMeasurer, kFeed,
                                                          kOiv,   kRpct,    kHr,       kService};

constexpr bool IsKnown(absl::string_view role) {
  for (absl::string_view r : kAll) {
    if (r == role) return true;
  }
  return false;
}

}  // namespace piao::service::roles

#endif  // PIAO_LIBS_SERVICE_ROLES_H_
