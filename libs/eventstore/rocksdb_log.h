// RocksDB's own diagnostics into the process's JSON log instead of a LOG file beside the data.
//
// A LOG file lives on the data disk: when that disk is full, RocksDB's file logger fails, and Debian's
// librocksdb (built with assertions) aborts the process on the next log line (found by disk_fault_test). The
// process log (stderr) keeps working, and the service keeps answering UNAVAILABLE and NOT_SERVING instead.
#ifndef PIAO_LIBS_EVENTSTORE_ROCKSDB_LOG_H_
#define PIAO_LIBS_EVENTSTORE_ROCKSDB_LOG_H_

#include <memory>

#include "rocksdb/env.h"

namespace piao::eventstore {

// Warnings and errors of RocksDB as log lines of component "rocksdb" (info and debug lines are dropped).
std::shared_ptr<rocksdb::Logger> RocksDbLogger();

}  // namespace piao::eventstore

#endif  // PIAO_LIBS_EVENTSTORE_ROCKSDB_LOG_H_
