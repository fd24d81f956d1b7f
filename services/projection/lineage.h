// Where one indicator's figure comes from (GetLineage), pure: the projection's answers and records in -> the
// chain out: objective score <- grade <- current actual <- formula version <- input values <- feed batches.
// Every client (CLI, web, integrations) shows the same chain because it is assembled here, once.
#ifndef PIAO_SERVICES_PROJECTION_LINEAGE_H_
#define PIAO_SERVICES_PROJECTION_LINEAGE_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "piao/v1/feeds.pb.h"
#include "piao/v1/projection.pb.h"
#include "services/projection/view.h"

namespace piao::projection {

// The chain of `history`'s indicator within `scores` (the year's scored tree), with the feed batches it names
// taken from `batches` (by id). NOT_FOUND when the indicator is not in the scored tree.
absl::StatusOr<v1::Lineage> AssembleLineage(const v1::IndicatorHistory& history, const v1::ScoresView& scores,
                                            const std::map<std::string, v1::BatchSummary>& batches);

// GetLineage without its consistency wait.
absl::StatusOr<v1::Lineage> QueryLineage(const ViewReader& view, const v1::GetLineageRequest& request);

}  // namespace piao::projection

#endif  // PIAO_SERVICES_PROJECTION_LINEAGE_H_
