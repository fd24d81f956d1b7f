#include "libs/kafka/event_consumer.h"

#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/base/log.h"
#include "libs/base/status_macros.h"

namespace piao::kafka {
namespace {

int ToMs(absl::Duration d) {
  return static_cast<int>(std::clamp<int64_t>(absl::ToInt64Milliseconds(d), 0, 60'000));
}

// Offsets live in the consumer's RocksDB, never in Kafka.
const KafkaProperties& RequiredConsumerProperties() {
  static const auto* props = new KafkaProperties{{"enable.auto.commit", "false"}};
  return *props;
}

constexpr size_t kMaxMessagesPerPoll = 1000;

// The message's lane predecessor (kLanePrevHeader), if it carries a well-formed one.
std::optional<GlobalPosition> LanePrev(RdKafka::Message& msg) {
  RdKafka::Headers* headers = msg.headers();
  if (headers == nullptr) return std::nullopt;
  const RdKafka::Headers::Header h = headers->get_last(kLanePrevHeader);
  uint64_t v = 0;
  if (h.err() != RdKafka::ERR_NO_ERROR || h.value() == nullptr ||
      !absl::SimpleAtoi(absl::string_view(static_cast<const char*>(h.value()), h.value_size()), &v)) {
    return std::nullopt;
  }
  return GlobalPosition(v);
}

}  // namespace

// Starts each assigned partition at the offset stored with the consumer's state. Runs inside consume()
// or close(), i.e. with EventConsumer::mu_ held.
class EventConsumer::Rebalance : public RdKafka::RebalanceCb {
 public:
  explicit Rebalance(EventConsumer* owner) : owner_(owner) {}

  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    const bool cooperative = consumer->rebalance_protocol() == "COOPERATIVE";
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      for (RdKafka::TopicPartition* tp : partitions) {
        absl::StatusOr<std::optional<KafkaOffset>> stored =
            owner_->applier_->StoredOffset(tp->topic(), tp->partition());
        if (!stored.ok()) {
          // Re-reading from the start is safe: already applied events are ignored by position.
          log::Warn("consumer: stored offset unreadable, starting partition from the beginning",
                    {{"topic", tp->topic()}, {"error", stored.status().ToString()}});
        }
        tp->set_offset(stored.ok() && stored->has_value() ? static_cast<int64_t>((*stored)->value())
                                                          : RdKafka::Topic::OFFSET_BEGINNING);
      }
      if (cooperative) {
        std::unique_ptr<RdKafka::Error> e(consumer->incremental_assign(partitions));
        if (e != nullptr) log::Error("consumer: incremental assign failed", {{"error", e->str()}});
        owner_->assigned_ += static_cast<int>(partitions.size());
      } else {
        RdKafka::ErrorCode e = consumer->assign(partitions);
        if (e != RdKafka::ERR_NO_ERROR) log::Error("consumer: assign failed", {{"error", RdKafka::err2str(e)}});
        owner_->assigned_ = static_cast<int>(partitions.size());
      }
      return;
    }
    // Revoked or lost: the new owner starts from the stored offsets; drop a retry we no longer own.
    if (owner_->pending_.has_value()) {
      for (RdKafka::TopicPartition* tp : partitions) {
        if (tp->topic() == owner_->pending_->input.topic && tp->partition() == owner_->pending_->input.partition) {
          owner_->pending_.reset();
          break;
        }
      }
    }
    if (cooperative) {
      std::unique_ptr<RdKafka::Error> e(consumer->incremental_unassign(partitions));
      if (e != nullptr) log::Error("consumer: incremental unassign failed", {{"error", e->str()}});
      owner_->assigned_ -= static_cast<int>(partitions.size());
    } else {
      consumer->unassign();
      owner_->assigned_ = 0;
    }
  }

 private:
  EventConsumer* owner_;
};

// The group member's callback: takes or gives up partitions of the membership topic (kept paused: this handle
// never fetches) and records the numbers owned; Poll applies the change. Runs inside member_->consume().
class EventConsumer::MemberRebalance : public RdKafka::RebalanceCb {
 public:
  explicit MemberRebalance(EventConsumer* owner) : owner_(owner) {}

  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    const bool cooperative = consumer->rebalance_protocol() == "COOPERATIVE";
    std::lock_guard<std::mutex> l(owner_->ownership_mu_);
    std::vector<int32_t>& owned = owner_->owned_by_group_;
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      if (cooperative) {
        std::unique_ptr<RdKafka::Error> e(consumer->incremental_assign(partitions));
        if (e != nullptr) log::Error("consumer: incremental assign failed", {{"error", e->str()}});
      } else {
        consumer->assign(partitions);
        owned.clear();
      }
      consumer->pause(partitions);
      for (RdKafka::TopicPartition* tp : partitions) owned.push_back(tp->partition());
    } else {
      if (cooperative) {
        std::unique_ptr<RdKafka::Error> e(consumer->incremental_unassign(partitions));
        if (e != nullptr) log::Error("consumer: incremental unassign failed", {{"error", e->str()}});
        for (RdKafka::TopicPartition* tp : partitions) std::erase(owned, tp->partition());
      } else {
        consumer->unassign();
        owned.clear();
      }
    }
    std::sort(owned.begin(), owned.end());
    owned.erase(std::unique(owned.begin(), owned.end()), owned.end());
    owner_->ownership_changed_ = true;
  }

 private:
  EventConsumer* owner_;
};

absl::StatusOr<std::unique_ptr<EventConsumer>> EventConsumer::Create(rocksdb::DB* db, ConsumerOptions options,
                                                                     EventHandler handler,
                                                                     std::shared_ptr<SourceReader> reader) {
  if (!options.kafka.contains("bootstrap.servers") || !options.kafka.contains("group.id")) {
    return absl::InvalidArgumentError("consumer: kafka properties bootstrap.servers and group.id are required");
  }
  if (options.topics.empty()) return absl::InvalidArgumentError("consumer: no topics");
  if (options.clock == nullptr) return absl::InvalidArgumentError("consumer: clock must not be null");
  PIAO_ASSIGN_OR_RETURN(KafkaProperties props, WithRequired(options.kafka, RequiredConsumerProperties()));
  // A partition without a stored offset starts at the beginning; the same when a stored offset has been
  // deleted by retention (the gap is then filled from the source's store).
  props.emplace("auto.offset.reset", "earliest");
  // How long a fetch waits on the broker for new data (librdkafka's default, 500 ms, was most of the time from
  // an acknowledged append to a projection query seeing it on a quiet topic). 10 ms keeps ack -> visible near
  // the synced writes' own cost; an idle consumer then fetches ~100 times a second per broker, which is cheap.
  props.emplace("fetch.wait.max.ms", "10");
  const bool member = !options.membership_topic.empty();
  if (member) options.applier.share.owned.clear();  // nothing until the group assigns it partitions
  PIAO_ASSIGN_OR_RETURN(std::unique_ptr<EventApplier> applier,
                        EventApplier::Open(db, std::move(handler), std::move(reader), options.applier));

  std::unique_ptr<EventConsumer> c(new EventConsumer(std::move(applier), options.clock));
  c->topics_ = options.topics;
  c->event_cb_ = NewLogEventCb("consumer:" + props["group.id"]);
  for (const std::string& t : options.topics) {
    PIAO_ASSIGN_OR_RETURN(ServiceName source, SourceOfTopic(t));
    c->sources_.push_back(std::move(source));
  }
  if (member) {
    // The group member: joins through the membership topic only; its partitions are never fetched.
    KafkaProperties member_props = props;
    member_props["partition.assignment.strategy"] = "cooperative-sticky";
    c->member_cb_ = std::make_unique<MemberRebalance>(c.get());
    PIAO_ASSIGN_OR_RETURN(std::unique_ptr<RdKafka::Conf> mconf, MakeConf(member_props));
    std::string merr;
    if (mconf->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(c->member_cb_.get()), merr) !=
            RdKafka::Conf::CONF_OK ||
        mconf->set("event_cb", c->event_cb_.get(), merr) != RdKafka::Conf::CONF_OK) {
      return absl::InternalError("member callbacks: " + merr);
    }
    c->member_.reset(RdKafka::KafkaConsumer::create(mconf.get(), merr));
    if (c->member_ == nullptr) return absl::InvalidArgumentError("kafka group member: " + merr);
    RdKafka::ErrorCode se = c->member_->subscribe({options.membership_topic});
    if (se != RdKafka::ERR_NO_ERROR) return absl::InvalidArgumentError(absl::StrCat("subscribe: ", RdKafka::err2str(se)));
    // The data consumer assigns partitions itself, in a group of its own that never commits.
    props["group.id"] = absl::StrCat(props["group.id"], ".data.", props.count("client.id") ? props["client.id"] : "member");
  }
  PIAO_ASSIGN_OR_RETURN(std::unique_ptr<RdKafka::Conf> conf, MakeConf(props));
  std::string err;
  if (conf->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(c->rebalance_cb_.get()), err) !=
          RdKafka::Conf::CONF_OK ||
      conf->set("event_cb", c->event_cb_.get(), err) != RdKafka::Conf::CONF_OK) {
    return absl::InternalError("consumer callbacks: " + err);
  }
  c->consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (c->consumer_ == nullptr) return absl::InvalidArgumentError("kafka consumer: " + err);
  if (member) return c;  // assigned by FollowMembershipLocked
  RdKafka::ErrorCode e = c->consumer_->subscribe(options.topics);
  if (e != RdKafka::ERR_NO_ERROR) {
    return absl::InvalidArgumentError(absl::StrCat("subscribe: ", RdKafka::err2str(e)));
  }
  return c;
}

EventConsumer::EventConsumer(std::unique_ptr<EventApplier> applier, Clock* clock)
    : applier_(std::move(applier)), clock_(clock), rebalance_cb_(std::make_unique<Rebalance>(this)) {}

EventConsumer::~EventConsumer() {
  Stop();
  absl::Status s = Close();
  if (!s.ok()) log::Warn("consumer: close failed", {{"error", s.ToString()}});
}

absl::Status EventConsumer::Close() {
  std::lock_guard<std::mutex> l(mu_);
  if (closed_ || consumer_ == nullptr) return absl::OkStatus();
  closed_ = true;
  if (member_ != nullptr) {
    RdKafka::ErrorCode me = member_->close();  // leaves the group: its partitions move to the others
    member_.reset();
    if (me != RdKafka::ERR_NO_ERROR) log::Warn("consumer: leaving the group failed", {{"error", RdKafka::err2str(me)}});
  }
  RdKafka::ErrorCode e = consumer_->close();
  consumer_.reset();
  if (e != RdKafka::ERR_NO_ERROR) return absl::UnavailableError("consumer close: " + RdKafka::err2str(e));
  return absl::OkStatus();
}

absl::Status EventConsumer::HandleLocked(const Pending& message) {
  // Synced once per Poll (below): one fsync for what one poll applied, not one per event.
  return applier_->ApplyUnsynced(message.event, message.input);
}

absl::StatusOr<size_t> EventConsumer::Poll(absl::Duration timeout) {
  std::lock_guard<std::mutex> l(mu_);
  if (closed_) return absl::FailedPreconditionError("consumer closed");
  if (member_ != nullptr) PIAO_RETURN_IF_ERROR(FollowMembershipLocked());
  size_t handled = 0;
  if (pending_.has_value()) {
    PIAO_RETURN_IF_ERROR(HandleLocked(*pending_));
    pending_.reset();
    ++handled;
  }
  const absl::Time deadline = clock_->Now() + timeout;
  while (handled < kMaxMessagesPerPoll) {
    // Wait for the first message only; then take what is already fetched.
    const int wait_ms = handled == 0 ? ToMs(deadline - clock_->Now()) : 0;
    std::unique_ptr<RdKafka::Message> msg(consumer_->consume(wait_ms));
    if (msg->err() == RdKafka::ERR__TIMED_OUT) {
      if (handled > 0 || clock_->Now() >= deadline) break;
      continue;
    }
    if (msg->err() == RdKafka::ERR__PARTITION_EOF) continue;
    if (msg->err() != RdKafka::ERR_NO_ERROR) {
      // Broker trouble is retried by librdkafka itself; report it and keep polling.
      log::Warn("consumer: kafka error", {{"error", msg->errstr()}});
      if (clock_->Now() >= deadline) break;
      continue;
    }
    messages_.fetch_add(1);
    Pending m;
    // A delivered message always has a real (non-negative) offset; the logical ones (-1, -2, ...) never arrive.
    m.input = InputPosition{msg->topic_name(), msg->partition(), KafkaOffset(static_cast<uint64_t>(msg->offset())),
                            LanePrev(*msg)};
    if (!m.event.ParseFromArray(msg->payload(), static_cast<int>(msg->len())) ||
        m.event.source_service().empty() || m.event.global_position() == 0) {
      // Not an event: nothing to apply, and retrying cannot help. The stores still hold every real event.
      malformed_.fetch_add(1);
      log::Error("consumer: skipping a message that is not an event envelope",
                 {{"topic", m.input.topic},
                  {"partition", absl::StrCat(m.input.partition)},
                  {"offset", absl::StrCat(m.input.offset.value())}});
      PIAO_RETURN_IF_ERROR(applier_->SkipInput(m.input));
      ++handled;
      continue;
    }
    absl::Status s = HandleLocked(m);
    if (!s.ok()) {
      pending_ = std::move(m);
      if (absl::Status synced = applier_->SyncApplied(); !synced.ok()) {
        log::Warn("consumer: syncing the applied events failed", {{"error", synced.ToString()}});
      }
      return s;
    }
    ++handled;
  }
  PIAO_RETURN_IF_ERROR(applier_->SyncApplied());
  return handled;
}

absl::Status EventConsumer::FollowMembershipLocked() {
  // Serve the member's callbacks (heartbeats run in librdkafka's own thread; rebalances are delivered here).
  for (int i = 0; i < 10; ++i) {
    std::unique_ptr<RdKafka::Message> m(member_->consume(0));
    if (m->err() == RdKafka::ERR__TIMED_OUT) break;
  }
  std::vector<int32_t> owned;
  {
    std::lock_guard<std::mutex> l(ownership_mu_);
    if (!ownership_changed_) return absl::OkStatus();
    owned = owned_by_group_;
  }
  const std::vector<int32_t> assigned = owned;
  const PartitionShare before = applier_->share();
  // The membership topic must have exactly the deployment's partition count; a number beyond it is ignored.
  std::erase_if(owned, [&](int32_t p) {
    if (p < before.count) return false;
    log::Error("consumer: the group assigned a partition beyond --kafka-partitions; the membership topic has more "
               "partitions than the deployment's count",
               {{"partition", absl::StrCat(p)}, {"count", absl::StrCat(before.count)}});
    return true;
  });
  PartitionShare now{before.count, owned};
  std::vector<int32_t> gained;
  for (int32_t p : owned) {
    if (!before.Owns(p)) gained.push_back(p);
  }
  // Lost numbers first: stop applying them, so a query no longer counts on them. The data consumer's
  // assignment changes incrementally, each partition removed once and added once: librdkafka 2.0 asserts when
  // a partition is removed again while its first removal is still stopping (a full assign() after another).
  PartitionShare kept{before.count, {}};
  std::vector<int32_t> lost;
  for (int32_t p : before.owned) {
    (now.Owns(p) ? kept.owned : lost).push_back(p);
  }
  applier_->SetShare(kept);
  PIAO_RETURN_IF_ERROR(ChangeAssignmentLocked(lost, /*add=*/false));
  if (!gained.empty()) {
    // Gained numbers: their lanes from the stores first (a member may never have seen them), then Kafka.
    applier_->SetShare(now);
    for (const ServiceName& source : sources_) {
      absl::StatusOr<uint64_t> n = applier_->CatchUp(source);
      if (!n.ok()) {
        applier_->SetShare(kept);  // not caught up: tried again at the next Poll
        return n.status();
      }
    }
    PIAO_RETURN_IF_ERROR(ChangeAssignmentLocked(gained, /*add=*/true));
    log::Info("consumer: partitions assigned and caught up",
              {{"partitions", absl::StrJoin(gained, ",")}, {"owned", absl::StrJoin(now.owned, ",")}});
  }
  std::lock_guard<std::mutex> l(ownership_mu_);
  if (owned_by_group_ == assigned) ownership_changed_ = false;
  return absl::OkStatus();
}

absl::Status EventConsumer::ChangeAssignmentLocked(const std::vector<int32_t>& partitions, bool add) {
  if (partitions.empty()) return absl::OkStatus();
  std::vector<RdKafka::TopicPartition*> tps;
  for (const std::string& topic : topics_) {
    for (int32_t p : partitions) {
      int64_t offset = RdKafka::Topic::OFFSET_INVALID;
      if (add) {  // from the offset stored with the views, or the beginning
        absl::StatusOr<std::optional<KafkaOffset>> stored = applier_->StoredOffset(topic, p);
        if (!stored.ok()) {
          RdKafka::TopicPartition::destroy(tps);
          return stored.status();
        }
        offset = stored->has_value() ? static_cast<int64_t>((*stored)->value()) : RdKafka::Topic::OFFSET_BEGINNING;
      }
      tps.push_back(RdKafka::TopicPartition::create(topic, p, offset));
    }
  }
  std::unique_ptr<RdKafka::Error> e(add ? consumer_->incremental_assign(tps) : consumer_->incremental_unassign(tps));
  if (e == nullptr) assigned_ += add ? static_cast<int>(tps.size()) : -static_cast<int>(tps.size());
  RdKafka::TopicPartition::destroy(tps);
  if (pending_.has_value() && !applier_->share().Owns(pending_->input.partition)) pending_.reset();
  if (e != nullptr) {
    return absl::UnavailableError(absl::StrCat(add ? "incremental assign: " : "incremental unassign: ", e->str()));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> EventConsumer::CatchUp(const ServiceName& source) {
  catch_up_waiting_.fetch_add(1);
  std::unique_lock<std::mutex> l(mu_);
  catch_up_waiting_.fetch_sub(1);
  return applier_->CatchUp(source);
}

absl::Status EventConsumer::Start() {
  if (thread_.joinable()) return absl::FailedPreconditionError("consumer already started");
  stop_ = false;
  thread_ = std::thread([this] {
    while (!stop_.load()) {
      // std::mutex is not fair: a catch-up waiting for it (the stall watcher, while Kafka is down) gets it
      // before the next poll, or it could wait behind back-to-back polls for seconds.
      while (catch_up_waiting_.load() > 0 && !stop_.load()) absl::SleepFor(absl::Milliseconds(1));
      absl::StatusOr<size_t> r = Poll(absl::Milliseconds(100));
      if (!r.ok()) {
        if (absl::IsFailedPrecondition(r.status())) return;  // closed
        log::Warn("consumer: apply failed, retrying", {{"error", r.status().ToString()}});
        absl::SleepFor(absl::Milliseconds(200));
      }
    }
  });
  return absl::OkStatus();
}

void EventConsumer::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

ConsumerStats EventConsumer::stats() const {
  ConsumerStats s;
  s.messages = messages_.load();
  s.malformed = malformed_.load();
  s.applier = applier_->stats();
  s.assigned_partitions = assigned_.load();
  s.owned = applier_->share();
  return s;
}

}  // namespace piao::kafka
