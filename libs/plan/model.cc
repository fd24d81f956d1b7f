#include "libs/plan/model.h"

#include <cctype>
#include <cstdlib>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace piao::plan {

absl::StatusOr<Date> ParseIsoDate(absl::string_view text) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("date '", text, "' ", why));
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad("is not YYYY-MM-DD");
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) return bad("is not YYYY-MM-DD");
  }
  auto field = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) v = v * 10 + (text[i] - '0');
    return v;
  };
  const int y = field(0, 4), m = field(5, 2), d = field(8, 2);
  // CivilDay normalises out-of-range fields (2022-02-30 -> 2022-03-02): a real date survives unchanged.
  const Date day(y, m, d);
  if (y == 0 || day.year() != y || day.month() != m || day.day() != d) {
    return bad("is not a calendar date");
  }
  return day;
}

// Always four digits of year, as ParseIsoDate reads them (FormatCivilTime writes year 525 as "525": found by
// revisions_fuzz, a date read from "0525-09-30" was written back unreadable).
std::string FormatIsoDate(Date d) { return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day()); }

absl::string_view LevelName(Level level) {
  switch (level) {
    case Level::kStrategic: return "strategic";
    case Level::kOperational: return "operational";
    case Level::kIndividual: return "individual";
  }
  return "?";
}

absl::StatusOr<Level> ParseLevel(absl::string_view name) {
  if (name == "strategic") return Level::kStrategic;
  if (name == "operational") return Level::kOperational;
  if (name == "individual") return Level::kIndividual;
  return absl::InvalidArgumentError(
      absl::StrCat("level '", name, "' must be strategic, operational or individual"));
}

absl::string_view CompareOpSymbol(CompareOp op) {
  switch (op) {
    case CompareOp::kGe: return ">=";
    case CompareOp::kLe: return "<=";
    case CompareOp::kEq: return "=";
    case CompareOp::kGt: return ">";
    case CompareOp::kLt: return "<";
  }
  return "?";
}

absl::StatusOr<CompareOp> ParseCompareOp(absl::string_view symbol) {
  if (symbol == ">=") return CompareOp::kGe;
  if (symbol == "<=") return CompareOp::kLe;
  if (symbol == "=") return CompareOp::kEq;
  if (symbol == ">") return CompareOp::kGt;
  if (symbol == "<") return CompareOp::kLt;
  return absl::InvalidArgumentError(absl::StrCat("comparison '", symbol, "' must be >=, <=, =, > or <"));
}

ApprovalAct DescribeAct(std::string act, std::optional<Date> date) {
  ApprovalAct out;
  out.date = date;
  const absl::string_view text(act);
  // "... n. 103 del ..." -> 103.
  size_t n = text.find(" n.");
  if (n != absl::string_view::npos) {
    size_t i = n + 3;
    while (i < text.size() && text[i] == ' ') ++i;
    size_t j = i;
    while (j < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[j]))) ++j;
    if (j > i && j - i <= 9) out.number = std::atoi(std::string(text.substr(i, j - i)).c_str());
    // "Deliberazione di Giunta n. ..." -> "Giunta": what follows the last preposition.
    absl::string_view head = text.substr(0, n);
    for (absl::string_view prep : {" della ", " del ", " di "}) {
      size_t p = head.rfind(prep);
      if (p != absl::string_view::npos) {
        out.body = std::string(absl::StripAsciiWhitespace(head.substr(p + prep.size())));
        break;
      }
    }
  }
  out.act = std::move(act);
  return out;
}

ObjectiveKey KeyOf(const Objective& objective) {
  ObjectiveKey key{objective.level, objective.code, ""};
  if (objective.level == Level::kIndividual) key.scope = objective.owner;
  if (objective.level == Level::kOperational) key.scope = absl::StrJoin(objective.units, " + ");
  return key;
}

std::string DescribeKey(const ObjectiveKey& key) {
  if (key.scope.empty()) return key.code;
  return absl::StrCat(key.code, " (", LevelName(key.level), ", ", key.scope, ")");
}

namespace {
std::string DescribeQuantity(const Quantity& q) {
  return q.unit.empty() ? absl::StrCat(q.value) : absl::StrCat(q.value, " ", q.unit);
}
}  // namespace

std::string DescribeTarget(const Target& target) {
  if (const auto* c = std::get_if<ComparisonTarget>(&target)) {
    return absl::StrCat(CompareOpSymbol(c->op), " ", DescribeQuantity(c->quantity));
  }
  if (const auto* d = std::get_if<DeadlineTarget>(&target)) return absl::StrCat("by ", FormatIsoDate(d->date));
  return absl::StrCat("text '", std::get<Text>(target).text, "'");
}

std::string DescribeThreshold(const std::optional<Threshold>& threshold) {
  if (!threshold.has_value()) return "no SOGLIA";
  std::string bound = std::holds_alternative<Date>(threshold->bound)
                          ? FormatIsoDate(std::get<Date>(threshold->bound))
                          : DescribeQuantity(std::get<Quantity>(threshold->bound));
  return absl::StrCat("SOGLIA ", bound, threshold->implied ? " (implied)" : "");
}

std::string DescribeValue(const std::optional<Value>& value) {
  if (!value.has_value()) return "none";
  if (const auto* q = std::get_if<Quantity>(&*value)) return DescribeQuantity(*q);
  if (const auto* d = std::get_if<Date>(&*value)) return FormatIsoDate(*d);
  return absl::StrCat("'", std::get<Text>(*value).text, "'");
}

const Indicator* FindIndicator(const Objective& objective, absl::string_view code) {
  for (const Indicator& i : objective.indicators) {
    if (i.code == code) return &i;
  }
  return nullptr;
}

Indicator* FindIndicator(Objective& objective, absl::string_view code) {
  for (Indicator& i : objective.indicators) {
    if (i.code == code) return &i;
  }
  return nullptr;
}

const Objective* FindObjective(const Plan& plan, const ObjectiveKey& key) {
  for (const Objective& o : plan.objectives) {
    if (KeyOf(o) == key) return &o;
  }
  return nullptr;
}

bool IsExcluded(const Indicator& indicator) {
  return indicator.suppressed || indicator.neutralised ||
         (indicator.weight_pct.has_value() && *indicator.weight_pct == 0.0);
}

std::vector<double> EffectiveIndicatorWeights(const Objective& objective) {
  std::vector<double> weights(objective.indicators.size(), 0.0);
  size_t active = 0;
  bool any_weight = false;
  for (const Indicator& i : objective.indicators) {
    if (IsExcluded(i)) continue;
    ++active;
    any_weight = any_weight || i.weight_pct.has_value();
  }
  if (active == 0) return weights;
  for (size_t k = 0; k < objective.indicators.size(); ++k) {
    const Indicator& i = objective.indicators[k];
    if (IsExcluded(i)) continue;
    weights[k] = any_weight ? i.weight_pct.value_or(0.0) : 100.0 / static_cast<double>(active);
  }
  return weights;
}

}  // namespace piao::plan
