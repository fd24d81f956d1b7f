// piao-planning: the planning service, and beside it the OIV's acts (piao.v1.OivActs, oiv_service.h) on the same
// event store, outbox and topic.
#include "google/protobuf/descriptor.h"
#include "services/common/write_service.h"
#include "services/planning/oiv_service.h"
#include "services/planning/planning_service.h"

int main(int argc, char** argv) {
  piao::services::WriteServiceSpec spec;
  spec.name = "planning";
  spec.policy = [](piao::service::RolePolicy& policy) {
    piao::planning::AllowPlanning(policy);
    piao::planning::AllowOivActs(policy);
  };
  const google::protobuf::DescriptorPool* pool = google::protobuf::DescriptorPool::generated_pool();
  spec.descriptors = {pool->FindServiceByName("piao.v1.Planning"), pool->FindServiceByName("piao.v1.OivActs")};
  spec.make_services = [](const piao::services::WriteServiceContext& c) {
    std::vector<std::unique_ptr<grpc::Service>> out;
    out.push_back(std::make_unique<piao::planning::PlanningService>(c.store, c.authorizer));
    out.push_back(std::make_unique<piao::planning::OivActsService>(c.store, c.authorizer, c.clock));
    return out;
  };
  return piao::services::RunWriteService(argc, argv, spec);
}
