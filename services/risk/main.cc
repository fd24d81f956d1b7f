// piao-risk: the anti-corruption risk registry (process map, assessments, measures, monitoring).
#include "google/protobuf/descriptor.h"
#include "services/common/write_service.h"
#include "services/risk/risk_service.h"

int main(int argc, char** argv) {
  piao::services::WriteServiceSpec spec;
  spec.name = "risk";
  spec.policy = piao::risk::AllowRiskRegistry;
  spec.descriptors = {
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("piao.v1.RiskRegistry")};
  spec.make_services = [](const piao::services::WriteServiceContext& c) {
    std::vector<std::unique_ptr<grpc::Service>> out;
    out.push_back(std::make_unique<piao::risk::RiskRegistryService>(c.store, c.authorizer));
    return out;
  };
  return piao::services::RunWriteService(argc, argv, spec);
}
