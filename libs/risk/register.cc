#include "libs/risk/register.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "libs/base/status_macros.h"
#include "libs/risk/banding.h"
#include "libs/risk/kinds.h"

namespace piao::risk {
namespace {

template <typename M>
absl::StatusOr<M> Decode(const v1::EventEnvelope& e) {
  M m;
  if (!m.ParseFromString(e.payload())) {
    return absl::DataLossError(absl::StrCat("undecodable ", e.event_type(), " at position ", e.global_position()));
  }
  return m;
}

template <typename M>
bool Is(const v1::EventEnvelope& e) {
  return e.event_type() == M::descriptor()->full_name();
}

Origin OriginOf(const v1::EventEnvelope& e) {
  return Origin{GlobalPosition(e.global_position()), e.actor().id(), e.recorded_at()};
}

bool Blank(const std::string& s) { return absl::StripAsciiWhitespace(s).empty(); }

template <typename T>
absl::StatusOr<const T*> InForce(const std::map<std::string, std::vector<T>>& all, const std::string& id,
                                 const std::string& date, const char* what) {
  auto it = all.find(id);
  if (it == all.end() || it->second.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("scheme: no ", what, " '", id, "' is defined"));
  }
  const T* best = nullptr;
  for (const T& v : it->second) {
    if (v.effective_from() <= date && (best == nullptr || v.effective_from() >= best->effective_from())) best = &v;
  }
  if (best == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("scheme: ", what, " '", id, "' is not in force on ", date,
                                                      " (its first version is effective from ",
                                                      it->second.front().effective_from(), ")"));
  }
  return best;
}

bool RatesArea(const google::protobuf::RepeatedPtrField<std::string>& areas, const std::string& area) {
  return areas.empty() || std::find(areas.begin(), areas.end(), area) != areas.end();
}

const v1::RiskEvent* FindEvent(const v1::RiskProcess& p, const std::string& code) {
  for (const v1::RiskEvent& e : p.risk_events()) {
    if (e.code() == code) return &e;
  }
  return nullptr;
}

v1::ProcessRating RatingOf(const v1::RiskProcess& p, const RatingEntry* r) {
  v1::ProcessRating out;
  out.set_code(p.code());
  out.set_name(p.name());
  out.set_area(p.area());
  out.set_unit(p.unit());
  out.set_owner(p.owner());
  if (r == nullptr) return out;
  const v1::Assessment& a = r->assessment;
  if (a.has_score()) out.set_score(a.score());
  out.set_level(a.level());
  out.set_severity(a.severity());
  out.set_rating_method(a.rating_method());
  out.set_scheme(a.scheme());
  out.set_scheme_version(a.scheme_version());
  out.set_assessed_on(a.assessed_on());
  out.set_highest_event(a.highest_event());
  out.set_motivation(a.motivation());
  out.set_global_position(r->origin.position.value());
  out.set_actor(r->origin.actor);
  *out.mutable_recorded_at() = r->origin.recorded_at;
  *out.mutable_events() = a.events();
  return out;
}

// Counts per area and level, in catalogue order then severity; unassessed processes under level "".
std::vector<v1::AreaBandCount> CountByArea(const RegisterState& s, const std::vector<v1::ProcessRating>& rated) {
  std::map<std::string, size_t> area_order;
  for (size_t i = 0; i < s.areas.size(); ++i) area_order[s.areas[i].code()] = i;
  std::map<std::tuple<size_t, std::string, uint32_t, std::string>, uint32_t> counts;
  for (const v1::ProcessRating& p : rated) {
    auto it = area_order.find(p.area());
    const size_t order = it == area_order.end() ? area_order.size() : it->second;
    ++counts[{order, p.area(), p.severity(), p.level()}];
  }
  std::vector<v1::AreaBandCount> out;
  for (const auto& [key, n] : counts) {
    v1::AreaBandCount c;
    c.set_area(std::get<1>(key));
    if (const v1::RiskArea* a = FindArea(s, c.area())) c.set_area_name(a->name());
    c.set_severity(std::get<2>(key));
    c.set_level(std::get<3>(key));
    c.set_processes(n);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

bool IsRiskEventType(const std::string& t) {
  static const std::set<std::string>* types = new std::set<std::string>{
      v1::AreasDefined::descriptor()->full_name(),       v1::SchemeDefined::descriptor()->full_name(),
      v1::QualitativeMethodDefined::descriptor()->full_name(), v1::ProcessDefined::descriptor()->full_name(),
      v1::AssessmentRecorded::descriptor()->full_name(), v1::MeasureDefined::descriptor()->full_name(),
      v1::MonitoringPlanned::descriptor()->full_name(),  v1::MonitoringRecorded::descriptor()->full_name(),
      v1::OwnerReportSubmitted::descriptor()->full_name()};
  return types->count(t) > 0;
}

absl::Status ApplyEvent(RegisterState& s, const v1::EventEnvelope& e) {
  if (Is<v1::AreasDefined>(e)) {
    PIAO_ASSIGN_OR_RETURN(v1::AreasDefined m, Decode<v1::AreasDefined>(e));
    s.areas.assign(m.areas().begin(), m.areas().end());
  } else if (Is<v1::SchemeDefined>(e)) {
    PIAO_ASSIGN_OR_RETURN(v1::SchemeDefined m, Decode<v1::SchemeDefined>(e));
    s.schemes[m.scheme().id()].push_back(m.scheme());
  } else if (Is<v1::QualitativeMethodDefined>(e)) {
    PIAO_ASSIGN_OR_RETURN(v1::QualitativeMethodDefined m, Decode<v1::QualitativeMethodDefined>(e));
    s.methods[m.method().id()].push_back(m.method());
  } else if (Is<v1::ProcessDefined>(e)) {
    PIAO_ASSIGN_OR_RETURN(v1::ProcessDefined m, Decode<v1::ProcessDefined>(e));
    s.processes[m.process().code()] = m.process();
  } else if (Is<v1::AssessmentRecorded>(e)) {
    PIAO_ASSIGN_OR_RETURN(v1::AssessmentRecorded m, Decode<v1::AssessmentRecorded>(e));
    s.ratings[m.assessment().process()].push_back(RatingEntry{m.assessment(), OriginOf(e)});
  } else if (Is<v1::MeasureDefined>(e)) {
    PIAO_ASSIGN_OR_RETURN(v1::MeasureDefined m, Decode<v1::MeasureDefined>(e));
    s.measures[m.measure().code()] = m.measure();
  } else if (Is<v1::MonitoringPlanned>(e)) {
    PIAO_ASSIGN_OR_RETURN(v1::MonitoringPlanned m, Decode<v1::MonitoringPlanned>(e));
    s.plan.assign(m.entries().begin(), m.entries().end());
  } else if (Is<v1::MonitoringRecorded>(e)) {
    PIAO_ASSIGN_OR_RETURN(v1::MonitoringRecorded m, Decode<v1::MonitoringRecorded>(e));
    s.monitoring.push_back(MonitoringEntry{m.record(), OriginOf(e)});
  } else if (Is<v1::OwnerReportSubmitted>(e)) {
    PIAO_ASSIGN_OR_RETURN(v1::OwnerReportSubmitted m, Decode<v1::OwnerReportSubmitted>(e));
    s.owner_reports.push_back(OwnerReportEntry{m.report(), OriginOf(e)});
  } else {
    return absl::FailedPreconditionError(
        absl::StrCat("unknown event type ", e.event_type(), " at position ", e.global_position()));
  }
  s.version = StreamVersion(e.stream_version());
  return absl::OkStatus();
}

absl::StatusOr<RegisterState> FoldRegister(const std::vector<v1::EventEnvelope>& events) {
  RegisterState s;
  for (const v1::EventEnvelope& e : events) PIAO_RETURN_IF_ERROR(ApplyEvent(s, e));
  return s;
}

const v1::RiskArea* FindArea(const RegisterState& s, const std::string& code) {
  for (const v1::RiskArea& a : s.areas) {
    if (a.code() == code) return &a;
  }
  return nullptr;
}

absl::StatusOr<const v1::BandingScheme*> SchemeInForce(const RegisterState& s, const std::string& id,
                                                       const std::string& date) {
  return InForce(s.schemes, id, date, "banding scheme");
}

absl::StatusOr<const v1::QualitativeMethod*> MethodInForce(const RegisterState& s, const std::string& id,
                                                           const std::string& date) {
  return InForce(s.methods, id, date, "qualitative method");
}

const v1::EventRating* HighestEvent(const google::protobuf::RepeatedPtrField<v1::EventRating>& events) {
  const v1::EventRating* best = nullptr;
  for (const v1::EventRating& e : events) {
    if (best == nullptr || e.severity() > best->severity() ||
        (e.severity() == best->severity() && e.score() > best->score())) {
      best = &e;
    }
  }
  return best;
}

absl::StatusOr<v1::Assessment> RateAssessment(const RegisterState& s, const v1::Assessment& in) {
  v1::Assessment a = in;
  // The method as the enum only (wave one's text `method` read), as the event carries it.
  if (absl::Status typed = RiskKinds().Normalise(&a); !typed.ok()) {
    return absl::Status(typed.code(), absl::StrCat("assessment.", typed.message()));
  }
  auto p = s.processes.find(a.process());
  if (p == s.processes.end()) {
    return absl::FailedPreconditionError(absl::StrCat("assessment.process: no process '", a.process(), "' in the map"));
  }
  const v1::RiskProcess& process = p->second;
  if (a.events_size() == 0) {
    return absl::InvalidArgumentError("assessment.events: rate at least one risk event of the process");
  }
  if (Blank(a.motivation())) {
    return absl::InvalidArgumentError("assessment.motivation: the synthetic judgement must be motivated");
  }
  PIAO_ASSIGN_OR_RETURN(const v1::RatingMethod rating_method, RequestedRatingMethod(a, "assessment."));
  const bool numeric = rating_method == v1::RATING_METHOD_PRODUCT || rating_method == v1::RATING_METHOD_MEAN;
  const v1::BandingScheme* scheme = nullptr;
  const v1::QualitativeMethod* method = nullptr;
  if (numeric) {
    PIAO_ASSIGN_OR_RETURN(scheme, SchemeInForce(s, a.scheme(), a.assessed_on()));
    if (!RatesArea(scheme->areas(), process.area())) {
      return absl::FailedPreconditionError(absl::StrCat("assessment.scheme: ", a.scheme(), " rates areas ",
                                                        absl::StrJoin(scheme->areas(), ", "), "; process ",
                                                        process.code(), " is in area ", process.area()));
    }
    a.set_scheme_version(scheme->version());
  } else {
    PIAO_ASSIGN_OR_RETURN(method, MethodInForce(s, a.scheme(), a.assessed_on()));
    if (!RatesArea(method->areas(), process.area())) {
      return absl::FailedPreconditionError(absl::StrCat("assessment.scheme: ", a.scheme(), " rates areas ",
                                                        absl::StrJoin(method->areas(), ", "), "; process ",
                                                        process.code(), " is in area ", process.area()));
    }
    a.set_scheme_version(method->version());
  }

  std::set<std::string> seen;
  for (int i = 0; i < a.events_size(); ++i) {
    v1::EventRating& e = *a.mutable_events(i);
    const std::string at = absl::StrCat("assessment.events[", i, "]");
    if (FindEvent(process, e.risk_event()) == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(at, ".risk_event: process ", process.code(),
                                                        " has no risk event '", e.risk_event(), "'"));
    }
    if (!seen.insert(e.risk_event()).second) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".risk_event: '", e.risk_event(), "' rated twice"));
    }
    if (rating_method == v1::RATING_METHOD_PRODUCT) {
      if (!e.has_probability() || !e.has_impact()) {
        return absl::InvalidArgumentError(absl::StrCat(at, ": method product needs probability and impact"));
      }
      for (auto [name, v] : {std::pair<const char*, double>{"probability", e.probability()}, {"impact", e.impact()}}) {
        if (!std::isfinite(v) || v <= 0) {
          return absl::InvalidArgumentError(absl::StrCat(at, ".", name, ": must be a positive number, got ", v));
        }
      }
      e.set_score(e.probability() * e.impact());
    } else if (rating_method == v1::RATING_METHOD_MEAN) {
      if (e.sub_indicators_size() == 0) {
        return absl::InvalidArgumentError(absl::StrCat(at, ".sub_indicators: method mean needs at least one value"));
      }
      double sum = 0;
      for (int j = 0; j < e.sub_indicators_size(); ++j) {
        if (!std::isfinite(e.sub_indicators(j))) {
          return absl::InvalidArgumentError(absl::StrCat(at, ".sub_indicators[", j, "]: must be a finite number"));
        }
        sum += e.sub_indicators(j);
      }
      e.set_score(sum / e.sub_indicators_size());
    }
    if (numeric) {
      absl::StatusOr<Banded> band = BandScore(*scheme, e.score());
      if (!band.ok()) return absl::InvalidArgumentError(absl::StrCat(at, ".", band.status().message()));
      e.set_level(band->level);
      e.set_severity(band->severity);
      continue;
    }
    // Qualitative: every key risk indicator once, each with its motivation; the event takes the highest.
    std::set<std::string> rated;
    Banded highest;
    for (int j = 0; j < e.indicators_size(); ++j) {
      const v1::IndicatorRating& r = e.indicators(j);
      const std::string rat = absl::StrCat(at, ".indicators[", j, "]");
      bool known = false;
      for (const v1::KeyRiskIndicator& k : method->indicators()) known |= k.code() == r.indicator();
      if (!known) {
        return absl::InvalidArgumentError(
            absl::StrCat(rat, ".indicator: '", r.indicator(), "' is not an indicator of method ", method->id()));
      }
      if (!rated.insert(r.indicator()).second) {
        return absl::InvalidArgumentError(absl::StrCat(rat, ".indicator: '", r.indicator(), "' rated twice"));
      }
      absl::StatusOr<Banded> level = OrdinalLevel(*method, r.level());
      if (!level.ok()) return absl::InvalidArgumentError(absl::StrCat(rat, ".", level.status().message()));
      if (Blank(r.motivation())) {
        return absl::InvalidArgumentError(absl::StrCat(rat, ".motivation: each indicator's level must be motivated"));
      }
      if (level->severity > highest.severity) highest = *level;
    }
    for (const v1::KeyRiskIndicator& k : method->indicators()) {
      if (rated.count(k.code()) == 0) {
        return absl::InvalidArgumentError(absl::StrCat(at, ".indicators: key risk indicator '", k.code(),
                                                       "' of method ", method->id(), " is not rated"));
      }
    }
    e.clear_score();
    e.set_level(highest.level);
    e.set_severity(highest.severity);
  }
  const v1::EventRating* top = HighestEvent(a.events());
  if (top->has_score()) {
    a.set_score(top->score());
  } else {
    a.clear_score();
  }
  a.set_level(top->level());
  a.set_severity(top->severity());
  a.set_highest_event(top->risk_event());
  return a;
}

const RatingEntry* RatingAsOf(const RegisterState& s, const std::string& process, const std::string& as_of) {
  auto it = s.ratings.find(process);
  if (it == s.ratings.end()) return nullptr;
  const RatingEntry* best = nullptr;
  for (const RatingEntry& r : it->second) {  // record order: a later one wins a tie on the date
    if (!as_of.empty() && r.assessment.assessed_on() > as_of) continue;
    if (best == nullptr || r.assessment.assessed_on() >= best->assessment.assessed_on()) best = &r;
  }
  return best;
}

v1::MeasureStatus StatusOf(const RegisterState& s, const v1::Measure& m, const std::string& date) {
  v1::MeasureStatus out;
  out.set_code(m.code());
  out.set_measure_kind(m.measure_kind());
  out.set_title(m.title());
  out.set_owner(m.owner());
  out.set_deadline(m.deadline());
  *out.mutable_processes() = m.processes();
  out.set_performance_indicator(m.performance_indicator());
  for (const v1::MonitoringPlanEntry& p : s.plan) out.set_planned(out.planned() || p.measure() == m.code());
  for (const MonitoringEntry& r : s.monitoring) {
    if (r.record.measure() != m.code() || r.record.date() > date) continue;
    if (r.record.date() >= out.last_monitored_on()) {
      out.set_last_monitored_on(r.record.date());
      out.set_last_outcome_kind(r.record.outcome_kind());
    }
    if (r.record.outcome_kind() == v1::MONITORING_OUTCOME_IMPLEMENTED &&
        (out.implemented_on().empty() || r.record.date() < out.implemented_on())) {
      out.set_implemented_on(r.record.date());
    }
  }
  out.set_measure_state(!out.implemented_on().empty() ? v1::MEASURE_STATE_IMPLEMENTED
                        : m.deadline() <= date       ? v1::MEASURE_STATE_OVERDUE
                                                     : v1::MEASURE_STATE_PENDING);
  return out;
}

v1::RiskMap BuildRiskMap(const RegisterState& s, const std::string& as_of, const std::string& overdue_on,
                         uint32_t above_severity) {
  v1::RiskMap map;
  map.set_as_of_date(as_of);
  map.set_overdue_on(overdue_on);
  std::vector<v1::ProcessRating> all;
  for (const auto& [code, p] : s.processes) {
    v1::ProcessRating r = RatingOf(p, RatingAsOf(s, code, as_of));
    all.push_back(r);
    if (r.severity() > above_severity || (above_severity == 0)) *map.add_processes() = std::move(r);
  }
  for (v1::AreaBandCount& c : CountByArea(s, all)) *map.add_by_area() = std::move(c);
  for (const auto& [code, m] : s.measures) {
    v1::MeasureStatus st = StatusOf(s, m, overdue_on);
    if (st.measure_state() == v1::MEASURE_STATE_OVERDUE) *map.add_measures_overdue() = std::move(st);
  }
  return map;
}

absl::StatusOr<v1::ProcessHistory> BuildProcessHistory(const RegisterState& s, const std::string& process) {
  auto p = s.processes.find(process);
  if (p == s.processes.end()) return absl::NotFoundError(absl::StrCat("process: no process '", process, "'"));
  v1::ProcessHistory h;
  *h.mutable_process() = p->second;
  std::vector<const RatingEntry*> entries;
  if (auto it = s.ratings.find(process); it != s.ratings.end()) {
    for (const RatingEntry& r : it->second) entries.push_back(&r);
  }
  std::stable_sort(entries.begin(), entries.end(), [](const RatingEntry* a, const RatingEntry* b) {
    return a->assessment.assessed_on() < b->assessment.assessed_on();
  });
  for (const RatingEntry* r : entries) *h.add_ratings() = RatingOf(p->second, r);
  return h;
}

v1::RiskReport BuildReport(const RegisterState& s, const std::string& as_of) {
  v1::RiskReport r;
  r.set_as_of_date(as_of);
  std::vector<v1::ProcessRating> all;
  std::set<std::string> owners;
  for (const auto& [code, p] : s.processes) {
    all.push_back(RatingOf(p, RatingAsOf(s, code, as_of)));
    if (!all.back().level().empty()) r.set_processes_assessed(r.processes_assessed() + 1);
    if (!p.owner().empty()) owners.insert(p.owner());
  }
  r.set_processes(static_cast<uint32_t>(all.size()));
  for (v1::AreaBandCount& c : CountByArea(s, all)) *r.add_by_area() = std::move(c);
  for (const auto& [code, m] : s.measures) {
    v1::MeasureStatus st = StatusOf(s, m, as_of);
    r.set_measures(r.measures() + 1);
    if (st.measure_state() == v1::MEASURE_STATE_IMPLEMENTED) r.set_implemented(r.implemented() + 1);
    if (st.measure_state() == v1::MEASURE_STATE_OVERDUE) r.set_overdue(r.overdue() + 1);
    if (st.measure_state() == v1::MEASURE_STATE_PENDING) r.set_pending(r.pending() + 1);
    if (st.planned()) {
      r.set_planned(r.planned() + 1);
      if (st.last_monitored_on().empty()) {
        r.set_not_monitored(r.not_monitored() + 1);
      } else {
        r.set_monitored(r.monitored() + 1);
      }
    }
    *r.add_measure_statuses() = std::move(st);
  }
  r.set_coverage_pct(r.planned() == 0 ? 0.0 : 100.0 * r.monitored() / r.planned());
  for (const std::string& owner : owners) {
    v1::OwnerReportStatus o;
    o.set_owner(owner);
    for (const OwnerReportEntry& e : s.owner_reports) {
      if (e.report.owner() != owner || e.report.date() > as_of) continue;
      o.set_submitted(true);
      o.set_date(e.report.date());
      o.set_summary(e.report.summary());
      o.set_proposals(e.report.proposals());
    }
    *r.add_owner_reports() = std::move(o);
  }
  return r;
}

}  // namespace piao::risk
