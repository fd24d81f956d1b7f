// libFuzzer target for the risk register file (docs/RISK_FORMAT.md) as `piao risk import` reads it:
// strict JSON, protobuf's JSON mapping, then the dry run that decides every command on an empty register.
// Any bytes end in a prepared import or a status naming the file; never a crash.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "libs/base/log.h"
#include "tools/piao/risk_cmd.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = [] {
    piao::log::SetMinLevelWarning(true);
    return true;
  }();
  (void)quiet;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto prepared = piao::cli::PrepareRiskImport("fuzz.json", bytes);
  if (std::getenv("PIAO_FUZZ_VERBOSE") != nullptr) {  // for corpus maintenance
    std::fprintf(stderr, "%s\n", prepared.ok() ? "prepared" : prepared.status().ToString().c_str());
  }
  if (!prepared.ok() && prepared.status().message().rfind("fuzz.json: ", 0) != 0) {
    std::fprintf(stderr, "risk_register_fuzz: error does not name the file: %s\n", prepared.status().ToString().c_str());
    std::abort();
  }
  return 0;
}
