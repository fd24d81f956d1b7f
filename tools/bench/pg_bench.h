// PostgreSQL 15 as an event store, the comparison a PA or an integrator would make (Marten and most in-house
// event stores): a throwaway cluster (initdb in a temporary directory, unix socket only, fsync=on,
// synchronous_commit=on), one table with UNIQUE(stream, version), and an append that checks the expected
// version in the same statement. Driven through libpq, one connection per appender.
#ifndef PIAO_TOOLS_BENCH_PG_BENCH_H_
#define PIAO_TOOLS_BENCH_PG_BENCH_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace piao::bench {

// A PostgreSQL cluster of Debian's postgresql-15 (/usr/lib/postgresql/15/bin), started in `dir` and stopped
// (fast shutdown) and removed by the destructor. As root, the server runs as the `postgres` user (initdb
// refuses root).
class PgCluster {
 public:
  static absl::StatusOr<std::unique_ptr<PgCluster>> Start();
  ~PgCluster();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  // libpq connection string of the bench database.
  const std::string& conninfo() const { return conninfo_; }
  // Drops and recreates the events table (empty, same schema).
  absl::Status ResetSchema();
  pid_t pid() const { return pid_; }

 private:
  PgCluster() = default;
  std::string dir_;
  std::string conninfo_;
  pid_t pid_ = -1;
};

// `appenders` threads, each on its own connection and stream, appending `batch` events of 200 bytes per
// statement at the expected version for `seconds`. Returns durable events per second.
absl::StatusOr<double> BenchPostgres(PgCluster& pg, int batch, int appenders, double seconds);

}  // namespace piao::bench

#endif  // PIAO_TOOLS_BENCH_PG_BENCH_H_
