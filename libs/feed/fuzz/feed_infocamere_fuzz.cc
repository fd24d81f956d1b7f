// libFuzzer target for the InfoCamere feed: the input is an InfoCamere CSV, optionally preceded by a
// mapping file and a form feed (\f); a batch, when accepted, holds only rows with a variable, a finite
// value and a known unit.
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
  ParseOptions options;
  options.file = "infocamere.csv";
  Mapping mapping;
  std::string csv = input;
  if (cut != std::string::npos) {
    auto m = ParseMapping(input.substr(0, cut), "mapping.csv");
    if (!m.ok()) return 0;
    mapping = *std::move(m);
    options.mapping = &mapping;
    options.mapping_bytes = input.substr(0, cut);
    csv = input.substr(cut + 1);
  }
  auto batch = ParseBatch(Kind::kInfocamere, csv, options);
  if (!batch.ok()) return 0;
  for (const Row& r : batch->rows) {
    if (!std::isfinite(r.value) || !IsKnownUnit(r.unit) || r.variable.empty()) {
      std::fprintf(stderr, "feed_infocamere_fuzz: accepted a bad row at line %d\n", r.line);
      std::abort();
    }
  }
  return 0;
}
