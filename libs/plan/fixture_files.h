// Test-only: reads a file of tests/fixtures/ (found via $PIAO_SOURCE_DIR, which piao_test sets, or the
// source dir compiled in for runs by hand).
#ifndef PIAO_LIBS_PLAN_FIXTURE_FILES_H_
#define PIAO_LIBS_PLAN_FIXTURE_FILES_H_

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace piao::plan::testing {

inline std::string ReadFixture(const std::string& relative) {
  const char* env = std::getenv("PIAO_SOURCE_DIR");
#ifdef PIAO_DEFAULT_SOURCE_DIR
  const std::string root = env != nullptr && *env != '\0' ? env : PIAO_DEFAULT_SOURCE_DIR;
#else
  const std::string root = env != nullptr ? env : ".";
#endif
  const std::string path = root + "/tests/fixtures/" + relative;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read fixture " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace piao::plan::testing

#endif  // PIAO_LIBS_PLAN_FIXTURE_FILES_H_
