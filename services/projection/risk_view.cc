#include "services/projection/risk_view.h"

#include "libs/base/strong_types.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "libs/base/key_codec.h"
#include "libs/base/status_macros.h"
#include "services/common/event_schema.h"
#include "services/projection/quarantine.h"

namespace piao::projection {
namespace {

// The administration comes from an event: encoded with libs/base/key_codec.h, injective for any bytes.
std::string YearKeyPrefix(int year) { return absl::StrCat("r/Y/", year, "/"); }
std::string EventPrefix(const std::string& admin, int year) {
  return absl::StrCat("r/R/", EncodeKeyParts({admin, absl::StrCat(year)}), "E/");
}

}  // namespace

absl::StatusOr<ViewUpdate> ProjectRiskEvent(const v1::EventEnvelope& e) {
  ViewUpdate u;
  if (!risk::IsRiskEventType(e.event_type())) {
    u.unknown_type = true;
    return u;
  }
  absl::StatusOr<AdministrationYear> id = ParseAdministrationYear(e.stream().aggregate_id());
  if (!id.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(id.status().message(), " (", e.event_type(), " at risk position ", e.global_position(), ")"));
  }
  const int year = id->year;
  const std::string admin = id->administration;
  // Kept in the current shape of its type (wave one's kinds as text upcast to the enums), so every reader of the
  // view (the register fold, the audit's facts) sees only today's shape.
  PIAO_ASSIGN_OR_RETURN(v1::EventEnvelope stored, services::ToCurrentSchema(e));
  stored.clear_prev_hash();
  stored.clear_hash();
  u.puts.emplace_back(YearKeyPrefix(year) + EncodeKeyParts({admin}), "");
  u.puts.emplace_back(EventPrefix(admin, year) + absl::StrFormat("%016x", e.global_position()),
                      SerializeDeterministic(stored));
  return u;
}

absl::StatusOr<std::string> ResolveRiskAdministration(const ViewReader& view, const std::string& administration,
                                                      int year) {
  if (!administration.empty()) {
    PIAO_RETURN_IF_ERROR(CheckServed(view, administration, {kRiskSource}));
    return administration;
  }
  PIAO_ASSIGN_OR_RETURN(std::vector<std::string> found, AdministrationsUnder(view, YearKeyPrefix(year)));
  if (found.empty()) return absl::NotFoundError(absl::StrCat("no risk register for year ", year));
  if (found.size() > 1) {
    return absl::InvalidArgumentError(absl::StrCat("administration: year ", year, " has several risk registers (",
                                                   absl::StrJoin(found, ", "), "); name one"));
  }
  PIAO_RETURN_IF_ERROR(CheckServed(view, found.front(), {kRiskSource}));
  return found.front();
}

absl::StatusOr<std::vector<v1::EventEnvelope>> LoadRiskEvents(const ViewReader& view, const std::string& administration,
                                                              int year) {
  std::vector<v1::EventEnvelope> events;
  absl::Status bad;
  PIAO_RETURN_IF_ERROR(view.Scan(EventPrefix(administration, year), [&](const std::string& k, const std::string& v) {
    v1::EventEnvelope e;
    if (!e.ParseFromString(v) && bad.ok()) bad = absl::DataLossError("undecodable risk view record " + k);
    events.push_back(std::move(e));
  }));
  PIAO_RETURN_IF_ERROR(bad);
  return events;
}

absl::StatusOr<risk::RegisterState> LoadRegister(const ViewReader& view, const std::string& administration,
                                                 int year) {
  PIAO_ASSIGN_OR_RETURN(std::vector<v1::EventEnvelope> events, LoadRiskEvents(view, administration, year));
  if (events.empty()) {
    return absl::NotFoundError(absl::StrCat("no risk register for ", administration, " ", year));
  }
  return risk::FoldRegister(events);
}

}  // namespace piao::projection
