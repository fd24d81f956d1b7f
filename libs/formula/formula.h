// The formula language of indicator algorithms (DOMAIN.md §4): arithmetic over named variables, parsed once
// and evaluated per period. Pure: no I/O, no clock.
//
//   numbers      12  3.5  1e3  5%            (a trailing % divides a number by 100)
//   operators    + - * /  and the Unicode − × ÷; unary minus; parentheses
//   comparisons  < <= > >= == !=  (also = ≤ ≥ ≠): 1 when true, 0 when false
//   functions    if(c, a, b)      a when c != 0, else b (only the branch taken is evaluated)
//                min(a, ...) max(a, ...) sum(a, ...)   abs(a)   round(a, digits)
//                prev(e)          e evaluated on the previous period (prev(prev(e)) two periods back)
//                pct(a, b)        a / b × 100
//                date("YYYY-MM-DD")  a day number;  days(from, to)  to − from, in days
//   variables    [A-Za-z_][A-Za-z0-9_.]*  (names are case-sensitive)
//
// Hostile input is safe: the text is bounded (Limits::max_length bytes), so is the nesting depth (an explicit
// counter, never unbounded recursion), and every error says what and at which column (1-based, in
// characters). Evaluation never throws and never returns a silent 0: a missing variable, a division by zero
// or a non-finite result is "not computable" with the reason.
#ifndef PIAO_LIBS_FORMULA_FORMULA_H_
#define PIAO_LIBS_FORMULA_FORMULA_H_

#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace piao::formula {

struct Limits {
  size_t max_length = 4096;  // bytes of formula text
  int max_depth = 64;        // nesting of parentheses, function calls and unary operators
  size_t max_nodes = 2048;   // size of the syntax tree
};

// A variable as a formula reads it: `lag` periods back (0 = the period being computed, 1 = prev(...)).
struct VariableRef {
  std::string name;
  int lag = 0;
  auto operator<=>(const VariableRef&) const = default;
};

// One variable value an evaluation actually read (for lineage).
struct Input {
  VariableRef ref;
  double value = 0;
  bool operator==(const Input&) const = default;
};

// The outcome of one evaluation: a finite value, or why there is none.
struct Outcome {
  std::optional<double> value;   // set when computable
  std::string not_computable;    // the reason, when not
  std::vector<Input> inputs;     // every variable value read, in first-read order, without repeats
  bool computable() const { return value.has_value(); }
};

// Supplies a variable's value `lag` periods back; nullopt when there is none.
using Lookup = std::function<std::optional<double>(const std::string& name, int lag)>;

class Formula {
 public:
  // INVALID_ARGUMENT "formula: column N: <what>" for empty, too long, too deep, unknown characters or
  // functions, wrong argument counts, malformed numbers or dates and trailing input.
  static absl::StatusOr<Formula> Parse(absl::string_view text, const Limits& limits = Limits());

  const std::string& text() const { return text_; }
  // Every variable the formula may read (both branches of an `if`), with its lag.
  const std::set<VariableRef>& variables() const { return variables_; }
  // The largest lag read (0 without prev).
  int max_lag() const;

  Outcome Evaluate(const Lookup& lookup) const;

  // The tree, for internal use by the evaluator (nodes_[root_] is the root).
  struct Node {
    enum class Kind : uint8_t { kNumber, kVariable, kChain, kCompare, kNegate, kCall };
    Kind kind = Kind::kNumber;
    double number = 0;                 // kNumber
    std::string name;                  // kVariable, kCall (the function)
    std::vector<int> children;         // kChain: operands; kCompare: 2; kNegate: 1; kCall: arguments
    std::vector<char> ops;             // kChain: ops[i] joins children[i] and children[i+1] ('+','-','*','/')
    std::string compare;               // kCompare: "<", "<=", ">", ">=", "==", "!="
    int column = 0;                    // where it starts, for messages
    size_t begin = 0, end = 0;         // its bytes in the text, to quote it in reasons
  };

 private:
  std::string text_;
  std::vector<Node> nodes_;
  int root_ = 0;
  std::set<VariableRef> variables_;
  friend class Parser;
  friend class Evaluator;
};

// A civil date "YYYY-MM-DD" as a day number (days since 1970-01-01); INVALID_ARGUMENT when not a real date.
absl::StatusOr<int64_t> DayNumber(absl::string_view iso_date);

}  // namespace piao::formula

#endif  // PIAO_LIBS_FORMULA_FORMULA_H_
