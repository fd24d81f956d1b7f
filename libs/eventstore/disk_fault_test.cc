// A full filesystem (issue 11 §7): on a small tmpfs mounted by the test, appends fail with UNAVAILABLE once the
// disk is full, nothing unacknowledged is reported stored and nothing acknowledged is lost, the store says it
// cannot write (Writable) while full, and writes again once space returns, continuing the same chain.
#include <sys/mount.h>
#include <unistd.h>

#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "libs/eventstore/event_store.h"

namespace piao::eventstore {
namespace {

namespace fs = std::filesystem;

// A tmpfs of `megabytes` at a fresh directory, unmounted at the end.
class SmallDisk {
 public:
  explicit SmallDisk(int megabytes) {
    path_ = fs::temp_directory_path() / ("piao_small_disk_" + std::to_string(::getpid()));
    fs::create_directories(path_);
    const std::string options = "size=" + std::to_string(megabytes) + "m,mode=0700";
    if (::mount("tmpfs", path_.c_str(), "tmpfs", 0, options.c_str()) == 0) {
      mounted_ = true;
    } else {
      error_ = std::string("mount tmpfs: ") + std::strerror(errno) +
               " (the disk-fault tests need root or CAP_SYS_ADMIN, as on the project's machines)";
    }
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  fs::path path() const { return path_; }

 private:
  fs::path path_;
  bool mounted_ = false;
  std::string error_;
};

// Writes `bytes` of filler to `file` (as much as fits).
void Fill(const fs::path& file, size_t bytes) {
  std::ofstream out(file, std::ios::binary);
  const std::string chunk(64 * 1024, 'x');
  for (size_t written = 0; written < bytes && out; written += chunk.size()) out.write(chunk.data(), chunk.size());
}

std::vector<NewEvent> OneEvent(size_t payload_bytes) {
  std::vector<NewEvent> ev(1);
  ev[0].event_type = "piao.v1.Test";
  ev[0].payload = std::string(payload_bytes, 'p');
  return ev;
}

TEST(DiskFaultTest, AFullDiskIsUnavailableLosesNothingAndRecoversWhenSpaceReturns) {
  SmallDisk disk(16);
  ASSERT_TRUE(disk.mounted()) << disk.error();
  // A filler to delete later: the space that "returns".
  const fs::path filler = disk.path() / "filler";
  Fill(filler, 10 * 1024 * 1024);  // more than the events will take: room for RocksDB to flush them when freed

  Options o;
  o.source_service = ServiceName("disk");
  const std::string dir = (disk.path() / "events").string();
  std::map<uint64_t, std::string> acknowledged;  // position -> stream
  uint64_t refused = 0;
  {
    auto store = EventStore::Open(dir, o);
    ASSERT_TRUE(store.ok()) << store.status();
    CommandContext ctx;
    ctx.actor.set_id("svc:disk-test");
    absl::Status first_failure;
    for (int i = 0; i < 2000 && refused < 5; ++i) {
      const StreamId stream{"disk", "s" + std::to_string(i % 7)};
      auto r = (*store)->Append(stream, ExpectedVersion::Any(), OneEvent(16 * 1024), ctx);
      if (r.ok()) {
        acknowledged[r->last_position.value()] = stream.aggregate_id;
        continue;
      }
      EXPECT_TRUE(absl::IsUnavailable(r.status())) << r.status();
      if (first_failure.ok()) first_failure = r.status();
      ++refused;
    }
    ASSERT_GT(refused, 0u) << "the disk never filled up";
    ASSERT_GT(acknowledged.size(), 10u);
    std::printf("  %zu appends acknowledged before the disk was full; first refusal: %s\n", acknowledged.size(),
                std::string(first_failure.message()).c_str());
    EXPECT_FALSE((*store)->Writable().ok()) << "the store says it cannot write while the disk is full";
    // Everything acknowledged is readable, in order.
    auto all = (*store)->ReadAll(GlobalPosition(1));
    ASSERT_TRUE(all.ok()) << all.status();
    ASSERT_EQ(all->size(), acknowledged.size());
    EXPECT_EQ(all->back().global_position(), acknowledged.rbegin()->first);

    // Space returns: the store writes again and continues the chain.
    fs::remove(filler);
    absl::Status writable;
    // RocksDB recovers from a full disk by itself (its SstFileManager polls for space every few seconds);
    // Writable() answers UNAVAILABLE until then.
    const auto freed = std::chrono::steady_clock::now();
    for (int i = 0; i < 600 && !(writable = (*store)->Writable()).ok(); ++i) ::usleep(50 * 1000);
    std::printf("  writable again %.1f s after space returned\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - freed).count());
    ASSERT_TRUE(writable.ok()) << writable;
    auto after = (*store)->Append(StreamId{"disk", "after"}, ExpectedVersion::NoStream(), OneEvent(100), ctx);
    ASSERT_TRUE(after.ok()) << after.status();
    EXPECT_EQ(after->last_position.value(), acknowledged.rbegin()->first + 1) << "no position reused or skipped";
    acknowledged[after->last_position.value()] = "after";
    VerifyReport v = (*store)->Verify();
    EXPECT_TRUE(v.intact) << v.problem;
  }
  // And after a restart: every acknowledged event is there, the chain intact.
  auto reopened = EventStore::Open(dir, o);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*reopened)->head().position.value(), acknowledged.rbegin()->first);
  for (const auto& [position, stream] : acknowledged) {
    auto e = (*reopened)->ReadAll(GlobalPosition(position), 1);
    ASSERT_TRUE(e.ok() && e->size() == 1) << position;
    EXPECT_EQ((*e)[0].stream().aggregate_id(), stream) << position;
  }
  VerifyReport v = (*reopened)->Verify();
  EXPECT_TRUE(v.intact) << v.problem;
}

}  // namespace
}  // namespace piao::eventstore
