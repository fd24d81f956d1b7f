// libFuzzer target for the gRPC request messages of the write services (Planning, Measurement, Feeds,
// RiskRegistry, HrCapacity) and EventLog's unary methods, through the real handlers over real event stores
// in a temporary directory, as a caller holding every role.
//
// Input: one byte choosing the method (modulo the number of methods), then the request's bytes as they
// come off the wire, given to the request type's ParseFromArray exactly as gRPC would. Debian 12 has no
// libprotobuf-mutator, so mutation is libFuzzer's own on the raw bytes; the seed corpus holds well-formed
// requests (services/fuzz/corpus, made with `protoc --encode`), so mutations start from meaningful ones.
// The stores persist for the process, so later inputs meet the state earlier ones built; idempotency keys
// are made unique per input (Uniquify), so each request is decided, not answered from a retry record.
//
// Property: a handler answers every request with a status, never a crash, and never INTERNAL or UNKNOWN
// (those mean a request got past validation into a state the code did not expect).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/stubs/logging.h>
#include <grpcpp/test/server_context_test_spouse.h>

#include "libs/base/files.h"
#include "libs/base/log.h"
#include "libs/eventstore/event_store.h"
#include "libs/service/auth.h"
#include "libs/service/event_log_service.h"
#include "piao/v1/command.pb.h"
#include "services/hr/hr_service.h"
#include "services/measurement/feeds_service.h"
#include "services/measurement/measurement_service.h"
#include "services/planning/planning_service.h"
#include "services/risk/risk_service.h"

namespace piao {
namespace {

constexpr char kToken[] = "fuzz-token";

struct Method {
  std::string name;
  std::function<grpc::Status(const uint8_t*, size_t)> call;  // OK when the bytes are not a request
};

// A command's idempotency key made unique per input (a counter appended to a non-empty key): otherwise
// most mutated requests would reuse a corpus key and be answered from the idempotency record, never
// reaching the decision logic. An empty key stays empty (its refusal is under test too).
void Uniquify(google::protobuf::Message& request) {
  static uint64_t counter = 0;
  const google::protobuf::FieldDescriptor* f = request.GetDescriptor()->FindFieldByName("meta");
  if (f == nullptr || f->message_type() != v1::CommandMeta::descriptor()) return;
  auto* meta = static_cast<v1::CommandMeta*>(request.GetReflection()->MutableMessage(&request, f));
  if (!meta->idempotency_key().empty()) meta->set_idempotency_key(meta->idempotency_key() + "#" + std::to_string(++counter));
}

template <typename Svc, typename Req, typename Resp>
Method Make(std::string name, Svc* svc, grpc::Status (Svc::*fn)(grpc::ServerContext*, const Req*, Resp*)) {
  return Method{std::move(name), [svc, fn](const uint8_t* data, size_t size) {
                  Req req;
                  if (!req.ParseFromArray(data, static_cast<int>(size))) return grpc::Status::OK;
                  Uniquify(req);
                  grpc::ServerContext ctx;
                  grpc::testing::ServerContextTestSpouse spouse(&ctx);
                  spouse.AddClientMetadata("authorization", std::string("Bearer ") + kToken);
                  Resp resp;
                  return (svc->*fn)(&ctx, &req, &resp);
                }};
}

std::unique_ptr<eventstore::EventStore> OpenStore(const std::string& dir, const std::string& service) {
  eventstore::Options options;
  options.source_service = ServiceName(service);
  options.sync = false;  // durability is not under test here; speed is
  auto store = eventstore::EventStore::Open(dir + "/" + service, options);
  if (!store.ok()) {
    std::fprintf(stderr, "grpc_request_fuzz: %s\n", store.status().ToString().c_str());
    std::abort();
  }
  return *std::move(store);
}

// Everything the handlers need, made once per process and left to the OS at exit (the temporary
// directory is removed by an atexit hook).
struct World {
  std::string dir;
  std::unique_ptr<service::Authorizer> authorizer;
  std::unique_ptr<eventstore::EventStore> planning_store, measurement_store, risk_store, hr_store;
  std::unique_ptr<planning::PlanningService> planning;
  std::unique_ptr<measurement::MeasurementService> measurement;
  std::unique_ptr<measurement::FeedsService> feeds;
  std::unique_ptr<risk::RiskRegistryService> risk;
  std::unique_ptr<hr::HrCapacityService> hr;
  std::unique_ptr<service::EventLogService> event_log;
  std::vector<Method> methods;
};

World* MakeWorld() {
  log::SetMinLevelWarning(true);
  google::protobuf::SetLogHandler(nullptr);  // "invalid UTF-8" on most mutated strings: parse failures, expected
  auto* w = new World;
  auto dir = MakeTempDirectory("piao-grpc-fuzz-");
  if (!dir.ok()) std::abort();
  w->dir = *dir;
  static std::string removed;
  removed = w->dir;
  std::atexit([] {
    std::error_code ec;
    std::filesystem::remove_all(removed, ec);
  });
  auto tokens = service::TokenAuthenticator::Parse(
      service::HashToken(kToken) + " user:fuzz admin,planner,measurer,feed,oiv,rpct,hr\n", "fuzz");
  if (!tokens.ok()) std::abort();
  service::RolePolicy policy;
  planning::AllowPlanning(policy);
  measurement::AllowMeasurement(policy);
  measurement::AllowFeeds(policy);
  risk::AllowRiskRegistry(policy);
  hr::AllowHr(policy);
  service::AllowEventLog(policy);
  w->authorizer = std::make_unique<service::Authorizer>(
      std::make_shared<const service::TokenAuthenticator>(*std::move(tokens)), std::move(policy));
  w->planning_store = OpenStore(w->dir, "planning");
  w->measurement_store = OpenStore(w->dir, "measurement");
  w->risk_store = OpenStore(w->dir, "risk");
  w->hr_store = OpenStore(w->dir, "hr");
  const service::Authorizer* a = w->authorizer.get();
  w->planning = std::make_unique<planning::PlanningService>(w->planning_store.get(), a);
  w->measurement = std::make_unique<measurement::MeasurementService>(w->measurement_store.get(), a);
  w->feeds = std::make_unique<measurement::FeedsService>(w->measurement_store.get(), a);
  w->risk = std::make_unique<risk::RiskRegistryService>(w->risk_store.get(), a);
  w->hr = std::make_unique<hr::HrCapacityService>(w->hr_store.get(), a);
  w->event_log = std::make_unique<service::EventLogService>(w->planning_store.get(), a);

  // The order is the corpus's contract (its first byte): append only.
  using P = planning::PlanningService;
  using M = measurement::MeasurementService;
  using F = measurement::FeedsService;
  using R = risk::RiskRegistryService;
  using H = hr::HrCapacityService;
  using E = service::EventLogService;
  auto& m = w->methods;
  m.push_back(Make("Planning.CreatePlan", w->planning.get(), &P::CreatePlan));                 // 0
  m.push_back(Make("Planning.AdoptObjectives", w->planning.get(), &P::AdoptObjectives));       // 1
  m.push_back(Make("Planning.ApplyRevisionAct", w->planning.get(), &P::ApplyRevisionAct));     // 2
  m.push_back(Make("Planning.GetPlan", w->planning.get(), &P::GetPlan));                       // 3
  m.push_back(Make("Measurement.RecordActual", w->measurement.get(), &M::RecordActual));       // 4
  m.push_back(Make("Measurement.CorrectActual", w->measurement.get(), &M::CorrectActual));     // 5
  m.push_back(Make("Feeds.SubmitBatch", w->feeds.get(), &F::SubmitBatch));                     // 6
  m.push_back(Make("Feeds.ComputeActuals", w->feeds.get(), &F::ComputeActuals));               // 7
  m.push_back(Make("Feeds.GetVariables", w->feeds.get(), &F::GetVariables));                   // 8
  m.push_back(Make("Risk.DefineAreas", w->risk.get(), &R::DefineAreas));                       // 9
  m.push_back(Make("Risk.DefineScheme", w->risk.get(), &R::DefineScheme));                     // 10
  m.push_back(Make("Risk.DefineQualitativeMethod", w->risk.get(), &R::DefineQualitativeMethod));  // 11
  m.push_back(Make("Risk.DefineProcess", w->risk.get(), &R::DefineProcess));                   // 12
  m.push_back(Make("Risk.RecordAssessment", w->risk.get(), &R::RecordAssessment));             // 13
  m.push_back(Make("Risk.DefineMeasure", w->risk.get(), &R::DefineMeasure));                   // 14
  m.push_back(Make("Risk.PlanMonitoring", w->risk.get(), &R::PlanMonitoring));                 // 15
  m.push_back(Make("Risk.RecordMonitoring", w->risk.get(), &R::RecordMonitoring));             // 16
  m.push_back(Make("Risk.SubmitOwnerReport", w->risk.get(), &R::SubmitOwnerReport));           // 17
  m.push_back(Make("Hr.AdoptEstablishment", w->hr.get(), &H::AdoptEstablishment));             // 18
  m.push_back(Make("Hr.RecordStaff", w->hr.get(), &H::RecordStaff));                           // 19
  m.push_back(Make("Hr.RecordLeaves", w->hr.get(), &H::RecordLeaves));                         // 20
  m.push_back(Make("Hr.OpenSelections", w->hr.get(), &H::OpenSelections));                     // 21
  m.push_back(Make("Hr.RecordHiringRemainders", w->hr.get(), &H::RecordHiringRemainders));     // 22
  m.push_back(Make("Hr.RecordProtectedQuota", w->hr.get(), &H::RecordProtectedQuota));         // 23
  m.push_back(Make("Hr.PlanHires", w->hr.get(), &H::PlanHires));                               // 24
  m.push_back(Make("Hr.AssessRemotability", w->hr.get(), &H::AssessRemotability));             // 25
  m.push_back(Make("Hr.SignAgileAgreements", w->hr.get(), &H::SignAgileAgreements));           // 26
  m.push_back(Make("Hr.SetYearSettings", w->hr.get(), &H::SetYearSettings));                   // 27
  m.push_back(Make("EventLog.GetHead", w->event_log.get(), &E::GetHead));                      // 28
  m.push_back(Make("EventLog.VerifyChain", w->event_log.get(), &E::VerifyChain));              // 29
  return w;
}

}  // namespace
}  // namespace piao

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static piao::World* world = piao::MakeWorld();
  if (size == 0) return 0;
  const piao::Method& m = world->methods[data[0] % world->methods.size()];
  const grpc::Status s = m.call(data + 1, size - 1);
  static const bool verbose = std::getenv("PIAO_FUZZ_VERBOSE") != nullptr;  // for corpus maintenance
  if (verbose) std::fprintf(stderr, "%s -> %d %s\n", m.name.c_str(), static_cast<int>(s.error_code()), s.error_message().c_str());
  if (s.error_code() == grpc::StatusCode::INTERNAL || s.error_code() == grpc::StatusCode::UNKNOWN) {
    std::fprintf(stderr, "grpc_request_fuzz: %s answered %d: %s\n", m.name.c_str(), static_cast<int>(s.error_code()),
                 s.error_message().c_str());
    std::abort();
  }
  return 0;
}
