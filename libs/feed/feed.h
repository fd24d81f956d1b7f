// Measurement feeds, pure: the accounting and InfoCamere CSV files parsed and validated row by row into one
// batch of variable values (DOMAIN.md §4). No I/O: bytes in, batch (or every error) out.
//
//   accounting   item_code,label,year,amount      + a mapping item_code,variable,unit
//   infocamere   period,variable,value,unit,extraction_id   [+ an optional mapping variable code -> name, unit]
//
// Columns are found by their header name (any order, extra columns ignored; one named twice, or by two of
// its aliases, is refused like a duplicate JSON key). A batch is all or nothing: any
// bad row rejects it, and the error lists every bad cell as "FILE:ROW:COLUMN (name): rule" (rows are file
// lines, 1-based, the header is row 1). Rules: a known variable (in the mapping; without an InfoCamere
// mapping, a name the formula language accepts), a number with a dot as decimal separator, a period "YYYY"
// or a real date "YYYY-MM-DD", a known unit, one value per variable and period.
#ifndef PIAO_LIBS_FEED_FEED_H_
#define PIAO_LIBS_FEED_FEED_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace piao::feed {

enum class Kind { kAccounting, kInfocamere };
absl::string_view KindName(Kind kind);  // "accounting" | "infocamere"
absl::StatusOr<Kind> ParseKind(absl::string_view name);

// Units a variable may carry: "%", "N." (a count), "gg" (days), "€", "M€" (millions of euro).
bool IsKnownUnit(absl::string_view unit);

// A CSV file's records with the file line each starts on (RFC 4180 quotes; CRLF or LF; UTF-8 BOM skipped).
struct CsvRecord {
  int line = 0;
  std::vector<std::string> cells;
};
absl::StatusOr<std::vector<CsvRecord>> ParseCsv(absl::string_view bytes, absl::string_view file);

// Item code (accounting) or variable code (InfoCamere) -> variable name and unit.
struct MappingEntry {
  std::string variable;
  std::string unit;
};
using Mapping = std::map<std::string, MappingEntry>;
// A mapping file "item_code,variable,unit" (the first column may also be called "variable_code"/"code").
absl::StatusOr<Mapping> ParseMapping(absl::string_view bytes, absl::string_view file);

// One value of one variable for one period, with where it came from.
struct Row {
  int line = 0;               // the row in the file
  std::string period;         // "2021" or "2022-06-30"
  std::string variable;       // formula variable name
  double value = 0;
  std::string unit;
  std::string source_code;    // the item code or the InfoCamere variable code
  std::string label;          // accounting: the item's label
  std::string extraction_id;  // InfoCamere
};

struct Batch {
  Kind kind = Kind::kAccounting;
  std::string batch_id;   // --batch-id, else the InfoCamere extraction id shared by all rows, else the file name
  std::string checksum;   // SHA-256 (hex) of the file's bytes and the mapping's
  std::string source;     // the file name
  std::vector<Row> rows;  // file order
};

struct ParseOptions {
  std::string file;       // for messages and the default batch id (its base name)
  std::string batch_id;   // overrides the default
  const Mapping* mapping = nullptr;   // required for accounting
  std::string mapping_bytes;          // part of the checksum
};

// INVALID_ARGUMENT listing every bad cell (at most 50, then "... and N more"); nothing is returned then.
absl::StatusOr<Batch> ParseBatch(Kind kind, absl::string_view bytes, const ParseOptions& options);

// The number of distinct variables in a batch.
size_t CountVariables(const Batch& batch);

}  // namespace piao::feed

#endif  // PIAO_LIBS_FEED_FEED_H_
