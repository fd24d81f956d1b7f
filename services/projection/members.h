// The directory of a split projection's members: each member publishes, on the compacted topic
// piao.projection.members.v1 (partition 0, key = member id), where it answers and which partition numbers it
// serves — when that changes and every `heartbeat` — and reads every member's records. Router asks it who
// serves an administration: the freshest record that claims its partition, among records younger than
// `expiry` (a member killed without leaving stops being named once its record is older).
#ifndef PIAO_SERVICES_PROJECTION_MEMBERS_H_
#define PIAO_SERVICES_PROJECTION_MEMBERS_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/base/clock.h"
#include "libs/kafka/kafka_conf.h"
#include "libs/kafka/partitioning.h"
#include "piao/projection/members.pb.h"

namespace RdKafka {
class KafkaConsumer;
class Producer;
}  // namespace RdKafka

namespace piao::projection {

inline constexpr char kMembersTopic[] = "piao.projection.members.v1";

struct MemberDirectoryOptions {
  kafka::KafkaProperties kafka;  // bootstrap.servers (and security) of the cluster
  std::string member;            // this member's id
  std::string address;           // where this member answers
  std::function<kafka::PartitionShare()> share;  // what this member serves now
  absl::Duration heartbeat = absl::Seconds(2);
  absl::Duration expiry = absl::Seconds(15);
  Clock* clock = Clock::Real();
};

class MemberDirectory {
 public:
  static absl::StatusOr<std::unique_ptr<MemberDirectory>> Create(MemberDirectoryOptions options);
  ~MemberDirectory();  // publishes that it left, then stops

  // Starts the thread that publishes this member's record and reads the others'.
  void Start();
  void Stop();

  // The address of the member serving `administration`, other than this one; NOT_FOUND when none is known.
  absl::StatusOr<std::string> OwnerOf(const std::string& administration) const;
  std::map<std::string, MemberRecord> Members() const;

 private:
  explicit MemberDirectory(MemberDirectoryOptions options);
  void Run();
  void Publish(bool left);
  void ReadRecords(int timeout_ms);

  const MemberDirectoryOptions options_;
  std::unique_ptr<RdKafka::Producer> producer_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  mutable std::mutex mu_;
  std::map<std::string, MemberRecord> members_;  // by member id
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace piao::projection

#endif  // PIAO_SERVICES_PROJECTION_MEMBERS_H_
