#include "tools/bench/pg_bench.h"

#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include <libpq-fe.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "libs/base/files.h"
#include "libs/base/process.h"
#include "libs/base/status_macros.h"
#include "tools/bench/bench_util.h"

namespace piao::bench {
namespace {

constexpr char kPgBin[] = "/usr/lib/postgresql/15/bin";

// Runs argv to completion (as `user` when set, through setpriv); its output goes to `log`.
absl::Status RunToEnd(std::vector<std::string> argv, const std::string& log) {
  PIAO_ASSIGN_OR_RETURN(pid_t pid, Spawn(argv, SpawnOptions{log, false}));
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return absl::InternalError("waitpid failed");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat(argv[0], " failed; see ", log));
  }
  return absl::OkStatus();
}

std::vector<std::string> AsPostgresUser(std::vector<std::string> argv) {
  if (::geteuid() != 0) return argv;
  std::vector<std::string> out = {"/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups", "--"};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

struct Conn {
  PGconn* c = nullptr;
  ~Conn() {
    if (c != nullptr) PQfinish(c);
  }
};

absl::Status Exec(PGconn* c, const std::string& sql) {
  PGresult* r = PQexec(c, sql.c_str());
  const ExecStatusType st = PQresultStatus(r);
  std::string err = PQresultErrorMessage(r);
  PQclear(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return absl::InternalError("postgres: " + err);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Conn>> Connect(const std::string& conninfo) {
  auto conn = std::make_unique<Conn>();
  conn->c = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn->c) != CONNECTION_OK) {
    return absl::UnavailableError(absl::StrCat("postgres connect: ", PQerrorMessage(conn->c)));
  }
  return conn;
}

// The append: one statement, one transaction (autocommit), durable at its return (synchronous_commit=on).
// Inserts the batch only when the stream's current version is the expected one; a concurrent append of the
// same version fails on UNIQUE(stream, version).
constexpr char kAppendSql[] =
    "INSERT INTO events (stream, version, event_type, data) "
    "SELECT $1, $2::bigint + t.ord, 'piao.v1.Bench', t.d "
    "FROM unnest($3::text[]) WITH ORDINALITY AS t(d, ord) "
    "WHERE (SELECT coalesce(max(version), 0) FROM events WHERE stream = $1) = $2::bigint";

}  // namespace

absl::StatusOr<std::unique_ptr<PgCluster>> PgCluster::Start() {
  if (!std::filesystem::exists(absl::StrCat(kPgBin, "/initdb"))) {
    return absl::FailedPreconditionError(
        absl::StrCat("PostgreSQL 15 is not installed (", kPgBin, "/initdb): run tools/dev deps"));
  }
  std::unique_ptr<PgCluster> pg(new PgCluster());
  // Its own directory under /tmp (not under a private 0700 one): the server may run as another user.
  char tmpl[] = "/tmp/piao-bench-pg-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return absl::InternalError("mkdtemp failed");
  pg->dir_ = tmpl;
  if (::geteuid() == 0) {
    struct passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr) return absl::FailedPreconditionError("running as root needs the postgres user (postgresql-15)");
    if (::chown(pg->dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) return absl::InternalError("chown failed");
  }
  const std::string data = pg->dir_ + "/data";
  const std::string log = pg->dir_ + "/log";
  PIAO_RETURN_IF_ERROR(RunToEnd(AsPostgresUser({absl::StrCat(kPgBin, "/initdb"), "-D", data, "-U", "bench",
                                                 "--auth=trust", "--no-sync", "-E", "UTF8"}),
                                pg->dir_ + "/initdb.log"));
  PIAO_ASSIGN_OR_RETURN(
      pg->pid_, Spawn(AsPostgresUser({absl::StrCat(kPgBin, "/postgres"), "-D", data, "-k", pg->dir_, "-c",
                                      "listen_addresses=", "-c", "fsync=on", "-c", "synchronous_commit=on", "-c",
                                      "max_connections=64", "-c", "shared_buffers=256MB", "-c",
                                      "max_wal_size=4GB"}),
                      SpawnOptions{log, false}));
  pg->conninfo_ = absl::StrCat("host=", pg->dir_, " user=bench dbname=postgres");
  const auto start = std::chrono::steady_clock::now();
  while (PQping(pg->conninfo_.c_str()) != PQPING_OK) {
    if (SecondsSince(start) > 30 || !IsAlive(pg->pid_)) {
      return absl::UnavailableError(absl::StrCat("postgres did not start; see ", log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  PIAO_RETURN_IF_ERROR(pg->ResetSchema());
  return pg;
}

PgCluster::~PgCluster() {
  if (pid_ > 0) {
    ::kill(pid_, SIGINT);  // fast shutdown
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

absl::Status PgCluster::ResetSchema() {
  PIAO_ASSIGN_OR_RETURN(auto conn, Connect(conninfo_));
  PIAO_RETURN_IF_ERROR(Exec(conn->c, "DROP TABLE IF EXISTS events"));
  return Exec(conn->c,
              "CREATE TABLE events (position bigserial PRIMARY KEY, stream text NOT NULL, version bigint NOT NULL, "
              "event_type text NOT NULL, data text NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now(), "
              "UNIQUE (stream, version))");
}

absl::StatusOr<double> BenchPostgres(PgCluster& pg, int batch, int appenders, double seconds) {
  PIAO_RETURN_IF_ERROR(pg.ResetSchema());
  std::vector<std::unique_ptr<Conn>> conns;
  for (int t = 0; t < appenders; ++t) {
    PIAO_ASSIGN_OR_RETURN(auto c, Connect(pg.conninfo()));
    PGresult* r = PQprepare(c->c, "append", kAppendSql, 3, nullptr);
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    std::string err = PQresultErrorMessage(r);
    PQclear(r);
    if (!ok) return absl::InternalError("postgres prepare: " + err);
    conns.push_back(std::move(c));
  }
  // The batch as a text[] literal: 200-byte payloads, as the store's.
  std::string array = "{";
  for (int i = 0; i < batch; ++i) absl::StrAppend(&array, i ? "," : "", std::string(200, 'x'));
  array += "}";
  std::atomic<uint64_t> events{0};
  std::atomic<bool> stop{false};
  absl::Mutex mu;
  absl::Status first_error;
  std::vector<std::thread> ts;
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < appenders; ++t) {
    ts.emplace_back([&, t] {
      const std::string stream = absl::StrCat("bench/s", t);
      uint64_t version = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        const std::string expected = std::to_string(version);
        const char* params[3] = {stream.c_str(), expected.c_str(), array.c_str()};
        PGresult* r = PQexecPrepared(conns[t]->c, "append", 3, params, nullptr, nullptr, 0);
        const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK && std::atoi(PQcmdTuples(r)) == batch;
        std::string err = ok ? "" : absl::StrCat(PQresultErrorMessage(r), " rows ", PQcmdTuples(r));
        PQclear(r);
        if (!ok) {
          absl::MutexLock l(&mu);
          if (first_error.ok()) first_error = absl::InternalError("postgres append: " + err);
          stop = true;
          return;
        }
        version += batch;
        events.fetch_add(batch, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : ts) th.join();
  const double elapsed = SecondsSince(start);
  PIAO_RETURN_IF_ERROR(first_error);
  return static_cast<double>(events.load()) / elapsed;
}

}  // namespace piao::bench
