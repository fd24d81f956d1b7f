// Test-only: event envelopes shaped exactly as the planning and measurement services publish them, and the
// Torino 2022 cycle as such a sequence (tests/fixtures/torino-2022): PlanCreated, ObjectivesAdopted (the PIAO
// as approved by delibera 103, valid from 2022-06-27), RevisionActApplied (delibera 142, valid from
// 2022-09-13) and one ActualRecorded per actual of the Relazione 2022 (strategic indicators).
#ifndef PIAO_SERVICES_PROJECTION_TORINO_EVENTS_TEST_UTIL_H_
#define PIAO_SERVICES_PROJECTION_TORINO_EVENTS_TEST_UTIL_H_

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "libs/base/status_macros.h"
#include "libs/plan/fixture_files.h"
#include "libs/plan/plan_json.h"
#include "libs/plan/plan_proto.h"
#include "libs/plan/revision.h"
#include "piao/v1/event.pb.h"
#include "piao/v1/measurement.pb.h"
#include "piao/v1/planning.pb.h"

namespace piao::projection::testing {

inline google::protobuf::Timestamp Ts(absl::Time t) {
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(t));
  ts.set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(absl::ToUnixSeconds(t))) / absl::Nanoseconds(1)));
  return ts;
}

// "2022-09-14T09:00:00" (UTC).
inline absl::Time At(const std::string& rfc3339_utc) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime("%Y-%m-%dT%H:%M:%S", rfc3339_utc, absl::UTCTimeZone(), &t, &err)) return absl::InfinitePast();
  return t;
}

// Builds the envelopes of one source, numbering global positions (and stream versions per stream) from 1.
class SourceLog {
 public:
  SourceLog(std::string source, std::string aggregate_type) : source_(std::move(source)), type_(std::move(aggregate_type)) {}

  // Appends `payload` to stream <aggregate_type>/<admin>/<year>. `occurred_at` unset = the record time.
  const v1::EventEnvelope& Add(const std::string& admin, int year, const google::protobuf::Message& payload,
                               absl::Time recorded_at, std::optional<absl::Time> occurred_at = std::nullopt,
                               const std::string& actor = "user:test", const std::string& correlation_id = "") {
    v1::EventEnvelope e;
    const std::string id = absl::StrCat(admin, "/", year);
    e.set_event_id(absl::StrCat(source_, "-", events_.size() + 1));
    e.set_source_service(source_);
    e.mutable_stream()->set_aggregate_type(type_);
    e.mutable_stream()->set_aggregate_id(id);
    uint64_t version = 1;
    for (const v1::EventEnvelope& x : events_) version += x.stream().aggregate_id() == id ? 1 : 0;
    e.set_stream_version(version);
    e.set_global_position(events_.size() + 1);
    e.set_event_type(payload.GetDescriptor()->full_name());
    e.set_schema_version(1);
    *e.mutable_occurred_at() = Ts(occurred_at.value_or(recorded_at));
    *e.mutable_recorded_at() = Ts(recorded_at);
    e.mutable_actor()->set_id(actor);
    e.set_correlation_id(correlation_id);
    e.set_payload(payload.SerializeAsString());
    events_.push_back(std::move(e));
    return events_.back();
  }
  const std::vector<v1::EventEnvelope>& events() const { return events_; }

 private:
  std::string source_, type_;
  std::vector<v1::EventEnvelope> events_;
};

inline absl::Time ValidFrom(const std::string& iso_date) { return At(iso_date + "T00:00:00"); }

// A RevisionActApplied as the planning service writes it for `changes` applied to `before` (which must
// succeed): every change with the objective's full key, `after` = each changed indicator once, revised.
inline absl::StatusOr<v1::RevisionActApplied> RevisionEvent(const plan::Plan& before,
                                                            const std::vector<plan::Revision>& changes,
                                                            plan::Plan* revised_out) {
  PIAO_ASSIGN_OR_RETURN(plan::Plan revised, plan::ApplyRevisionAct(before, changes));
  PIAO_ASSIGN_OR_RETURN(v1::RevisionActApplied ev,
                        plan::RevisionActEvent(revised, plan::DescribeAct(changes.front().act, changes.front().effective_date),
                                               changes.front().effective_date, changes));
  if (revised_out != nullptr) *revised_out = std::move(revised);
  return ev;
}

inline constexpr char kTorinoAdmin[] = "CCIAA-TO";

struct TorinoEvents {
  std::vector<v1::EventEnvelope> planning;     // PlanCreated, ObjectivesAdopted, RevisionActApplied
  std::vector<v1::EventEnvelope> measurement;  // ActualRecorded, one per actual
  // Both, in record-time order (planning first).
  std::vector<v1::EventEnvelope> All() const {
    std::vector<v1::EventEnvelope> all = planning;
    all.insert(all.end(), measurement.begin(), measurement.end());
    return all;
  }
};

inline absl::StatusOr<TorinoEvents> BuildTorinoEvents() {
  PIAO_ASSIGN_OR_RETURN(plan::ParsedPlanFile approved,
                        plan::ParsePlanJson(plan::testing::ReadFixture("torino-2022/plan-2022.json")));
  PIAO_ASSIGN_OR_RETURN(std::vector<plan::Revision> revisions,
                        plan::ParseRevisionsJson(plan::testing::ReadFixture("torino-2022/revisions-2022.json")));
  PIAO_ASSIGN_OR_RETURN(plan::ParsedPlanFile results,
                        plan::ParsePlanJson(plan::testing::ReadFixture("torino-2022/results-2022-strategic.json")));
  const int year = approved.plan.year;
  SourceLog planning("planning", "plan");
  SourceLog measurement("measurement", "actuals");

  v1::PlanCreated created;
  created.set_administration(kTorinoAdmin);
  created.set_year(year);
  created.set_title("PIAO 2022-2024");
  planning.Add(kTorinoAdmin, year, created, At("2022-06-27T15:00:00"), std::nullopt, "user:planner", "import-piao-2022");

  v1::ObjectivesAdopted adopted;
  if (!approved.plan.approval.has_value()) return absl::FailedPreconditionError("plan-2022.json has no approval");
  *adopted.mutable_act() = plan::ToProto(*approved.plan.approval);
  adopted.set_effective_date(plan::FormatIsoDate(*approved.plan.approval->date));
  for (const plan::Objective& o : approved.plan.objectives) *adopted.add_objectives() = plan::ToProto(o);
  planning.Add(kTorinoAdmin, year, adopted, At("2022-06-28T09:30:00"), ValidFrom(adopted.effective_date()),
               "user:planner", "import-piao-2022");

  plan::Plan current = approved.plan;
  int act_no = 0;
  for (const std::vector<plan::Revision>& act : plan::GroupByAct(revisions)) {
    plan::Plan next;
    PIAO_ASSIGN_OR_RETURN(v1::RevisionActApplied ev, RevisionEvent(current, act, &next));
    planning.Add(kTorinoAdmin, year, ev, At("2022-09-14T10:00:00") + absl::Hours(act_no++),
                 ValidFrom(ev.effective_date()), "user:planner", "delibera-142");
    current = std::move(next);
  }

  int n = 0;
  for (const auto& [ref, value] : results.actuals) {
    v1::ActualRecorded a;
    a.set_actual_id(absl::StrCat("act-", ++n));
    *a.mutable_objective() = plan::ToProto(ref.objective);
    a.set_indicator(ref.indicator);
    a.set_period("year-end");
    *a.mutable_value() = plan::ToProto(value);
    a.set_source("Relazione sulla performance 2022, All. 1");
    a.set_evidence_ref("relazione-2022#" + ref.indicator);
    measurement.Add(kTorinoAdmin, year, a, At("2023-03-01T09:00:00") + absl::Minutes(n), std::nullopt,
                    "user:measurer", "relazione-2022");
  }
  return TorinoEvents{planning.events(), measurement.events()};
}

}  // namespace piao::projection::testing

#endif  // PIAO_SERVICES_PROJECTION_TORINO_EVENTS_TEST_UTIL_H_
