// An OK from Append means the events survive kill -9: run a writer process, SIGKILL it mid-stream, reopen.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>

#include "libs/eventstore/event_store.h"

namespace piao::eventstore {
namespace {

TEST(Durability, AcknowledgedEventsSurviveSigkill) {
  const char* writer = std::getenv("PIAO_CRASH_WRITER");
  ASSERT_NE(writer, nullptr) << "PIAO_CRASH_WRITER must name the eventstore_crash_writer binary";
  auto dir = std::filesystem::temp_directory_path() / ("piao_durability_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);

  for (int round = 0; round < 3; ++round) {
    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::close(out[0]);
      ::execl(writer, writer, dir.c_str(), "4", static_cast<char*>(nullptr));
      std::_Exit(127);
    }
    ::close(out[1]);
    FILE* in = ::fdopen(out[0], "r");
    ASSERT_NE(in, nullptr);
    // Kill after a round-dependent number of acknowledgements, while appends are in flight.
    const int kill_after = 200 + 150 * round;
    uint64_t max_acked = 0;
    std::map<std::string, uint64_t> acked_versions;
    char line[256];
    int acks = 0;
    while (acks < kill_after && std::fgets(line, sizeof line, in) != nullptr) {
      unsigned long long pos = 0, version = 0;
      char stream[64];
      ASSERT_EQ(std::sscanf(line, "ack %llu %63s %llu", &pos, stream, &version), 3) << line;
      max_acked = std::max<uint64_t>(max_acked, pos);
      acked_versions[stream] = std::max<uint64_t>(acked_versions[stream], version);
      ++acks;
    }
    ASSERT_EQ(acks, kill_after) << "writer stopped early";
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFSIGNALED(status));
    std::fclose(in);

    Options o;
    o.source_service = ServiceName("crash");
    auto store = EventStore::Open(dir.string(), o);
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_GE((*store)->head().position.value(), max_acked) << "round " << round;
    for (const auto& [stream, version] : acked_versions) {
      auto v = (*store)->CurrentVersion(StreamId{"crash", stream});
      ASSERT_TRUE(v.ok());
      EXPECT_GE(v->value(), version) << stream;
    }
    VerifyReport r = (*store)->Verify();
    EXPECT_TRUE(r.intact) << r.problem;
    EXPECT_EQ(r.events_checked, (*store)->head().position.value());
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace piao::eventstore
