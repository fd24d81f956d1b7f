#include "tools/piao/rebuild_cmd.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/base/status_macros.h"
#include "libs/service/client.h"
#include "libs/service/grpc_status.h"
#include "piao/v1/projection.grpc.pb.h"
#include "tools/piao/cli_util.h"
#include "tools/piao/stack.h"

namespace piao::cli {

absl::Status RunRebuild(const RebuildOptions& o) {
  PIAO_ASSIGN_OR_RETURN(v1::Consistency heads, CurrentHeads(o.data_dir));
  uint64_t total = 0;
  for (const auto& [source, head] : heads.min_positions()) total += head;
  const absl::Time start = absl::Now();
  PIAO_RETURN_IF_ERROR(StopComponent(o.data_dir, "projection"));
  std::error_code ec;
  std::filesystem::remove_all(std::filesystem::path(o.data_dir) / "projection" / "views", ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot delete the projection's views: ", ec.message()));
  PIAO_RETURN_IF_ERROR(StackUp(o.data_dir, SelfDir(), absl::Seconds(60)).status());

  PIAO_ASSIGN_OR_RETURN(ServiceConnection projection, Connect(o.data_dir, "projection"));
  auto stub = v1::Projection::NewStub(projection.channel);
  ProgressBar bar("rebuilding the projection", total, ProgressWanted(o.json));
  const absl::Time deadline = absl::Now() + absl::Minutes(10);
  v1::Progress progress;
  for (;;) {
    grpc::ClientContext ctx;
    service::PrepareContext(&ctx, projection.token, absl::Seconds(10));
    progress.Clear();
    PIAO_RETURN_IF_ERROR(service::FromGrpcStatus(stub->GetProgress(&ctx, v1::GetProgressRequest(), &progress)));
    uint64_t done = 0;
    bool complete = true;
    for (const auto& [source, head] : heads.min_positions()) {
      auto it = progress.applied().find(source);
      const uint64_t applied = it == progress.applied().end() ? 0 : it->second;
      done += std::min(applied, head);
      complete &= applied >= head;
    }
    bar.Update(done);
    if (complete) break;
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat("the projection re-applied ", done, " of ", total,
                                                      " events in 10 minutes; see its log"));
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  bar.Finish();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (o.json) {
    nlohmann::json applied = nlohmann::json::object();
    for (const auto& [source, position] : progress.applied()) applied[source] = position;
    std::printf("%s\n", nlohmann::json{{"rebuilt", true}, {"events", total}, {"seconds", seconds}, {"applied", applied}}
                            .dump()
                            .c_str());
  } else {
    std::printf("projection rebuilt from zero: %llu events re-applied in %.1f s\n",
                static_cast<unsigned long long>(total), seconds);
  }
  return absl::OkStatus();
}

}  // namespace piao::cli
