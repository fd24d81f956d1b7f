#include "tools/piao/kafka_cluster.h"

#include <arpa/inet.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "libs/base/files.h"
#include "libs/base/process.h"
#include "libs/base/status_macros.h"
#include "libs/kafka/kafka_conf.h"

namespace piao::cli {
namespace fs = std::filesystem;
namespace {

// `count` distinct free ports on 127.0.0.1: every socket stays bound until all are picked, so none repeats.
absl::StatusOr<std::vector<int>> FreePorts(int count) {
  std::vector<int> fds;
  std::vector<int> ports;
  absl::Status status;
  for (int i = 0; i < count && status.ok(); ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
      status = absl::UnavailableError("socket: cannot pick a free port");
      break;
    }
    fds.push_back(fd);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      status = absl::UnavailableError("cannot pick a free port on 127.0.0.1");
    } else {
      ports.push_back(static_cast<int>(ntohs(addr.sin_port)));
    }
  }
  for (int fd : fds) ::close(fd);
  if (!status.ok()) return status;
  return ports;
}

std::string NewClusterId() {
  std::random_device rd;
  std::string bytes(16, '\0');
  for (char& c : bytes) c = static_cast<char>(rd() & 0xff);
  return absl::WebSafeBase64Escape(bytes);  // 22 characters, no padding: Kafka's Uuid text
}

fs::path BrokerDir(const std::string& dir, int node) { return fs::path(dir) / "kafka" / absl::StrCat("broker-", node); }

std::string Properties(const std::string& dir, const KafkaBroker& b, const std::vector<KafkaBroker>& all) {
  std::vector<std::string> voters;
  for (const KafkaBroker& v : all) voters.push_back(absl::StrCat(v.node, "@127.0.0.1:", v.controller_port));
  const int replication = std::min<int>(static_cast<int>(all.size()), 3);
  return absl::StrCat(
      "# Written by `piao stack up --kafka apache` (tools/piao/kafka_cluster.cc).\n",
      "process.roles=broker,controller\n", "node.id=", b.node, "\n",
      "controller.quorum.voters=", absl::StrJoin(voters, ","), "\n",
      "listeners=PLAINTEXT://127.0.0.1:", b.port, ",CONTROLLER://127.0.0.1:", b.controller_port, "\n",
      "advertised.listeners=PLAINTEXT://127.0.0.1:", b.port, "\n", "controller.listener.names=CONTROLLER\n",
      "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n",
      "inter.broker.listener.name=PLAINTEXT\n", "log.dirs=", (BrokerDir(dir, b.node) / "data").string(), "\n",
      "offsets.topic.replication.factor=", replication, "\n", "transaction.state.log.replication.factor=", replication,
      "\n", "transaction.state.log.min.isr=", std::min(replication, 2), "\n", "default.replication.factor=",
      replication, "\n", "min.insync.replicas=", replication >= 3 ? 2 : 1, "\n",
      "group.initial.rebalance.delay.ms=0\n", "auto.create.topics.enable=false\n",
      "message.max.bytes=1048588\n");
}

// The cluster id a broker's formatted log directory belongs to (its meta.properties); NOT_FOUND when the
// directory was never formatted or is gone.
absl::StatusOr<std::string> ClusterIdOf(const std::string& dir, int node) {
  std::ifstream in(BrokerDir(dir, node) / "data" / "meta.properties");
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, "cluster.id=")) return line.substr(std::string("cluster.id=").size());
  }
  return absl::NotFoundError(absl::StrCat("broker ", node, " has no formatted log directory"));
}

// Runs `argv` to completion; INTERNAL with the log's path when it fails.
absl::Status RunToEnd(const std::vector<std::string>& argv, const std::string& log) {
  PIAO_ASSIGN_OR_RETURN(pid_t pid, Spawn(argv, SpawnOptions{log, /*new_session=*/false}));
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat(argv.size() > 4 ? argv[4] : argv[0], " failed; see ", log));
  }
  return absl::OkStatus();
}

std::vector<std::string> JavaArgs(const std::string& java, const std::string& home, const std::string& log,
                                  const std::string& main_class) {
  return {java, "-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-Djava.awt.headless=true",
          "-Dlog4j2.configurationFile=" + (fs::path(home) / "log4j2.properties").string(),
          "-Dpiao.kafka.log=" + log, "-cp", (fs::path(home) / "libs" / "*").string(), main_class};
}

absl::StatusOr<std::unique_ptr<RdKafka::Producer>> Client(const std::string& bootstrap) {
  PIAO_ASSIGN_OR_RETURN(std::unique_ptr<RdKafka::Conf> conf,
                        kafka::MakeConf({{"bootstrap.servers", bootstrap}, {"log_level", "0"}}));
  std::string err;
  std::unique_ptr<RdKafka::Producer> p(RdKafka::Producer::create(conf.get(), err));
  if (p == nullptr) return absl::InternalError("kafka client: " + err);
  return p;
}

// Topic name -> partition count, and the number of brokers, from the cluster's metadata.
absl::Status ReadMetadata(RdKafka::Producer* client, int* brokers, std::map<std::string, int>* topics) {
  RdKafka::Metadata* raw = nullptr;
  const RdKafka::ErrorCode e = client->metadata(true, nullptr, &raw, 2000);
  std::unique_ptr<RdKafka::Metadata> md(raw);
  if (e != RdKafka::ERR_NO_ERROR) return absl::UnavailableError(absl::StrCat("kafka metadata: ", RdKafka::err2str(e)));
  *brokers = static_cast<int>(md->brokers()->size());
  if (topics != nullptr) {
    for (const RdKafka::TopicMetadata* t : *md->topics()) {
      if (t->err() == RdKafka::ERR_NO_ERROR) (*topics)[t->topic()] = static_cast<int>(t->partitions()->size());
    }
  }
  return absl::OkStatus();
}

}  // namespace

const char* PinnedKafkaVersion() { return PIAO_KAFKA_VERSION; }

absl::StatusOr<std::string> KafkaHome() {
  const char* env = std::getenv("PIAO_KAFKA_HOME");
  const char* home = std::getenv("HOME");
  const std::string dir =
      env != nullptr && *env != '\0'
          ? std::string(env)
          : (fs::path(home != nullptr ? home : "/root") / ".cache/piao-kafka" / PinnedKafkaVersion()).string();
  if (!fs::exists(fs::path(dir) / "libs") || !fs::exists(fs::path(dir) / "log4j2.properties")) {
    return absl::FailedPreconditionError(absl::StrCat("Apache Kafka ", PinnedKafkaVersion(), " is not installed in ", dir,
                                                      " (libs/, log4j2.properties): run tools/dev deps"));
  }
  return dir;
}

absl::StatusOr<std::string> JavaBinary() {
  const char* java_home = std::getenv("JAVA_HOME");
  if (java_home != nullptr && *java_home != '\0' && ::access((fs::path(java_home) / "bin/java").c_str(), X_OK) == 0) {
    return (fs::path(java_home) / "bin/java").string();
  }
  const char* path = std::getenv("PATH");
  for (const std::string& d : std::vector<std::string>(absl::StrSplit(path != nullptr ? path : "/usr/bin", ':'))) {
    const fs::path candidate = fs::path(d) / "java";
    if (!d.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return absl::FailedPreconditionError("no java: set JAVA_HOME or put java on PATH (tools/dev deps installs it)");
}

bool Listening(const KafkaBroker& broker) { return LoopbackPortOpen(broker.port); }

bool LoopbackPortOpen(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

std::string BootstrapOf(const std::vector<KafkaBroker>& brokers) {
  std::vector<std::string> out;
  for (const KafkaBroker& b : brokers) out.push_back(absl::StrCat("127.0.0.1:", b.port));
  return absl::StrJoin(out, ",");
}

absl::Status StartKafkaBrokers(const std::string& dir, int count, std::vector<KafkaBroker>& brokers,
                               absl::Time deadline) {
  PIAO_ASSIGN_OR_RETURN(std::string home, KafkaHome());
  PIAO_ASSIGN_OR_RETURN(std::string java, JavaBinary());
  if (brokers.empty()) {
    if (count < 1 || count > 9) return absl::InvalidArgumentError("--brokers: must be 1..9");
    // A new cluster: ports, properties and a formatted log directory per broker.
    PIAO_ASSIGN_OR_RETURN(std::vector<int> ports, FreePorts(2 * count));
    for (int node = 1; node <= count; ++node) {
      KafkaBroker b;
      b.node = node;
      b.port = ports[2 * (node - 1)];
      b.controller_port = ports[2 * (node - 1) + 1];
      b.log = (fs::path(dir) / "logs" / absl::StrCat("broker-", node, ".log")).string();
      brokers.push_back(b);
    }
    const std::string cluster_id = NewClusterId();
    for (const KafkaBroker& b : brokers) {
      const fs::path bdir = BrokerDir(dir, b.node);
      fs::remove_all(bdir);
      PIAO_RETURN_IF_ERROR(EnsurePrivateDirectory(bdir.string()));
      PIAO_RETURN_IF_ERROR(WriteFileAtomically((bdir / "server.properties").string(), Properties(dir, b, brokers)));
      std::vector<std::string> argv = JavaArgs(java, home, b.log, "kafka.tools.StorageTool");
      argv.insert(argv.end(), {"format", "-t", cluster_id, "-c", (bdir / "server.properties").string()});
      PIAO_RETURN_IF_ERROR(RunToEnd(argv, (bdir / "format.out").string()));
    }
  }
  // A broker whose log directory is gone (deleted by an operator, a lost disk) is formatted again: into the
  // cluster of a broker that kept its data, or, when none did, into a new cluster (the topics are created again
  // by `stack up`; the consumers refill from the stores).
  std::string surviving_id;
  for (const KafkaBroker& b : brokers) {
    absl::StatusOr<std::string> id = ClusterIdOf(dir, b.node);
    if (id.ok()) surviving_id = *id;
  }
  for (const KafkaBroker& b : brokers) {
    if ((b.pid != 0 && IsAlive(b.pid)) || ClusterIdOf(dir, b.node).ok()) continue;
    if (surviving_id.empty()) surviving_id = NewClusterId();
    const fs::path bdir = BrokerDir(dir, b.node);
    PIAO_RETURN_IF_ERROR(EnsurePrivateDirectory(bdir.string()));
    PIAO_RETURN_IF_ERROR(WriteFileAtomically((bdir / "server.properties").string(), Properties(dir, b, brokers)));
    std::vector<std::string> argv = JavaArgs(java, home, b.log, "kafka.tools.StorageTool");
    argv.insert(argv.end(), {"format", "-t", surviving_id, "-c", (bdir / "server.properties").string()});
    PIAO_RETURN_IF_ERROR(RunToEnd(argv, (bdir / "format.out").string()));
  }
  for (KafkaBroker& b : brokers) {
    if (b.pid != 0 && IsAlive(b.pid)) continue;
    const fs::path bdir = BrokerDir(dir, b.node);
    std::vector<std::string> argv = JavaArgs(java, home, b.log, "kafka.Kafka");
    argv.push_back((bdir / "server.properties").string());
    PIAO_ASSIGN_OR_RETURN(b.pid, Spawn(argv, SpawnOptions{(bdir / "broker.out").string(), /*new_session=*/true}));
  }
  // Ready: the cluster's metadata lists every broker.
  PIAO_ASSIGN_OR_RETURN(std::unique_ptr<RdKafka::Producer> client, Client(BootstrapOf(brokers)));
  absl::Status last = absl::UnavailableError("not asked yet");
  while (absl::Now() < deadline) {
    for (const KafkaBroker& b : brokers) {
      if (!IsAlive(b.pid)) {
        return absl::UnavailableError(absl::StrCat("Kafka broker ", b.node, " exited at start-up; see ", b.log, " and ",
                                                   (BrokerDir(dir, b.node) / "broker.out").string()));
      }
    }
    int seen = 0;
    last = ReadMetadata(client.get(), &seen, nullptr);
    if (last.ok() && seen == static_cast<int>(brokers.size())) return absl::OkStatus();
    if (last.ok()) last = absl::UnavailableError(absl::StrCat(seen, " of ", brokers.size(), " brokers up"));
    absl::SleepFor(absl::Milliseconds(200));
  }
  return absl::DeadlineExceededError(absl::StrCat("the Kafka cluster did not come up: ", last.message()));
}

absl::StatusOr<int> CountBrokers(const std::string& bootstrap, absl::Time deadline) {
  PIAO_ASSIGN_OR_RETURN(std::unique_ptr<RdKafka::Producer> client, Client(bootstrap));
  for (;;) {
    int brokers = 0;
    absl::Status last = ReadMetadata(client.get(), &brokers, nullptr);
    if (last.ok() && brokers > 0) return brokers;
    if (absl::Now() >= deadline) {
      return absl::UnavailableError(absl::StrCat("the Kafka cluster at ", bootstrap, " does not answer: ",
                                                 last.ok() ? "no broker in its metadata" : last.message()));
    }
    absl::SleepFor(absl::Milliseconds(200));
  }
}

absl::Status EnsureTopics(const std::string& bootstrap, const std::vector<std::string>& topics, int partitions,
                          int replication, const std::map<std::string, std::string>& configs, absl::Time deadline) {
  PIAO_ASSIGN_OR_RETURN(std::unique_ptr<RdKafka::Producer> client, Client(bootstrap));
  rd_kafka_t* rk = client->c_ptr();
  std::vector<rd_kafka_NewTopic_t*> requests;
  char err[512];
  for (const std::string& t : topics) {
    const int n = t == "piao.projection.members.v1" ? 1 : partitions;
    rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(t.c_str(), n, replication, err, sizeof(err));
    if (nt == nullptr) {
      for (auto* r : requests) rd_kafka_NewTopic_destroy(r);
      return absl::InvalidArgumentError(absl::StrCat("topic ", t, ": ", err));
    }
    for (const auto& [k, v] : configs) rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
    if (t == "piao.projection.members.v1") rd_kafka_NewTopic_set_config(nt, "cleanup.policy", "compact");
    requests.push_back(nt);
  }
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, requests.data(), requests.size(), nullptr, queue);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, static_cast<int>(
                                                        std::max<int64_t>(absl::ToInt64Milliseconds(deadline - absl::Now()), 1000)));
  absl::Status result;
  if (ev == nullptr) {
    result = absl::DeadlineExceededError("creating the topics: no answer from the cluster");
  } else {
    const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
    if (res == nullptr) {
      result = absl::UnavailableError(absl::StrCat("creating the topics: ", rd_kafka_event_error_string(ev)));
    } else {
      size_t count = 0;
      const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(res, &count);
      for (size_t i = 0; i < count; ++i) {
        const rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
        if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
          result.Update(absl::UnavailableError(absl::StrCat("topic ", rd_kafka_topic_result_name(results[i]), ": ",
                                                            rd_kafka_topic_result_error_string(results[i]))));
        }
      }
    }
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_queue_destroy(queue);
  for (auto* r : requests) rd_kafka_NewTopic_destroy(r);
  PIAO_RETURN_IF_ERROR(result);
  // Every topic there, with the deployment's partition count (the services partition by it).
  absl::Status last;
  while (true) {
    int brokers = 0;
    std::map<std::string, int> have;
    last = ReadMetadata(client.get(), &brokers, &have);
    bool all = last.ok();
    for (const std::string& t : topics) {
      auto it = have.find(t);
      if (it == have.end()) {
        all = false;
        last = absl::UnavailableError(absl::StrCat("topic ", t, " not in the metadata yet"));
        continue;
      }
      const int want = t == "piao.projection.members.v1" ? 1 : partitions;
      if (it->second != want) {
        return absl::FailedPreconditionError(absl::StrCat("topic ", t, " has ", it->second, " partitions, not ", want,
                                                          ": the services partition by --partitions; use ",
                                                          it->second, " or another cluster"));
      }
    }
    if (all) return absl::OkStatus();
    if (absl::Now() >= deadline) return absl::DeadlineExceededError(std::string(last.message()));
    absl::SleepFor(absl::Milliseconds(200));
  }
}

}  // namespace piao::cli
