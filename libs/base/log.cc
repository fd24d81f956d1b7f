#include "libs/base/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace piao::log {
namespace {
std::mutex g_mu;
std::string* g_component = new std::string("piao");
std::atomic<bool> g_warn_only{false};

void Emit(std::string_view level, std::string_view msg, std::initializer_list<Field> fields) {
  std::string line = absl::StrFormat(
      R"({"ts":"%s","level":"%s","component":"%s","msg":"%s")",
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()), level,
      JsonEscape(*g_component), JsonEscape(msg));
  for (const auto& [k, v] : fields) absl::StrAppendFormat(&line, R"(,"%s":"%s")", JsonEscape(k), JsonEscape(v));
  line += "}\n";
  std::lock_guard<std::mutex> l(g_mu);
  std::fputs(line.c_str(), stderr);
}
}  // namespace

void SetComponent(std::string component) {
  std::lock_guard<std::mutex> l(g_mu);
  *g_component = std::move(component);
}
void SetMinLevelWarning(bool on) { g_warn_only = on; }

void Info(std::string_view msg, std::initializer_list<Field> fields) {
  if (!g_warn_only) Emit("info", msg, fields);
}
void Warn(std::string_view msg, std::initializer_list<Field> fields) { Emit("warn", msg, fields); }
void Error(std::string_view msg, std::initializer_list<Field> fields) { Emit("error", msg, fields); }

std::string JsonEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out;
}

}  // namespace piao::log
