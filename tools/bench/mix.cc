#include "tools/bench/mix.h"

#include "absl/strings/str_cat.h"
#include "libs/base/status_macros.h"
#include "libs/base/timestamp.h"
#include "libs/plan/model.h"
#include "libs/plan/plan_proto.h"
#include "services/projection/torino_events_test_util.h"

namespace piao::bench {
namespace {

// The Torino cycle, built once (it parses the fixtures).
const absl::StatusOr<projection::testing::TorinoEvents>& Torino() {
  static const auto* events = new absl::StatusOr<projection::testing::TorinoEvents>(
      projection::testing::BuildTorinoEvents());
  return *events;
}

void Rename(v1::EventEnvelope* e, const std::string& admin) {
  const std::string id = e->stream().aggregate_id();
  const std::string year = id.substr(id.rfind('/') + 1);
  e->mutable_stream()->set_aggregate_id(absl::StrCat(admin, "/", year));
}

}  // namespace

absl::StatusOr<AdministrationEvents> MixFor(const std::string& admin) {
  const auto& torino = Torino();
  if (!torino.ok()) return torino.status();
  AdministrationEvents out;
  for (v1::EventEnvelope e : torino->planning) {
    Rename(&e, admin);
    if (e.event_type() == v1::PlanCreated::descriptor()->full_name()) {
      v1::PlanCreated p;
      if (!p.ParseFromString(e.payload())) return absl::DataLossError("PlanCreated");
      p.set_administration(admin);
      e.set_payload(p.SerializeAsString());
    }
    out.planning.push_back(std::move(e));
  }
  // Year-end, then the same indicators at two monitoring dates.
  for (const char* period : {"year-end", "2022-06-30", "2022-09-30"}) {
    int n = 0;
    for (v1::EventEnvelope e : torino->measurement) {
      Rename(&e, admin);
      v1::ActualRecorded a;
      if (!a.ParseFromString(e.payload())) return absl::DataLossError("ActualRecorded");
      a.set_period(period);
      a.set_actual_id(absl::StrCat(admin, "/", period, "/", ++n));
      e.set_payload(a.SerializeAsString());
      out.measurement.push_back(std::move(e));
    }
  }
  return out;
}

absl::StatusOr<AdministrationEvents> LargePlanFor(const std::string& admin, int indicators) {
  const auto& torino = Torino();
  if (!torino.ok()) return torino.status();
  AdministrationEvents out;
  v1::ObjectivesAdopted template_adoption;
  for (v1::EventEnvelope e : torino->planning) {
    Rename(&e, admin);
    if (e.event_type() == v1::PlanCreated::descriptor()->full_name()) {
      v1::PlanCreated p;
      if (!p.ParseFromString(e.payload())) return absl::DataLossError("PlanCreated");
      p.set_administration(admin);
      e.set_payload(p.SerializeAsString());
      out.planning.push_back(std::move(e));
    } else if (e.event_type() == v1::ObjectivesAdopted::descriptor()->full_name()) {
      if (!template_adoption.ParseFromString(e.payload())) return absl::DataLossError("ObjectivesAdopted");
      v1::ObjectivesAdopted adopted = template_adoption;
      adopted.clear_objectives();
      int count = 0;
      for (int round = 0; count < indicators; ++round) {
        for (const v1::ObjectiveDefinition& o : template_adoption.objectives()) {
          if (count >= indicators) break;
          if (o.indicators_size() == 0) continue;
          v1::ObjectiveDefinition copy = o;
          if (round > 0) copy.set_code(absl::StrCat(o.code(), "-", round));
          copy.clear_indicators();
          for (const v1::IndicatorDefinition& ind : o.indicators()) {
            if (count >= indicators) break;
            *copy.add_indicators() = ind;
            ++count;
          }
          *adopted.add_objectives() = std::move(copy);
        }
      }
      e.set_payload(adopted.SerializeAsString());
      // One actual per indicator, year-end, from the Torino actuals' value shapes.
      v1::ActualRecorded shape;
      if (!torino->measurement.empty() && !shape.ParseFromString(torino->measurement.front().payload())) {
        return absl::DataLossError("ActualRecorded");
      }
      int n = 0;
      for (const v1::ObjectiveDefinition& o : adopted.objectives()) {
        for (const v1::IndicatorDefinition& ind : o.indicators()) {
          v1::EventEnvelope m = torino->measurement.front();
          Rename(&m, admin);
          v1::ActualRecorded a = shape;
          a.set_actual_id(absl::StrCat(admin, "/", ++n));
          a.mutable_objective()->set_code(o.code());
          a.mutable_objective()->set_level_kind(o.level_kind());
          PIAO_ASSIGN_OR_RETURN(plan::Objective model, plan::FromProto(o, o.code()));
          a.mutable_objective()->set_scope(plan::KeyOf(model).scope);
          a.set_indicator(ind.code());
          // A value of the target's kind: a quantity in its unit, or a delivery date; none for a text target.
          const v1::Target& target =
              ind.targets_by_year().contains(2022) ? ind.targets_by_year().at(2022) : ind.target();
          a.clear_value();
          if (target.has_comparison()) {
            a.mutable_value()->mutable_quantity()->set_value(target.comparison().value() * (0.8 + 0.01 * (n % 40)));
            a.mutable_value()->mutable_quantity()->set_unit(target.comparison().unit());
          } else if (target.kind_case() == v1::Target::kByDate) {
            a.mutable_value()->set_date(target.by_date());
          } else {
            continue;
          }
          m.set_payload(a.SerializeAsString());
          out.measurement.push_back(std::move(m));
        }
      }
      out.planning.push_back(std::move(e));
    }
  }
  return out;
}

absl::Status AppendAll(eventstore::EventStore& store, const std::vector<v1::EventEnvelope>& events) {
  if (events.empty()) return absl::OkStatus();
  std::vector<eventstore::NewEvent> batch;
  batch.reserve(events.size());
  for (const v1::EventEnvelope& e : events) {
    batch.push_back(eventstore::NewEvent{e.event_type(), e.schema_version(), FromTimestamp(e.occurred_at()),
                                         e.payload()});
  }
  eventstore::CommandContext ctx;
  *ctx.actor.mutable_id() = events.front().actor().id();
  ctx.correlation_id = events.front().correlation_id();
  StreamId stream{events.front().stream().aggregate_type(), events.front().stream().aggregate_id()};
  return store.Append(stream, eventstore::ExpectedVersion::Any(), std::move(batch), ctx).status();
}

absl::StatusOr<MixStores> WriteMix(const std::filesystem::path& dir, uint64_t events, bool sync) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "planning");
  std::filesystem::create_directories(dir / "measurement");
  MixStores out;
  eventstore::Options o;
  o.sync = sync;
  o.source_service = ServiceName("planning");
  PIAO_ASSIGN_OR_RETURN(out.planning, eventstore::EventStore::Open((dir / "planning" / "events").string(), o));
  o.source_service = ServiceName("measurement");
  PIAO_ASSIGN_OR_RETURN(out.measurement, eventstore::EventStore::Open((dir / "measurement" / "events").string(), o));
  while (out.events < events) {
    PIAO_ASSIGN_OR_RETURN(AdministrationEvents a, MixFor(absl::StrCat("PA", out.administrations++)));
    PIAO_RETURN_IF_ERROR(AppendAll(*out.planning, a.planning));
    PIAO_RETURN_IF_ERROR(AppendAll(*out.measurement, a.measurement));
    out.events += a.planning.size() + a.measurement.size();
  }
  return out;
}

}  // namespace piao::bench
