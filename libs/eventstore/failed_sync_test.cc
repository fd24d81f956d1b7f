// Failed syncs (issue 11 §7): this test runs under the LD_PRELOAD fsync shim (fsync_shim.c; the ctest sets it up):
// while the switch file exists, every fsync/fdatasync of the store's files fails with EIO. Appends are then
// UNAVAILABLE and acknowledge nothing, the store says it cannot write, reads go on, and once syncs work again it
// writes on; every acknowledged event is there after a restart.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "libs/eventstore/event_store.h"

namespace piao::eventstore {
namespace {

namespace fs = std::filesystem;

std::vector<NewEvent> OneEvent(size_t payload_bytes) {
  std::vector<NewEvent> ev(1);
  ev[0].event_type = "piao.v1.Test";
  ev[0].payload = std::string(payload_bytes, 'p');
  return ev;
}

TEST(FailedSyncTest, FailedSyncsAreUnavailableAcknowledgeNothingAndRecover) {
  const char* dir_env = std::getenv("PIAO_FSYNC_DIR");
  const char* fail_env = std::getenv("PIAO_FSYNC_FAIL");
  ASSERT_TRUE(dir_env != nullptr && fail_env != nullptr && std::getenv("LD_PRELOAD") != nullptr)
      << "run it as the ctest failed_sync_test, which preloads the fsync shim";
  const fs::path dir = dir_env, fail = fail_env;
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::remove(fail, ec);
  Options o;
  o.source_service = ServiceName("sync");
  CommandContext ctx;
  ctx.actor.set_id("svc:disk-test");
  std::vector<uint64_t> acknowledged;
  {
    auto store = EventStore::Open(dir.string(), o);
    ASSERT_TRUE(store.ok()) << store.status();
    for (int i = 0; i < 20; ++i) {
      auto r = (*store)->Append(StreamId{"sync", "s"}, ExpectedVersion::Any(), OneEvent(100), ctx);
      ASSERT_TRUE(r.ok()) << r.status();
      acknowledged.push_back(r->last_position.value());
    }
    std::ofstream(fail) << "fail\n";
    auto refused = (*store)->Append(StreamId{"sync", "s"}, ExpectedVersion::Any(), OneEvent(100), ctx);
    ASSERT_FALSE(refused.ok());
    EXPECT_TRUE(absl::IsUnavailable(refused.status())) << refused.status();
    EXPECT_FALSE((*store)->Writable().ok());
    auto again = (*store)->Append(StreamId{"sync", "s"}, ExpectedVersion::Any(), OneEvent(100), ctx);
    EXPECT_TRUE(absl::IsUnavailable(again.status())) << "still failing: " << again.status();
    auto read = (*store)->ReadAll(GlobalPosition(1));
    ASSERT_TRUE(read.ok()) << "reads go on: " << read.status();
    EXPECT_GE(read->size(), acknowledged.size());

    fs::remove(fail);
    absl::Status writable;
    for (int i = 0; i < 100 && !(writable = (*store)->Writable()).ok(); ++i) ::usleep(50 * 1000);
    ASSERT_TRUE(writable.ok()) << writable;
    auto after = (*store)->Append(StreamId{"sync", "s"}, ExpectedVersion::Any(), OneEvent(100), ctx);
    ASSERT_TRUE(after.ok()) << after.status();
    acknowledged.push_back(after->last_position.value());
    EXPECT_GT(after->last_position.value(), acknowledged[acknowledged.size() - 2]);
  }
  auto reopened = EventStore::Open(dir.string(), o);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  for (uint64_t p : acknowledged) {
    auto e = (*reopened)->ReadAll(GlobalPosition(p), 1);
    ASSERT_TRUE(e.ok() && e->size() == 1 && (*e)[0].global_position() == p) << p;
  }
  VerifyReport v = (*reopened)->Verify();
  EXPECT_TRUE(v.intact) << v.problem;
  reopened->reset();  // closed before its files go (RocksDB may still be writing them)
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace piao::eventstore
