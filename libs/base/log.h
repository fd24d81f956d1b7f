// Structured logs: one JSON object per line on stderr, e.g.
//   {"ts":"2026-11-23T10:00:00.000Z","level":"info","component":"planning","msg":"listening","addr":"127.0.0.1:4000"}
#ifndef PIAO_LIBS_BASE_LOG_H_
#define PIAO_LIBS_BASE_LOG_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace piao::log {

using Field = std::pair<std::string_view, std::string>;

// Sets the "component" field of every later line (the service name).
void SetComponent(std::string component);
// Silences info lines (tests, --quiet tools).
void SetMinLevelWarning(bool on);

void Info(std::string_view msg, std::initializer_list<Field> fields = {});
void Warn(std::string_view msg, std::initializer_list<Field> fields = {});
void Error(std::string_view msg, std::initializer_list<Field> fields = {});

// JSON string escaping, exposed for tests.
std::string JsonEscape(std::string_view s);

}  // namespace piao::log

#endif  // PIAO_LIBS_BASE_LOG_H_
