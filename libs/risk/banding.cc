#include "libs/risk/banding.h"

#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/base/status_macros.h"
#include "libs/plan/model.h"

namespace piao::risk {
namespace {

absl::Status ValidateId(const std::string& id, const std::string& path) {
  if (id.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ".id: must not be empty"));
  if (id.find_first_of("@/") != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(path, ".id: must not contain '@' or '/', got '", id, "'"));
  }
  return absl::OkStatus();
}

absl::Status ValidateEffective(const std::string& date, const std::string& path) {
  if (!plan::ParseIsoDate(date).ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ".effective_from: must be a real date YYYY-MM-DD, got '", date, "'"));
  }
  return absl::OkStatus();
}

absl::Status ValidateAreas(const google::protobuf::RepeatedPtrField<std::string>& areas, const std::string& path) {
  for (int i = 0; i < areas.size(); ++i) {
    if (areas[i].empty()) return absl::InvalidArgumentError(absl::StrCat(path, ".areas[", i, "]: must not be empty"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string SchemeRef(const std::string& id, uint32_t version) { return absl::StrCat(id, "@", version); }

absl::Status ValidateScheme(const v1::BandingScheme& s, const std::string& path) {
  PIAO_RETURN_IF_ERROR(ValidateId(s.id(), path));
  if (s.bands_size() == 0) return absl::InvalidArgumentError(absl::StrCat(path, ".bands: at least one band"));
  if (!std::isfinite(s.min_score())) {
    return absl::InvalidArgumentError(absl::StrCat(path, ".min_score: must be a finite number"));
  }
  double previous = s.min_score();
  uint32_t previous_severity = 0;
  for (int i = 0; i < s.bands_size(); ++i) {
    const v1::RiskBand& b = s.bands(i);
    const std::string at = absl::StrCat(path, ".bands[", i, "]");
    if (b.level().empty()) return absl::InvalidArgumentError(absl::StrCat(at, ".level: must not be empty"));
    if (b.severity() < 1) return absl::InvalidArgumentError(absl::StrCat(at, ".severity: must be at least 1"));
    if (b.severity() <= previous_severity) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".severity: must be above the previous band's"));
    }
    if (!std::isfinite(b.upper())) return absl::InvalidArgumentError(absl::StrCat(at, ".upper: must be finite"));
    // The first band may end at min_score (a one-point band); later ones must grow.
    if (i == 0 ? b.upper() < previous : b.upper() <= previous) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".upper: must be above ", previous,
                                                     i == 0 ? " (min_score)" : " (the previous band's upper)"));
    }
    previous = b.upper();
    previous_severity = b.severity();
  }
  PIAO_RETURN_IF_ERROR(ValidateEffective(s.effective_from(), path));
  return ValidateAreas(s.areas(), path);
}

absl::StatusOr<Banded> BandScore(const v1::BandingScheme& s, double score) {
  if (s.bands_size() == 0) return absl::FailedPreconditionError(absl::StrCat("scheme ", s.id(), " has no bands"));
  const double max = s.bands(s.bands_size() - 1).upper();
  if (!std::isfinite(score) || score < s.min_score() || score > max) {
    return absl::InvalidArgumentError(absl::StrCat("score: ", score, " is outside [", s.min_score(), ", ", max,
                                                   "] of scheme ", s.id()));
  }
  for (const v1::RiskBand& b : s.bands()) {
    if (score <= b.upper()) return Banded{b.level(), b.severity()};
  }
  return absl::InternalError("unreachable: score within range but in no band");
}

absl::Status ValidateQualitativeMethod(const v1::QualitativeMethod& m, const std::string& path) {
  PIAO_RETURN_IF_ERROR(ValidateId(m.id(), path));
  if (m.levels_size() < 2) return absl::InvalidArgumentError(absl::StrCat(path, ".levels: at least two levels"));
  std::set<std::string> names;
  uint32_t previous = 0;
  for (int i = 0; i < m.levels_size(); ++i) {
    const std::string at = absl::StrCat(path, ".levels[", i, "]");
    if (m.levels(i).level().empty()) return absl::InvalidArgumentError(absl::StrCat(at, ".level: must not be empty"));
    if (!names.insert(m.levels(i).level()).second) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".level: '", m.levels(i).level(), "' repeated"));
    }
    if (m.levels(i).severity() <= previous) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".severity: must be at least 1 and above the previous"));
    }
    previous = m.levels(i).severity();
  }
  if (m.indicators_size() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ".indicators: at least one key risk indicator"));
  }
  std::set<std::string> codes;
  for (int i = 0; i < m.indicators_size(); ++i) {
    const std::string at = absl::StrCat(path, ".indicators[", i, "].code");
    if (m.indicators(i).code().empty()) return absl::InvalidArgumentError(absl::StrCat(at, ": must not be empty"));
    if (!codes.insert(m.indicators(i).code()).second) {
      return absl::InvalidArgumentError(absl::StrCat(at, ": '", m.indicators(i).code(), "' repeated"));
    }
  }
  PIAO_RETURN_IF_ERROR(ValidateEffective(m.effective_from(), path));
  return ValidateAreas(m.areas(), path);
}

absl::StatusOr<Banded> OrdinalLevel(const v1::QualitativeMethod& m, const std::string& level) {
  std::vector<std::string> names;
  for (const v1::OrdinalLevel& l : m.levels()) {
    if (l.level() == level) return Banded{l.level(), l.severity()};
    names.push_back(l.level());
  }
  return absl::InvalidArgumentError(
      absl::StrCat("level: '", level, "' is not a level of method ", m.id(), " (", absl::StrJoin(names, ", "), ")"));
}

}  // namespace piao::risk
