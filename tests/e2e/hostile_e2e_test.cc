// Issue 11 §1 with real processes: hostile identifiers and texts are refused at the door, through the CLI and
// directly over gRPC, and nothing is written; one event the projection cannot apply (planted in a stopped
// service's store, as only an attacker with database access or a bug could) makes the projection DEGRADED with
// the source, position and reason, its administration's queries fail fast naming it, and every other
// administration keeps being served.
//
// Before: an objective code "O1\u0000X" was accepted by planning, the projection split its keys on NUL, failed
// with DATA_LOSS and retried that event forever; every administration's queries then timed out while
// `stack status` said healthy.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <grpcpp/grpcpp.h>
#include <nlohmann/json.hpp>

#include "libs/base/hostile_corpus.h"
#include "libs/eventstore/event_store.h"
#include "libs/service/client.h"
#include "piao/v1/planning.grpc.pb.h"
#include "tests/e2e/cli_runner.h"
#include "tests/e2e/stack_status.h"

namespace piao::e2e {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

class HostileE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("piao_e2e_hostile_" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    data_ = new std::string(" --data " + dir_->string());
    CliResult up = RunPiao("stack up" + *data_);
    ASSERT_EQ(up.exit_code, 0) << up.out;
    CliResult imported = RunPiao("import " + Fixture("plan-2022.json") + " --administration CCIAA-TO" + *data_);
    ASSERT_EQ(imported.exit_code, 0) << imported.out;
  }
  static void TearDownTestSuite() {
    RunPiao("stack down" + *data_);
    fs::remove_all(*dir_);
  }
  static json Component(const std::string& name) { return StackComponent(*data_, name); }
  // A one-objective plan file whose objective code is `code` (raw bytes, written as JSON by nlohmann, which
  // escapes control characters; invalid UTF-8 is written raw, as a careless integrator's file would hold it).
  static std::string PlanFile(const std::string& name, const std::string& code) {
    json plan = json::parse(ReadText(Fixture("plan-2022.json")));
    json first = plan["objectives"][0];
    plan["objectives"] = json::array({first});
    const std::string marker = "@@CODE@@";
    plan["objectives"][0]["code"] = marker;
    std::string text = plan.dump(1);
    std::string escaped;
    for (unsigned char c : code) {
      if (c == '"' || c == '\\') {
        escaped += '\\';
        escaped += static_cast<char>(c);
      } else if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        escaped += buf;
      } else {
        escaped += static_cast<char>(c);
      }
    }
    text.replace(text.find(marker), marker.size(), escaped);
    const fs::path path = *dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }
  static std::string OperatorToken() {
    std::string t = ReadText((*dir_ / "operator.token").string());
    while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
    return t;
  }
  static std::unique_ptr<v1::Planning::Stub> Planning() {
    absl::StatusOr<std::string> addr = service::ReadAddressFile((*dir_ / "planning.addr").string());
    EXPECT_TRUE(addr.ok()) << addr.status();
    auto channel = service::MakeChannel(service::ChannelOptions::Plaintext(addr.value_or("")));
    EXPECT_TRUE(channel.ok()) << channel.status();
    return v1::Planning::NewStub(*channel);
  }

  static fs::path* dir_;
  static std::string* data_;
};
fs::path* HostileE2eTest::dir_ = nullptr;
std::string* HostileE2eTest::data_ = nullptr;

TEST_F(HostileE2eTest, HostileIdentifiersAreRefusedThroughTheCliAndNothingIsWritten) {
  int i = 0;
  for (const testing::HostileValue& v : testing::HostileCorpus()) {
    if (v.valid_identifier) continue;
    const std::string admin = "CCIAA-H" + std::to_string(i++);
    const std::string file = PlanFile(admin + ".json", v.bytes);
    CliResult r = RunPiao("import " + file + " --administration " + admin + " --json" + *data_ + " 2>&1");
    EXPECT_NE(r.exit_code, 0) << v.name << ": " << r.out;
    // Nothing of it reached the store: the projection knows no plan of that administration.
    CliResult scores = RunPiao("scores --year 2022 --administration " + admin + " --json" + *data_ + " 2>&1");
    EXPECT_NE(scores.exit_code, 0) << v.name;
    EXPECT_NE(scores.out.find("NOT_FOUND"), std::string::npos) << v.name << ": " << scores.out;
  }
  // A hostile but valid identifier (emoji, "../") is stored and read back as it was.
  const std::string file = PlanFile("emoji.json", "OBIETTIVO-\xf0\x9f\x93\x88/../x");
  CliResult ok = RunPiao("import " + file + " --administration CCIAA-EMOJI" + *data_ + " 2>&1");
  ASSERT_EQ(ok.exit_code, 0) << ok.out;
  CliResult scores = RunPiao("scores --year 2022 --administration CCIAA-EMOJI --json" + *data_);
  ASSERT_EQ(scores.exit_code, 0) << scores.out;
  EXPECT_NE(scores.out.find("OBIETTIVO-\xf0\x9f\x93\x88/../x"), std::string::npos) << scores.out;
  EXPECT_EQ(Component("projection").value("state", ""), "healthy");
}

TEST_F(HostileE2eTest, HostileIdentifiersAreRefusedOverGrpcNamingTheField) {
  auto stub = Planning();
  int i = 0;
  for (const testing::HostileValue& v : testing::HostileCorpus()) {
    v1::AdoptObjectivesRequest req;
    req.set_administration("CCIAA-G" + std::to_string(i++));
    req.set_year(2022);
    req.mutable_act()->set_text("Deliberazione di Giunta n. 1 del 27/06/2022");
    req.mutable_act()->set_date("2022-06-27");
    v1::ObjectiveDefinition* o = req.add_objectives();
    o->set_code(v.bytes);
    o->set_level_kind(v1::OBJECTIVE_LEVEL_STRATEGIC);
    o->set_title(v.valid_text ? v.bytes : "titolo");  // free text: any valid UTF-8
    v1::IndicatorDefinition* d = o->add_indicators();
    d->set_code("K1");
    d->set_name("Indicatore");
    d->set_unit("%");
    d->set_weight_pct(100);
    d->mutable_target()->mutable_comparison()->set_op(">=");
    d->mutable_target()->mutable_comparison()->set_value(50);
    d->mutable_target()->mutable_comparison()->set_unit("%");
    grpc::ClientContext ctx;
    service::PrepareContext(&ctx, OperatorToken(), absl::Seconds(10));
    v1::AdoptObjectivesResponse resp;
    grpc::Status s = stub->AdoptObjectives(&ctx, req, &resp);
    if (v.valid_identifier) {
      EXPECT_TRUE(s.ok()) << v.name << ": " << s.error_message();
      continue;
    }
    ASSERT_FALSE(s.ok()) << v.name;
    if (v.valid_text) {
      // Valid UTF-8 that breaks the identifier rule: the service names the field and the rule.
      EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << v.name << ": " << s.error_message();
      EXPECT_NE(s.error_message().find("objectives[0].code"), std::string::npos) << v.name << ": " << s.error_message();
    } else {
      // Not UTF-8 at all: protobuf's runtime refuses to parse a proto3 string before any handler runs.
      EXPECT_NE(s.error_code(), grpc::StatusCode::OK) << v.name;
    }
    EXPECT_EQ(resp.ack().global_position(), 0u) << v.name;
  }
  CliResult to = RunPiao("scores --year 2022 --administration CCIAA-TO --json" + *data_);
  EXPECT_EQ(to.exit_code, 0) << to.out;
}

TEST_F(HostileE2eTest, APoisonEventDegradesOnlyItsAdministration) {
  // A valid second administration, then an event its planning stream cannot decode, planted in the stopped
  // planning service's store (the hash chain stays intact: the store itself accepts any payload).
  ASSERT_EQ(RunPiao("import " + PlanFile("xx.json", "OS-XX") + " --administration CCIAA-XX" + *data_).exit_code, 0);
  const int pid = Component("planning").value("pid", 0);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  for (int i = 0; i < 200 && Component("planning").value("alive", true); ++i) ::usleep(50000);
  ASSERT_FALSE(Component("planning").value("alive", true));
  uint64_t poison_position = 0;
  {
    eventstore::Options o;
    o.source_service = ServiceName("planning");
    auto store = eventstore::EventStore::Open((*dir_ / "planning" / "events").string(), o);
    ASSERT_TRUE(store.ok()) << store.status();
    eventstore::CommandContext ctx;
    ctx.actor.set_id("user:intruder");
    eventstore::NewEvent bad{"piao.v1.ObjectivesAdopted", 1, absl::InfinitePast(), "\xff\xff\xff"};
    auto r = (*store)->Append(StreamId{"plan", "CCIAA-XX/2022"}, eventstore::ExpectedVersion::Any(), {bad}, ctx);
    ASSERT_TRUE(r.ok()) << r.status();
    poison_position = r->last_position.value();
  }
  CliResult up = RunPiao("stack up" + *data_);
  ASSERT_EQ(up.exit_code, 0) << up.out;
  // Another administration's later write is applied and served.
  ASSERT_EQ(RunPiao("import " + PlanFile("yy.json", "OS-YY") + " --administration CCIAA-YY" + *data_).exit_code, 0);
  CliResult yy = RunPiao("scores --year 2022 --administration CCIAA-YY --json" + *data_);
  EXPECT_EQ(yy.exit_code, 0) << yy.out;
  CliResult to = RunPiao("scores --year 2022 --administration CCIAA-TO --json" + *data_);
  EXPECT_EQ(to.exit_code, 0) << to.out;
  // The poisoned administration: a precise refusal, fast, instead of a 30 s time-out.
  const absl::Time before = absl::Now();
  CliResult xx = RunPiao("scores --year 2022 --administration CCIAA-XX --json" + *data_ + " 2>&1");
  EXPECT_LT(absl::Now() - before, absl::Seconds(10));
  EXPECT_NE(xx.exit_code, 0);
  EXPECT_NE(xx.out.find("FAILED_PRECONDITION"), std::string::npos) << xx.out;
  EXPECT_NE(xx.out.find("planning position " + std::to_string(poison_position)), std::string::npos) << xx.out;
  // Status says so: DEGRADED with source, position and reason; exit code non-zero.
  const json projection = Component("projection");
  EXPECT_EQ(projection.value("state", ""), "DEGRADED") << projection.dump();
  EXPECT_NE(projection.value("problem", "").find("planning position " + std::to_string(poison_position)),
            std::string::npos)
      << projection.dump();
  EXPECT_NE(RunPiao("stack status" + *data_).exit_code, 0);
  // A rebuild replays the same event and quarantines it the same way: it never wedges the projection.
  CliResult rebuilt = RunPiao("rebuild" + *data_ + " 2>&1");
  EXPECT_EQ(rebuilt.exit_code, 0) << rebuilt.out;
  EXPECT_EQ(RunPiao("scores --year 2022 --administration CCIAA-YY --json" + *data_).exit_code, 0);
  EXPECT_EQ(Component("projection").value("state", ""), "DEGRADED");
}

// Issue 11 §2: a 5 MB plan file is one command; the service splits it into events below the event size
// limit, appended atomically, and the plan reads back identical. Before: one 2.1 MB event was acknowledged,
// Kafka refused it and the relay retried that position forever.
TEST_F(HostileE2eTest, AFiveMegabytePlanImportsAndReadsBackIdentical) {
  json plan = json::parse(ReadText(Fixture("plan-2022.json")));
  const json model = plan["objectives"][0];
  plan["objectives"] = json::array();
  std::string long_text;
  while (long_text.size() < 12000) long_text += "Descrizione estesa dell'obiettivo strategico, con i suoi indicatori. ";
  for (int i = 0; i < 420; ++i) {
    json o = model;
    o["code"] = "OS-BIG-" + std::to_string(i);
    o["description"] = long_text + std::to_string(i);
    plan["objectives"].push_back(o);
  }
  const fs::path file = *dir_ / "big-plan.json";
  const std::string text = plan.dump(1);
  ASSERT_GT(text.size(), 5u * 1000 * 1000);
  std::ofstream(file, std::ios::binary) << text;
  CliResult r = RunPiao("import " + file.string() + " --administration CCIAA-BIG --json" + *data_ + " 2>&1");
  ASSERT_EQ(r.exit_code, 0) << r.out.substr(0, 2000);

  auto stub = Planning();
  grpc::ClientContext ctx;
  service::PrepareContext(&ctx, OperatorToken(), absl::Seconds(30));
  v1::GetPlanRequest get;
  get.set_administration("CCIAA-BIG");
  get.set_year(2022);
  v1::GetPlanResponse got;
  grpc::Status s = stub->GetPlan(&ctx, get, &got);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(got.objectives_size(), 420);
  for (int i = 0; i < 420; ++i) {
    EXPECT_EQ(got.objectives(i).code(), "OS-BIG-" + std::to_string(i));
    EXPECT_EQ(got.objectives(i).description(), long_text + std::to_string(i));
  }
  // The projection applied it too (its events all travelled through Kafka or the gap filler).
  CliResult scores = RunPiao("scores --year 2022 --administration CCIAA-BIG --json" + *data_);
  EXPECT_EQ(scores.exit_code, 0) << scores.out.substr(0, 2000);
  EXPECT_NE(scores.out.find("OS-BIG-419"), std::string::npos);
}

}  // namespace
}  // namespace piao::e2e
