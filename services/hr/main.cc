// piao-hr: the HR capacity service (establishment plan, staff, hiring budget, agile work).
#include "google/protobuf/descriptor.h"
#include "services/common/write_service.h"
#include "services/hr/hr_service.h"

int main(int argc, char** argv) {
  piao::services::WriteServiceSpec spec;
  spec.name = "hr";
  spec.policy = piao::hr::AllowHr;
  spec.descriptors = {google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("piao.v1.HrCapacity")};
  spec.make_services = [](const piao::services::WriteServiceContext& c) {
    std::vector<std::unique_ptr<grpc::Service>> out;
    out.push_back(std::make_unique<piao::hr::HrCapacityService>(c.store, c.authorizer));
    return out;
  };
  return piao::services::RunWriteService(argc, argv, spec);
}
