// Appends events to a store as fast as it can and prints "ack <last_position>" after each acknowledged
// append, so a test can SIGKILL it and check that every acknowledged event survived.
// Usage: eventstore_crash_writer DIR THREADS [nosync]   (nosync: acknowledge before the WAL is synced, for the
// crash-consistency test's check that it would notice)
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "libs/eventstore/event_store.h"

int main(int argc, char** argv) {
  if (argc != 3 && !(argc == 4 && std::string(argv[3]) == "nosync")) {
    std::fprintf(stderr, "usage: %s DIR THREADS [nosync]\n", argv[0]);
    return 2;
  }
  piao::eventstore::Options o;
  o.source_service = piao::ServiceName("crash");
  o.sync = argc != 4;
  auto store = piao::eventstore::EventStore::Open(argv[1], o);
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", store.status().ToString().c_str());
    return 1;
  }
  std::mutex out_mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < std::atoi(argv[2]); ++t) {
    threads.emplace_back([&, t] {
      piao::eventstore::CommandContext ctx;
      ctx.actor.set_id("svc:crash-writer");
      for (int i = 0;; ++i) {
        std::vector<piao::eventstore::NewEvent> ev(1 + i % 4);
        for (auto& e : ev) {
          e.event_type = "piao.v1.Test";
          e.payload = std::string(100, 'p');
        }
        piao::StreamId stream{"crash", "s" + std::to_string(t)};
        auto r = (*store)->Append(stream, piao::eventstore::ExpectedVersion::Any(), std::move(ev), ctx);
        if (!r.ok()) {
          std::fprintf(stderr, "append: %s\n", r.status().ToString().c_str());
          std::exit(1);
        }
        std::lock_guard<std::mutex> l(out_mu);
        std::printf("ack %llu %s %llu\n", static_cast<unsigned long long>(r->last_position.value()),
                    stream.aggregate_id.c_str(), static_cast<unsigned long long>(r->last_version.value()));
        std::fflush(stdout);
      }
    });
  }
  for (auto& th : threads) th.join();
}
