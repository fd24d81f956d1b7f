#include "libs/base/config.h"

#include <cstdlib>
#include <map>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace piao {

Config& Config::Declare(std::string name, std::string default_value, std::string help) {
  entries_[name] = Entry{default_value, default_value, std::move(help)};
  return *this;
}

namespace {

bool IsBoolean(const std::string& default_value) { return default_value == "true" || default_value == "false"; }

// The spellings a boolean setting accepts; nullopt for anything else (never silently false).
std::optional<bool> ParseBool(const std::string& text) {
  const std::string v = absl::AsciiStrToLower(text);
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  return std::nullopt;
}

std::string EnvName(const std::string& name) {
  return "PIAO_" + absl::AsciiStrToUpper(absl::StrReplaceAll(name, {{"-", "_"}}));
}

}  // namespace

absl::Status Config::Parse(int argc, const char* const* argv,
                           const std::function<const char*(const char*)>& env) {
  std::map<std::string, std::string> from;  // where each value came from, for the error
  for (auto& [name, e] : entries_) {
    const std::string var = EnvName(name);
    if (const char* v = env(var.c_str()); v != nullptr) {
      e.value = v;
      from[name] = var;
    }
  }
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0 || arg == "--") {
      positional_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2), value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    auto it = entries_.find(name);
    if (it == entries_.end()) return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    if (!has_value) {
      // A boolean flag may stand alone; anything else takes the next argument.
      bool is_bool = it->second.default_value == "true" || it->second.default_value == "false";
      if (is_bool) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return absl::InvalidArgumentError(absl::StrCat("flag --", name, " needs a value"));
      }
    }
    it->second.value = value;
    from[name] = "--" + name;
  }
  // A boolean setting (declared with default "true" or "false") takes true/false, 1/0 or yes/no; a mistyped
  // one is an error naming where it came from, never a silent false.
  for (const auto& [name, e] : entries_) {
    if (IsBoolean(e.default_value) && !ParseBool(e.value).has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(from.count(name) ? from[name] : "--" + name,
                                                     ": must be true or false (or 1/0, yes/no), got '", e.value,
                                                     "'"));
    }
  }
  return absl::OkStatus();
}

absl::Status Config::ParseFromProcess(int argc, char** argv) {
  return Parse(argc, argv, [](const char* n) { return std::getenv(n); });
}

const std::string& Config::Get(const std::string& name) const {
  static const std::string* empty = new std::string();
  auto it = entries_.find(name);
  return it == entries_.end() ? *empty : it->second.value;
}

absl::StatusOr<int64_t> Config::GetInt(const std::string& name) const {
  int64_t v = 0;
  if (!absl::SimpleAtoi(Get(name), &v)) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, " must be an integer, got '", Get(name), "'"));
  }
  return v;
}

bool Config::GetBool(const std::string& name) const {
  // Parse has checked every boolean setting's spelling; an undeclared name is false.
  return ParseBool(Get(name)).value_or(false);
}

std::string Config::Usage() const {
  std::string out;
  for (const auto& [name, e] : entries_) {
    absl::StrAppend(&out, "  --", name, " (default '", e.default_value, "'): ", e.help, "\n");
  }
  return out;
}

}  // namespace piao
