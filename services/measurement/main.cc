// piao-measurement: the measurement service (actuals per indicator and period, feeds, computed actuals).
#include <filesystem>

#include "google/protobuf/descriptor.h"
#include "libs/base/log.h"
#include "libs/base/status_macros.h"
#include "libs/service/client.h"
#include "services/common/write_service.h"
#include "services/measurement/actuals_policy.h"
#include "services/measurement/feeds_service.h"
#include "services/measurement/measurement_service.h"

int main(int argc, char** argv) {
  // The policy recomputing computed actuals (actuals_policy.h) lives as long as the process.
  std::unique_ptr<piao::measurement::ActualsPolicy> policy;
  piao::services::WriteServiceSpec spec;
  spec.name = "measurement";
  spec.policy = [](piao::service::RolePolicy& p) {
    piao::measurement::AllowMeasurement(p);
    piao::measurement::AllowFeeds(p);
  };
  spec.flags = [](piao::Config& config) {
    piao::service::DeclareClientTlsFlags(config);  // to planning
    config
        .Declare("planning", "",
                 "planning's address: computed actuals follow its events (empty: only explicit formulas)")
        .Declare("service-token-file", "", "file holding the bearer token (role service) to call planning")
        .Declare("planning-poll-ms", "250", "how often planning's EventLog is read for plan changes");
  };
  spec.descriptors = {
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("piao.v1.Measurement"),
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName("piao.v1.Feeds")};
  spec.make_services = [&policy](const piao::services::WriteServiceContext& c)
      -> absl::StatusOr<std::vector<std::unique_ptr<grpc::Service>>> {
    std::unique_ptr<piao::measurement::PlanningSource> planning;
    const std::string address = c.config->Get("planning");
    if (!address.empty()) {
      PIAO_ASSIGN_OR_RETURN(std::string token, piao::service::ReadTokenFile("service-token-file",
                                                                             c.config->Get("service-token-file")));
      const piao::service::ChannelOptions tls = piao::service::ClientTlsFromConfig(*c.config);
      PIAO_ASSIGN_OR_RETURN(planning, piao::measurement::PlanningOverGrpc(address, token, tls.tls_ca_file,
                                                                           tls.tls_client_cert_file,
                                                                           tls.tls_client_key_file));
    } else {
      piao::log::Warn("no --planning: computed actuals are computed only when asked with explicit formulas");
    }
    PIAO_ASSIGN_OR_RETURN(int64_t poll_ms, c.config->GetInt("planning-poll-ms"));
    if (poll_ms < 10) return absl::InvalidArgumentError("--planning-poll-ms: at least 10");
    piao::measurement::ActualsPolicyOptions options;
    options.checkpoint_file = (std::filesystem::path(c.data_dir) / "actuals-policy.position").string();
    options.poll = absl::Milliseconds(poll_ms);
    policy = std::make_unique<piao::measurement::ActualsPolicy>(c.store, std::move(planning), options);
    PIAO_RETURN_IF_ERROR(policy->Start());
    c.add_drain_hook("stop the computed-actuals policy", [&policy] { policy->Stop(); });
    std::vector<std::unique_ptr<grpc::Service>> out;
    out.push_back(std::make_unique<piao::measurement::MeasurementService>(c.store, c.authorizer));
    out.push_back(std::make_unique<piao::measurement::FeedsService>(c.store, c.authorizer, policy.get()));
    return out;
  };
  const int code = piao::services::RunWriteService(argc, argv, spec);
  return code;
}
