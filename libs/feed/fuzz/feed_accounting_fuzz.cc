// libFuzzer target for the accounting feed: the input is a mapping file and an accounting CSV separated by
// the first form feed (\f); both are parsed (each a status, never a crash) and a batch, when accepted,
// holds only rows with a known variable, a finite value and a known unit.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "libs/feed/feed.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace piao::feed;
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t cut = input.find('\f');
  const std::string mapping_text = cut == std::string::npos ? std::string() : input.substr(0, cut);
  const std::string csv = cut == std::string::npos ? input : input.substr(cut + 1);
  (void)ParseCsv(csv, "fuzz.csv");
  auto mapping = ParseMapping(mapping_text, "mapping.csv");
  if (!mapping.ok()) return 0;
  ParseOptions options;
  options.file = "fuzz.csv";
  options.mapping = &*mapping;
  options.mapping_bytes = mapping_text;
  auto batch = ParseBatch(Kind::kAccounting, csv, options);
  if (!batch.ok()) return 0;
  for (const Row& r : batch->rows) {
    if (!std::isfinite(r.value) || !IsKnownUnit(r.unit) || r.variable.empty()) {
      std::fprintf(stderr, "feed_accounting_fuzz: accepted a bad row at line %d\n", r.line);
      std::abort();
    }
  }
  (void)CountVariables(*batch);
  return 0;
}
