#include "services/projection/members.h"

#include <librdkafka/rdkafkacpp.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/base/log.h"
#include "libs/base/status_macros.h"
#include "libs/base/timestamp.h"

namespace piao::projection {

absl::StatusOr<std::unique_ptr<MemberDirectory>> MemberDirectory::Create(MemberDirectoryOptions options) {
  if (!options.kafka.contains("bootstrap.servers") || options.member.empty() || options.address.empty() ||
      !options.share || options.clock == nullptr) {
    return absl::InvalidArgumentError("member directory: bootstrap.servers, member, address and share are required");
  }
  std::unique_ptr<MemberDirectory> d(new MemberDirectory(std::move(options)));
  kafka::KafkaProperties producer_props = d->options_.kafka;
  producer_props.erase("group.id");
  PIAO_ASSIGN_OR_RETURN(std::unique_ptr<RdKafka::Conf> pconf, kafka::MakeConf(producer_props));
  std::string err;
  d->producer_.reset(RdKafka::Producer::create(pconf.get(), err));
  if (d->producer_ == nullptr) return absl::InvalidArgumentError("member directory producer: " + err);
  kafka::KafkaProperties consumer_props = d->options_.kafka;
  consumer_props["group.id"] = absl::StrCat("piao-projection-members.", d->options_.member);  // never commits
  consumer_props["enable.auto.commit"] = "false";
  PIAO_ASSIGN_OR_RETURN(std::unique_ptr<RdKafka::Conf> cconf, kafka::MakeConf(consumer_props));
  d->consumer_.reset(RdKafka::KafkaConsumer::create(cconf.get(), err));
  if (d->consumer_ == nullptr) return absl::InvalidArgumentError("member directory consumer: " + err);
  std::vector<RdKafka::TopicPartition*> tps = {
      RdKafka::TopicPartition::create(kMembersTopic, 0, RdKafka::Topic::OFFSET_BEGINNING)};
  const RdKafka::ErrorCode e = d->consumer_->assign(tps);
  RdKafka::TopicPartition::destroy(tps);
  if (e != RdKafka::ERR_NO_ERROR) return absl::UnavailableError(absl::StrCat("members topic: ", RdKafka::err2str(e)));
  return d;
}

MemberDirectory::MemberDirectory(MemberDirectoryOptions options) : options_(std::move(options)) {}

MemberDirectory::~MemberDirectory() {
  Stop();
  if (producer_ != nullptr) {
    Publish(/*left=*/true);
    producer_->flush(2000);
  }
  if (consumer_ != nullptr) consumer_->close();
}

void MemberDirectory::Start() {
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void MemberDirectory::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void MemberDirectory::Run() {
  kafka::PartitionShare published;
  bool first = true;
  absl::Time last = absl::InfinitePast();
  while (!stop_.load()) {
    const kafka::PartitionShare now = options_.share();
    if (first || now.owned != published.owned || options_.clock->Now() - last >= options_.heartbeat) {
      Publish(/*left=*/false);
      published = now;
      first = false;
      last = options_.clock->Now();
    }
    producer_->poll(0);
    ReadRecords(100);
  }
}

void MemberDirectory::Publish(bool left) {
  MemberRecord r;
  r.set_member(options_.member);
  r.set_address(options_.address);
  const kafka::PartitionShare share = options_.share();
  r.set_partition_count(share.count);
  if (!left) {
    for (int32_t p : share.owned) r.add_partitions(p);
  }
  r.set_left(left);
  *r.mutable_updated_at() = ToTimestamp(options_.clock->Now());
  const std::string value = r.SerializeAsString();
  const RdKafka::ErrorCode e = producer_->produce(
      kMembersTopic, 0, RdKafka::Producer::RK_MSG_COPY, const_cast<char*>(value.data()), value.size(),
      options_.member.data(), options_.member.size(), 0, nullptr);
  if (e != RdKafka::ERR_NO_ERROR) {
    log::Warn("member directory: cannot publish this member's record", {{"error", RdKafka::err2str(e)}});
  }
}

void MemberDirectory::ReadRecords(int timeout_ms) {
  for (int i = 0; i < 100; ++i) {
    std::unique_ptr<RdKafka::Message> m(consumer_->consume(i == 0 ? timeout_ms : 0));
    if (m->err() == RdKafka::ERR__TIMED_OUT || m->err() == RdKafka::ERR__PARTITION_EOF) return;
    if (m->err() != RdKafka::ERR_NO_ERROR) continue;
    MemberRecord r;
    if (!r.ParseFromArray(m->payload(), static_cast<int>(m->len())) || r.member().empty()) continue;
    std::lock_guard<std::mutex> l(mu_);
    MemberRecord& known = members_[r.member()];
    if (FromTimestamp(r.updated_at()) >= FromTimestamp(known.updated_at())) known = std::move(r);
  }
}

absl::StatusOr<std::string> MemberDirectory::OwnerOf(const std::string& administration) const {
  const absl::Time now = options_.clock->Now();
  std::lock_guard<std::mutex> l(mu_);
  const MemberRecord* best = nullptr;
  for (const auto& [id, r] : members_) {
    if (id == options_.member || r.left() || r.partition_count() < 1 ||
        now - FromTimestamp(r.updated_at()) > options_.expiry) {
      continue;
    }
    const int32_t p = kafka::PartitionOf(administration, r.partition_count());
    bool claims = false;
    for (int32_t q : r.partitions()) claims = claims || q == p;
    if (claims && (best == nullptr || FromTimestamp(r.updated_at()) > FromTimestamp(best->updated_at()))) best = &r;
  }
  if (best == nullptr) return absl::NotFoundError(absl::StrCat("no member claims administration ", administration));
  return best->address();
}

std::map<std::string, MemberRecord> MemberDirectory::Members() const {
  std::lock_guard<std::mutex> l(mu_);
  return members_;
}

}  // namespace piao::projection
