#include "libs/formula/formula.h"

#include <cmath>
#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace piao::formula {
namespace {

using ::testing::HasSubstr;

// Variables by (name, lag).
using Env = std::map<std::pair<std::string, int>, double>;

Lookup From(const Env& env) {
  return [&env](const std::string& name, int lag) -> std::optional<double> {
    auto it = env.find({name, lag});
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
}

struct ValueCase {
  std::string text;
  double want;
};

TEST(FormulaTest, EvaluatesTable) {
  const Env env = {{{"a", 0}, 6},  {{"b", 0}, 3},   {{"b", 1}, 2},         {{"c", 0}, -1.5},
                   {{"x.y", 0}, 4}, {{"a", 1}, 5},  {{"a", 2}, 4},         {{"zero", 0}, 0}};
  const ValueCase cases[] = {
      {"1 + 2 * 3", 7},
      {"(1 + 2) * 3", 9},
      {"10 - 4 - 3", 3},  // left associative
      {"24 / 4 / 3", 2},
      {"2 × 3 ÷ 4 − 1", 0.5},
      {"-a + +b", -3},
      {"--a", 6},
      {"a / b * 100", 200},
      {"a > b", 1},
      {"a <= b", 0},
      {"a == 6", 1},
      {"a = 6", 1},
      {"a != 6", 0},
      {"a ≥ 6", 1},
      {"a ≤ 5", 0},
      {"a ≠ 5", 1},
      {"if(a > b, a, b)", 6},
      {"if(0, 1/zero, 2)", 2},  // only the branch taken is evaluated
      {"min(a, b, c)", -1.5},
      {"max(a, b, c)", 6},
      {"sum(a, b, c)", 7.5},
      {"sum(a)", 6},
      {"(a - prev(a)) / prev(a) * 100", 20},
      {"prev(prev(a))", 4},
      {"prev(a / b)", 2.5},
      {"pct(b, a)", 50},
      {"5%", 0.05},
      {"a * 50%", 3},
      {"days(date(\"2022-07-31\"), date('2022-12-31'))", 153},
      {"days(date(\"2024-02-28\"), date(\"2024-03-01\"))", 2},
      {"x.y * 2", 8},
      {"abs(c)", 1.5},
      {"round(2 / 3 * 100, 2)", 66.67},
      {"1e3 + .5", 1000.5},
      {"min(a; b)", 3},
      {"-0 * a", 0},
  };
  for (const ValueCase& c : cases) {
    auto f = Formula::Parse(c.text);
    ASSERT_TRUE(f.ok()) << c.text << ": " << f.status();
    Outcome o = f->Evaluate(From(env));
    ASSERT_TRUE(o.computable()) << c.text << ": " << o.not_computable;
    EXPECT_NEAR(*o.value, c.want, 1e-9) << c.text;
    EXPECT_FALSE(std::signbit(*o.value) && *o.value == 0) << c.text << " gave -0";
  }
}

struct NotComputableCase {
  std::string text;
  std::string reason;  // a substring of the reason
};

TEST(FormulaTest, NotComputableSaysWhy) {
  const Env env = {{{"a", 0}, 6}, {{"zero", 0}, 0}, {{"big", 0}, 1e308}};
  const NotComputableCase cases[] = {
      {"a / zero", "division by zero: 'zero' is 0 (column 5)"},
      {"a / (zero * 2)", "division by zero: 'zero * 2' is 0 (column 6)"},
      {"pct(a, zero)", "division by zero: 'zero' is 0"},
      {"missing + 1", "variable 'missing' has no value for the period (column 1)"},
      {"prev(a)", "variable 'a' has no value for the period 1 period before (prev)"},
      {"prev(prev(a))", "2 periods before"},
      {"big * big", "overflows"},
      {"sum(big, big)", "overflows"},
      {"if(missing, 1, 2)", "'missing'"},
      {"round(a, 1.5)", "whole number"},
      {"min(a, missing)", "'missing'"},
  };
  for (const NotComputableCase& c : cases) {
    auto f = Formula::Parse(c.text);
    ASSERT_TRUE(f.ok()) << c.text << ": " << f.status();
    Outcome o = f->Evaluate(From(env));
    EXPECT_FALSE(o.computable()) << c.text << " gave " << o.value.value_or(0);
    EXPECT_THAT(o.not_computable, HasSubstr(c.reason)) << c.text;
  }
}

TEST(FormulaTest, NoLookupIsNotComputableNotZero) {
  auto f = Formula::Parse("a + 1");
  ASSERT_TRUE(f.ok());
  Outcome o = f->Evaluate(nullptr);
  EXPECT_FALSE(o.computable());
  EXPECT_THAT(o.not_computable, HasSubstr("'a'"));
}

TEST(FormulaTest, VariablesWithLags) {
  auto f = Formula::Parse("(ricavi - prev(ricavi)) / prev(ricavi) + if(x > 0, y, prev(prev(z)))");
  ASSERT_TRUE(f.ok()) << f.status();
  const std::set<VariableRef> want = {{"ricavi", 0}, {"ricavi", 1}, {"x", 0}, {"y", 0}, {"z", 2}};
  EXPECT_EQ(f->variables(), want);
  EXPECT_EQ(f->max_lag(), 2);
  EXPECT_EQ(Formula::Parse("1 + 2")->variables().size(), 0u);
  EXPECT_EQ(Formula::Parse("1 + 2")->max_lag(), 0);
}

TEST(FormulaTest, InputsAreTheValuesRead) {
  const Env env = {{{"a", 0}, 6}, {{"b", 0}, 3}, {{"a", 1}, 5}};
  auto f = Formula::Parse("if(a > b, a + prev(a), c)");
  ASSERT_TRUE(f.ok());
  Outcome o = f->Evaluate(From(env));
  ASSERT_TRUE(o.computable()) << o.not_computable;
  EXPECT_EQ(*o.value, 11);
  const std::vector<Input> want = {{{"a", 0}, 6}, {{"b", 0}, 3}, {{"a", 1}, 5}};
  EXPECT_EQ(o.inputs, want);  // c, on the branch not taken, is not an input
}

struct ErrorCase {
  std::string text;
  std::string error;  // a substring of the message
};

TEST(FormulaTest, ParseErrorsNameTheColumn) {
  const ErrorCase cases[] = {
      {"", "column 1: empty formula"},
      {"   ", "column 1: empty formula"},
      {"1 +", "column 4: expected a number, a variable, a function or '(', found end of formula"},
      {"(1 + 2", "column 7: expected ')' to close the '(' at column 1"},
      {"1 + 2)", "column 6: ')' without a matching '('"},
      {"a b", "column 3: unexpected name 'b'"},
      {"a # b", "column 3: unexpected character '#'"},
      {"a \x01 b", "column 3: unexpected byte 0x01"},
      {"× 2", "column 1: expected a number"},
      {"2 × × 3", "column 5: expected a number"},
      {"foo(1)", "column 1: unknown function 'foo'"},
      {"if(1, 2)", "column 1: if() takes 3 arguments, got 2"},
      {"prev(a, b)", "prev() takes 1 argument, got 2"},
      {"min()", "min() takes at least 1 argument, got 0"},
      {"min(1,)", "column 7: expected a number"},
      {"min(1 2)", "column 7: expected ',' or ')' in the arguments of min() at column 1"},
      {"1 < 2 < 3", "column 7: comparisons cannot be chained"},
      {"date(2022)", "date() takes a text"},
      {"date(\"2022-02-30\")", "not a real calendar date"},
      {"date(\"22-1-1\")", "is not a date YYYY-MM-DD"},
      {"\"text\" + 1", "text is only allowed as the argument of date"},
      {"'open", "unterminated string"},
      {"1.2.3", "malformed number"},
      {"12abc", "malformed number"},
      {"1e999", "out of range"},
      {"a − × 2", "column 5: expected a number"},  // columns count characters, not bytes
      {"(((1)))))", "column 8: ')' without a matching '('"},
  };
  for (const ErrorCase& c : cases) {
    auto f = Formula::Parse(c.text);
    ASSERT_FALSE(f.ok()) << "'" << c.text << "' parsed";
    EXPECT_EQ(f.status().code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_THAT(std::string(f.status().message()), HasSubstr(c.error)) << c.text;
  }
}

TEST(FormulaTest, HostileInputIsBounded) {
  // Deep nesting: refused at the limit, whatever the construct, without recursing further.
  const std::string deep_parens = std::string(1000, '(') + "1" + std::string(1000, ')');
  const std::string deep_unary = std::string(3000, '-') + "1";
  std::string deep_calls;
  for (int i = 0; i < 500; ++i) deep_calls += "prev(";
  deep_calls += "a" + std::string(500, ')');
  for (const std::string& text : {deep_parens, deep_unary, deep_calls}) {
    auto f = Formula::Parse(text);
    ASSERT_FALSE(f.ok());
    EXPECT_THAT(std::string(f.status().message()), HasSubstr("nested too deeply (more than 64 levels)"));
  }
  // Exactly at the limit is fine.
  auto ok = Formula::Parse(std::string(64, '(') + "1" + std::string(64, ')'));
  EXPECT_TRUE(ok.ok()) << ok.status();
  EXPECT_FALSE(Formula::Parse(std::string(65, '(') + "1" + std::string(65, ')')).ok());

  // Too long: refused before lexing.
  auto long_text = Formula::Parse(std::string(5000, '1'));
  ASSERT_FALSE(long_text.ok());
  EXPECT_THAT(std::string(long_text.status().message()), HasSubstr("too long (5000 bytes; at most 4096)"));

  // A long flat sum is one node per operand, not a deep tree: it parses and evaluates.
  std::string flat = "1";
  for (int i = 0; i < 1000; ++i) flat += "+1";
  auto sum = Formula::Parse(flat);
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_EQ(*sum->Evaluate(nullptr).value, 1001);

  // Too many nodes.
  Limits small;
  small.max_nodes = 10;
  auto big = Formula::Parse("1+2+3+4+5+6+7+8+9+10+11", small);
  ASSERT_FALSE(big.ok());
  EXPECT_THAT(std::string(big.status().message()), HasSubstr("formula too large"));

  // Truncated UTF-8 and stray bytes are errors, not reads past the end.
  for (const std::string& text : {std::string("1 \xE2\x88"), std::string("1 \xC3"), std::string("\xFF"),
                                  std::string("a\0b", 3)}) {
    EXPECT_FALSE(Formula::Parse(text).ok());
  }
}

TEST(FormulaTest, DayNumber) {
  EXPECT_EQ(*DayNumber("1970-01-01"), 0);
  EXPECT_EQ(*DayNumber("2022-12-31") - *DayNumber("2022-01-01"), 364);
  EXPECT_FALSE(DayNumber("2023-02-29").ok());
  EXPECT_FALSE(DayNumber("2023-13-01").ok());
  EXPECT_FALSE(DayNumber("2023/01/01").ok());
}

}  // namespace
}  // namespace piao::formula
