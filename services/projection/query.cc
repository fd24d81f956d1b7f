#include "services/projection/query.h"

#include "libs/scoring/derived.h"

#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/base/key_codec.h"
#include "libs/base/status_macros.h"
#include "services/projection/quarantine.h"
#include "libs/plan/plan_json.h"
#include "libs/plan/plan_proto.h"
#include "libs/scoring/grade.h"

// The projection still fills the deprecated JSON-text fields of its answers for older clients.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace piao::projection {
namespace {

using KeyTuple = std::tuple<std::string, std::string, std::string>;  // level, scope, code

KeyTuple TupleOf(const v1::ObjectiveKey& k) { return {plan::LevelText(k.level_kind()), k.scope(), k.code()}; }

bool Recorded(const google::protobuf::Timestamp& recorded_at, const AsOf& as_of) {
  return !as_of.record_time.has_value() || FromTimestamp(recorded_at) <= *as_of.record_time;
}

bool Valid(const std::string& effective_date, const AsOf& as_of) {
  // ISO dates compare as strings.
  return as_of.date.empty() || effective_date <= as_of.date;
}

// Applies one version to the definition in force before it (see query.h): a change of one part takes that part
// from the version's definition; an adoption, an added indicator or an unlisted revision the whole of it.
void Fold(const VersionRecord& v, std::optional<v1::IndicatorDefinition>& def) {
  const v1::IndicatorDefinition& after = v.definition();
  const v1::AuditChange change = v.version().change_kind();
  if (!def.has_value()) {
    def = after;
    return;
  }
  switch (change) {
    case v1::AUDIT_CHANGE_TARGET:
      *def->mutable_target() = after.target();
      *def->mutable_targets_by_year() = after.targets_by_year();
      return;
    case v1::AUDIT_CHANGE_THRESHOLD:
      if (after.has_threshold()) {
        *def->mutable_threshold() = after.threshold();
      } else {
        def->clear_threshold();
      }
      return;
    case v1::AUDIT_CHANGE_WEIGHT:
    case v1::AUDIT_CHANGE_NEUTRALISED:
      if (after.has_weight_pct()) {
        def->set_weight_pct(after.weight_pct());
      } else {
        def->clear_weight_pct();
      }
      if (change == v1::AUDIT_CHANGE_NEUTRALISED) {
        def->set_neutralised(after.neutralised());
        def->set_neutralised_reason(after.neutralised_reason());
      }
      return;
    case v1::AUDIT_CHANGE_FORMULA:
      def->set_formula(after.formula());
      return;
    case v1::AUDIT_CHANGE_SUPPRESSED:
      def->set_suppressed(after.suppressed());
      def->set_suppressed_reason(after.suppressed_reason());
      return;
    case v1::AUDIT_CHANGE_DESCRIPTION:
      def->set_name(after.name());
      def->set_algorithm(after.algorithm());
      def->set_type(after.type());
      def->set_source(after.source());
      *def->mutable_flags() = after.flags();
      return;
    default:
      def = after;
      return;
  }
}

std::string DescribeKey(const v1::ObjectiveKey& k) {
  const std::string level = plan::LevelText(k.level_kind());
  return k.scope().empty() ? absl::StrCat(k.code(), " (", level, ")")
                           : absl::StrCat(k.code(), " (", level, ", ", k.scope(), ")");
}

}  // namespace

absl::StatusOr<std::string> ResolveAdministration(const ViewReader& view, const std::string& administration,
                                                  int year) {
  if (year == 0) return absl::InvalidArgumentError("year: required");
  if (!administration.empty()) {
    PIAO_RETURN_IF_ERROR(CheckServed(view, administration, {"planning", "measurement"}));
    PIAO_ASSIGN_OR_RETURN(std::optional<std::string> h, view.Get(HeaderKey(administration, year)));
    if (!h.has_value()) {
      return absl::NotFoundError(absl::StrCat("plan ", administration, "/", year, " is not known to the projection"));
    }
    return administration;
  }
  PIAO_ASSIGN_OR_RETURN(std::vector<std::string> admins, AdministrationsUnder(view, YearPrefix(year)));
  if (admins.empty()) return absl::NotFoundError(absl::StrCat("no plan for year ", year, " is known to the projection"));
  if (admins.size() > 1) {
    return absl::InvalidArgumentError(absl::StrCat("administration: year ", year, " has plans of several administrations (",
                                                   absl::StrJoin(admins, ", "), "): name one"));
  }
  PIAO_RETURN_IF_ERROR(CheckServed(view, admins.front(), {"planning", "measurement"}));
  return admins.front();
}

absl::StatusOr<Reconstructed> Reconstruct(const PlanRecords& records, const AsOf& as_of) {
  Reconstructed out;
  plan::Plan& p = out.plan;
  p.administration = records.administration;
  p.year = records.year;
  if (records.header.has_value() && records.header->has_approval() &&
      Recorded(records.header->approval_origin().recorded_at(), as_of)) {
    PIAO_ASSIGN_OR_RETURN(p.approval, plan::FromProto(records.header->approval(), "approval"));
  }
  std::map<KeyTuple, size_t> index;
  for (const ObjectiveRecord& o : records.objectives) {
    if (!Recorded(o.origin().recorded_at(), as_of) || !Valid(o.effective_date(), as_of)) continue;
    PIAO_ASSIGN_OR_RETURN(plan::Objective obj, plan::FromProto(o.definition(), "objective " + o.definition().code()));
    const plan::ObjectiveKey key = plan::KeyOf(obj);
    index[{std::string(plan::LevelName(key.level)), key.scope, key.code}] = p.objectives.size();
    p.objectives.push_back(std::move(obj));
  }
  for (const IndicatorRecords& ir : records.indicators) {
    auto at = index.find(TupleOf(ir.objective));
    if (at == index.end()) continue;  // objective not (yet) in force
    std::optional<v1::IndicatorDefinition> def;
    if (as_of.approved) {
      const VersionRecord& first = ir.versions.front();
      if (first.version().change_kind() == v1::AUDIT_CHANGE_ADOPTED && first.has_definition() &&
          Recorded(first.version().recorded_at(), as_of) && Valid(first.version().effective_date(), as_of)) {
        def = first.definition();
      }
    } else {
      for (const VersionRecord& v : ir.versions) {
        if (!v.has_definition()) continue;
        if (!Recorded(v.version().recorded_at(), as_of) || !Valid(v.version().effective_date(), as_of)) continue;
        Fold(v, def);
      }
    }
    if (!def.has_value()) continue;
    PIAO_ASSIGN_OR_RETURN(plan::Indicator ind, plan::FromProto(*def, "indicator " + ir.code));
    p.objectives[at->second].indicators.push_back(std::move(ind));
  }

  // Actuals: corrections supersede what they correct; the latest remaining actual of the period counts.
  std::set<std::string> superseded;
  std::map<std::string, const ActualRecord*> by_id;
  for (const ActualRecord& a : records.actuals) {
    if (!Recorded(a.actual().recorded_at(), as_of)) continue;
    if (!a.actual().corrects().empty()) superseded.insert(a.actual().corrects());
    by_id[a.actual().actual_id()] = &a;
  }
  for (const ActualRecord& a : records.actuals) {
    if (!Recorded(a.actual().recorded_at(), as_of)) continue;
    if (superseded.contains(a.actual().actual_id())) continue;
    std::string period = a.actual().period();
    if (period.empty()) {  // a correction keeps the period of what it corrects
      auto c = by_id.find(a.actual().corrects());
      if (c != by_id.end()) period = c->second->actual().period();
    }
    if (period != as_of.period) continue;
    // The objective: exact key, or its code alone when the actual names no level.
    const plan::Objective* objective = nullptr;
    for (const plan::Objective& o : p.objectives) {
      if (o.code != a.objective().code()) continue;
      const plan::ObjectiveKey k = plan::KeyOf(o);
      if (a.objective().level_kind() != v1::OBJECTIVE_LEVEL_UNSPECIFIED &&
          (plan::ToProto(k.level) != a.objective().level_kind() || k.scope != a.objective().scope())) {
        continue;
      }
      if (plan::FindIndicator(o, a.indicator()) == nullptr) continue;
      objective = &o;
      break;
    }
    if (objective == nullptr) continue;  // an indicator not in force as of the query
    if (a.value().kind_case() == v1::MeasuredValue::KIND_NOT_SET) continue;
    PIAO_ASSIGN_OR_RETURN(plan::Value value, plan::FromProto(a.value(), "actual " + a.actual().actual_id()));
    out.measurements[plan::IndicatorRef{plan::KeyOf(*objective), a.indicator()}].actual = std::move(value);
  }
  return out;
}

namespace {
v1::AchievementBand BandProto(scoring::Band b) {
  switch (b) {
    case scoring::Band::kMet:
      return v1::ACHIEVEMENT_BAND_MET;
    case scoring::Band::kPartly:
      return v1::ACHIEVEMENT_BAND_PARTLY;
    case scoring::Band::kMissed:
      return v1::ACHIEVEMENT_BAND_MISSED;
    case scoring::Band::kNotMeasured:
      return v1::ACHIEVEMENT_BAND_NOT_MEASURED;
    case scoring::Band::kNotScored:
      return v1::ACHIEVEMENT_BAND_NOT_SCORED;
  }
  return v1::ACHIEVEMENT_BAND_UNSPECIFIED;
}
}  // namespace

absl::StatusOr<v1::ScoresView> ScoreRecords(const PlanRecords& records, const AsOf& as_of) {
  PIAO_ASSIGN_OR_RETURN(Reconstructed r, Reconstruct(records, as_of));
  PIAO_ASSIGN_OR_RETURN(scoring::ScoredPlan scored, scoring::ScorePlan(r.plan, r.measurements));
  v1::ScoresView view;
  view.set_administration(records.administration);
  view.set_year(records.year);
  view.set_as_of_date(as_of.date);
  view.set_basis_kind(as_of.approved ? v1::SCORE_BASIS_APPROVED : v1::SCORE_BASIS_REVISED);
  view.set_basis(as_of.approved ? "approved" : "revised");  // deprecated, for wave-one clients
  view.set_period(as_of.period);
  if (scored.enterprise_score_pct.has_value()) view.set_enterprise_score_pct(*scored.enterprise_score_pct);
  if (scored.enterprise_label.has_value()) view.set_enterprise_label(std::string(scoring::LabelText(*scored.enterprise_label)));
  for (const scoring::ObjectiveScore& os : scored.objectives) {
    const plan::Objective* o = plan::FindObjective(r.plan, os.key);
    if (o == nullptr) continue;
    v1::ObjectiveScore* out = view.add_objectives();
    out->set_level_kind(plan::ToProto(o->level));
    out->set_code(o->code);
    if (o->level == plan::Level::kOperational) out->set_unit(absl::StrJoin(o->units, " + "));
    out->set_owner(o->owner);
    out->set_title(o->title);
    if (os.score_pct.has_value()) out->set_score_pct(*os.score_pct);
    if (os.label.has_value()) out->set_label(std::string(scoring::LabelText(*os.label)));
    if (o->objective_weight_pct.has_value()) out->set_objective_weight_pct(*o->objective_weight_pct);
    out->set_parent(o->parent);
    out->set_strategic_area(o->strategic_area);
    bool counts_any = false, measured_any = false;
    for (const scoring::IndicatorScore& is : os.indicators) {
      const plan::Indicator* ind = plan::FindIndicator(*o, is.code);
      if (ind == nullptr) continue;
      v1::IndicatorScore* x = out->add_indicators();
      x->set_code(ind->code);
      x->set_name(ind->name);
      x->set_weight_pct(is.weight_pct);
      *x->mutable_target() = plan::ToProto(ind->target);
      if (ind->threshold.has_value()) *x->mutable_threshold() = plan::ToProto(*ind->threshold);
      auto m = r.measurements.find(plan::IndicatorRef{os.key, ind->code});
      if (m != r.measurements.end() && m->second.actual.has_value()) *x->mutable_actual() = plan::ToProto(*m->second.actual);
      // Deprecated JSON text, still filled for older clients.
      x->set_target_json(plan::TargetToJson(ind->target).dump());
      x->set_threshold_json(plan::ThresholdToJson(ind->threshold).dump());
      x->set_actual_json(plan::ValueToJson(m == r.measurements.end() ? std::nullopt : m->second.actual).dump());
      if (is.grade_pct.has_value()) x->set_grade_pct(*is.grade_pct);
      x->set_how(std::string(scoring::GradeBasisName(is.basis)));
      x->set_neutralised(ind->neutralised);
      x->set_suppressed(ind->suppressed);
      x->set_algorithm(ind->algorithm);
      const std::optional<plan::Value> actual =
          m == r.measurements.end() ? std::nullopt : m->second.actual;
      const bool counts = !ind->neutralised && !ind->suppressed;
      counts_any |= counts;
      measured_any |= counts && actual.has_value();
      x->set_band(BandProto(scoring::BandOf(is.grade_pct, counts && !actual.has_value())));
      if (std::optional<scoring::Deviation> d = scoring::DeviationOf(ind->target, actual); d.has_value()) {
        if (d->difference.has_value()) {
          x->mutable_deviation()->mutable_difference()->set_value(d->difference->value);
          x->mutable_deviation()->mutable_difference()->set_unit(d->difference->unit);
        } else if (d->days_late.has_value()) {
          x->mutable_deviation()->set_days_late(static_cast<int32_t>(*d->days_late));
        }
      }
    }
    out->set_band(BandProto(scoring::BandOf(os.score_pct, counts_any && !measured_any)));
  }
  for (const scoring::GroupScore& g : scored.units) {
    v1::GroupScore* out = view.add_units();
    out->set_name(g.name);
    if (g.score_pct.has_value()) out->set_score_pct(*g.score_pct);
    out->set_band(BandProto(scoring::BandOf(g.score_pct, false)));
  }
  for (const scoring::GroupScore& g : scored.managers) {
    v1::GroupScore* out = view.add_owners();
    out->set_name(g.name);
    if (g.score_pct.has_value()) out->set_score_pct(*g.score_pct);
    out->set_band(BandProto(scoring::BandOf(g.score_pct, false)));
  }
  {
    bool measured_any = false;
    for (const v1::ObjectiveScore& o : view.objectives()) measured_any |= o.band() != v1::ACHIEVEMENT_BAND_NOT_MEASURED;
    view.set_enterprise_band(BandProto(scoring::BandOf(scored.enterprise_score_pct,
                                                       view.objectives_size() > 0 && !measured_any)));
  }
  return view;
}

// basis_kind, else wave one's text `basis`: true for the definitions as approved.
absl::StatusOr<bool> ApprovedBasis(const v1::GetScoresRequest& request) {
  v1::ScoreBasis text_kind = v1::SCORE_BASIS_UNSPECIFIED;
  if (request.basis() == "approved") {
    text_kind = v1::SCORE_BASIS_APPROVED;
  } else if (request.basis() == "revised") {
    text_kind = v1::SCORE_BASIS_REVISED;
  } else if (!request.basis().empty()) {
    return absl::InvalidArgumentError("basis: must be \"revised\" (default) or \"approved\", got \"" + request.basis() +
                                      "\"");
  }
  if (!v1::ScoreBasis_IsValid(request.basis_kind())) {
    return absl::InvalidArgumentError(absl::StrCat("basis_kind: ", request.basis_kind(), " is not a score basis"));
  }
  if (request.basis_kind() != v1::SCORE_BASIS_UNSPECIFIED && text_kind != v1::SCORE_BASIS_UNSPECIFIED &&
      request.basis_kind() != text_kind) {
    return absl::InvalidArgumentError("basis: '" + request.basis() + "' contradicts basis_kind " +
                                      v1::ScoreBasis_Name(request.basis_kind()));
  }
  const v1::ScoreBasis basis = request.basis_kind() != v1::SCORE_BASIS_UNSPECIFIED ? request.basis_kind() : text_kind;
  return basis == v1::SCORE_BASIS_APPROVED;
}

std::shared_ptr<const v1::ScoresView> ScoresCache::Find(const std::string& key) {
  absl::MutexLock l(&mu_);
  auto it = index_.find(key);
  if (it == index_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void ScoresCache::Insert(const std::string& key, std::shared_ptr<const v1::ScoresView> view) {
  if (capacity_ == 0) return;
  absl::MutexLock l(&mu_);
  if (auto it = index_.find(key); it != index_.end()) {
    it->second->second = std::move(view);
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  lru_.emplace_front(key, std::move(view));
  index_[key] = lru_.begin();
  while (lru_.size() > capacity_) {
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

ScoresCache::Stats ScoresCache::stats() const {
  absl::MutexLock l(&mu_);
  return Stats{hits_, misses_, lru_.size()};
}

absl::StatusOr<v1::ScoresView> QueryScores(const ViewReader& view, const v1::GetScoresRequest& request,
                                           ScoresCache* cache) {
  PIAO_ASSIGN_OR_RETURN(std::string admin, ResolveAdministration(view, request.administration(), request.year()));
  AsOf as_of;
  PIAO_ASSIGN_OR_RETURN(as_of.approved, ApprovedBasis(request));
  if (!request.as_of_date().empty()) {
    if (!plan::ParseIsoDate(request.as_of_date()).ok()) {
      return absl::InvalidArgumentError("as_of_date: '" + request.as_of_date() + "' is not a date YYYY-MM-DD");
    }
    as_of.date = request.as_of_date();
  }
  if (request.has_as_of_record_time()) as_of.record_time = FromTimestamp(request.as_of_record_time());
  if (!request.period().empty() && request.period() != "year-end") {
    if (!plan::ParseIsoDate(request.period()).ok()) {
      return absl::InvalidArgumentError("period: '" + request.period() +
                                        "' is neither \"year-end\" nor a monitoring date YYYY-MM-DD");
    }
    as_of.period = request.period();
    if (as_of.date.empty()) as_of.date = request.period();  // the definitions in force when it was measured
  }

  std::string key;
  if (cache != nullptr) {
    PIAO_ASSIGN_OR_RETURN(std::string stamps, PlanStamps(view, admin, request.year()));
    key = EncodeKeyParts({admin, absl::StrCat(request.year()), stamps, as_of.date,
                          as_of.record_time.has_value() ? absl::FormatTime(absl::RFC3339_full, *as_of.record_time, absl::UTCTimeZone()) : "-",
                          as_of.approved ? "approved" : "revised", as_of.period});
    if (std::shared_ptr<const v1::ScoresView> hit = cache->Find(key)) return *hit;
  }
  absl::StatusOr<v1::ScoresView> scored;
  if (as_of.date.empty() && !as_of.record_time.has_value() && !as_of.approved && as_of.period == "year-end") {
    scored = CurrentScores(view, admin, request.year());
  } else {
    PIAO_ASSIGN_OR_RETURN(PlanRecords records, LoadPlan(view, admin, request.year()));
    scored = ScoreRecords(records, as_of);
    if (!scored.ok() && absl::IsInvalidArgument(scored.status())) {
      // Recorded data the scoring rules reject is a state problem, not a bad request.
      return absl::FailedPreconditionError(absl::StrCat("plan ", admin, "/", request.year(),
                                                        " cannot be scored: ", scored.status().message()));
    }
  }
  if (cache != nullptr && scored.ok()) cache->Insert(key, std::make_shared<const v1::ScoresView>(*scored));
  return scored;
}

absl::StatusOr<v1::ScoresView> CurrentScores(const ViewReader& view, const std::string& administration, int year) {
  PIAO_ASSIGN_OR_RETURN(PlanRecords records, LoadPlan(view, administration, year));
  absl::StatusOr<v1::ScoresView> scored = ScoreRecords(records, AsOf());
  if (!scored.ok()) {
    // Whatever keeps the recorded plan from being scored is a state problem, not a bad request.
    return absl::FailedPreconditionError(
        absl::StrCat("plan ", administration, "/", year, " cannot be scored: ", scored.status().ToString()));
  }
  return scored;
}

absl::StatusOr<v1::IndicatorHistory> QueryIndicatorHistory(const ViewReader& view,
                                                           const v1::GetIndicatorHistoryRequest& asked) {
  v1::GetIndicatorHistoryRequest request = asked;  // the level filter as the enum only
  PIAO_RETURN_IF_ERROR(plan::ObjectiveLevels().Normalise(&request));
  const v1::ObjectiveLevel level = request.level_kind();
  if (request.objective().empty()) return absl::InvalidArgumentError("objective: required (objective code)");
  if (request.indicator().empty()) return absl::InvalidArgumentError("indicator: required (indicator code)");
  PIAO_ASSIGN_OR_RETURN(std::string admin, ResolveAdministration(view, request.administration(), request.year()));
  PIAO_ASSIGN_OR_RETURN(PlanRecords records, LoadPlan(view, admin, request.year()));
  auto matches = [&](const v1::ObjectiveKey& k) {
    return k.code() == request.objective() && (level == v1::OBJECTIVE_LEVEL_UNSPECIFIED || k.level_kind() == level) &&
           (request.scope().empty() || k.scope() == request.scope());
  };
  std::vector<const IndicatorRecords*> found;
  for (const IndicatorRecords& ir : records.indicators) {
    if (ir.code == request.indicator() && matches(ir.objective)) found.push_back(&ir);
  }
  const std::string plan_name = absl::StrCat(admin, "/", request.year());
  if (found.empty()) {
    bool objective_known = false;
    for (const ObjectiveRecord& o : records.objectives) {
      if (o.definition().code() == request.objective()) objective_known = true;
    }
    if (!objective_known) {
      return absl::NotFoundError(absl::StrCat("objective ", request.objective(), " is not in plan ", plan_name));
    }
    return absl::NotFoundError(absl::StrCat("indicator ", request.indicator(), " is not in objective ",
                                            request.objective(),
                                            level == v1::OBJECTIVE_LEVEL_UNSPECIFIED ? "" : " (" + plan::LevelText(level) + ")", " of plan ",
                                            plan_name));
  }
  if (found.size() > 1) {
    std::vector<std::string> names;
    for (const IndicatorRecords* ir : found) names.push_back(DescribeKey(ir->objective));
    return absl::FailedPreconditionError(absl::StrCat(
        "objective code ", request.objective(), " with indicator ", request.indicator(),
        " is in several objectives of plan ", plan_name, ": ", absl::StrJoin(names, "; "), "; give level and scope"));
  }
  const IndicatorRecords& ir = *found.front();
  v1::IndicatorHistory out;
  *out.mutable_objective() = ir.objective;
  out.set_indicator(ir.code);
  for (const VersionRecord& v : ir.versions) *out.add_versions() = v.version();
  for (const ActualRecord& a : records.actuals) {
    if (a.indicator() != ir.code || a.objective().code() != ir.objective.code()) continue;
    if (a.objective().level_kind() != v1::OBJECTIVE_LEVEL_UNSPECIFIED &&
        (a.objective().level_kind() != ir.objective.level_kind() || a.objective().scope() != ir.objective.scope())) {
      continue;
    }
    *out.add_actuals() = a.actual();
  }
  return out;
}

}  // namespace piao::projection
