// libFuzzer target for the formula parser and evaluator: any bytes must parse or fail cleanly, and any
// parsed formula must evaluate (to a value or "not computable") without crashing.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "libs/formula/formula.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto f = piao::formula::Formula::Parse(text);
  if (!f.ok()) {
    if (f.status().message().empty()) std::abort();  // every error says what and where
    return 0;
  }
  // Variables get values from their names, some zero, some missing, so every path is reached.
  auto lookup = [](const std::string& name, int lag) -> std::optional<double> {
    const size_t h = std::hash<std::string>()(name) + static_cast<size_t>(lag);
    if (h % 7 == 0) return std::nullopt;
    if (h % 5 == 0) return 0.0;
    return static_cast<double>(h % 1000) - 300.0;
  };
  piao::formula::Outcome o = f->Evaluate(lookup);
  if (o.computable() == !o.not_computable.empty()) std::abort();  // exactly one of value / reason
  if (o.computable() && !std::isfinite(*o.value)) std::abort();
  return 0;
}
