// libFuzzer target for the HR import file (docs/HR_FORMAT.md): any bytes parse or fail with a message; a
// parsed file is applied to an empty book and summarised (each step a status, never a crash).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "libs/hr/hr_json.h"
#include "libs/hr/model.h"
#include "libs/hr/summary.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto file = piao::hr::ParseHrImportText(text);
  if (!file.ok()) {
    if (file.status().code() != absl::StatusCode::kInvalidArgument || file.status().message().empty()) {
      std::fprintf(stderr, "hr_file_fuzz: %s\n", file.status().ToString().c_str());
      std::abort();
    }
    return 0;
  }
  piao::hr::HrBook book;
  if (!piao::hr::ApplyImport(*file, book).ok()) return 0;
  for (int year : {2021, 2022, 2023}) {
    piao::hr::SummaryOptions options;
    options.administration = file->administration;
    options.year = year;
    options.enterprise_score_pct = 75.5;
    (void)piao::hr::Summarize(book, options);
  }
  return 0;
}
