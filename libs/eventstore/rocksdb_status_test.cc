#include "libs/eventstore/rocksdb_status.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "libs/base/files.h"
#include "rocksdb/db.h"

namespace piao::eventstore {
namespace {

TEST(FromRocksDbTest, RetryableFaultsAreUnavailable) {
  for (const rocksdb::Status& s :
       {rocksdb::Status::Busy("b"), rocksdb::Status::TryAgain("t"), rocksdb::Status::TimedOut("t"),
        rocksdb::Status::Incomplete("i"), rocksdb::Status::IOError("disk"), rocksdb::Status::NoSpace("full"),
        rocksdb::Status::ShutdownInProgress("closing")}) {
    absl::Status got = FromRocksDb(s, "writing");
    EXPECT_TRUE(absl::IsUnavailable(got)) << s.ToString() << " -> " << got;
  }
}

TEST(FromRocksDbTest, CorruptionIsDataLoss) {
  absl::Status got = FromRocksDb(rocksdb::Status::Corruption("bad block"), "reading event");
  EXPECT_TRUE(absl::IsDataLoss(got)) << got;
}

TEST(FromRocksDbTest, NotFoundStaysNotFound) {
  EXPECT_TRUE(absl::IsNotFound(FromRocksDb(rocksdb::Status::NotFound(), "reading")));
}

TEST(FromRocksDbTest, EverythingElseIsInternal) {
  for (const rocksdb::Status& s :
       {rocksdb::Status::InvalidArgument("key too large"), rocksdb::Status::NotSupported("x"),
        rocksdb::Status::Aborted("a"), rocksdb::Status::MemoryLimit(), rocksdb::Status::Expired("e")}) {
    absl::Status got = FromRocksDb(s, "writing");
    EXPECT_TRUE(absl::IsInternal(got)) << s.ToString() << " -> " << got;
  }
}

TEST(FromRocksDbTest, OkIsOkAndMessagesNameWhatWasDone) {
  EXPECT_TRUE(FromRocksDb(rocksdb::Status::OK(), "anything").ok());
  absl::Status got = FromRocksDb(rocksdb::Status::IOError("No space left on device"), "committing events");
  EXPECT_EQ(got.message(), "committing events: IO error: No space left on device");
}

class CheckedWriteBatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> dir = MakeTempDirectory("piao-rocksdb-status");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = *dir;
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(o, dir_, &raw).ok());
    db_.reset(raw);
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string Get(const std::string& key) {
    std::string v;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), key, &v);
    return s.ok() ? v : "<" + s.ToString() + ">";
  }

  std::string dir_;
  std::unique_ptr<rocksdb::DB> db_;
};

TEST_F(CheckedWriteBatchTest, WritesEveryRecordAtomically) {
  ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), "gone", "soon").ok());
  CheckedWriteBatch batch;
  batch.Put("a", "1");
  batch.Put("b", "2");
  batch.Delete("gone");
  EXPECT_TRUE(batch.status().ok());
  EXPECT_EQ(batch.Count(), 3);
  ASSERT_TRUE(batch.Write(db_.get(), rocksdb::WriteOptions(), "test write").ok());
  EXPECT_EQ(Get("a"), "1");
  EXPECT_EQ(Get("b"), "2");
  EXPECT_EQ(Get("gone"), "<NotFound: >");
}

// The failure the helper exists for: RocksDB refuses one record (here: over the batch's memory limit), the
// status of that Put is kept, and the write refuses the whole batch instead of committing the records before it.
TEST_F(CheckedWriteBatchTest, AFailedPutIsKeptAndNothingIsWritten) {
  CheckedWriteBatch batch(/*max_bytes=*/64);
  batch.Put("first", "fits");
  ASSERT_TRUE(batch.status().ok()) << batch.status();
  batch.Put("second", std::string(200, 'x'));  // refused by RocksDB: over max_bytes
  EXPECT_TRUE(absl::IsInternal(batch.status())) << batch.status();
  batch.Put("third", "fits, but comes after a failure");  // not added: the batch already failed
  batch.Delete("first");
  EXPECT_EQ(batch.Count(), 1);
  absl::Status s = batch.Write(db_.get(), rocksdb::WriteOptions(), "applying event 7");
  EXPECT_TRUE(absl::IsInternal(s)) << s;
  EXPECT_NE(s.message().find("applying event 7: nothing written"), absl::string_view::npos) << s;
  EXPECT_EQ(Get("first"), "<NotFound: >");
  EXPECT_EQ(Get("third"), "<NotFound: >");
}

TEST_F(CheckedWriteBatchTest, AFailedWriteIsConvertedByTheRule) {
  CheckedWriteBatch batch;
  batch.Put("k", "v");
  db_.reset();
  rocksdb::Options o;
  rocksdb::DB* ro = nullptr;
  ASSERT_TRUE(rocksdb::DB::OpenForReadOnly(o, dir_, &ro).ok());
  db_.reset(ro);
  absl::Status s = batch.Write(db_.get(), rocksdb::WriteOptions(), "writing to a read-only open");
  EXPECT_TRUE(absl::IsInternal(s)) << s;  // NotSupported: a misuse, not a retryable fault
  EXPECT_EQ(Get("k"), "<NotFound: >");
}

}  // namespace
}  // namespace piao::eventstore
