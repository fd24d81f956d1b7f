// A poison event is quarantined: its administration's queries say so precisely, every other administration
// keeps being served, and codes holding any bytes (NUL, the old separator) are stored and read back intact.
#include "services/projection/quarantine.h"

#include <filesystem>
#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "services/projection/projection_service.h"
#include "services/projection/query.h"
#include "services/projection/torino_events_test_util.h"

namespace piao::projection {
namespace {

using ::testing::HasSubstr;
using testing::At;
using testing::SourceLog;
using testing::ValidFrom;

v1::PlanCreated Created(const std::string& admin) {
  v1::PlanCreated c;
  c.set_administration(admin);
  c.set_year(2022);
  c.set_title("PIAO 2022-2024");
  return c;
}

v1::ObjectivesAdopted Adopted(const std::string& objective, const std::string& indicator) {
  v1::ObjectivesAdopted a;
  a.mutable_act()->set_text("Deliberazione di Giunta n. 10 del 01/02/2022");
  a.mutable_act()->set_date("2022-02-01");
  a.set_effective_date("2022-02-01");
  v1::ObjectiveDefinition* o = a.add_objectives();
  o->set_code(objective);
  o->set_level_kind(v1::OBJECTIVE_LEVEL_STRATEGIC);
  o->set_title("Obiettivo");
  v1::IndicatorDefinition* d = o->add_indicators();
  d->set_code(indicator);
  d->set_name("Indicatore");
  d->set_unit("%");
  d->set_weight_pct(100);
  d->mutable_target()->mutable_comparison()->set_op(">=");
  d->mutable_target()->mutable_comparison()->set_value(50);
  d->mutable_target()->mutable_comparison()->set_unit("%");
  return a;
}

class QuarantineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "piao-quarantine-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, dir_ + "/views", &db).ok());
    db_.reset(db);
    handler_ = MakeViewHandler(db_.get());
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  absl::Status Apply(const v1::EventEnvelope& e) {
    rocksdb::WriteBatch batch;
    absl::Status s = handler_(e, &batch);
    if (!s.ok()) return s;
    if (!db_->Write(rocksdb::WriteOptions(), &batch).ok()) return absl::InternalError("write");
    return absl::OkStatus();
  }
  absl::StatusOr<v1::ScoresView> Scores(const std::string& admin) {
    v1::GetScoresRequest r;
    r.set_administration(admin);
    r.set_year(2022);
    RocksDbReader reader(db_.get());
    return QueryScores(reader, r);
  }

  std::string dir_;
  std::unique_ptr<rocksdb::DB> db_;
  kafka::EventHandler handler_;
  SourceLog planning_{"planning", "plan"};
};

TEST_F(QuarantineTest, APoisonEventHoldsOnlyItsAdministration) {
  ASSERT_TRUE(Apply(planning_.Add("CCIAA-XX", 2022, Created("CCIAA-XX"), At("2022-01-10T09:00:00"))).ok());
  // An ObjectivesAdopted whose payload does not decode: before, the handler failed and the applier retried
  // this position forever, so no later event of any administration was applied.
  v1::EventEnvelope poison = planning_.Add("CCIAA-XX", 2022, Adopted("OS1", "K1"), At("2022-02-02T09:00:00"));
  poison.set_payload("\xff\xff\xff");
  ASSERT_TRUE(Apply(poison).ok());
  // Later events: another administration is applied; the poisoned stream stays held.
  ASSERT_TRUE(Apply(planning_.Add("CCIAA-YY", 2022, Created("CCIAA-YY"), At("2022-01-11T09:00:00"))).ok());
  ASSERT_TRUE(Apply(planning_.Add("CCIAA-YY", 2022, Adopted("OS1", "K1"), At("2022-02-03T09:00:00"),
                                  ValidFrom("2022-02-01")))
                  .ok());
  const v1::EventEnvelope& later = planning_.Add("CCIAA-XX", 2022, Adopted("OS2", "K2"), At("2022-02-04T09:00:00"));
  ASSERT_TRUE(Apply(later).ok());

  absl::StatusOr<v1::ScoresView> yy = Scores("CCIAA-YY");
  ASSERT_TRUE(yy.ok()) << yy.status();
  absl::StatusOr<v1::ScoresView> xx = Scores("CCIAA-XX");
  EXPECT_EQ(xx.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(xx.status().message(), HasSubstr("planning position 2"));
  EXPECT_THAT(xx.status().message(), HasSubstr("piao.v1.ObjectivesAdopted"));
  EXPECT_THAT(xx.status().message(), HasSubstr("undecodable"));

  RocksDbReader reader(db_.get());
  v1::Progress p;
  ASSERT_TRUE(DescribeQuarantine(reader, &p).ok());
  EXPECT_EQ(p.state(), v1::Progress::DEGRADED);
  ASSERT_EQ(p.quarantined_total(), 2u);
  EXPECT_EQ(p.quarantined(0).global_position(), 2u);
  EXPECT_EQ(p.quarantined(0).administration(), "CCIAA-XX");
  EXPECT_EQ(p.quarantined(1).global_position(), later.global_position());
  EXPECT_EQ(p.quarantined(1).first_position(), 2u);
  EXPECT_THAT(p.quarantined(1).reason(), HasSubstr("follows the quarantined event at position 2"));
}

TEST_F(QuarantineTest, ServingWhenNothingIsHeld) {
  ASSERT_TRUE(Apply(planning_.Add("CCIAA-XX", 2022, Created("CCIAA-XX"), At("2022-01-10T09:00:00"))).ok());
  RocksDbReader reader(db_.get());
  v1::Progress p;
  ASSERT_TRUE(DescribeQuarantine(reader, &p).ok());
  EXPECT_EQ(p.state(), v1::Progress::SERVING);
  EXPECT_EQ(p.quarantined_total(), 0u);
}

TEST_F(QuarantineTest, CodesWithAnyBytesAreStoredAndReadBack) {
  // Before: keys were split on NUL, so "O1\0X" made the plan undecodable (DATA_LOSS) for every query.
  const std::string objective("O1\0X", 4);
  const std::string indicator("K\0\x01", 3);
  ASSERT_TRUE(Apply(planning_.Add("CCIAA-XX", 2022, Created("CCIAA-XX"), At("2022-01-10T09:00:00"))).ok());
  ASSERT_TRUE(Apply(planning_.Add("CCIAA-XX", 2022, Adopted(objective, indicator), At("2022-02-02T09:00:00"),
                                  ValidFrom("2022-02-01")))
                  .ok());
  absl::StatusOr<v1::ScoresView> s = Scores("CCIAA-XX");
  ASSERT_TRUE(s.ok()) << s.status();
  RocksDbReader reader(db_.get());
  absl::StatusOr<PlanRecords> records = LoadPlan(reader, "CCIAA-XX", 2022);
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->indicators.size(), 1u);
  EXPECT_EQ(records->indicators[0].code, indicator);
  EXPECT_EQ(records->indicators[0].objective.code(), objective);
}

TEST(QuarantineRulesTest, TransientErrorsAreRetriedNotQuarantined) {
  EXPECT_TRUE(IsTransientViewError(absl::UnavailableError("x")));
  EXPECT_TRUE(IsTransientViewError(absl::AbortedError("x")));
  EXPECT_FALSE(IsTransientViewError(absl::DataLossError("x")));
  EXPECT_FALSE(IsTransientViewError(absl::InvalidArgumentError("x")));
}

}  // namespace
}  // namespace piao::projection
