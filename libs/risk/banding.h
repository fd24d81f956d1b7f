// Rating methods of the anti-corruption risk register, pure: banding schemes (numeric scores → levels) and
// qualitative PNA 2019 methods (ordinal levels on key risk indicators).
//
// A banding scheme is a list of bands with inclusive upper edges: band i holds the scores in
// (upper[i-1], upper[i]], the first band starts at min_score (inclusive) and the last band's upper is the
// highest score accepted. Torino 2022 uses two schemes at once:
//   four_bands  (A, B, C, H): [1, 4] basso, (4, 9] medio, (9, 15] medio alto, (15, 25] alto
//   three_bands (D, E, G):    [1, 10] basso, (10, 17] medio, (17, 25] alto
// so 4.0001 is medio and 10.05 is medio (the printed "10,1" / "4,01" are the first printed values of an
// exclusive edge). Scores outside [min_score, last upper], NaN and infinities are refused.
#ifndef PIAO_LIBS_RISK_BANDING_H_
#define PIAO_LIBS_RISK_BANDING_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "piao/v1/risk.pb.h"

namespace piao::risk {

// A level with its shared ordinal (1 low, 2 medium, 3 medium-high, 4 high).
struct Banded {
  std::string level;
  uint32_t severity = 0;
};

// INVALID_ARGUMENT naming the field: id (non-empty, no '@' or '/'), bands (at least one; non-empty level,
// severity >= 1, finite uppers strictly ascending, severities strictly ascending), min_score (finite, below
// the first upper), effective_from (a real date), areas (non-empty codes). `path` prefixes the fields.
absl::Status ValidateScheme(const v1::BandingScheme& scheme, const std::string& path = "scheme");

// The band of `score`. INVALID_ARGUMENT ("score: ... outside [min, max] of scheme X") when out of range.
absl::StatusOr<Banded> BandScore(const v1::BandingScheme& scheme, double score);

// INVALID_ARGUMENT naming the field: id, levels (at least two, unique names, ascending severities),
// indicators (at least one, unique non-empty codes), effective_from.
absl::Status ValidateQualitativeMethod(const v1::QualitativeMethod& method, const std::string& path = "method");

// The ordinal level named `level` in `method`; INVALID_ARGUMENT listing the levels when unknown.
absl::StatusOr<Banded> OrdinalLevel(const v1::QualitativeMethod& method, const std::string& level);

// "four_bands@2": how a rating names the scheme version that produced it.
std::string SchemeRef(const std::string& id, uint32_t version);

}  // namespace piao::risk

#endif  // PIAO_LIBS_RISK_BANDING_H_
