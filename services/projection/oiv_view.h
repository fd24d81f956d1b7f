// The OIV's acts and the planning office's deviations (planning events of the streams oiv/ and deviation/,
// oiv.proto), pure: one event in -> the records it adds out; records in -> piao.v1.OivStatus out, as of any date.
//
// Key layout (prefix o/, never colliding with the other views):
//   o/Y/<year>/{admin}                    ""             administrations with OIV acts or deviations that year
//   o/R/{admin}{year}E/<pos:16 hex>       EventEnvelope  each act as stored (payload, valid time, actor, record
//                                                        time), without its hash chain fields
// The acts are the view: GetOivStatus reads them at query time, so every date is answerable and a rebuild from
// zero is byte-identical. {x} is a part encoded with libs/base/key_codec.h.
#ifndef PIAO_SERVICES_PROJECTION_OIV_VIEW_H_
#define PIAO_SERVICES_PROJECTION_OIV_VIEW_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "libs/service/auth.h"
#include "piao/v1/oiv.grpc.pb.h"
#include "services/projection/projection_service.h"
#include "services/projection/view.h"

namespace piao::projection {

// True for the event types of oiv.proto (the planning service writes them).
bool IsOivEventType(const std::string& event_type);

// The records of one OIV or deviation event. INVALID_ARGUMENT when its stream is not oiv/ or deviation/
// <admin>/<year>.
absl::StatusOr<ViewUpdate> ProjectOivEvent(const v1::EventEnvelope& event);

// The stored acts of the year of `administration`, in position order (empty when none).
absl::StatusOr<std::vector<v1::EventEnvelope>> LoadOivEvents(const ViewReader& view, const std::string& administration,
                                                             int year);

// INVALID_ARGUMENT for a bad year or date; NOT_FOUND when nothing is recorded (and no administration is named).
// An administration named without acts answers an empty status.
absl::StatusOr<v1::OivStatus> QueryOivStatus(const ViewReader& view, const v1::GetOivStatusRequest& request);

// Every role reads the OIV's status.
void AllowOivViews(service::RolePolicy& policy);

class OivViewsService final : public v1::OivViews::Service, private QueryServiceBase {
 public:
  using QueryServiceBase::SetRouter;
  OivViewsService(rocksdb::DB* db, const service::Authorizer* authorizer, std::vector<std::string> sources,
                  AppliedFn applied, absl::Duration max_wait = absl::Seconds(30), Clock* clock = Clock::Real())
      : QueryServiceBase(db, authorizer, std::move(sources), std::move(applied), max_wait, clock) {}
  grpc::Status GetOivStatus(grpc::ServerContext* ctx, const v1::GetOivStatusRequest* request,
                            v1::OivStatus* response) override;
};

}  // namespace piao::projection

#endif  // PIAO_SERVICES_PROJECTION_OIV_VIEW_H_
