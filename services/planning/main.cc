// piao-planning: the planning service.
#include "google/protobuf/descriptor.h"
#include "services/common/write_service.h"
#include "services/planning/planning_service.h"

int main(int argc, char** argv) {
  piao::services::WriteServiceSpec spec;
  spec.name = "planning";
  spec.policy = piao::planning::AllowPlanning;
  spec.descriptors = {google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("piao.v1.Planning")};
  spec.make_services = [](const piao::services::WriteServiceContext& c) {
    std::vector<std::unique_ptr<grpc::Service>> out;
    out.push_back(std::make_unique<piao::planning::PlanningService>(c.store, c.authorizer));
    return out;
  };
  return piao::services::RunWriteService(argc, argv, spec);
}
