#include "tools/bench/services_bench.h"

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "libs/base/files.h"
#include "libs/base/process.h"
#include "libs/base/status_macros.h"
#include "libs/service/auth.h"
#include "piao/v1/measurement.grpc.pb.h"
#include "piao/v1/projection.grpc.pb.h"
#include "tools/bench/bench_util.h"

namespace piao::bench {
namespace {

namespace fs = std::filesystem;
constexpr char kToken[] = "bench-token";

// Processes started here, terminated (SIGTERM, then SIGKILL) when it goes out of scope.
class Processes {
 public:
  ~Processes() {
    if (!pids_.empty()) TerminateAll(pids_, absl::Seconds(20)).IgnoreError();
  }
  // Starts bin/`binary` with `args` plus --data-dir, --tokens-file and --address-file; returns its address.
  absl::StatusOr<std::string> Start(const std::string& binary, const fs::path& data_dir, const fs::path& tokens,
                                    std::vector<std::string> args) {
    const std::string address_file = (data_dir / "address").string();
    fs::remove(address_file);
    std::vector<std::string> argv = {BinDir() + "/" + binary, "--data-dir", data_dir.string(), "--tokens-file",
                                     tokens.string(), "--address-file", address_file, "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), args.begin(), args.end());
    PIAO_ASSIGN_OR_RETURN(pid_t pid, Spawn(argv, SpawnOptions{(data_dir / "log").string(), false}));
    pids_.push_back(pid);
    pid_of_[binary] = pid;
    return WaitForFile(address_file, absl::Minutes(2));
  }
  pid_t pid(const std::string& binary) const { return pid_of_.at(binary); }

 private:
  std::vector<pid_t> pids_;
  std::map<std::string, pid_t> pid_of_;
};

absl::Status WriteTokens(const fs::path& dir) {
  fs::create_directories(dir);
  PIAO_RETURN_IF_ERROR(WriteFileAtomically(
      (dir / "tokens").string(), absl::StrCat(service::HashToken(kToken), " svc:bench admin,measurer,service *\n")));
  return WriteFileAtomically((dir / "token").string(), kToken);
}

void Authorize(grpc::ClientContext* ctx) {
  ctx->AddMetadata("authorization", absl::StrCat("Bearer ", kToken));
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
}

}  // namespace

absl::StatusOr<double> BenchGrpcCommands(const fs::path& dir, int clients, double seconds) {
  fs::remove_all(dir);
  PIAO_RETURN_IF_ERROR(WriteTokens(dir));
  Processes processes;
  fs::create_directories(dir / "measurement");
  PIAO_ASSIGN_OR_RETURN(std::string address,
                        processes.Start("piao-measurement", dir / "measurement", dir / "tokens", {"--relay=false"}));
  std::atomic<uint64_t> done{0};
  std::atomic<bool> stop{false};
  absl::Mutex mu;
  absl::Status first_error;
  std::vector<std::thread> ts;
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < clients; ++t) {
    ts.emplace_back([&, t] {
      auto stub = v1::Measurement::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
      for (uint64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        v1::RecordActualRequest req;
        req.mutable_meta()->set_idempotency_key(absl::StrCat("k", t, "-", i));
        req.set_administration(absl::StrCat("PA", t));
        req.set_year(2024);
        req.mutable_objective()->set_level_kind(v1::OBJECTIVE_LEVEL_STRATEGIC);
        req.mutable_objective()->set_code("OS1");
        req.set_indicator(absl::StrCat("I", i));
        req.set_period("year-end");
        req.mutable_value()->mutable_quantity()->set_value(42);
        req.mutable_value()->mutable_quantity()->set_unit("%");
        v1::RecordActualResponse resp;
        grpc::ClientContext ctx;
        Authorize(&ctx);
        grpc::Status s = stub->RecordActual(&ctx, req, &resp);
        if (!s.ok()) {
          absl::MutexLock l(&mu);
          if (first_error.ok()) first_error = absl::InternalError("RecordActual: " + s.error_message());
          stop = true;
          return;
        }
        done.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : ts) th.join();
  const double elapsed = SecondsSince(start);
  PIAO_RETURN_IF_ERROR(first_error);
  return static_cast<double>(done.load()) / elapsed;
}

absl::StatusOr<ServicesRss> MeasureServicesRss(const fs::path& mix_dir, uint64_t planning_head,
                                               uint64_t measurement_head) {
  PIAO_RETURN_IF_ERROR(WriteTokens(mix_dir));
  Processes processes;
  const fs::path tokens = mix_dir / "tokens";
  PIAO_ASSIGN_OR_RETURN(std::string planning,
                        processes.Start("piao-planning", mix_dir / "planning", tokens, {"--relay=false"}));
  PIAO_ASSIGN_OR_RETURN(std::string measurement,
                        processes.Start("piao-measurement", mix_dir / "measurement", tokens, {"--relay=false"}));
  fs::remove_all(mix_dir / "projection");
  fs::create_directories(mix_dir / "projection");
  const auto start = std::chrono::steady_clock::now();
  PIAO_ASSIGN_OR_RETURN(std::string projection,
                        processes.Start("piao-projection", mix_dir / "projection", tokens,
                                        {"--sources", absl::StrCat("planning=", planning, ",measurement=", measurement),
                                         "--service-token-file", (mix_dir / "token").string()}));
  auto stub = v1::Projection::NewStub(grpc::CreateChannel(projection, grpc::InsecureChannelCredentials()));
  for (;;) {
    v1::Progress progress;
    grpc::ClientContext ctx;
    Authorize(&ctx);
    grpc::Status s = stub->GetProgress(&ctx, v1::GetProgressRequest(), &progress);
    if (s.ok() && progress.applied().contains("planning") && progress.applied().contains("measurement") &&
        progress.applied().at("planning") >= planning_head &&
        progress.applied().at("measurement") >= measurement_head) {
      break;
    }
    if (SecondsSince(start) > 3600) return absl::DeadlineExceededError("the projection did not catch up in an hour");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ServicesRss r;
  r.projection_catch_up_s = SecondsSince(start);
  for (const char* name : {"piao-planning", "piao-measurement", "piao-projection"}) {
    PIAO_ASSIGN_OR_RETURN(double mib, RssMiB(processes.pid(name)));
    r.rss_mib[std::string(name).substr(5)] = mib;
  }
  return r;
}

}  // namespace piao::bench
