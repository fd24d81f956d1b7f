// Configuration by flags and environment: `--name=value` (or `--name value`) wins over the environment
// variable PIAO_NAME (upper case, '-' as '_'), which wins over the declared default.
#ifndef PIAO_LIBS_BASE_CONFIG_H_
#define PIAO_LIBS_BASE_CONFIG_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace piao {

class Config {
 public:
  // Declares a setting; only declared settings are accepted.
  Config& Declare(std::string name, std::string default_value, std::string help);

  // Parses argv (after argv[0]); `env` looks up environment variables (getenv in production).
  // Unknown flags, flags without a value and a boolean setting (one declared with default "true" or
  // "false") spelled other than true/false, 1/0, yes/no — from a flag or from PIAO_<NAME> — are
  // INVALID_ARGUMENT naming the flag or variable.
  absl::Status Parse(int argc, const char* const* argv,
                     const std::function<const char*(const char*)>& env);
  absl::Status ParseFromProcess(int argc, char** argv);

  const std::string& Get(const std::string& name) const;
  absl::StatusOr<int64_t> GetInt(const std::string& name) const;
  // A boolean setting's value (its spelling checked by Parse).
  bool GetBool(const std::string& name) const;
  // Arguments that are not flags, in order.
  const std::vector<std::string>& positional() const { return positional_; }
  // One line per setting: name, default, help.
  std::string Usage() const;

 private:
  struct Entry {
    std::string value;
    std::string default_value;
    std::string help;
  };
  std::map<std::string, Entry> entries_;
  std::vector<std::string> positional_;
};

}  // namespace piao

#endif  // PIAO_LIBS_BASE_CONFIG_H_
