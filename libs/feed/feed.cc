#include "libs/feed/feed.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/base/sha256.h"
#include "libs/base/status_macros.h"
#include "libs/formula/formula.h"

namespace piao::feed {
namespace {

constexpr size_t kMaxListedErrors = 50;

std::string BaseName(absl::string_view path) {
  const size_t slash = path.find_last_of('/');
  return std::string(slash == absl::string_view::npos ? path : path.substr(slash + 1));
}

// Collects cell errors; the batch is refused when there is any.
class Errors {
 public:
  explicit Errors(std::string file) : file_(std::move(file)) {}
  void Add(int line, int column, absl::string_view name, absl::string_view rule) {
    ++count_;
    if (listed_.size() < kMaxListedErrors) {
      listed_.push_back(absl::StrCat(file_, ":", line, ":", column, " (", name, "): ", rule));
    }
  }
  bool empty() const { return count_ == 0; }
  absl::Status ToStatus() const {
    std::string more = count_ > listed_.size() ? absl::StrCat("\n  ... and ", count_ - listed_.size(), " more") : "";
    return absl::InvalidArgumentError(absl::StrCat(file_, ": ", count_, count_ == 1 ? " error" : " errors",
                                                   ", nothing imported:\n  ", absl::StrJoin(listed_, "\n  "), more));
  }

 private:
  std::string file_;
  std::vector<std::string> listed_;
  size_t count_ = 0;
};

// A strict decimal: optional '-', digits, optional '.' and digits. No thousands separators, no comma.
bool ParseNumber(absl::string_view text, double* out, std::string* why) {
  const absl::string_view t = absl::StripAsciiWhitespace(text);
  size_t i = 0;
  if (i < t.size() && (t[i] == '-' || t[i] == '+')) ++i;
  size_t digits = 0, frac = 0;
  while (i < t.size() && absl::ascii_isdigit(static_cast<unsigned char>(t[i]))) ++i, ++digits;
  if (i < t.size() && t[i] == '.') {
    ++i;
    while (i < t.size() && absl::ascii_isdigit(static_cast<unsigned char>(t[i]))) ++i, ++frac;
    if (frac == 0) digits = 0;
  }
  if (t.empty()) {
    *why = "a number is required";
    return false;
  }
  if (digits == 0 || i != t.size()) {
    *why = absl::StrCat("'", t, "' is not a number (use a dot as decimal separator, no thousands separator)");
    return false;
  }
  errno = 0;
  const std::string s(t);
  const double v = std::strtod(s.c_str(), nullptr);
  if (errno == ERANGE || !std::isfinite(v)) {
    *why = absl::StrCat("'", t, "' is out of range");
    return false;
  }
  *out = v == 0 ? 0.0 : v;
  return true;
}

bool IsYear(absl::string_view t) {
  if (t.size() != 4) return false;
  for (char c : t) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return t[0] == '1' || t[0] == '2';
}

bool ValidPeriod(absl::string_view t, bool dates_allowed) {
  if (IsYear(t)) return true;
  return dates_allowed && formula::DayNumber(t).ok() && (t[0] == '1' || t[0] == '2');
}

bool IsVariableName(absl::string_view name) {
  if (name.empty() || !(absl::ascii_isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  for (char c : name) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.')) return false;
  }
  return true;
}

// The column indexes of `wanted` names in a header; -1 when missing. A column given twice (by the same name
// or by two of its aliases) is an error, as a duplicate key is in the JSON files: which one would count?
std::map<std::string, int> Columns(const CsvRecord& header,
                                   const std::vector<std::pair<std::string, std::vector<std::string>>>& wanted,
                                   Errors& errors) {
  std::map<std::string, int> out;
  for (const auto& [name, aliases] : wanted) {
    out[name] = -1;
    for (size_t c = 0; c < header.cells.size(); ++c) {
      const std::string cell = absl::AsciiStrToLower(absl::StripAsciiWhitespace(header.cells[c]));
      bool match = false;
      for (const std::string& a : aliases) match = match || cell == a;
      if (!match) continue;
      if (out[name] >= 0) {
        errors.Add(header.line, static_cast<int>(c) + 1, name,
                   absl::StrCat("column given twice (also column ", out[name] + 1, ")"));
      } else {
        out[name] = static_cast<int>(c);
      }
    }
  }
  return out;
}

std::string Cell(const CsvRecord& r, int column) {
  if (column < 0 || static_cast<size_t>(column) >= r.cells.size()) return "";
  return std::string(absl::StripAsciiWhitespace(r.cells[column]));
}

bool BlankRecord(const CsvRecord& r) {
  for (const std::string& c : r.cells) {
    if (!absl::StripAsciiWhitespace(c).empty()) return false;
  }
  return true;
}

}  // namespace

absl::string_view KindName(Kind kind) { return kind == Kind::kAccounting ? "accounting" : "infocamere"; }

absl::StatusOr<Kind> ParseKind(absl::string_view name) {
  if (name == "accounting") return Kind::kAccounting;
  if (name == "infocamere") return Kind::kInfocamere;
  return absl::InvalidArgumentError(absl::StrCat("kind: must be accounting or infocamere, got '", name, "'"));
}

bool IsKnownUnit(absl::string_view unit) {
  for (absl::string_view u : {"%", "N.", "gg", "€", "M€"}) {
    if (unit == u) return true;
  }
  return false;
}

absl::StatusOr<std::vector<CsvRecord>> ParseCsv(absl::string_view bytes, absl::string_view file) {
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  std::vector<CsvRecord> out;
  CsvRecord rec;
  std::string cell;
  int line = 1;
  rec.line = 1;
  bool quoted = false, any = false;
  int quote_line = 0;
  auto end_record = [&]() {
    rec.cells.push_back(std::move(cell));
    cell.clear();
    out.push_back(std::move(rec));
    rec = CsvRecord();
    any = false;
  };
  for (size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < bytes.size() && bytes[i + 1] == '"') {
          cell += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        cell += c;
      }
      continue;
    }
    if (c == '"' && cell.empty()) {
      quoted = true;
      quote_line = line;
      any = true;
    } else if (c == ',') {
      rec.cells.push_back(std::move(cell));
      cell.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < bytes.size() && bytes[i + 1] == '\n') ++i;
      end_record();
      ++line;
      rec.line = line;
    } else if (c == '\0') {
      return absl::InvalidArgumentError(absl::StrCat(file, ":", line, ": NUL byte (not a text CSV file)"));
    } else {
      cell += c;
      any = true;
    }
  }
  if (quoted) return absl::InvalidArgumentError(absl::StrCat(file, ":", quote_line, ": unterminated quoted cell"));
  if (any || !cell.empty()) end_record();
  return out;
}

absl::StatusOr<Mapping> ParseMapping(absl::string_view bytes, absl::string_view file) {
  PIAO_ASSIGN_OR_RETURN(std::vector<CsvRecord> records, ParseCsv(bytes, file));
  Errors errors{std::string(file)};
  if (records.empty()) return absl::InvalidArgumentError(absl::StrCat(file, ": empty mapping file"));
  auto col = Columns(records[0], {{"code", {"item_code", "variable_code", "code"}},
                                  {"variable", {"variable"}},
                                  {"unit", {"unit"}}},
                 errors);
  for (const auto& [name, idx] : col) {
    if (idx < 0) errors.Add(1, 1, name, absl::StrCat("missing column '", name == "code" ? "item_code" : name, "'"));
  }
  if (!errors.empty()) return errors.ToStatus();
  Mapping m;
  std::set<std::string> variables;
  for (size_t k = 1; k < records.size(); ++k) {
    const CsvRecord& r = records[k];
    if (BlankRecord(r)) continue;
    const std::string code = Cell(r, col["code"]), variable = Cell(r, col["variable"]), unit = Cell(r, col["unit"]);
    if (code.empty()) errors.Add(r.line, col["code"] + 1, "item_code", "must not be empty");
    if (!IsVariableName(variable)) {
      errors.Add(r.line, col["variable"] + 1, "variable",
                 absl::StrCat("'", variable, "' is not a variable name (letters, digits, '_' and '.', not first a digit)"));
    }
    if (!IsKnownUnit(unit)) {
      errors.Add(r.line, col["unit"] + 1, "unit", absl::StrCat("unknown unit '", unit, "' (known: %, N., gg, €, M€)"));
    }
    if (!code.empty() && m.count(code)) {
      errors.Add(r.line, col["code"] + 1, "item_code", absl::StrCat("'", code, "' is mapped twice"));
    }
    if (IsVariableName(variable) && !variables.insert(variable).second) {
      errors.Add(r.line, col["variable"] + 1, "variable", absl::StrCat("'", variable, "' is the target of two codes"));
    }
    m[code] = MappingEntry{variable, unit};
  }
  if (!errors.empty()) return errors.ToStatus();
  return m;
}

absl::StatusOr<Batch> ParseBatch(Kind kind, absl::string_view bytes, const ParseOptions& o) {
  const std::string file = o.file.empty() ? std::string("feed") : o.file;
  if (kind == Kind::kAccounting && o.mapping == nullptr) {
    return absl::InvalidArgumentError("mapping: an accounting feed needs a mapping file (--mapping)");
  }
  PIAO_ASSIGN_OR_RETURN(std::vector<CsvRecord> records, ParseCsv(bytes, file));
  if (records.empty()) return absl::InvalidArgumentError(absl::StrCat(file, ": empty file"));
  Errors errors(file);
  std::map<std::string, int> col;
  if (kind == Kind::kAccounting) {
    col = Columns(records[0], {{"item_code", {"item_code", "code"}},
                               {"label", {"label"}},
                               {"year", {"year"}},
                               {"amount", {"amount"}}},
                 errors);
  } else {
    col = Columns(records[0], {{"period", {"period"}},
                               {"variable", {"variable", "variable_code"}},
                               {"value", {"value"}},
                               {"unit", {"unit"}},
                               {"extraction_id", {"extraction_id"}}},
                 errors);
  }
  for (const auto& [name, idx] : col) {
    if (idx < 0) errors.Add(1, 1, name, absl::StrCat("missing column '", name, "'"));
  }
  if (!errors.empty()) return errors.ToStatus();

  Batch b;
  b.kind = kind;
  b.source = BaseName(file);
  const std::string kind_name(KindName(kind));
  b.checksum = ToHex(Sha256({kind_name, "\n", std::string_view(bytes.data(), bytes.size()), "\n", o.mapping_bytes}));
  std::map<std::pair<std::string, std::string>, int> seen;  // (variable, period) -> line
  std::set<std::string> extractions;
  for (size_t k = 1; k < records.size(); ++k) {
    const CsvRecord& r = records[k];
    if (BlankRecord(r)) continue;
    Row row;
    row.line = r.line;
    bool ok = true;
    auto bad = [&](const std::string& name, absl::string_view rule) {
      errors.Add(r.line, col[name] + 1, name, rule);
      ok = false;
    };
    std::string why;
    if (kind == Kind::kAccounting) {
      row.source_code = Cell(r, col["item_code"]);
      row.label = Cell(r, col["label"]);
      row.period = Cell(r, col["year"]);
      auto m = o.mapping->find(row.source_code);
      if (row.source_code.empty()) {
        bad("item_code", "must not be empty");
      } else if (m == o.mapping->end()) {
        bad("item_code", absl::StrCat("unknown item code '", row.source_code, "' (not in the mapping)"));
      } else {
        row.variable = m->second.variable;
        row.unit = m->second.unit;
      }
      if (!ValidPeriod(row.period, false)) bad("year", absl::StrCat("'", row.period, "' is not a year YYYY"));
      if (!ParseNumber(Cell(r, col["amount"]), &row.value, &why)) bad("amount", why);
    } else {
      row.period = Cell(r, col["period"]);
      row.source_code = Cell(r, col["variable"]);
      row.unit = Cell(r, col["unit"]);
      row.extraction_id = Cell(r, col["extraction_id"]);
      if (!ValidPeriod(row.period, true)) {
        bad("period", absl::StrCat("'", row.period, "' is not a year YYYY or a real date YYYY-MM-DD"));
      }
      if (o.mapping != nullptr) {
        auto m = o.mapping->find(row.source_code);
        if (m == o.mapping->end()) {
          bad("variable", absl::StrCat("unknown variable code '", row.source_code, "' (not in the mapping)"));
        } else {
          row.variable = m->second.variable;
          if (row.unit != m->second.unit) {
            bad("unit", absl::StrCat("'", row.unit, "' but the mapping gives ", row.source_code, " the unit '",
                                     m->second.unit, "'"));
          }
        }
      } else if (!IsVariableName(row.source_code)) {
        bad("variable", absl::StrCat("'", row.source_code, "' is not a variable name"));
      } else {
        row.variable = row.source_code;
      }
      if (!IsKnownUnit(row.unit)) bad("unit", absl::StrCat("unknown unit '", row.unit, "' (known: %, N., gg, €, M€)"));
      if (!ParseNumber(Cell(r, col["value"]), &row.value, &why)) bad("value", why);
      if (row.extraction_id.empty()) bad("extraction_id", "must not be empty");
      extractions.insert(row.extraction_id);
    }
    if (ok) {
      auto [it, inserted] = seen.emplace(std::make_pair(row.variable, row.period), r.line);
      if (!inserted) {
        errors.Add(r.line, col[kind == Kind::kAccounting ? "item_code" : "variable"] + 1,
                   kind == Kind::kAccounting ? "item_code" : "variable",
                   absl::StrCat(row.variable, " for ", row.period, " is already given at row ", it->second));
        ok = false;
      }
    }
    if (ok) b.rows.push_back(std::move(row));
  }
  if (!errors.empty()) return errors.ToStatus();
  if (b.rows.empty()) return absl::InvalidArgumentError(absl::StrCat(file, ": no data rows"));
  if (!o.batch_id.empty()) {
    b.batch_id = o.batch_id;
  } else if (kind == Kind::kInfocamere && extractions.size() == 1) {
    b.batch_id = *extractions.begin();
  } else {
    b.batch_id = b.source;
  }
  return b;
}

size_t CountVariables(const Batch& batch) {
  std::set<std::string> v;
  for (const Row& r : batch.rows) v.insert(r.variable);
  return v.size();
}

}  // namespace piao::feed
