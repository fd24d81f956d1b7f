#include "libs/eventstore/rocksdb_log.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <string>

#include "libs/base/log.h"

namespace piao::eventstore {
namespace {

class JsonLogger final : public rocksdb::Logger {
 public:
  JsonLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override { Write(rocksdb::InfoLogLevel::WARN_LEVEL, format, ap); }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel()) return;
    Write(level, format, ap);
  }

 private:
  static void Write(rocksdb::InfoLogLevel level, const char* format, va_list ap) {
    char buf[1024];
    va_list copy;
    va_copy(copy, ap);
    const int n = std::vsnprintf(buf, sizeof buf, format, copy);
    va_end(copy);
    const std::string text(buf, n < 0 ? 0 : std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1));
    if (level >= rocksdb::InfoLogLevel::ERROR_LEVEL) {
      log::Error("rocksdb", {{"message", text}});
    } else {
      log::Warn("rocksdb", {{"message", text}});
    }
  }
};

}  // namespace

std::shared_ptr<rocksdb::Logger> RocksDbLogger() {
  static const auto* logger = new std::shared_ptr<rocksdb::Logger>(std::make_shared<JsonLogger>());
  return *logger;
}

}  // namespace piao::eventstore
