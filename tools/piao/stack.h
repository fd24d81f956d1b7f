// The local stack: the embedded broker and every service as background processes on loopback, with all
// their data under one directory:
//   DIR/stack.json        what runs where (pids, addresses, bootstrap servers)
//   DIR/tokens            the tokens file the services read, and re-read when it changes (hashes only, 0600;
//                         `piao token issue|revoke|list`, tools/piao/token_cmd.h)
//   DIR/operator.token    the local operator's bearer token (mode 0600), used by the CLI: every role but
//                         service, on every administration
//   DIR/service.token     the projection's token (role service, every administration)
//   DIR/<service>/        each service's data (event store, views)
//   DIR/logs/<name>.log   each process's JSON log lines
//   DIR/tls/              with `stack up --tls`: the local CA, each service's server certificate and the
//                         operator's and the projection's client certificates (keys 0600, directory 0700)
#ifndef PIAO_TOOLS_PIAO_STACK_H_
#define PIAO_TOOLS_PIAO_STACK_H_

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/service/client.h"

namespace piao::cli {

// The services the stack runs, in start order (the broker comes first, separately).
const std::vector<std::string>& StackServices();

// The data directory: --data, else $PIAO_DATA, else ~/.local/share/piao.
std::string ResolveDataDir(const std::string& flag_value);

struct ComponentStatus {
  std::string name;
  int pid = 0;
  bool alive = false;
  bool healthy = false;
  std::string address;  // host:port, or the bootstrap servers for the broker
  std::string log;
  // The projection: events it could not apply (it serves the other administrations, DEGRADED).
  uint64_t quarantined = 0;
  // A write service: events Kafka refused for good, parked out of its outbox (consumers read them from the
  // store; DEGRADED: the transport's size settings disagree with the store's).
  uint64_t parked = 0;
  std::string problem;  // the first quarantined or parked event: where and why
  // A projection member: the partition numbers it serves (all of them for an unsplit projection).
  std::vector<int> partitions;
};

// Starts whatever is not running (a crashed component is restarted on its existing data) and waits until
// every service answers its health check. When the cluster's address changed (the mock broker restarted), the
// services are restarted too so they use it; Apache brokers come back on their own ports and the services'
// clients reconnect by themselves.
// With `tls`, or when the data directory already runs with TLS (stack.json says so, or DIR/tls exists), every
// service serves mutual TLS with the certificates of DIR/tls (made once, by the openssl command), the
// projection reaches its sources with its client certificate, and stack.json records the CLI's client
// settings; services running plaintext are restarted with TLS. TLS is never switched off by a later call.
// The broker (librdkafka's mock cluster, no TLS) stays plaintext on loopback.
// Which Kafka the stack runs on, recorded in stack.json on first `stack up` and kept by later ones (a request
// that contradicts the record is FAILED_PRECONDITION: stack down and use another data directory):
//   mock      librdkafka's mock cluster in `piao-broker` (the zero-install default; in memory)
//   apache    a KRaft cluster of `brokers` Apache Kafka brokers on loopback (tools/piao/kafka_cluster.h)
//   external  the cluster at `bootstrap` (nothing started; topics created when missing)
// Every event topic has `partitions` partitions (the services' --kafka-partitions), replication min(brokers, 3).
// `projections` > 1 runs that many projection members (--member), splitting the partitions; the first one's
// address is the stack's projection address. A later `stack up --projections M` restarts them all with M.
struct StackKafka {
  std::string mode;       // "" = as recorded (default mock)
  int brokers = 0;        // apache; 0 = as recorded (default 1)
  int partitions = 0;     // 0 = as recorded (default 3)
  int projections = 0;    // 0 = as recorded (default 1)
  std::string bootstrap;  // external
};
absl::StatusOr<std::vector<ComponentStatus>> StackUp(const std::string& data_dir, const std::string& bin_dir,
                                                     absl::Duration timeout, bool tls = false,
                                                     const StackKafka& kafka = {});
// Whether the stack under `data_dir` runs with TLS (as recorded by StackUp).
bool StackUsesTls(const std::string& data_dir);
// SIGTERM to the projection members, the services (they flush their outboxes), then every broker at once;
// SIGKILL to any still running after a grace (DEADLINE_EXCEEDED then).
absl::Status StackDown(const std::string& data_dir);
absl::StatusOr<std::vector<ComponentStatus>> StackStatus(const std::string& data_dir);
// SIGTERM to one component (a service name or "broker"); OK when it is not running.
absl::Status StopComponent(const std::string& data_dir, const std::string& name);

// A connection to one running service of the stack, with the operator's token.
struct ServiceConnection {
  std::shared_ptr<grpc::Channel> channel;
  std::string token;
  std::string address;
};
// The channel uses the client TLS settings the stack recorded (none for a plaintext stack), each replaced by
// the command's --tls-ca / --tls-client-cert / --tls-client-key / --tls-server-name or PIAO_TLS_* when set.
absl::StatusOr<ServiceConnection> Connect(const std::string& data_dir, const std::string& service);

// The command's client TLS settings (--tls-ca, --tls-client-cert, --tls-client-key, --tls-server-name, else
// PIAO_TLS_*: AddClientTlsOptions in tools/piao/cli_app.h), kept for Connect and the health checks; each empty
// field leaves what the stack recorded. The address is ignored.
void SetClientTlsOverrides(const service::ChannelOptions& tls);
absl::StatusOr<std::string> BootstrapServers(const std::string& data_dir);

// The directory of the running executable (sibling binaries live there).
std::string SelfDir();

}  // namespace piao::cli

#endif  // PIAO_TOOLS_PIAO_STACK_H_
