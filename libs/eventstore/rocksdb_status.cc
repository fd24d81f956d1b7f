#include "libs/eventstore/rocksdb_status.h"

#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"

namespace piao::eventstore {

absl::Status FromRocksDb(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  const std::string message = absl::StrCat(what, ": ", s.ToString());
  if (s.IsBusy() || s.IsTryAgain() || s.IsTimedOut() || s.IsIncomplete() || s.IsIOError() ||
      s.IsShutdownInProgress()) {
    return absl::UnavailableError(message);
  }
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (s.IsNotFound()) return absl::NotFoundError(message);
  return absl::InternalError(message);
}

void CheckedWriteBatch::Put(const rocksdb::Slice& key, const rocksdb::Slice& value) {
  if (!status_.ok()) return;
  Check(batch_.Put(key, value), "put", key);
}

void CheckedWriteBatch::Delete(const rocksdb::Slice& key) {
  if (!status_.ok()) return;
  Check(batch_.Delete(key), "delete", key);
}

void CheckedWriteBatch::Check(const rocksdb::Status& s, absl::string_view op, const rocksdb::Slice& key) {
  if (s.ok()) return;
  // Keys are often binary (big-endian positions): their size says enough.
  status_ = FromRocksDb(s, absl::StrCat("write batch ", op, " of a ", key.size(), "-byte key"));
}

absl::Status CheckedWriteBatch::Write(rocksdb::DB* db, const rocksdb::WriteOptions& options, absl::string_view what) {
  if (!status_.ok()) return absl::Status(status_.code(), absl::StrCat(what, ": nothing written: ", status_.message()));
  return FromRocksDb(db->Write(options, &batch_), what);
}

}  // namespace piao::eventstore
