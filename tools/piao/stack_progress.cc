#include "tools/piao/stack_progress.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/base/status_macros.h"
#include "libs/kafka/partitioning.h"
#include "libs/service/client.h"
#include "libs/service/grpc_status.h"
#include "piao/v1/event_log.grpc.pb.h"
#include "piao/v1/projection.grpc.pb.h"
#include "tools/piao/stack.h"

namespace piao::cli {

absl::StatusOr<LanePositions> StoreLaneHeads(const std::string& dir, const std::vector<std::string>& services,
                                             int partitions, uint64_t* events) {
  LanePositions heads;
  *events = 0;
  for (const std::string& service : services) {
    PIAO_ASSIGN_OR_RETURN(ServiceConnection conn, Connect(dir, service));
    grpc::ClientContext ctx;
    service::PrepareContext(&ctx, conn.token, absl::Minutes(10));
    v1::ReadEventsRequest req;
    req.set_from_global_position(1);
    auto reader = v1::EventLog::NewStub(conn.channel)->ReadEvents(&ctx, req);
    v1::EventEnvelope e;
    while (reader->Read(&e)) {
      uint64_t& head = heads[{service, kafka::PartitionOf(kafka::AdministrationOfStream(e.stream()), partitions)}];
      head = std::max(head, e.global_position());
      ++*events;
    }
    grpc::Status s = reader->Finish();
    if (!s.ok()) return service::FromGrpcStatus(s);
  }
  return heads;
}

absl::StatusOr<MembersProgress> ReadMembersProgress(const std::string& dir) {
  PIAO_ASSIGN_OR_RETURN(ServiceConnection first, Connect(dir, "projection"));
  PIAO_ASSIGN_OR_RETURN(std::vector<ComponentStatus> status, StackStatus(dir));
  MembersProgress out;
  for (const ComponentStatus& c : status) {
    if (c.name.rfind("projection", 0) != 0 || !c.alive) continue;
    PIAO_ASSIGN_OR_RETURN(auto channel, service::MakeChannel(service::ChannelOptions::Plaintext(c.address)));
    grpc::ClientContext ctx;
    service::PrepareContext(&ctx, first.token, absl::Seconds(5));
    v1::Progress p;
    grpc::Status s = v1::Projection::NewStub(channel)->GetProgress(&ctx, v1::GetProgressRequest(), &p);
    if (!s.ok()) return service::FromGrpcStatus(s);
    out.degraded |= p.state() == v1::Progress::DEGRADED;
    std::set<int32_t> mine(p.owned_partitions().begin(), p.owned_partitions().end());
    for (int32_t partition : mine) ++out.owners[partition];
    out.owned_by[c.name].assign(mine.begin(), mine.end());
    for (const v1::LaneProgress& lane : p.lanes()) {
      if (mine.count(lane.partition()) > 0) out.applied[{lane.source(), lane.partition()}] = lane.applied();
    }
  }
  return out;
}

absl::StatusOr<MembersProgress> WaitMembersCaughtUp(const std::string& dir, const LanePositions& heads,
                                                    int partitions, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::string behind = "no answer yet";
  while (absl::Now() < deadline) {
    absl::StatusOr<MembersProgress> p = ReadMembersProgress(dir);
    if (p.ok()) {
      if (p->degraded) return absl::FailedPreconditionError("the projection quarantined events");
      bool done = static_cast<int>(p->owners.size()) == partitions;
      behind = done ? "" : absl::StrCat(p->owners.size(), " of ", partitions, " partitions owned");
      for (const auto& [partition, n] : p->owners) {
        if (n != 1) {
          done = false;
          behind = absl::StrCat("partition ", partition, " owned by ", n, " members");
        }
      }
      for (const auto& [lane, head] : heads) {
        auto it = p->applied.find(lane);
        const uint64_t at = it == p->applied.end() ? 0 : it->second;
        if (at < head) {
          done = false;
          behind = absl::StrCat(lane.first, " partition ", lane.second, " applied up to ", at, " of ", head);
        }
      }
      if (done) return p;
    } else {
      behind = p.status().ToString();
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::DeadlineExceededError("the projection did not catch up with the stores' heads: " + behind);
}

}  // namespace piao::cli
