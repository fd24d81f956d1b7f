// Event schema versions: VariableBatchRecorded v1 -> v2, and stores written by an earlier release (v1 events,
// tests/fixtures/stores/v1, see its README) replayed by today's code: the measurement fold, and the projection
// rebuilt from them reproducing the administration's published ratios.
#include "services/common/event_schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "google/protobuf/util/message_differencer.h"

#include "libs/plan/fixture_files.h"
#include "libs/plan/plan_json.h"
#include "libs/plan/plan_proto.h"
#include "libs/service/service_test_util.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "piao/v1/measurement.pb.h"
#include "piao/v1/hr.pb.h"
#include "piao/v1/planning.pb.h"
#include "piao/v1/risk.pb.h"
#include "services/common/aggregate_util.h"
#include "services/measurement/feed_aggregate.h"
#include "services/projection/lineage.h"
#include "services/projection/projection_service.h"
#include "services/projection/query.h"

// The tests read the deprecated v1 field on purpose: to show the fixture is v1 and the upcaster clears it.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace piao::services {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string SourceDir() {
  const char* env = std::getenv("PIAO_SOURCE_DIR");
  return env != nullptr ? env : PIAO_DEFAULT_SOURCE_DIR;
}

// A copy of a fixture store (RocksDB writes when it opens a directory), opened as `service`.
std::unique_ptr<eventstore::EventStore> OpenFixtureCopy(const std::string& service, const std::string& dir) {
  fs::copy(fs::path(SourceDir()) / "tests/fixtures/stores/v1" / service, dir, fs::copy_options::recursive);
  eventstore::Options options;
  options.source_service = ServiceName(service);
  options.sync = false;
  auto store = eventstore::EventStore::Open(dir, options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(*store) : nullptr;
}

TEST(UpcastVariableBatchV1, TheKindTextBecomesTheEnum) {
  v1::VariableBatchRecorded old;
  old.set_batch_id("b1");
  old.set_kind("infocamere");
  old.add_values()->set_variable("imprese_attive");
  absl::StatusOr<std::string> up = UpcastVariableBatchV1(old.SerializeAsString());
  ASSERT_TRUE(up.ok()) << up.status();
  v1::VariableBatchRecorded now;
  ASSERT_TRUE(now.ParseFromString(*up));
  EXPECT_EQ(now.feed_kind(), v1::FEED_KIND_INFOCAMERE);
  EXPECT_TRUE(now.kind().empty());  // only the upcaster ever reads the v1 field
  EXPECT_EQ(now.values(0).variable(), "imprese_attive");

  old.set_kind("bank");
  EXPECT_THAT(UpcastVariableBatchV1(old.SerializeAsString()).status().message(), HasSubstr("kind: must be"));
  EXPECT_FALSE(UpcastVariableBatchV1("\xff\xff").ok());
  EXPECT_EQ(EventSchemas().Current("piao.v1.VariableBatchRecorded"), 2u);
  EXPECT_EQ(EventSchemas().Current("piao.v1.PlanCreated"), 1u);
}

// Wave one's RevisionActApplied: every change with its kind as text and its values as revisions-file JSON.
v1::RevisionActApplied WaveOneRevisionAct(const std::vector<plan::Revision>& act) {
  v1::RevisionActApplied ev;
  ev.mutable_act()->set_text(act.front().act);
  ev.set_effective_date(plan::FormatIsoDate(act.front().effective_date));
  for (const plan::Revision& r : act) {
    v1::RevisionChange* c = ev.add_changes();
    *c = plan::ToProto(r);
    c->clear_change();
    c->clear_from_value();
    c->clear_to_value();
    const nlohmann::json j = plan::RevisionToJson(r);
    c->set_kind(j["change"].get<std::string>());
    c->set_from_json(j["from"].dump());
    c->set_to_json(j["to"].dump());
    c->mutable_objective()->set_scope("kept as recorded");  // the event's own key survives the upcast
    if (r.level.has_value()) {  // wave one's text level
      c->mutable_objective()->clear_level_kind();
      c->mutable_objective()->set_level(std::string(plan::LevelName(*r.level)));
    }
  }
  return ev;
}

// Every revision act of the Relazione 2022 (Torino), written as wave one wrote it, reads typed and equal to
// what today's planning writes; a change wave one's rules refuse is an error, not a guess.
TEST(UpcastRevisionActV1, EveryTorinoRevisionBecomesTyped) {
  auto revisions = plan::ParseRevisionsJson(plan::testing::ReadFixture("torino-2022/revisions-2022.json"));
  ASSERT_TRUE(revisions.ok()) << revisions.status();
  size_t changes = 0;
  for (const std::vector<plan::Revision>& act : plan::GroupByAct(*revisions)) {
    absl::StatusOr<std::string> up = UpcastRevisionActV1(WaveOneRevisionAct(act).SerializeAsString());
    ASSERT_TRUE(up.ok()) << up.status();
    v1::RevisionActApplied typed;
    ASSERT_TRUE(typed.ParseFromString(*up));
    ASSERT_EQ(typed.changes_size(), static_cast<int>(act.size()));
    for (size_t i = 0; i < act.size(); ++i) {
      const v1::RevisionChange& c = typed.changes(static_cast<int>(i));
      EXPECT_TRUE(c.kind().empty() && c.from_json().empty() && c.to_json().empty());
      EXPECT_EQ(c.objective().scope(), "kept as recorded");
      v1::RevisionChange expected = plan::ToProto(act[i]);
      *expected.mutable_objective() = c.objective();
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(c, expected)) << act[i].indicator;
      ++changes;
    }
  }
  EXPECT_EQ(changes, revisions->size());
  EXPECT_GT(changes, 20u);
  // Through the registry: an envelope of version 1 decodes to the typed shape.
  v1::EventEnvelope e;
  e.set_event_type(v1::RevisionActApplied::descriptor()->full_name());
  e.set_schema_version(1);
  e.set_payload(WaveOneRevisionAct(plan::GroupByAct(*revisions).front()).SerializeAsString());
  auto decoded = DecodePayload<v1::RevisionActApplied>(e);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_NE(decoded->changes(0).change(), v1::REVISION_KIND_UNSPECIFIED);
  for (const v1::RevisionChange& c : decoded->changes()) {  // ... and, through v2 -> v3, the levels as the enum
    EXPECT_TRUE(c.objective().level().empty());
  }
  // Broken wave-one JSON is refused, naming the change.
  v1::RevisionActApplied bad = WaveOneRevisionAct(plan::GroupByAct(*revisions).front());
  bad.mutable_changes(0)->set_to_json("{\"op\":");
  absl::StatusOr<std::string> refused = UpcastRevisionActV1(bad.SerializeAsString());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("changes[0]"));
}

// An envelope of `type` at `version` carrying `payload`.
v1::EventEnvelope Stored(const google::protobuf::Message& payload, uint32_t version) {
  v1::EventEnvelope e;
  e.set_event_type(payload.GetDescriptor()->full_name());
  e.set_schema_version(version);
  e.set_payload(payload.SerializeAsString());
  e.set_global_position(7);
  return e;
}

// Every event type that carries an objective key or definition, as wave one (or RevisionActApplied v2) wrote
// it with the text `level`, reads with the enum `level_kind` only; a text that names no level is refused.
TEST(UpcastLevels, EveryEventWithAnObjectiveReadsWithTheEnumOnly) {
  v1::ObjectivesAdopted adopted;
  adopted.add_objectives()->set_level("strategic");
  adopted.add_objectives()->set_level("operational");
  adopted.add_indicators()->mutable_objective()->set_level("individual");
  auto a = DecodePayload<v1::ObjectivesAdopted>(Stored(adopted, 1));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->objectives(0).level_kind(), v1::OBJECTIVE_LEVEL_STRATEGIC);
  EXPECT_EQ(a->objectives(1).level_kind(), v1::OBJECTIVE_LEVEL_OPERATIONAL);
  EXPECT_EQ(a->indicators(0).objective().level_kind(), v1::OBJECTIVE_LEVEL_INDIVIDUAL);
  EXPECT_TRUE(a->objectives(0).level().empty() && a->indicators(0).objective().level().empty());

  v1::DescriptionsUpdated updated;
  updated.add_updates()->mutable_objective()->set_level("operational");
  auto d = DecodePayload<v1::DescriptionsUpdated>(Stored(updated, 1));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->updates(0).objective().level_kind(), v1::OBJECTIVE_LEVEL_OPERATIONAL);
  EXPECT_TRUE(d->updates(0).objective().level().empty());

  v1::RevisionActApplied act;  // v2: typed changes, text levels
  act.set_effective_date("2022-09-30");
  act.add_changes()->mutable_objective()->set_level("strategic");
  act.add_after()->mutable_objective()->set_level("individual");
  auto r = DecodePayload<v1::RevisionActApplied>(Stored(act, 2));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->changes(0).objective().level_kind(), v1::OBJECTIVE_LEVEL_STRATEGIC);
  EXPECT_EQ(r->after(0).objective().level_kind(), v1::OBJECTIVE_LEVEL_INDIVIDUAL);
  EXPECT_TRUE(r->changes(0).objective().level().empty() && r->after(0).objective().level().empty());

  v1::ActualRecorded recorded;
  recorded.set_actual_id("CCIAA-TO/2022/A1");
  recorded.mutable_objective()->set_level("strategic");
  auto ar = DecodePayload<v1::ActualRecorded>(Stored(recorded, 1));
  ASSERT_TRUE(ar.ok()) << ar.status();
  EXPECT_EQ(ar->objective().level_kind(), v1::OBJECTIVE_LEVEL_STRATEGIC);
  EXPECT_TRUE(ar->objective().level().empty());
  EXPECT_EQ(ar->actual_id(), "CCIAA-TO/2022/A1");

  v1::ActualCorrected corrected;
  corrected.mutable_objective()->set_level("individual");
  auto ac = DecodePayload<v1::ActualCorrected>(Stored(corrected, 1));
  ASSERT_TRUE(ac.ok()) << ac.status();
  EXPECT_EQ(ac->objective().level_kind(), v1::OBJECTIVE_LEVEL_INDIVIDUAL);
  EXPECT_TRUE(ac->objective().level().empty());

  // A text that names no level is an error naming the field, not a guess.
  recorded.mutable_objective()->set_level("regional");
  absl::StatusOr<v1::ActualRecorded> bad = DecodePayload<v1::ActualRecorded>(Stored(recorded, 1));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument) << bad.status();
  EXPECT_THAT(bad.status().message(), HasSubstr("objective.level: must be strategic, operational or individual"));
  // A current event (the enum only) reads as written.
  v1::ActualRecorded now;
  now.mutable_objective()->set_level_kind(v1::OBJECTIVE_LEVEL_OPERATIONAL);
  auto same = DecodePayload<v1::ActualRecorded>(Stored(now, 2));
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*same, now));
}

// The HR facts wave one wrote with their kinds as text read with the enums only; an unknown text is refused.
TEST(UpcastHrKinds, EveryHrEventWithAKindReadsWithTheEnumOnly) {
  v1::EstablishmentAdopted est;
  est.set_act("D.M. 16/2/2018");
  est.set_kind("ceiling");
  auto e = DecodePayload<v1::EstablishmentAdopted>(Stored(est, 1));
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_EQ(e->establishment_kind(), v1::ESTABLISHMENT_KIND_CEILING);
  EXPECT_TRUE(e->kind().empty());
  EXPECT_EQ(e->act(), "D.M. 16/2/2018");

  v1::StaffRecorded staff;
  staff.add_employees()->set_movement("in_service");
  staff.add_employees()->set_movement("mobility_in");
  auto st = DecodePayload<v1::StaffRecorded>(Stored(staff, 1));
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_EQ(st->employees(0).movement_kind(), v1::EMPLOYEE_MOVEMENT_IN_SERVICE);
  EXPECT_EQ(st->employees(1).movement_kind(), v1::EMPLOYEE_MOVEMENT_MOBILITY_IN);
  EXPECT_TRUE(st->employees(1).movement().empty());

  v1::LeavesRecorded leaves;
  leaves.add_leaves()->set_reason("mobility_out");
  auto l = DecodePayload<v1::LeavesRecorded>(Stored(leaves, 1));
  ASSERT_TRUE(l.ok()) << l.status();
  EXPECT_EQ(l->leaves(0).reason_kind(), v1::LEAVE_REASON_MOBILITY_OUT);
  EXPECT_TRUE(l->leaves(0).reason().empty());

  leaves.mutable_leaves(0)->set_reason("fired");
  absl::StatusOr<v1::LeavesRecorded> bad = DecodePayload<v1::LeavesRecorded>(Stored(leaves, 1));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument) << bad.status();
  EXPECT_THAT(bad.status().message(), HasSubstr("leaves[0].reason: must be retirement, resignation, mobility_out or other"));
}

// The risk register's facts wave one wrote with their kinds as text read with the enums only.
TEST(UpcastRiskKinds, EveryRiskEventWithAKindReadsWithTheEnumOnly) {
  v1::AssessmentRecorded a;
  a.mutable_assessment()->set_method("qualitative");
  a.mutable_assessment()->set_level("alto");  // an ordinal level: administration data, stays text
  auto ar = DecodePayload<v1::AssessmentRecorded>(Stored(a, 1));
  ASSERT_TRUE(ar.ok()) << ar.status();
  EXPECT_EQ(ar->assessment().rating_method(), v1::RATING_METHOD_QUALITATIVE);
  EXPECT_TRUE(ar->assessment().method().empty());
  EXPECT_EQ(ar->assessment().level(), "alto");

  v1::MeasureDefined m;
  m.mutable_measure()->set_kind("specific");
  auto md = DecodePayload<v1::MeasureDefined>(Stored(m, 1));
  ASSERT_TRUE(md.ok()) << md.status();
  EXPECT_EQ(md->measure().measure_kind(), v1::MEASURE_KIND_SPECIFIC);
  EXPECT_TRUE(md->measure().kind().empty());

  v1::MonitoringPlanned plan;
  plan.add_entries()->set_mode("every_case");
  plan.add_entries()->set_mode("sample");
  auto mp = DecodePayload<v1::MonitoringPlanned>(Stored(plan, 1));
  ASSERT_TRUE(mp.ok()) << mp.status();
  EXPECT_EQ(mp->entries(0).monitoring_mode(), v1::MONITORING_MODE_EVERY_CASE);
  EXPECT_EQ(mp->entries(1).monitoring_mode(), v1::MONITORING_MODE_SAMPLE);
  EXPECT_TRUE(mp->entries(1).mode().empty());

  v1::MonitoringRecorded r;
  r.mutable_record()->set_outcome("not_implemented");
  auto mr = DecodePayload<v1::MonitoringRecorded>(Stored(r, 1));
  ASSERT_TRUE(mr.ok()) << mr.status();
  EXPECT_EQ(mr->record().outcome_kind(), v1::MONITORING_OUTCOME_NOT_IMPLEMENTED);
  EXPECT_TRUE(mr->record().outcome().empty());

  m.mutable_measure()->set_kind("generic");
  absl::StatusOr<v1::MeasureDefined> bad = DecodePayload<v1::MeasureDefined>(Stored(m, 1));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument) << bad.status();
  EXPECT_THAT(bad.status().message(), HasSubstr("measure.kind: must be general or specific, got 'generic'"));
}

TEST(EventSchemas, NewEventsAreWrittenAtTheCurrentVersion) {
  v1::VariableBatchRecorded b;
  b.set_feed_kind(v1::FEED_KIND_ACCOUNTING);
  EXPECT_EQ(MakeEvent(b, std::nullopt).schema_version, 2u);
  EXPECT_EQ(MakeEvent(v1::PlanCreated(), std::nullopt).schema_version, 1u);
  EXPECT_EQ(MakeEvent(v1::RevisionActApplied(), std::nullopt).schema_version, 3u);
  EXPECT_EQ(MakeEvent(v1::ObjectivesAdopted(), std::nullopt).schema_version, 2u);
  EXPECT_EQ(MakeEvent(v1::DescriptionsUpdated(), std::nullopt).schema_version, 2u);
  EXPECT_EQ(MakeEvent(v1::ActualRecorded(), std::nullopt).schema_version, 2u);
  EXPECT_EQ(MakeEvent(v1::ActualCorrected(), std::nullopt).schema_version, 2u);
  for (const google::protobuf::Message* m : std::initializer_list<const google::protobuf::Message*>{
           &v1::EstablishmentAdopted::default_instance(), &v1::StaffRecorded::default_instance(),
           &v1::LeavesRecorded::default_instance(), &v1::AssessmentRecorded::default_instance(),
           &v1::MeasureDefined::default_instance(), &v1::MonitoringPlanned::default_instance(),
           &v1::MonitoringRecorded::default_instance()}) {
    EXPECT_EQ(EventSchemas().Current(m->GetDescriptor()->full_name()), 2u) << m->GetDescriptor()->full_name();
  }
  EXPECT_EQ(EventSchemas().Current("piao.v1.SelectionsOpened"), 1u);
  EXPECT_EQ(EventSchemas().Current("piao.v1.ProcessDefined"), 1u);
  // A reader refuses a version from the future rather than guessing.
  v1::EventEnvelope future;
  future.set_event_type("piao.v1.VariableBatchRecorded");
  future.set_schema_version(3);
  future.set_payload(b.SerializeAsString());
  EXPECT_EQ(DecodePayload<v1::VariableBatchRecorded>(future).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(V1Store, TheMeasurementFoldReadsTheV1BatchAsV2) {
  service::testing::TempDir dir;
  auto store = OpenFixtureCopy("measurement", dir.File("measurement"));
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->Verify().intact);  // the fixture is the record as written, untouched
  auto events = store->ReadStream(measurement::VariablesStream("CCIAA-TO"), StreamVersion(1));
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  // Stored as v1: the kind as text, no enum.
  const v1::EventEnvelope& stored = (*events)[0];
  EXPECT_EQ(stored.schema_version(), 1u);
  v1::VariableBatchRecorded raw;
  ASSERT_TRUE(raw.ParseFromString(stored.payload()));
  EXPECT_EQ(raw.kind(), "accounting");
  EXPECT_EQ(raw.feed_kind(), v1::FEED_KIND_UNSPECIFIED);
  // Read through today's fold: the typed kind, every row.
  absl::StatusOr<measurement::VariablesState> s = measurement::FoldVariables(*events);
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->batch_order.size(), 1u);
  const v1::BatchSummary& batch = s->batches.at(s->batch_order[0]);
  EXPECT_EQ(batch.kind(), "accounting");
  EXPECT_EQ(batch.feed_kind(), v1::FEED_KIND_ACCOUNTING);
  EXPECT_EQ(batch.rows(), 189u);
}

// The v1 stores' real planning adoption and computed actuals were written with wave one's text levels: read
// through the registry, every objective definition and key carries the enum only.
TEST(V1Store, ItsObjectivesAndActualsReadWithTheLevelAsTheEnum) {
  service::testing::TempDir dir;
  int definitions = 0, keys = 0;
  for (const char* service : {"planning", "measurement"}) {
    auto store = OpenFixtureCopy(service, dir.File(service));
    ASSERT_NE(store, nullptr);
    auto all = store->ReadAll(GlobalPosition(1));
    ASSERT_TRUE(all.ok()) << all.status();
    for (const v1::EventEnvelope& e : *all) {
      if (e.event_type() == "piao.v1.ObjectivesAdopted") {
        EXPECT_EQ(e.schema_version(), 1u);
        v1::ObjectivesAdopted raw;
        ASSERT_TRUE(raw.ParseFromString(e.payload()));
        ASSERT_GT(raw.objectives_size(), 0);
        EXPECT_EQ(raw.objectives(0).level(), "strategic");  // as stored: the text, no enum
        EXPECT_EQ(raw.objectives(0).level_kind(), v1::OBJECTIVE_LEVEL_UNSPECIFIED);
        auto read = DecodePayload<v1::ObjectivesAdopted>(e);
        ASSERT_TRUE(read.ok()) << read.status();
        for (const v1::ObjectiveDefinition& o : read->objectives()) {
          EXPECT_EQ(o.level_kind(), v1::OBJECTIVE_LEVEL_STRATEGIC);
          EXPECT_TRUE(o.level().empty());
          ++definitions;
        }
      } else if (e.event_type() == "piao.v1.ActualRecorded") {
        EXPECT_EQ(e.schema_version(), 1u);
        v1::ActualRecorded raw;
        ASSERT_TRUE(raw.ParseFromString(e.payload()));
        EXPECT_EQ(raw.objective().level(), "strategic");
        auto read = DecodePayload<v1::ActualRecorded>(e);
        ASSERT_TRUE(read.ok()) << read.status();
        EXPECT_EQ(read->objective().level_kind(), v1::OBJECTIVE_LEVEL_STRATEGIC);
        EXPECT_TRUE(read->objective().level().empty());
        ++keys;
      }
    }
  }
  EXPECT_GT(definitions, 0);
  EXPECT_GT(keys, 0);  // the computed ratios
}

// The published PIAO 2022 §1.4 ratios for 2021 (Camera di commercio di Torino): the v1 store's computed
// actuals, projected by today's code, still give them (tests/e2e/feed_e2e_test.cc asserts the same figures).
TEST(V1Store, TheProjectionRebuiltFromV1StoresReproducesThePublishedRatios) {
  service::testing::TempDir dir;
  rocksdb::Options o;
  o.create_if_missing = true;
  rocksdb::DB* raw_db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(o, dir.File("views"), &raw_db).ok());
  std::unique_ptr<rocksdb::DB> db(raw_db);
  auto handler = projection::MakeViewHandler(db.get());
  for (const char* service : {"planning", "measurement"}) {
    auto store = OpenFixtureCopy(service, dir.File(service));
    ASSERT_NE(store, nullptr);
    auto all = store->ReadAll(GlobalPosition(1));
    ASSERT_TRUE(all.ok()) << all.status();
    ASSERT_FALSE(all->empty());
    for (const v1::EventEnvelope& e : *all) {
      rocksdb::WriteBatch batch;
      ASSERT_TRUE(handler(e, &batch).ok()) << e.event_type() << " at " << e.global_position();
      ASSERT_TRUE(db->Write(rocksdb::WriteOptions(), &batch).ok());
    }
  }
  projection::RocksDbReader reader(db.get());
  v1::GetScoresRequest req;
  req.set_administration("CCIAA-TO");
  req.set_year(2021);
  absl::StatusOr<v1::ScoresView> scores = projection::QueryScores(reader, req);
  ASSERT_TRUE(scores.ok()) << scores.status();
  std::map<std::string, double> actual;
  for (const v1::ObjectiveScore& obj : scores->objectives()) {
    for (const v1::IndicatorScore& i : obj.indicators()) {
      if (i.has_grade_pct()) actual[i.code()] = i.grade_pct();
    }
  }
  EXPECT_EQ(actual.size(), 3u);
  v1::GetLineageRequest lr;
  lr.set_administration("CCIAA-TO");
  lr.set_year(2021);
  lr.set_objective(scores->objectives(0).code());
  lr.set_indicator(scores->objectives(0).indicators(0).code());
  absl::StatusOr<v1::Lineage> lineage = projection::QueryLineage(reader, lr);
  ASSERT_TRUE(lineage.ok()) << lineage.status();
  ASSERT_EQ(lineage->batches_size(), 1);
  EXPECT_EQ(lineage->batches(0).kind(), "accounting");  // the v1 text, read through the v2 enum
  EXPECT_EQ(lineage->actual().computation().inputs_size() > 0, true);
  // Every computed actual against the published figure: EQ_GC 126.7 %, STR_PRIM 114.66 %, INDEB 1.51
  // (printed to these decimals; the actual's value is in the indicator's score as the view holds it).
  const std::map<std::string, double> published = {{"EQ_GC", 126.7}, {"STR_PRIM", 114.66}, {"INDEB", 1.51}};
  for (const v1::IndicatorScore& i : scores->objectives(0).indicators()) {
    auto it = published.find(i.code());
    ASSERT_NE(it, published.end()) << i.code();
    const nlohmann::json a = nlohmann::json::parse(i.actual_json());
    ASSERT_TRUE(a.is_object()) << i.code() << " has no actual";
    EXPECT_NEAR(a.at("value").get<double>(), it->second, 0.05) << i.code();
  }
}

}  // namespace
}  // namespace piao::services
