// The planning domain model of a PIAO performance plan (DOMAIN.md §2, SCHEMA.md): a plan holds
// objectives (strategic, operational per unit, individual per manager), each with its indicators.
// Plain value types: no I/O, no behaviour beyond lookups and the weight rule shared by validation and
// scoring.
#ifndef PIAO_LIBS_PLAN_MODEL_H_
#define PIAO_LIBS_PLAN_MODEL_H_

#include <compare>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace piao::plan {

// A calendar date (no time zone: deadlines and acts are civil dates).
using Date = absl::CivilDay;

// Parses a strict ISO date "YYYY-MM-DD" that exists in the calendar (2022-02-30 is rejected).
absl::StatusOr<Date> ParseIsoDate(absl::string_view text);
std::string FormatIsoDate(Date d);

enum class Level { kStrategic, kOperational, kIndividual };
absl::string_view LevelName(Level level);  // "strategic" | "operational" | "individual"
absl::StatusOr<Level> ParseLevel(absl::string_view name);

enum class CompareOp { kGe, kLe, kEq, kGt, kLt };
absl::string_view CompareOpSymbol(CompareOp op);  // ">=", "<=", "=", ">", "<"
absl::StatusOr<CompareOp> ParseCompareOp(absl::string_view symbol);

// A measured number with its unit as printed ("%", "N.", "gg", "€"; may be empty).
struct Quantity {
  double value = 0;
  std::string unit;
  bool operator==(const Quantity&) const = default;
};

// Free text (a text target or a text actual).
struct Text {
  std::string text;
  bool operator==(const Text&) const = default;
};

// A comparison target: actual `op` value (e.g. >= 105 %).
struct ComparisonTarget {
  CompareOp op = CompareOp::kGe;
  Quantity quantity;
  bool operator==(const ComparisonTarget&) const = default;
};

// A deadline target: delivered on or before `date` ("Entro 31/12/2022").
struct DeadlineTarget {
  Date date;
  bool operator==(const DeadlineTarget&) const = default;
};

// A target of one year: a comparison, a deadline or (rarely) a text such as "Nei termini di legge".
using Target = std::variant<ComparisonTarget, DeadlineTarget, Text>;

// The soglia: where achievement is 0%. A value for comparison targets, a date for deadlines.
// `implied` = printed nowhere, derived from a published grade (kept as part of the plan).
struct Threshold {
  std::variant<Quantity, Date> bound;
  bool implied = false;
  bool operator==(const Threshold&) const = default;
};

// An actual (consuntivo) or a baseline: a number, a date or a text.
using Value = std::variant<Quantity, Date, Text>;

// Indicator flags printed next to the code.
struct IndicatorFlags {
  bool common = false;           // C: Unioncamere common "public value" indicator
  bool simplification = false;   // S
  bool anti_corruption = false;  // A
  bool operator==(const IndicatorFlags&) const = default;
};

struct Indicator {
  std::string code;  // case-sensitive, kept verbatim (typos included)
  std::string name;
  IndicatorFlags flags;
  std::optional<double> weight_pct;  // null: not printed (see EffectiveIndicatorWeights)
  std::string type;                  // Tipologia; "" when not printed
  std::string algorithm;
  std::string source;                // Fonte
  std::optional<Value> baseline;
  Target target;                     // the target of the plan's year
  std::map<int, std::optional<Target>> targets_by_year;  // the triennium, when printed
  std::optional<Threshold> threshold;
  std::string formula;               // optional computable algorithm
  std::string note;
  bool neutralised = false;          // weight 0, cannot be measured
  std::string neutralised_reason;
  bool suppressed = false;           // removed by an act: excluded from scoring, still listed
  std::string suppressed_reason;
  bool operator==(const Indicator&) const = default;
};

struct Objective {
  std::string code;
  Level level = Level::kStrategic;
  std::string title;
  std::string description;
  std::string strategic_area;
  std::string parent;                // operational/individual: the strategic objective it hangs under
  std::vector<std::string> units;    // organisational units (operational objectives)
  std::string owner;                 // the manager (individual objectives)
  std::optional<double> objective_weight_pct;  // weight within its unit / manager
  std::string note;
  std::vector<Indicator> indicators;
  bool operator==(const Objective&) const = default;
};

// The deliberation that approved the plan, e.g. "Deliberazione di Giunta n. 103 del 27/06/2022".
struct ApprovalAct {
  std::string act;
  std::optional<int> number;  // 103, when parseable from the act text
  std::optional<Date> date;
  std::string body;           // "Giunta", when parseable
  bool operator==(const ApprovalAct&) const = default;
};

// Reads the number ("n. 103") and the body ("Deliberazione di Giunta") out of an act's text.
ApprovalAct DescribeAct(std::string act, std::optional<Date> date);

struct Plan {
  std::optional<std::string> administration;
  int year = 0;
  std::optional<ApprovalAct> approval;
  std::string source;
  std::vector<Objective> objectives;
  bool operator==(const Plan&) const = default;
};

// Identity of an objective: the code is unique per level and scope. The scope is the owner for
// individual objectives, the units (joined by " + ") for operational ones, "" for strategic ones, so
// an operational code can reappear as a manager's individual objective with its own weight.
struct ObjectiveKey {
  Level level = Level::kStrategic;
  std::string code;
  std::string scope;
  auto operator<=>(const ObjectiveKey&) const = default;
};
ObjectiveKey KeyOf(const Objective& objective);
std::string DescribeKey(const ObjectiveKey& key);  // "OP1.1.1-01 (individual, Segretario Generale)"

// An indicator within its objective (codes are only unique within one objective).
struct IndicatorRef {
  ObjectiveKey objective;
  std::string indicator;
  auto operator<=>(const IndicatorRef&) const = default;
};

// Short human-readable forms for messages and reports: ">= 105 %", "by 2022-12-31", "text 'Nei termini
// di legge'", "SOGLIA 65 % (implied)", "110.58 %".
std::string DescribeTarget(const Target& target);
std::string DescribeThreshold(const std::optional<Threshold>& threshold);
std::string DescribeValue(const std::optional<Value>& value);

// Lookups by exact (case-sensitive) code. Null when absent.
const Indicator* FindIndicator(const Objective& objective, absl::string_view code);
Indicator* FindIndicator(Objective& objective, absl::string_view code);
const Objective* FindObjective(const Plan& plan, const ObjectiveKey& key);

// The weight each indicator carries in its objective's mean, in the order of `indicators`:
// suppressed or neutralised indicators weigh 0; when some active indicator has a weight, the others
// weigh 0; when none has one, the active indicators weigh equally (100 / n).
std::vector<double> EffectiveIndicatorWeights(const Objective& objective);

// True when the plan leaves the indicator out of its objective's mean whatever its siblings carry:
// suppressed, neutralised or an explicit weight of 0.
bool IsExcluded(const Indicator& indicator);

}  // namespace piao::plan

#endif  // PIAO_LIBS_PLAN_MODEL_H_
