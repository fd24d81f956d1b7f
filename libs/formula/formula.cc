#include "libs/formula/formula.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "libs/base/status_macros.h"

namespace piao::formula {

absl::StatusOr<int64_t> DayNumber(absl::string_view iso) {
  auto digits = [&](size_t from, size_t n) {
    for (size_t i = from; i < from + n; ++i) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(iso[i]))) return false;
    }
    return true;
  };
  if (iso.size() != 10 || iso[4] != '-' || iso[7] != '-' || !digits(0, 4) || !digits(5, 2) || !digits(8, 2)) {
    return absl::InvalidArgumentError(absl::StrCat("'", iso, "' is not a date YYYY-MM-DD"));
  }
  const int y = std::atoi(std::string(iso.substr(0, 4)).c_str());
  const int m = std::atoi(std::string(iso.substr(5, 2)).c_str());
  const int d = std::atoi(std::string(iso.substr(8, 2)).c_str());
  const absl::CivilDay day(y, m, d);
  if (day.year() != y || day.month() != m || day.day() != d) {
    return absl::InvalidArgumentError(absl::StrCat("'", iso, "' is not a real calendar date"));
  }
  return static_cast<int64_t>(day - absl::CivilDay(1970, 1, 1));
}

namespace {

enum class Tok { kNumber, kIdent, kString, kLParen, kRParen, kComma, kPlus, kMinus, kStar, kSlash, kPercent,
                 kCompare, kEnd };

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;  // identifier, string contents, comparison operator, number text
  size_t begin = 0;  // byte offsets in the formula
  size_t end = 0;
  int column = 0;    // 1-based, in characters
};

absl::Status ErrorAt(int column, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("formula: column ", column, ": ", what));
}

bool IsIdentStart(char c) { return absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}

// Splits the text into tokens. Columns count UTF-8 characters (continuation bytes do not start one).
absl::StatusOr<std::vector<Token>> Lex(absl::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  int column = 1;
  auto advance = [&](size_t n) {
    for (size_t k = 0; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) ++column;
    }
    i += n;
  };
  auto starts = [&](absl::string_view p) { return s.substr(i, p.size()) == p; };
  while (i < s.size()) {
    const char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      advance(1);
      continue;
    }
    Token t;
    t.begin = i;
    t.column = column;
    size_t n = 1;
    if (absl::ascii_isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && i + 1 < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[i + 1])))) {
      t.kind = Tok::kNumber;
      size_t j = i;
      while (j < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[j]))) ++j;
      if (j < s.size() && s[j] == '.') {
        ++j;
        while (j < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[j]))) ++j;
      }
      if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
        size_t k = j + 1;
        if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
        if (k < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[k]))) {
          while (k < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[k]))) ++k;
          j = k;
        }
      }
      if (j < s.size() && (IsIdentStart(s[j]) || s[j] == '.')) {
        return ErrorAt(column, absl::StrCat("malformed number '", s.substr(i, j - i + 1), "'"));
      }
      n = j - i;
      t.text = std::string(s.substr(i, n));
    } else if (IsIdentStart(c)) {
      t.kind = Tok::kIdent;
      size_t j = i;
      while (j < s.size() && IsIdentChar(s[j])) ++j;
      n = j - i;
      t.text = std::string(s.substr(i, n));
    } else if (c == '"' || c == '\'') {
      t.kind = Tok::kString;
      size_t j = i + 1;
      while (j < s.size() && s[j] != c && s[j] != '\n') ++j;
      if (j >= s.size() || s[j] != c) return ErrorAt(column, "unterminated string");
      t.text = std::string(s.substr(i + 1, j - i - 1));
      n = j - i + 1;
    } else if (c == '(') {
      t.kind = Tok::kLParen;
    } else if (c == ')') {
      t.kind = Tok::kRParen;
    } else if (c == ',' || c == ';') {
      t.kind = Tok::kComma;
    } else if (c == '+') {
      t.kind = Tok::kPlus;
    } else if (c == '-') {
      t.kind = Tok::kMinus;
    } else if (c == '*') {
      t.kind = Tok::kStar;
    } else if (c == '/') {
      t.kind = Tok::kSlash;
    } else if (c == '%') {
      t.kind = Tok::kPercent;
    } else if (starts("\xE2\x88\x92")) {  // − U+2212
      t.kind = Tok::kMinus;
      n = 3;
    } else if (starts("\xC3\x97") || starts("\xC2\xB7")) {  // × U+00D7, · U+00B7
      t.kind = Tok::kStar;
      n = 2;
    } else if (starts("\xC3\xB7")) {  // ÷ U+00F7
      t.kind = Tok::kSlash;
      n = 2;
    } else if (starts("\xE2\x89\xA4")) {  // ≤
      t.kind = Tok::kCompare, t.text = "<=", n = 3;
    } else if (starts("\xE2\x89\xA5")) {  // ≥
      t.kind = Tok::kCompare, t.text = ">=", n = 3;
    } else if (starts("\xE2\x89\xA0")) {  // ≠
      t.kind = Tok::kCompare, t.text = "!=", n = 3;
    } else if (starts("<=") || starts(">=") || starts("==") || starts("!=") || starts("<>")) {
      t.kind = Tok::kCompare;
      t.text = starts("<>") ? "!=" : std::string(s.substr(i, 2));
      n = 2;
    } else if (c == '<' || c == '>') {
      t.kind = Tok::kCompare, t.text = std::string(1, c);
    } else if (c == '=') {
      t.kind = Tok::kCompare, t.text = "==";
    } else {
      const unsigned char u = static_cast<unsigned char>(c);
      return ErrorAt(column, u >= 0x20 && u < 0x7F ? absl::StrCat("unexpected character '", std::string(1, c), "'")
                                                   : absl::StrCat("unexpected byte 0x", absl::Hex(u, absl::kZeroPad2)));
    }
    advance(n);
    t.end = i;
    out.push_back(std::move(t));
  }
  Token end;
  end.begin = end.end = s.size();
  end.column = column;
  out.push_back(end);
  return out;
}

}  // namespace

// Recursive descent with an explicit depth counter: every recursive step (a unary operator, a parenthesis,
// a function call) counts, so the C++ stack never grows beyond Limits::max_depth levels of the grammar.
class Parser {
 public:
  Parser(Formula* f, std::vector<Token> tokens, const Limits& limits)
      : f_(f), tokens_(std::move(tokens)), limits_(limits) {}

  absl::StatusOr<int> ParseAll() {
    PIAO_ASSIGN_OR_RETURN(int root, Expression());
    if (Peek().kind != Tok::kEnd) {
      return ErrorAt(Peek().column, Peek().kind == Tok::kRParen ? "')' without a matching '('"
                                                                : absl::StrCat("unexpected ", Describe(Peek())));
    }
    return root;
  }

 private:
  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Next() { return tokens_[pos_++]; }

  static std::string Describe(const Token& t) {
    switch (t.kind) {
      case Tok::kEnd: return "end of formula";
      case Tok::kNumber: return absl::StrCat("number ", t.text);
      case Tok::kIdent: return absl::StrCat("name '", t.text, "'");
      case Tok::kString: return absl::StrCat("text \"", t.text, "\"");
      case Tok::kLParen: return "'('";
      case Tok::kRParen: return "')'";
      case Tok::kComma: return "','";
      case Tok::kPercent: return "'%'";
      case Tok::kCompare: return absl::StrCat("'", t.text, "'");
      default: return "operator";
    }
  }

  absl::StatusOr<int> Add(Formula::Node n, size_t begin, size_t end) {
    if (f_->nodes_.size() >= limits_.max_nodes) {
      return ErrorAt(n.column, absl::StrCat("formula too large (more than ", limits_.max_nodes, " elements)"));
    }
    n.begin = begin;
    n.end = end;
    f_->nodes_.push_back(std::move(n));
    return static_cast<int>(f_->nodes_.size() - 1);
  }

  absl::Status Enter(const Token& at) {
    if (++depth_ > limits_.max_depth) {
      return ErrorAt(at.column, absl::StrCat("nested too deeply (more than ", limits_.max_depth, " levels)"));
    }
    return absl::OkStatus();
  }
  void Leave() { --depth_; }

  // expression := additive [compare additive]
  absl::StatusOr<int> Expression() {
    const size_t begin = Peek().begin;
    const int column = Peek().column;
    PIAO_ASSIGN_OR_RETURN(int left, Additive());
    if (Peek().kind != Tok::kCompare) return left;
    const std::string op = Next().text;
    PIAO_ASSIGN_OR_RETURN(int right, Additive());
    if (Peek().kind == Tok::kCompare) {
      return ErrorAt(Peek().column, "comparisons cannot be chained; use parentheses or if()");
    }
    Formula::Node n;
    n.kind = Formula::Node::Kind::kCompare;
    n.compare = op;
    n.children = {left, right};
    n.column = column;
    return Add(std::move(n), begin, f_->nodes_[right].end);
  }

  // additive := term (('+'|'-') term)*, one n-ary node so long sums do not deepen the tree
  absl::StatusOr<int> Additive() { return Chain(Tok::kPlus, Tok::kMinus, '+', '-', &Parser::Term); }
  // term := unary (('*'|'/') unary)*
  absl::StatusOr<int> Term() { return Chain(Tok::kStar, Tok::kSlash, '*', '/', &Parser::Unary); }

  absl::StatusOr<int> Chain(Tok a, Tok b, char op_a, char op_b, absl::StatusOr<int> (Parser::*operand)()) {
    const size_t begin = Peek().begin;
    const int column = Peek().column;
    PIAO_ASSIGN_OR_RETURN(int first, (this->*operand)());
    if (Peek().kind != a && Peek().kind != b) return first;
    Formula::Node n;
    n.kind = Formula::Node::Kind::kChain;
    n.column = column;
    n.children.push_back(first);
    while (Peek().kind == a || Peek().kind == b) {
      n.ops.push_back(Next().kind == a ? op_a : op_b);
      PIAO_ASSIGN_OR_RETURN(int next, (this->*operand)());
      n.children.push_back(next);
    }
    const size_t end = f_->nodes_[n.children.back()].end;
    return Add(std::move(n), begin, end);
  }

  // unary := ('-'|'+') unary | postfix
  absl::StatusOr<int> Unary() {
    const Token& t = Peek();
    if (t.kind != Tok::kMinus && t.kind != Tok::kPlus) return Postfix();
    const Token op = Next();
    PIAO_RETURN_IF_ERROR(Enter(op));
    absl::StatusOr<int> inner = Unary();
    Leave();
    if (!inner.ok()) return inner.status();
    if (op.kind == Tok::kPlus) return *inner;
    Formula::Node n;
    n.kind = Formula::Node::Kind::kNegate;
    n.children = {*inner};
    n.column = op.column;
    return Add(std::move(n), op.begin, f_->nodes_[*inner].end);
  }

  // postfix := primary ['%']   (x% = x / 100)
  absl::StatusOr<int> Postfix() {
    PIAO_ASSIGN_OR_RETURN(int p, Primary());
    if (Peek().kind != Tok::kPercent) return p;
    const Token pct = Next();
    Formula::Node hundred;
    hundred.kind = Formula::Node::Kind::kNumber;
    hundred.number = 100;
    hundred.column = pct.column;
    PIAO_ASSIGN_OR_RETURN(int h, Add(std::move(hundred), pct.begin, pct.end));
    Formula::Node n;
    n.kind = Formula::Node::Kind::kChain;
    n.children = {p, h};
    n.ops = {'/'};
    n.column = f_->nodes_[p].column;
    return Add(std::move(n), f_->nodes_[p].begin, pct.end);
  }

  absl::StatusOr<int> Primary() {
    const Token t = Next();
    switch (t.kind) {
      case Tok::kNumber: {
        errno = 0;
        char* endp = nullptr;
        const double v = std::strtod(t.text.c_str(), &endp);
        if (errno == ERANGE || !std::isfinite(v) || endp != t.text.c_str() + t.text.size()) {
          return ErrorAt(t.column, absl::StrCat("number ", t.text, " is out of range"));
        }
        Formula::Node n;
        n.kind = Formula::Node::Kind::kNumber;
        n.number = v;
        n.column = t.column;
        return Add(std::move(n), t.begin, t.end);
      }
      case Tok::kLParen: {
        PIAO_RETURN_IF_ERROR(Enter(t));
        absl::StatusOr<int> inner = Expression();
        Leave();
        if (!inner.ok()) return inner.status();
        if (Peek().kind != Tok::kRParen) {
          return ErrorAt(Peek().column, absl::StrCat("expected ')' to close the '(' at column ", t.column,
                                                     ", found ", Describe(Peek())));
        }
        Next();
        return *inner;
      }
      case Tok::kIdent:
        if (Peek().kind == Tok::kLParen) return Call(t);
        {
          Formula::Node n;
          n.kind = Formula::Node::Kind::kVariable;
          n.name = t.text;
          n.column = t.column;
          return Add(std::move(n), t.begin, t.end);
        }
      case Tok::kString:
        return ErrorAt(t.column, "text is only allowed as the argument of date(\"YYYY-MM-DD\")");
      default:
        return ErrorAt(t.column, absl::StrCat("expected a number, a variable, a function or '(', found ", Describe(t)));
    }
  }

  absl::StatusOr<int> Call(const Token& name) {
    struct Arity {
      const char* name;
      int min, max;  // max -1 = unbounded
    };
    static constexpr Arity kFunctions[] = {{"if", 3, 3},  {"min", 1, -1},  {"max", 1, -1},  {"sum", 1, -1},
                                           {"prev", 1, 1}, {"pct", 2, 2},   {"days", 2, 2},  {"date", 1, 1},
                                           {"abs", 1, 1},  {"round", 2, 2}};
    const Arity* fn = nullptr;
    for (const Arity& a : kFunctions) {
      if (name.text == a.name) fn = &a;
    }
    if (fn == nullptr) {
      return ErrorAt(name.column, absl::StrCat("unknown function '", name.text,
                                               "' (known: if, min, max, sum, prev, pct, days, date, abs, round)"));
    }
    const Token open = Next();  // '('
    PIAO_RETURN_IF_ERROR(Enter(open));
    Formula::Node n;
    n.kind = Formula::Node::Kind::kCall;
    n.name = name.text;
    n.column = name.column;
    absl::Status s = Arguments(name, &n);
    Leave();
    PIAO_RETURN_IF_ERROR(s);
    const Token close = Next();  // ')', checked by Arguments
    const int count = static_cast<int>(n.children.size());
    if (count < fn->min || (fn->max >= 0 && count > fn->max)) {
      std::string want = fn->min == fn->max ? absl::StrCat(fn->min)
                                            : absl::StrCat("at least ", fn->min);
      return ErrorAt(name.column, absl::StrCat(name.text, "() takes ", want, " argument", fn->min == 1 ? "" : "s",
                                               ", got ", count));
    }
    return Add(std::move(n), name.begin, close.end);
  }

  absl::Status Arguments(const Token& name, Formula::Node* n) {
    if (Peek().kind == Tok::kRParen) return absl::OkStatus();
    while (true) {
      if (name.text == "date") {
        const Token arg = Next();
        if (arg.kind != Tok::kString) return ErrorAt(arg.column, "date() takes a text \"YYYY-MM-DD\"");
        auto day = DayNumber(arg.text);
        if (!day.ok()) return ErrorAt(arg.column, day.status().message());
        Formula::Node d;
        d.kind = Formula::Node::Kind::kNumber;
        d.number = static_cast<double>(*day);
        d.column = arg.column;
        PIAO_ASSIGN_OR_RETURN(int idx, Add(std::move(d), arg.begin, arg.end));
        n->children.push_back(idx);
      } else {
        PIAO_ASSIGN_OR_RETURN(int idx, Expression());
        n->children.push_back(idx);
      }
      if (Peek().kind == Tok::kComma) {
        Next();
        continue;
      }
      if (Peek().kind == Tok::kRParen) return absl::OkStatus();
      return ErrorAt(Peek().column, absl::StrCat("expected ',' or ')' in the arguments of ", name.text,
                                                 "() at column ", name.column, ", found ", Describe(Peek())));
    }
  }

  Formula* f_;
  std::vector<Token> tokens_;
  Limits limits_;
  size_t pos_ = 0;
  int depth_ = 0;
};

namespace {

// The variables a subtree may read; the tree's depth is bounded by the parser, so recursion is bounded.
void CollectVariables(const std::vector<Formula::Node>& nodes, int idx, int lag, std::set<VariableRef>* out) {
  const Formula::Node& n = nodes[idx];
  if (n.kind == Formula::Node::Kind::kVariable) {
    out->insert({n.name, lag});
    return;
  }
  const int child_lag = (n.kind == Formula::Node::Kind::kCall && n.name == "prev") ? lag + 1 : lag;
  for (int c : n.children) CollectVariables(nodes, c, child_lag, out);
}

}  // namespace

absl::StatusOr<Formula> Formula::Parse(absl::string_view text, const Limits& limits) {
  if (text.size() > limits.max_length) {
    return absl::InvalidArgumentError(
        absl::StrCat("formula: too long (", text.size(), " bytes; at most ", limits.max_length, ")"));
  }
  PIAO_ASSIGN_OR_RETURN(std::vector<Token> tokens, Lex(text));
  if (tokens.size() == 1) return ErrorAt(1, "empty formula");
  Formula f;
  f.text_ = std::string(text);
  Parser p(&f, std::move(tokens), limits);
  PIAO_ASSIGN_OR_RETURN(f.root_, p.ParseAll());
  CollectVariables(f.nodes_, f.root_, 0, &f.variables_);
  return f;
}

int Formula::max_lag() const {
  int lag = 0;
  for (const VariableRef& v : variables_) lag = std::max(lag, v.lag);
  return lag;
}

class Evaluator {
 public:
  Evaluator(const Formula& f, const Lookup& lookup) : f_(f), lookup_(lookup) {}

  Outcome Run() {
    Outcome o;
    std::optional<double> v = Eval(f_.root_, 0);
    if (v && !std::isfinite(*v)) {
      v.reset();
      Fail(f_.root_, "the result is not a finite number");
    }
    if (v) {
      o.value = *v == 0 ? 0.0 : *v;  // no negative zero in recorded actuals
    } else {
      o.not_computable = reason_;
    }
    o.inputs = std::move(inputs_);
    return o;
  }

 private:
  using Node = Formula::Node;

  std::string Source(int idx) const {
    const Node& n = f_.nodes_[idx];
    return f_.text_.substr(n.begin, n.end - n.begin);
  }

  std::optional<double> Fail(int idx, absl::string_view why) {
    if (reason_.empty()) reason_ = absl::StrCat(why, " (column ", f_.nodes_[idx].column, ")");
    return std::nullopt;
  }

  std::optional<double> Finite(int idx, double v) {
    if (!std::isfinite(v)) return Fail(idx, absl::StrCat("'", Source(idx), "' overflows"));
    return v;
  }

  std::optional<double> Eval(int idx, int lag) {
    const Node& n = f_.nodes_[idx];
    switch (n.kind) {
      case Node::Kind::kNumber:
        return n.number;
      case Node::Kind::kVariable: {
        std::optional<double> v = lookup_ ? lookup_(n.name, lag) : std::nullopt;
        if (!v) {
          return Fail(idx, lag == 0 ? absl::StrCat("variable '", n.name, "' has no value for the period")
                                    : absl::StrCat("variable '", n.name, "' has no value for the period ", lag,
                                                   lag == 1 ? " period" : " periods", " before (prev)"));
        }
        if (!std::isfinite(*v)) return Fail(idx, absl::StrCat("variable '", n.name, "' is not a finite number"));
        Input in{{n.name, lag}, *v};
        if (std::find(inputs_.begin(), inputs_.end(), in) == inputs_.end()) inputs_.push_back(in);
        return v;
      }
      case Node::Kind::kNegate: {
        auto v = Eval(n.children[0], lag);
        if (!v) return v;
        return -*v;
      }
      case Node::Kind::kChain: {
        auto acc = Eval(n.children[0], lag);
        if (!acc) return acc;
        for (size_t i = 1; i < n.children.size(); ++i) {
          auto v = Eval(n.children[i], lag);
          if (!v) return v;
          switch (n.ops[i - 1]) {
            case '+': *acc += *v; break;
            case '-': *acc -= *v; break;
            case '*': *acc *= *v; break;
            default:
              if (*v == 0) {
                return Fail(n.children[i], absl::StrCat("division by zero: '", Source(n.children[i]), "' is 0"));
              }
              *acc /= *v;
          }
          if (!std::isfinite(*acc)) return Fail(idx, absl::StrCat("'", Source(idx), "' overflows"));
        }
        return acc;
      }
      case Node::Kind::kCompare: {
        auto a = Eval(n.children[0], lag);
        if (!a) return a;
        auto b = Eval(n.children[1], lag);
        if (!b) return b;
        bool r = false;
        if (n.compare == "<") r = *a < *b;
        else if (n.compare == "<=") r = *a <= *b;
        else if (n.compare == ">") r = *a > *b;
        else if (n.compare == ">=") r = *a >= *b;
        else if (n.compare == "==") r = *a == *b;
        else r = *a != *b;
        return r ? 1.0 : 0.0;
      }
      case Node::Kind::kCall:
        return Call(idx, lag);
    }
    return Fail(idx, "internal: unknown node");
  }

  std::optional<double> Call(int idx, int lag) {
    const Node& n = f_.nodes_[idx];
    const std::vector<int>& args = n.children;
    if (n.name == "if") {
      auto c = Eval(args[0], lag);
      if (!c) return c;
      return Eval(*c != 0 ? args[1] : args[2], lag);
    }
    if (n.name == "prev") return Eval(args[0], lag + 1);
    if (n.name == "date") return Eval(args[0], lag);
    std::vector<double> v;
    v.reserve(args.size());
    for (int a : args) {
      auto x = Eval(a, lag);
      if (!x) return x;
      v.push_back(*x);
    }
    if (n.name == "min") return *std::min_element(v.begin(), v.end());
    if (n.name == "max") return *std::max_element(v.begin(), v.end());
    if (n.name == "sum") {
      double s = 0;
      for (double x : v) s += x;
      return Finite(idx, s);
    }
    if (n.name == "abs") return std::fabs(v[0]);
    if (n.name == "days") return v[1] - v[0];
    if (n.name == "pct") {
      if (v[1] == 0) return Fail(args[1], absl::StrCat("division by zero: '", Source(args[1]), "' is 0"));
      return Finite(idx, v[0] / v[1] * 100);
    }
    if (n.name == "round") {
      if (v[1] != std::floor(v[1]) || v[1] < -15 || v[1] > 15) {
        return Fail(args[1], "round(): the digits must be a whole number between -15 and 15");
      }
      const double scale = std::pow(10.0, v[1]);
      return Finite(idx, std::round(v[0] * scale) / scale);
    }
    return Fail(idx, absl::StrCat("internal: unknown function ", n.name));
  }

  const Formula& f_;
  const Lookup& lookup_;
  std::string reason_;
  std::vector<Input> inputs_;
};

Outcome Formula::Evaluate(const Lookup& lookup) const {
  if (nodes_.empty()) {
    Outcome o;
    o.not_computable = "empty formula";
    return o;
  }
  return Evaluator(*this, lookup).Run();
}

}  // namespace piao::formula
