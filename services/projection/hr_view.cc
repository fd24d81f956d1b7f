#include "services/projection/hr_view.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "libs/base/key_codec.h"
#include "libs/base/status_macros.h"
#include "services/common/event_schema.h"
#include "services/projection/quarantine.h"
#include "services/projection/query.h"
#include "libs/hr/fold.h"
#include "libs/hr/summary.h"
#include "libs/service/grpc_status.h"
#include "libs/service/roles.h"
#include "rocksdb/db.h"

namespace piao::projection {
namespace {

constexpr char kAdminsPrefix[] = "h/a/";

// The administration comes from an event: encoded with libs/base/key_codec.h, injective for any bytes.
std::string EventsPrefix(const std::string& admin) { return absl::StrCat("h/e/", EncodeKeyParts({admin})); }

absl::StatusOr<std::string> ChooseAdministration(const ViewReader& view, const std::string& asked) {
  PIAO_ASSIGN_OR_RETURN(std::vector<std::string> admins, AdministrationsUnder(view, kAdminsPrefix));
  if (!asked.empty()) {
    PIAO_RETURN_IF_ERROR(CheckServed(view, asked, {kHrSource}));
    if (std::find(admins.begin(), admins.end(), asked) == admins.end()) {
      return absl::NotFoundError(absl::StrCat("administration: no HR data for '", asked, "'"));
    }
    return asked;
  }
  if (admins.empty()) return absl::NotFoundError("no HR data yet (piao hr import FILE)");
  if (admins.size() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("administration: several administrations have HR data; name one of ", absl::StrJoin(admins, ", ")));
  }
  PIAO_RETURN_IF_ERROR(CheckServed(view, admins[0], {kHrSource}));
  return admins[0];
}

}  // namespace

absl::StatusOr<ViewUpdate> ProjectHrEvent(const v1::EventEnvelope& e) {
  ViewUpdate u;
  if (!hr::IsHrEventType(e.event_type())) {
    u.unknown_type = true;
    return u;
  }
  const std::string& admin = e.stream().aggregate_id();
  if (e.stream().aggregate_type() != "hr" || admin.empty() || admin.find('/') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("stream: '", e.stream().aggregate_type(), "/", admin, "' of ",
                                                   e.event_type(), " at hr position ", e.global_position(),
                                                   " is not hr/<administration>"));
  }
  // Kept in the current shape of its type (wave one's kinds as text upcast to the enums), so every reader of the
  // view (the HR fold, the audit's facts) sees only today's shape.
  PIAO_ASSIGN_OR_RETURN(const v1::EventEnvelope current, services::ToCurrentSchema(e));
  u.puts.emplace_back(absl::StrCat(kAdminsPrefix, EncodeKeyParts({admin})), "");
  u.puts.emplace_back(absl::StrCat(EventsPrefix(admin), absl::StrFormat("%016x", e.global_position())),
                      SerializeDeterministic(current));
  return u;
}

absl::StatusOr<std::vector<v1::EventEnvelope>> LoadHrEvents(const ViewReader& view, const std::string& administration) {
  std::vector<v1::EventEnvelope> events;
  absl::Status bad;
  PIAO_RETURN_IF_ERROR(view.Scan(EventsPrefix(administration), [&](const std::string&, const std::string& value) {
    v1::EventEnvelope e;
    if (!e.ParseFromString(value) && bad.ok()) bad = absl::DataLossError("undecodable HR view record");
    events.push_back(std::move(e));
  }));
  PIAO_RETURN_IF_ERROR(bad);
  return events;
}

absl::StatusOr<v1::HrSummary> QueryHrSummary(const ViewReader& view, const v1::GetHrSummaryRequest& r) {
  PIAO_ASSIGN_OR_RETURN(std::string admin, ChooseAdministration(view, r.administration()));
  hr::HrBook book;
  absl::Status folded = absl::OkStatus();
  PIAO_RETURN_IF_ERROR(view.Scan(EventsPrefix(admin), [&](const std::string&, const std::string& value) {
    if (!folded.ok()) return;
    v1::EventEnvelope e;
    if (!e.ParseFromString(value)) {
      folded = absl::DataLossError("undecodable HR view record");
      return;
    }
    folded = hr::ApplyHrEvent(book, e);
  }));
  PIAO_RETURN_IF_ERROR(folded);

  hr::SummaryOptions o;
  o.administration = admin;
  o.year = r.year();
  if (!r.as_of_date().empty()) {
    PIAO_ASSIGN_OR_RETURN(hr::Date d, hr::ParseDate(r.as_of_date(), "as_of_date"));
    o.as_of = d;
  }
  for (int i = 0; i < r.vacancy_dates_size(); ++i) {
    PIAO_ASSIGN_OR_RETURN(hr::Date d, hr::ParseDate(r.vacancy_dates(i), absl::StrCat("vacancy_dates[", i, "]")));
    o.vacancy_dates.push_back(d);
  }
  // The pay link follows the same administration's enterprise score (planning views), when scored.
  if (r.year() >= 2000 && r.year() <= 2999) {
    PIAO_ASSIGN_OR_RETURN(std::optional<std::string> header, view.Get(HeaderKey(admin, r.year())));
    if (header.has_value()) {
      absl::StatusOr<v1::ScoresView> scores = CurrentScores(view, admin, r.year());
      // A plan that cannot be scored (FAILED_PRECONDITION) gives no pay link; anything else is an error.
      if (!scores.ok() && !absl::IsFailedPrecondition(scores.status())) return scores.status();
      if (scores.ok() && scores->has_enterprise_score_pct()) o.enterprise_score_pct = scores->enterprise_score_pct();
    }
  }
  return hr::Summarize(book, o);
}

void AllowHrViews(service::RolePolicy& policy) {
  namespace r = service::roles;
  policy.Allow(service::FullMethodName("piao.v1.HrViews", "GetHrSummary"),
               {r::kAdmin, r::kPlanner, r::kMeasurer, r::kFeed, r::kOiv, r::kRpct, r::kHr, r::kService});
}

grpc::Status HrViewsService::GetHrSummary(grpc::ServerContext* ctx, const v1::GetHrSummaryRequest* request,
                                          v1::HrSummary* response) {
  return Answer(ctx, service::FullMethodName("piao.v1.HrViews", "GetHrSummary"), *request, response, QueryHrSummary);
}

}  // namespace piao::projection
