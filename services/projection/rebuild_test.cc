// The Torino 2022 cycle through the real applier and RocksDB: rebuilds are byte-identical, a crash between
// events never applies one twice, and the published figures come out of the view.
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "libs/kafka/event_applier.h"
#include "libs/kafka/test_util.h"
#include "nlohmann/json.hpp"
#include "rocksdb/db.h"
#include "services/projection/projection_service.h"
#include "services/projection/query.h"
#include "services/projection/torino_events_test_util.h"
#include "services/projection/view.h"

// These tests also check the deprecated JSON-text fields still filled for wave-one clients.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace piao::projection {
namespace {

using testing::BuildTorinoEvents;
using testing::kTorinoAdmin;
using testing::TorinoEvents;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "piao-projection-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A view DB with its applier, as piao-projection runs them (the source logs serve as gap filler).
class Projection {
 public:
  Projection(const std::string& path, const TorinoEvents* events, kafka::PartitionShare share = {}) {
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(o, path, &db);
    EXPECT_TRUE(s.ok()) << s.ToString();
    db_.reset(db);
    auto reader = std::make_shared<kafka::testing::LogReader>([events](const std::string& source) {
      return source == "planning" ? &events->planning : &events->measurement;
    });
    kafka::ApplierOptions options;
    options.sync = false;
    options.share = share;
    auto applier = kafka::EventApplier::Open(db_.get(), MakeViewHandler(db_.get()), reader, options);
    EXPECT_TRUE(applier.ok()) << applier.status();
    applier_ = std::move(*applier);
  }
  ~Projection() {
    applier_.reset();
    db_.reset();
  }
  void Apply(const std::vector<v1::EventEnvelope>& events) {
    for (const auto& e : events) {
      absl::Status s = applier_->Apply(e, std::nullopt);
      ASSERT_TRUE(s.ok()) << s;
    }
  }
  std::map<std::string, std::string> Dump() const {
    std::map<std::string, std::string> out;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) out[it->key().ToString()] = it->value().ToString();
    return out;
  }
  rocksdb::DB* db() { return db_.get(); }
  kafka::EventApplier* applier() { return applier_.get(); }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  std::unique_ptr<kafka::EventApplier> applier_;
};

class RebuildTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto events = BuildTorinoEvents();
    ASSERT_TRUE(events.ok()) << events.status();
    events_ = *events;
    ASSERT_EQ(events_.planning.size(), 3u);
    ASSERT_GT(events_.measurement.size(), 50u);
  }

  v1::ScoresView Scores(rocksdb::DB* db, const std::string& date = "", const std::string& basis = "",
                        const std::string& period = "") {
    RocksDbReader reader(db);
    v1::GetScoresRequest req;
    req.set_administration(kTorinoAdmin);
    req.set_year(2022);
    req.set_as_of_date(date);
    req.set_basis(basis);
    req.set_period(period);
    auto v = QueryScores(reader, req);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *v : v1::ScoresView();
  }
  static const v1::ObjectiveScore* Objective(const v1::ScoresView& v, const std::string& code) {
    for (const auto& o : v.objectives()) {
      if (o.code() == code) return &o;
    }
    return nullptr;
  }
  static const v1::IndicatorScore* Indicator(const v1::ScoresView& v, const std::string& objective,
                                             const std::string& code) {
    const v1::ObjectiveScore* o = Objective(v, objective);
    if (o == nullptr) return nullptr;
    for (const auto& i : o->indicators()) {
      if (i.code() == code) return &i;
    }
    return nullptr;
  }

  TempDir dir_;
  TorinoEvents events_;
};

TEST_F(RebuildTest, RebuildingFromZeroIsByteIdentical) {
  std::map<std::string, std::string> a, b;
  {
    Projection p(dir_.Sub("a"), &events_);
    p.Apply(events_.All());
    a = p.Dump();
  }
  {
    Projection p(dir_.Sub("b"), &events_);
    p.Apply(events_.All());
    b = p.Dump();
  }
  EXPECT_GT(a.size(), 300u);
  EXPECT_TRUE(a.contains(HeaderKey(kTorinoAdmin, 2022)));
  EXPECT_TRUE(a == b) << "rebuild differs";
  // The measurement events first (another interleaving of the sources) gives the same bytes too.
  {
    Projection p(dir_.Sub("c"), &events_);
    p.Apply(events_.measurement);
    p.Apply(events_.planning);
    EXPECT_TRUE(p.Dump() == a) << "interleaving changed the view";
  }
}

// Scale-out (issue 13 §2): the member that owns the administration's partition, caught up from the stores alone,
// has byte for byte the views of the unsplit projection; a member owning only other partitions has none of them.
TEST_F(RebuildTest, AMemberOwningThePartitionHasTheUnsplitViews) {
  const auto views = [](const std::map<std::string, std::string>& dump) {
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : dump) {
      if (k.rfind(std::string("\x01piao.consumer/"), 0) != 0) out.emplace(k, v);
    }
    return out;
  };
  std::map<std::string, std::string> unsplit;
  {
    Projection p(dir_.Sub("unsplit"), &events_);
    p.Apply(events_.All());
    unsplit = views(p.Dump());
  }
  constexpr int32_t kCount = 4;
  const int32_t mine = kafka::PartitionOf(kTorinoAdmin, kCount);
  {
    Projection p(dir_.Sub("owner"), &events_, kafka::PartitionShare{kCount, {mine}});
    ASSERT_GT(p.applier()->CatchUp(ServiceName("planning")).value(), 0u);
    ASSERT_GT(p.applier()->CatchUp(ServiceName("measurement")).value(), 0u);
    EXPECT_TRUE(views(p.Dump()) == unsplit) << "the owner's views differ from the unsplit projection's";
    EXPECT_EQ(p.applier()->Applied(ServiceName("planning"), kTorinoAdmin), GlobalPosition(events_.planning.size()));
  }
  {
    kafka::PartitionShare others{kCount, {}};
    for (int32_t q = 0; q < kCount; ++q) {
      if (q != mine) others.owned.push_back(q);
    }
    Projection p(dir_.Sub("others"), &events_, others);
    EXPECT_EQ(p.applier()->CatchUp(ServiceName("planning")).value(), 0u);
    EXPECT_EQ(p.applier()->CatchUp(ServiceName("measurement")).value(), 0u);
    EXPECT_TRUE(views(p.Dump()).size() < unsplit.size() / 10) << "a non-owner holds the administration's views";
  }
}

TEST_F(RebuildTest, ACrashBetweenEventsNeverAppliesOneTwice) {
  const std::vector<v1::EventEnvelope> all = events_.All();
  std::map<std::string, std::string> straight;
  {
    Projection p(dir_.Sub("straight"), &events_);
    p.Apply(all);
    straight = p.Dump();
  }
  {
    Projection p(dir_.Sub("crash"), &events_);
    p.Apply(std::vector<v1::EventEnvelope>(all.begin(), all.begin() + all.size() / 2));
  }  // closed: as after a crash between two events
  {
    Projection p(dir_.Sub("crash"), &events_);
    EXPECT_EQ(p.applier()->LastApplied(ServiceName("planning")).value(), 3u);
    p.Apply(all);  // everything again: the first half are duplicates
    EXPECT_GT(p.applier()->stats().duplicates, 0u);
    EXPECT_TRUE(p.Dump() == straight) << "a replay after a restart changed the view";
  }
  {
    // Only the last event arrives (the rest lost in transit): the gap is filled from the sources' logs.
    Projection p(dir_.Sub("gap"), &events_);
    p.Apply({events_.planning.back(), events_.measurement.back()});
    EXPECT_TRUE(p.Dump() == straight) << "gap filling changed the view";
  }
}

TEST_F(RebuildTest, TheViewReproducesTheTorinoFigures) {
  Projection p(dir_.Sub("figures"), &events_);
  p.Apply(events_.All());
  const v1::ScoresView latest = Scores(p.db());
  ASSERT_TRUE(latest.has_enterprise_score_pct());
  std::printf("  enterprise %.2f%% (%s)\n", latest.enterprise_score_pct(), latest.enterprise_label().c_str());
  EXPECT_NEAR(latest.enterprise_score_pct(), 90.91, 0.1);
  EXPECT_EQ(latest.enterprise_label(), "Parzialmente raggiunto");
  const v1::ObjectiveScore* os01 = Objective(latest, "OS01.1.1");
  ASSERT_NE(os01, nullptr);
  std::printf("  OS01.1.1 %.2f%%\n", os01->score_pct());
  EXPECT_NEAR(os01->score_pct(), 60.48, 0.1);
  // The derived figures every client shows come with the answer: the band of the published label, and the
  // deviation the Relazione prints for EC05.1 (110.58 % against >= 105 %: "+5.58 %").
  EXPECT_EQ(latest.enterprise_band(), v1::ACHIEVEMENT_BAND_PARTLY);
  EXPECT_EQ(os01->band(), v1::ACHIEVEMENT_BAND_PARTLY);
  const v1::IndicatorScore* ec05 = Indicator(latest, "OS01.1.1", "EC05.1");
  ASSERT_NE(ec05, nullptr);
  EXPECT_EQ(ec05->band(), v1::ACHIEVEMENT_BAND_MET);
  ASSERT_TRUE(ec05->deviation().has_difference());
  EXPECT_NEAR(ec05->deviation().difference().value(), 5.58, 1e-9);
  EXPECT_EQ(ec05->deviation().difference().unit(), "%");

  // kpi3.1.1_01: >= 20 % as approved, >= 85 % from deliberazione 142 (valid from 2022-09-13).
  auto target = [](const v1::IndicatorScore* i) {
    return nlohmann::json::parse(i->target_json()).at("value").get<double>();
  };
  const v1::ScoresView july = Scores(p.db(), "2022-07-01");
  ASSERT_NE(Indicator(july, "OS03.1.1", "kpi3.1.1_01"), nullptr);
  ASSERT_NE(Indicator(latest, "OS03.1.1", "kpi3.1.1_01"), nullptr);
  EXPECT_GE(target(Indicator(july, "OS03.1.1", "kpi3.1.1_01")), 20);
  EXPECT_LT(target(Indicator(july, "OS03.1.1", "kpi3.1.1_01")), 85);
  EXPECT_GE(target(Indicator(latest, "OS03.1.1", "kpi3.1.1_01")), 85);
  // The indicator added by the act is not there in July.
  EXPECT_EQ(Indicator(july, "OS07.1.2", "kpi7.1.2_08"), nullptr);
  EXPECT_NE(Indicator(latest, "OS07.1.2", "kpi7.1.2_08"), nullptr);

  // As approved, the same actuals score differently (kpi3.1.1-04: 2 against >= 10000, SOGLIA 5000).
  const v1::ScoresView approved = Scores(p.db(), "", "approved");
  const v1::IndicatorScore* k04 = Indicator(approved, "OS03.1.1", "kpi3.1.1-04");
  ASSERT_NE(k04, nullptr);
  EXPECT_EQ(k04->grade_pct(), 0);
  EXPECT_LT(Objective(approved, "OS03.1.1")->score_pct(), 99.0);

  // The neutralised and suppressed indicators of the act.
  EXPECT_TRUE(Indicator(latest, "OS04.1.1", "kpi4.1.1_09")->neutralised());
  EXPECT_TRUE(Indicator(latest, "OS13.4", "kpi13.4_05")->suppressed());

  // History of kpi3.1.1-04: adopted, then two changes of one act (target and threshold), with from -> to.
  RocksDbReader reader(p.db());
  v1::GetIndicatorHistoryRequest h;
  h.set_year(2022);
  h.set_objective("OS03.1.1");
  h.set_indicator("kpi3.1.1-04");
  auto hist = QueryIndicatorHistory(reader, h);
  ASSERT_TRUE(hist.ok()) << hist.status();
  ASSERT_EQ(hist->versions_size(), 3);
  EXPECT_EQ(hist->versions(0).change(), "adopted");
  EXPECT_EQ(hist->versions(1).change(), "target");
  EXPECT_EQ(hist->versions(2).change(), "threshold");
  EXPECT_EQ(hist->versions(1).act().text(), "Deliberazione di Giunta n. 142 del 13/09/2022");
  EXPECT_FALSE(hist->versions(1).from_json().empty());
  EXPECT_FALSE(hist->versions(2).to_json().empty());
  ASSERT_EQ(hist->actuals_size(), 1);
  EXPECT_EQ(hist->actuals(0).actor(), "user:measurer");
}

// Mid-year monitoring (issue 12 §1): actuals recorded for a monitoring date are scored when that period is
// asked for, against the definitions in force that day; the year-end scores ignore them.
TEST_F(RebuildTest, AMonitoringPeriodIsScoredOnItsOwnActuals) {
  // kpi3.1.1_01 at the September monitoring: 50 %, against ">= 20 %" as approved (reached) — the revision
  // to ">= 85 %" (deliberazione 142, valid from 2022-09-13) is not in force on 2022-09-01.
  testing::SourceLog monitoring("measurement", "actuals");
  for (const v1::EventEnvelope& e : events_.measurement) {
    v1::ActualRecorded a;
    ASSERT_TRUE(a.ParseFromString(e.payload()));
    monitoring.Add(kTorinoAdmin, 2022, a, testing::At("2023-03-01T09:00:00"));
  }
  v1::ActualRecorded mid;
  mid.set_actual_id("monitoring-1");
  mid.mutable_objective()->set_level_kind(v1::OBJECTIVE_LEVEL_STRATEGIC);
  mid.mutable_objective()->set_code("OS03.1.1");
  mid.set_indicator("kpi3.1.1_01");
  mid.set_period("2022-09-01");
  mid.mutable_value()->mutable_quantity()->set_value(50);
  mid.mutable_value()->mutable_quantity()->set_unit("%");
  monitoring.Add(kTorinoAdmin, 2022, mid, testing::At("2022-09-05T09:00:00"));
  events_.measurement = monitoring.events();

  Projection p(dir_.Sub("monitoring"), &events_);
  p.Apply(events_.All());
  const v1::ScoresView year_end = Scores(p.db());
  EXPECT_EQ(year_end.period(), "year-end");
  EXPECT_NEAR(year_end.enterprise_score_pct(), 90.91, 0.1) << "the monitoring actual does not count at year-end";

  const v1::ScoresView september = Scores(p.db(), "", "", "2022-09-01");
  EXPECT_EQ(september.period(), "2022-09-01");
  EXPECT_EQ(september.as_of_date(), "2022-09-01") << "definitions in force on the monitoring date";
  int measured = 0;
  for (const v1::ObjectiveScore& o : september.objectives()) {
    for (const v1::IndicatorScore& i : o.indicators()) {
      if (i.actual_json() != "null") ++measured;
    }
  }
  EXPECT_EQ(measured, 1) << "only the monitoring actual is scored";
  const v1::IndicatorScore* k = Indicator(september, "OS03.1.1", "kpi3.1.1_01");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(nlohmann::json::parse(k->actual_json()).at("value").get<double>(), 50);
  EXPECT_LT(nlohmann::json::parse(k->target_json()).at("value").get<double>(), 85);
  ASSERT_TRUE(k->has_grade_pct());
  EXPECT_EQ(k->grade_pct(), 100);

  // The same monitoring actual against the revised target (as_of_date after the act): not reached.
  const v1::ScoresView against_revised = Scores(p.db(), "2022-12-31", "", "2022-09-01");
  const v1::IndicatorScore* r = Indicator(against_revised, "OS03.1.1", "kpi3.1.1_01");
  ASSERT_NE(r, nullptr);
  EXPECT_LT(r->grade_pct(), 100);

  RocksDbReader reader(p.db());
  v1::GetScoresRequest bad;
  bad.set_administration(kTorinoAdmin);
  bad.set_year(2022);
  bad.set_period("Q3");
  auto refused = QueryScores(reader, bad);
  EXPECT_TRUE(absl::IsInvalidArgument(refused.status())) << refused.status();
  EXPECT_NE(refused.status().message().find("period"), std::string::npos);
}

}  // namespace
}  // namespace piao::projection
