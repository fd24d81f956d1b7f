// piao-measurement: the measurement service (actuals per indicator and period).
#include "google/protobuf/descriptor.h"
#include "services/common/write_service.h"
#include "services/measurement/feeds_service.h"
#include "services/measurement/measurement_service.h"

int main(int argc, char** argv) {
  piao::services::WriteServiceSpec spec;
  spec.name = "measurement";
  spec.policy = [](piao::service::RolePolicy& p) {
    piao::measurement::AllowMeasurement(p);
    piao::measurement::AllowFeeds(p);
  };
  spec.descriptors = {
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("piao.v1.Measurement"),
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("piao.v1.Feeds")};
  spec.make_services = [](const piao::services::WriteServiceContext& c) {
    std::vector<std::unique_ptr<grpc::Service>> out;
    out.push_back(std::make_unique<piao::measurement::MeasurementService>(c.store, c.authorizer));
    out.push_back(std::make_unique<piao::measurement::FeedsService>(c.store, c.authorizer));
    return out;
  };
  return piao::services::RunWriteService(argc, argv, spec);
}
