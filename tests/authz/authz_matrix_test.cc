// The whole authorization matrix over the wire: every RPC of every service × every role × the caller's own
// administration, another administration and a grant on every administration, plus no token and an unknown
// token. The RPCs come from the services' descriptors, so a new RPC without an expectation here fails the test.
//
// All the services run in one in-process gRPC server (port 0) on a temporary event store and views, with the
// production role policies (Allow*) and handlers. A request is the method's input message with only its
// `administration` (and `year`) set: authorization comes before validation, so an allowed call ends in
// whatever the handler says about an empty request (INVALID_ARGUMENT, NOT_FOUND, OK, ...), never in
// UNAUTHENTICATED or PERMISSION_DENIED.
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/byte_buffer.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/eventstore/event_store.h"
#include "libs/service/auth.h"
#include "libs/service/client.h"
#include "libs/service/event_log_service.h"
#include "libs/service/host.h"
#include "libs/service/roles.h"
#include "rocksdb/db.h"
#include "services/hr/hr_service.h"
#include "services/measurement/feeds_service.h"
#include "services/measurement/measurement_service.h"
#include "services/planning/oiv_service.h"
#include "services/planning/planning_service.h"
#include "services/projection/hr_view.h"
#include "services/projection/oiv_view.h"
#include "services/projection/projection_service.h"
#include "services/projection/risk_views_service.h"
#include "services/risk/risk_service.h"

namespace piao {
namespace {

namespace fs = std::filesystem;
namespace roles = service::roles;
using google::protobuf::MethodDescriptor;

constexpr char kOwn[] = "CCIAA-TO";
constexpr char kOther[] = "CCIAA-MI";

// What a method is about: one administration (named in the request), every administration at once, or none.
enum class Scope { kOneAdministration, kAllAdministrations, kNone };

struct Expectation {
  std::set<std::string> roles;  // the roles that may call it
  Scope scope;
};

const std::set<std::string> kEveryRole = {"admin", "planner", "measurer", "feed", "oiv", "rpct", "hr", "service"};

// The expected matrix, written out independently of the services' Allow* functions.
std::map<std::string, Expectation> ExpectedMatrix() {
  std::map<std::string, Expectation> m;
  auto one = [&](const std::string& method, std::set<std::string> r) { m[method] = {std::move(r), Scope::kOneAdministration}; };
  for (const char* w : {"CreatePlan", "AdoptObjectives", "ApplyRevisionAct"}) {
    one(std::string("/piao.v1.Planning/") + w, {"planner", "admin"});
  }
  one("/piao.v1.Planning/GetPlan", {"planner", "admin", "oiv", "measurer", "feed", "service"});
  one("/piao.v1.Measurement/RecordActual", {"measurer", "feed", "admin"});
  one("/piao.v1.Measurement/CorrectActual", {"measurer", "admin"});
  one("/piao.v1.Feeds/SubmitBatch", {"feed", "admin"});
  one("/piao.v1.Feeds/ComputeActuals", {"feed", "measurer", "admin"});
  one("/piao.v1.Feeds/GetVariables", kEveryRole);
  for (const char* w : {"DefineAreas", "DefineScheme", "DefineQualitativeMethod", "DefineProcess", "DefineMeasure",
                        "PlanMonitoring", "ValidateRegister"}) {
    one(std::string("/piao.v1.RiskRegistry/") + w, {"rpct", "admin"});
  }
  // Process owners hold any of these roles; the aggregate then checks ownership.
  for (const char* w : {"RecordAssessment", "RecordMonitoring", "SubmitOwnerReport"}) {
    one(std::string("/piao.v1.RiskRegistry/") + w, {"rpct", "admin", "planner", "measurer", "hr", "feed"});
  }
  for (const char* w : {"AdoptEstablishment", "RecordStaff", "RecordLeaves", "OpenSelections", "RecordHiringRemainders",
                        "RecordProtectedQuota", "PlanHires", "AssessRemotability", "SignAgileAgreements",
                        "SetYearSettings"}) {
    one(std::string("/piao.v1.HrCapacity/") + w, {"hr", "admin"});
  }
  m["/piao.v1.EventLog/ReadEvents"] = {{"service", "oiv", "admin"}, Scope::kAllAdministrations};
  m["/piao.v1.EventLog/ReadPartitions"] = {{"service", "oiv", "admin"}, Scope::kAllAdministrations};
  m["/piao.v1.EventLog/ReadStream"] = {{"service", "oiv", "admin"}, Scope::kAllAdministrations};
  m["/piao.v1.EventLog/VerifyChain"] = {{"service", "oiv", "admin"}, Scope::kAllAdministrations};
  m["/piao.v1.EventLog/GetHead"] = {kEveryRole, Scope::kNone};  // read-your-writes for every query
  for (const char* q : {"GetScores", "GetIndicatorHistory", "GetAuditTrail", "GetLineage"}) {
    one(std::string("/piao.v1.Projection/") + q, kEveryRole);
  }
  m["/piao.v1.Projection/GetProgress"] = {kEveryRole, Scope::kNone};
  for (const char* q : {"GetRiskMap", "GetProcessHistory", "GetRiskReport"}) {
    one(std::string("/piao.v1.RiskViews/") + q, {"admin", "rpct", "oiv", "planner", "measurer", "hr", "service"});
  }
  one("/piao.v1.HrViews/GetHrSummary", kEveryRole);
  // The OIV's acts: the OIV alone, not even an admin (the stack's operator holds oiv beside admin).
  for (const char* w : {"ValidateRelazione", "SubmitMonitoringReport", "AttestTransparency", "ProposeSgEvaluation"}) {
    one(std::string("/piao.v1.OivActs/") + w, {"oiv"});
  }
  one("/piao.v1.OivActs/RecordDeviation", {"planner", "admin"});  // the planning office's statement
  one("/piao.v1.OivViews/GetOivStatus", kEveryRole);
  return m;
}

const std::vector<std::string>& ServiceNames() {
  static const auto* names = new std::vector<std::string>{
      "piao.v1.Planning", "piao.v1.Measurement", "piao.v1.Feeds",  "piao.v1.RiskRegistry", "piao.v1.HrCapacity",
      "piao.v1.EventLog", "piao.v1.Projection",  "piao.v1.RiskViews", "piao.v1.HrViews",  "piao.v1.OivActs",
      "piao.v1.OivViews"};
  return *names;
}

// A token per role granted kOwn ("<role>@own") and per role granted every administration ("<role>@all").
std::string TokensText() {
  std::string text;
  for (absl::string_view r : roles::kAll) {
    const std::string role(r);
    text += service::HashToken(role + "@own") + " user:" + role + ".to " + role + " " + kOwn + "\n";
    text += service::HashToken(role + "@all") + " user:" + role + ".all " + role + " *\n";
  }
  return text;
}

class AuthzMatrixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "piao-authz-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    eventstore::Options store_options;
    store_options.source_service = ServiceName("matrix");
    store_options.sync = false;
    auto store = eventstore::EventStore::Open(dir_ + "/events", store_options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, dir_ + "/views", &db).ok());
    db_.reset(db);

    auto tokens = service::TokenAuthenticator::Parse(TokensText(), "matrix tokens");
    ASSERT_TRUE(tokens.ok()) << tokens.status();
    service::RolePolicy policy;
    planning::AllowPlanning(policy);
    measurement::AllowMeasurement(policy);
    measurement::AllowFeeds(policy);
    risk::AllowRiskRegistry(policy);
    hr::AllowHr(policy);
    service::AllowEventLog(policy);
    projection::AllowProjection(policy);
    projection::AllowRiskViews(policy);
    projection::AllowHrViews(policy);
    planning::AllowOivActs(policy);
    projection::AllowOivViews(policy);
    std::vector<const google::protobuf::ServiceDescriptor*> descriptors;
    for (const std::string& name : ServiceNames()) {
      descriptors.push_back(google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name));
      ASSERT_NE(descriptors.back(), nullptr) << name;
    }
    ASSERT_TRUE(policy.CheckCovers(descriptors).ok()) << policy.CheckCovers(descriptors);
    authorizer_ = std::make_unique<service::Authorizer>(
        std::make_shared<const service::TokenAuthenticator>(std::move(*tokens)), std::move(policy));

    const std::vector<std::string> sources = {"planning", "measurement", "risk", "hr"};
    projection::AppliedFn applied = [](const std::string&, const std::string&) { return GlobalPosition(0); };
    services_.push_back(std::make_unique<planning::PlanningService>(store_.get(), authorizer_.get()));
    services_.push_back(std::make_unique<measurement::MeasurementService>(store_.get(), authorizer_.get()));
    services_.push_back(std::make_unique<measurement::FeedsService>(store_.get(), authorizer_.get()));
    services_.push_back(std::make_unique<risk::RiskRegistryService>(store_.get(), authorizer_.get()));
    services_.push_back(std::make_unique<hr::HrCapacityService>(store_.get(), authorizer_.get()));
    services_.push_back(std::make_unique<service::EventLogService>(store_.get(), authorizer_.get()));
    services_.push_back(
        std::make_unique<projection::ProjectionService>(db_.get(), authorizer_.get(), sources, applied));
    services_.push_back(
        std::make_unique<projection::RiskViewsService>(db_.get(), authorizer_.get(), sources, applied));
    services_.push_back(std::make_unique<projection::HrViewsService>(db_.get(), authorizer_.get(), sources, applied));
    services_.push_back(std::make_unique<planning::OivActsService>(store_.get(), authorizer_.get()));
    services_.push_back(std::make_unique<projection::OivViewsService>(db_.get(), authorizer_.get(), sources, applied));
    host_ = std::make_unique<service::ServiceHost>(service::HostOptions());
    for (auto& s : services_) host_->AddService(s.get());
    ASSERT_TRUE(host_->Start().ok());
    auto channel = service::MakeChannel(service::ChannelOptions::Plaintext(host_->address()));
    ASSERT_TRUE(channel.ok());
    channel_ = *channel;
  }

  void TearDown() override {
    if (host_ != nullptr) host_->Shutdown();
    host_.reset();
    services_.clear();
    db_.reset();
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // The method's input message with `administration` (and `year`, when it has one) set; for a request that
  // carries a whole file (RiskRegistry.ValidateRegister), in the file.
  static std::string RequestBytes(const MethodDescriptor& method, const std::string& administration) {
    const google::protobuf::Message* prototype =
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(method.input_type());
    std::unique_ptr<google::protobuf::Message> request(prototype->New());
    google::protobuf::Message* target = request.get();
    if (const auto* file = request->GetDescriptor()->FindFieldByName("file");
        file != nullptr && file->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE && !file->is_repeated()) {
      target = request->GetReflection()->MutableMessage(request.get(), file);
    }
    const auto* d = target->GetDescriptor();
    const auto* reflection = target->GetReflection();
    if (const auto* f = d->FindFieldByName("administration");
        f != nullptr && f->type() == google::protobuf::FieldDescriptor::TYPE_STRING && !f->is_repeated()) {
      reflection->SetString(target, f, administration);
    }
    if (const auto* f = d->FindFieldByName("year");
        f != nullptr && f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_INT32 && !f->is_repeated()) {
      reflection->SetInt32(target, f, 2026);
    }
    return request->SerializeAsString();
  }

  // Calls `method` with `token` ("" = no authorization metadata); unary or server-streaming.
  grpc::Status Call(const MethodDescriptor& method, const std::string& token, const std::string& administration) {
    const std::string path = service::FullMethodName(method.service()->full_name(), method.name());
    const std::string bytes = RequestBytes(method, administration);
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    grpc::GenericStub stub(channel_);
    grpc::ClientContext ctx;
    service::PrepareContext(&ctx, token, absl::Seconds(10));
    grpc::CompletionQueue cq;
    grpc::Status status;
    auto wait = [&cq](void* want) {
      void* tag = nullptr;
      bool ok = false;
      while (cq.Next(&tag, &ok)) {
        if (tag == want) return ok;
      }
      return false;
    };
    if (!method.server_streaming() && !method.client_streaming()) {
      auto call = stub.PrepareUnaryCall(&ctx, path, request, &cq);
      call->StartCall();
      grpc::ByteBuffer response;
      call->Finish(&response, &status, reinterpret_cast<void*>(1));
      wait(reinterpret_cast<void*>(1));
    } else {
      auto call = stub.PrepareCall(&ctx, path, &cq);
      call->StartCall(reinterpret_cast<void*>(1));
      if (wait(reinterpret_cast<void*>(1))) {
        call->WriteLast(request, grpc::WriteOptions(), reinterpret_cast<void*>(2));
        wait(reinterpret_cast<void*>(2));
        grpc::ByteBuffer response;
        for (;;) {
          call->Read(&response, reinterpret_cast<void*>(3));
          if (!wait(reinterpret_cast<void*>(3))) break;
        }
      }
      call->Finish(&status, reinterpret_cast<void*>(4));
      wait(reinterpret_cast<void*>(4));
    }
    cq.Shutdown();
    void* tag = nullptr;
    bool ok = false;
    while (cq.Next(&tag, &ok)) {
    }
    return status;
  }

  std::string dir_;
  std::unique_ptr<eventstore::EventStore> store_;
  std::unique_ptr<rocksdb::DB> db_;
  std::unique_ptr<service::Authorizer> authorizer_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<service::ServiceHost> host_;
  std::shared_ptr<grpc::Channel> channel_;
};

enum class Outcome { kAllowed, kDeniedRole, kDeniedAdministration, kUnauthenticated };

const char* Name(Outcome o) {
  switch (o) {
    case Outcome::kAllowed: return "allowed";
    case Outcome::kDeniedRole: return "PERMISSION_DENIED (role)";
    case Outcome::kDeniedAdministration: return "PERMISSION_DENIED (administration)";
    case Outcome::kUnauthenticated: return "UNAUTHENTICATED";
  }
  return "?";
}

// What the answer says, from its code and the authorizer's wording.
Outcome Classify(const grpc::Status& s) {
  if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED) return Outcome::kUnauthenticated;
  if (s.error_code() != grpc::StatusCode::PERMISSION_DENIED) return Outcome::kAllowed;
  if (s.error_message().find("may not act on administration") != std::string::npos ||
      s.error_message().find("spans every administration") != std::string::npos) {
    return Outcome::kDeniedAdministration;
  }
  return Outcome::kDeniedRole;
}

TEST_F(AuthzMatrixTest, EveryRpcEveryRoleOwnAndOtherAdministration) {
  const std::map<std::string, Expectation> expected = ExpectedMatrix();
  std::set<std::string> seen;
  int calls = 0;
  for (const std::string& service_name : ServiceNames()) {
    const auto* desc = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service_name);
    ASSERT_NE(desc, nullptr);
    for (int i = 0; i < desc->method_count(); ++i) {
      const MethodDescriptor& method = *desc->method(i);
      const std::string path = service::FullMethodName(service_name, method.name());
      seen.insert(path);
      auto it = expected.find(path);
      if (it == expected.end()) {
        ADD_FAILURE() << path << " has no expectation in the authorization matrix: add one";
        continue;
      }
      const Expectation& e = it->second;
      auto check = [&](const std::string& token, const std::string& administration, Outcome want) {
        grpc::Status s = Call(method, token, administration);
        ++calls;
        EXPECT_EQ(Classify(s), want) << path << " token '" << token << "' administration '" << administration
                                     << "': want " << Name(want) << ", got " << Name(Classify(s)) << " ("
                                     << s.error_code() << ": " << s.error_message() << ")";
        if (want == Outcome::kDeniedAdministration && e.scope == Scope::kOneAdministration) {
          EXPECT_THAT(s.error_message(), ::testing::HasSubstr(std::string("'") + kOther + "'"))
              << path << ": the denial names the administration";
        }
      };
      check("", kOwn, Outcome::kUnauthenticated);
      check("not-a-token", kOwn, Outcome::kUnauthenticated);
      for (absl::string_view r : roles::kAll) {
        const std::string role(r);
        if (!e.roles.contains(role)) {
          check(role + "@own", kOwn, Outcome::kDeniedRole);
          check(role + "@all", kOther, Outcome::kDeniedRole);
          continue;
        }
        switch (e.scope) {
          case Scope::kOneAdministration:
            check(role + "@own", kOwn, Outcome::kAllowed);
            check(role + "@own", kOther, Outcome::kDeniedAdministration);
            check(role + "@all", kOther, Outcome::kAllowed);
            break;
          case Scope::kAllAdministrations:
            check(role + "@own", kOwn, Outcome::kDeniedAdministration);
            check(role + "@all", kOwn, Outcome::kAllowed);
            break;
          case Scope::kNone:
            check(role + "@own", kOwn, Outcome::kAllowed);
            check(role + "@all", kOther, Outcome::kAllowed);
            break;
        }
      }
    }
  }
  for (const auto& [path, e] : expected) {
    EXPECT_TRUE(seen.contains(path)) << path << " is expected but no service serves it (renamed?)";
  }
  EXPECT_GT(calls, 800);
}

// A query naming no administration is scoped to the caller's only one: a planner of CCIAA-TO asking for "the"
// plan of a year never learns which other administrations have one.
TEST_F(AuthzMatrixTest, QueryWithoutAdministrationIsScopedToTheCallersOwn) {
  const auto* method = google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
      "piao.v1.Projection.GetScores");
  ASSERT_NE(method, nullptr);
  grpc::Status own = Call(*method, "planner@own", "");
  EXPECT_EQ(own.error_code(), grpc::StatusCode::NOT_FOUND) << own.error_message();
  EXPECT_THAT(own.error_message(), ::testing::HasSubstr(std::string("plan ") + kOwn + "/2026"));
  grpc::Status all = Call(*method, "planner@all", "");
  EXPECT_EQ(all.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(all.error_message(), ::testing::HasSubstr("no plan for year 2026"));
}

}  // namespace
}  // namespace piao
