// The project's one policy for RocksDB statuses: every rocksdb::Status becomes an absl::Status through
// FromRocksDb, and batches are built with CheckedWriteBatch, so no Put/Delete status is ever dropped.
//
// The rule (FromRocksDb):
//   OK                                                   -> OK
//   Busy, TryAgain, TimedOut, Incomplete, IOError (a full
//   disk, a failed sync), ShutdownInProgress             -> UNAVAILABLE: retryable, nothing was written
//   Corruption                                           -> DATA_LOSS: the stored bytes are damaged
//   NotFound                                             -> NOT_FOUND (readers usually handle an absent key first)
//   anything else (InvalidArgument, NotSupported, Aborted,
//   a batch over its memory limit, ...)                  -> INTERNAL: our misuse of RocksDB, not the caller's
#ifndef PIAO_LIBS_EVENTSTORE_ROCKSDB_STATUS_H_
#define PIAO_LIBS_EVENTSTORE_ROCKSDB_STATUS_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rocksdb/options.h"
#include "rocksdb/slice.h"
#include "rocksdb/status.h"
#include "rocksdb/write_batch.h"

namespace rocksdb {
class DB;
}

namespace piao::eventstore {

// `s` under the rule above; the message is "<what>: <RocksDB's message>".
absl::Status FromRocksDb(const rocksdb::Status& s, absl::string_view what);

// A WriteBatch whose record statuses are kept: the first Put/Delete that fails is remembered (later records
// are not added), and Write() then returns it without writing anything. One batch is one atomic write.
class CheckedWriteBatch {
 public:
  CheckedWriteBatch() = default;
  // A batch that refuses to grow beyond `max_bytes` (0: unbounded): a record beyond it fails (INTERNAL).
  explicit CheckedWriteBatch(size_t max_bytes) : batch_(/*reserved_bytes=*/0, max_bytes) {}

  void Put(const rocksdb::Slice& key, const rocksdb::Slice& value);
  void Delete(const rocksdb::Slice& key);

  // OK, or the first failed record.
  const absl::Status& status() const { return status_; }
  int Count() const { return batch_.Count(); }

  // Writes the batch atomically: the first failed record (nothing written), else FromRocksDb(db->Write, what).
  absl::Status Write(rocksdb::DB* db, const rocksdb::WriteOptions& options, absl::string_view what);

  // For code that fills the batch itself (an EventApplier handler): it checks its own records' statuses.
  rocksdb::WriteBatch* raw() { return &batch_; }

 private:
  void Check(const rocksdb::Status& s, absl::string_view op, const rocksdb::Slice& key);

  rocksdb::WriteBatch batch_;
  absl::Status status_;
};

}  // namespace piao::eventstore

#endif  // PIAO_LIBS_EVENTSTORE_ROCKSDB_STATUS_H_
