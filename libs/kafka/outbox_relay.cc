#include "libs/kafka/outbox_relay.h"

#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/base/log.h"
#include "libs/base/status_macros.h"
#include "libs/kafka/partitioning.h"

namespace piao::kafka {
namespace {

int ToMs(absl::Duration d) {
  return static_cast<int>(std::clamp<int64_t>(absl::ToInt64Milliseconds(d), 0, 60'000));
}

// What the store's events need from a producer to make "delivered" mean "durable, exactly one copy per
// produce() in the log".
const KafkaProperties& RequiredProducerProperties() {
  static const auto* props = new KafkaProperties{{"enable.idempotence", "true"}, {"acks", "all"}};
  return *props;
}

}  // namespace

class OutboxRelay::DeliveryCb : public RdKafka::DeliveryReportCb {
 public:
  explicit DeliveryCb(OutboxRelay* relay) : relay_(relay) {}
  void dr_cb(RdKafka::Message& message) override { relay_->OnDelivery(message); }

 private:
  OutboxRelay* relay_;
};

absl::StatusOr<std::unique_ptr<OutboxRelay>> OutboxRelay::Create(eventstore::EventStore* store,
                                                                  RelayOptions options) {
  if (store == nullptr) return absl::InvalidArgumentError("relay needs a store");
  if (store->source_service().empty()) return absl::InvalidArgumentError("store has no source service");
  if (!options.kafka.contains("bootstrap.servers")) {
    return absl::InvalidArgumentError("relay: kafka property bootstrap.servers is required");
  }
  if (options.batch == 0) return absl::InvalidArgumentError("relay: batch must be positive");
  if (options.clock == nullptr) return absl::InvalidArgumentError("relay: clock must not be null");
  if (options.partitions < 1) return absl::InvalidArgumentError("relay: partitions must be at least 1");
  std::string topic = EventsTopic(store->source_service());
  std::unique_ptr<OutboxRelay> relay(new OutboxRelay(store, std::move(options), std::move(topic)));
  PIAO_ASSIGN_OR_RETURN(relay->producer_properties_,
                        WithRequired(relay->options_.kafka, RequiredProducerProperties()));
  PIAO_RETURN_IF_ERROR(relay->NewProducer());
  return relay;
}

OutboxRelay::OutboxRelay(eventstore::EventStore* store, RelayOptions options, std::string topic)
    : store_(store),
      options_(std::move(options)),
      topic_(std::move(topic)),
      delivery_cb_(std::make_unique<DeliveryCb>(this)),
      event_cb_(NewLogEventCb("relay:" + store->source_service().value())) {}

OutboxRelay::~OutboxRelay() {
  Stop();
  if (producer_ != nullptr) {
    // Abandon what is queued or in flight; the reports (served by flush) arrive while we are still alive.
    producer_->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
    producer_->flush(1000);
    MarkDeliveredBatch();
    producer_.reset();
  }
}

absl::Status OutboxRelay::NewProducer() {
  PIAO_ASSIGN_OR_RETURN(std::unique_ptr<RdKafka::Conf> conf, MakeConf(producer_properties_));
  std::string err;
  if (conf->set("dr_cb", delivery_cb_.get(), err) != RdKafka::Conf::CONF_OK ||
      conf->set("event_cb", event_cb_.get(), err) != RdKafka::Conf::CONF_OK) {
    return absl::InternalError("relay callbacks: " + err);
  }
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), err));
  if (producer == nullptr) return absl::InvalidArgumentError("relay producer: " + err);
  producer_ = std::move(producer);
  return absl::OkStatus();
}

absl::Status OutboxRelay::Start() {
  if (thread_.joinable()) return absl::FailedPreconditionError("relay already started");
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

void OutboxRelay::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void OutboxRelay::Run() {
  while (!stop_.load()) Step(options_.idle_wait);
}

absl::Status OutboxRelay::Flush(absl::Duration timeout) {
  const absl::Time deadline = options_.clock->Now() + timeout;
  while (true) {
    if (Drained()) return absl::OkStatus();
    const absl::Time now = options_.clock->Now();
    if (now >= deadline) break;
    const absl::Duration slice = std::min(absl::Milliseconds(10), deadline - now);
    if (thread_.joinable()) {
      absl::SleepFor(slice);  // the relay thread does the work
    } else {
      Step(slice);
    }
  }
  RelayStats s = stats();
  absl::MutexLock l(&mu_);
  return absl::DeadlineExceededError(absl::StrCat("relay flush of ", topic_, ": ", in_flight_.size(),
                                                  " in flight, ", s.delivered, " delivered, ", s.failed,
                                                  " failed so far"));
}

bool OutboxRelay::Drained() {
  {
    absl::MutexLock l(&mu_);
    if (!in_flight_.empty() || !delivered_.empty() || !refused_.empty()) return false;
  }
  absl::StatusOr<uint64_t> size = store_->OutboxSize();
  return size.ok() && *size == 0;
}

RelayStats OutboxRelay::stats() const {
  return RelayStats{published_.load(), delivered_count_.load(), failed_.load(), parked_.load()};
}

void OutboxRelay::Step(absl::Duration max_wait) {
  if (producer_ == nullptr) {  // could not be recreated after a fatal error; Run retries
    absl::SleepFor(options_.retry_backoff);
    ReplaceProducerIfFatal();
    return;
  }
  ProducePending();
  bool in_flight;
  bool backing_off;
  bool more;
  uint64_t after;
  {
    absl::MutexLock l(&mu_);
    in_flight = !in_flight_.empty();
    backing_off = retry_after_ > options_.clock->Now();
    more = more_pending_;
    after = next_from_ - 1;
  }
  if (in_flight) {
    // Delivery reports wake us; a short slice keeps new appends flowing while reports are slow.
    producer_->poll(ToMs(std::min(max_wait, absl::Milliseconds(10))));
  } else if (backing_off) {
    producer_->poll(ToMs(std::min(max_wait, absl::Milliseconds(20))));
  } else if (!more) {
    store_->WaitForAppend(GlobalPosition(after), max_wait);
    producer_->poll(0);
  } else {
    producer_->poll(0);
  }
  MarkDeliveredBatch();
  ReplaceProducerIfFatal();
}

void OutboxRelay::ProducePending() {
  uint64_t from;
  {
    absl::MutexLock l(&mu_);
    if (retry_after_ > options_.clock->Now()) return;
    from = next_from_;
  }
  // The head before the read: if the read comes back short, every undelivered entry up to it was seen.
  const GlobalPosition head = store_->head().position;
  // The stored bytes are published as they are (no decoding and re-encoding of each envelope).
  absl::StatusOr<std::vector<eventstore::EventStore::OutboxEntry>> entries =
      store_->ReadOutboxEntries(GlobalPosition(from), options_.batch);
  absl::MutexLock l(&mu_);
  if (!entries.ok()) {
    log::Warn("relay: outbox read failed", {{"topic", topic_}, {"error", entries.status().ToString()}});
    retry_after_ = options_.clock->Now() + options_.retry_backoff;
    return;
  }
  if (!lanes_started_) {
    // Starting from the store's very first event, every lane's predecessor is known; otherwise each lane's is
    // known from the first entry this relay produces to it.
    lanes_started_ = true;
    lanes_from_start_ = entries->empty() ? head == GlobalPosition(0) : entries->front().position.value() == 1;
  }
  more_pending_ = entries->size() >= options_.batch;
  // Entries are produced in order; stop at the first one the producer refuses and resume there.
  bool stopped_early = false;
  for (const eventstore::EventStore::OutboxEntry& e : *entries) {
    const uint64_t pos = e.position.value();
    if (in_flight_.contains(pos)) {
      next_from_ = std::max(next_from_, pos + 1);
      continue;
    }
    const std::string& value = e.bytes;
    const std::string key = AdministrationOfStream(e.stream);
    const int32_t partition = PartitionOf(key, options_.partitions);
    auto [prev_it, first_time] = lane_prev_.try_emplace(pos);
    if (first_time) {
      auto last = lane_last_.find(partition);
      if (last != lane_last_.end()) {
        prev_it->second = last->second;
      } else if (lanes_from_start_) {
        prev_it->second = 0;
      }
      lane_last_[partition] = pos;
    }
    std::unique_ptr<RdKafka::Headers> headers(RdKafka::Headers::create());
    if (prev_it->second.has_value()) headers->add(kLanePrevHeader, std::to_string(*prev_it->second));
    RdKafka::ErrorCode err = producer_->produce(
        topic_, partition, RdKafka::Producer::RK_MSG_COPY, const_cast<char*>(value.data()), value.size(),
        key.data(), key.size(), 0, headers.get(), reinterpret_cast<void*>(static_cast<uintptr_t>(pos)));
    if (err == RdKafka::ERR_NO_ERROR) headers.release();  // librdkafka owns them now
    if (err == RdKafka::ERR__QUEUE_FULL) {  // the local queue drains as reports are served
      more_pending_ = true;
      stopped_early = true;
      break;
    }
    if (err != RdKafka::ERR_NO_ERROR && IsPermanentDeliveryError(err)) {
      // Refused for good (too large for the producer): park it and go on with the next entries.
      failed_.fetch_add(1);
      refused_.emplace_back(pos, absl::StrCat("produce refused: ", RdKafka::err2str(err), " (", value.size(),
                                              " bytes)"));
      in_flight_.insert(pos);  // until parked
      next_from_ = std::max(next_from_, pos + 1);
      continue;
    }
    if (err != RdKafka::ERR_NO_ERROR) {
      failed_.fetch_add(1);
      log::Warn("relay: produce refused", {{"topic", topic_},
                                           {"position", std::to_string(pos)},
                                           {"error", RdKafka::err2str(err)}});
      retry_after_ = options_.clock->Now() + options_.retry_backoff;
      stopped_early = true;
      break;
    }
    in_flight_.insert(pos);
    published_.fetch_add(1);
    next_from_ = std::max(next_from_, pos + 1);
  }
  if (!stopped_early && !more_pending_) next_from_ = std::max(next_from_, head.value() + 1);
}

// Runs inside producer_->poll() / flush(), on the thread that called them.
void OutboxRelay::OnDelivery(RdKafka::Message& message) {
  const uint64_t pos = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(message.msg_opaque()));
  absl::MutexLock l(&mu_);
  if (message.err() == RdKafka::ERR_NO_ERROR) {
    delivered_count_.fetch_add(1);
    delivered_.push_back(pos);  // stays in flight until the store has marked it
    return;
  }
  failed_.fetch_add(1);
  if (IsPermanentDeliveryError(message.err())) {
    // The broker refuses this message for good (e.g. above the topic's max.message.bytes): park it.
    refused_.emplace_back(pos, absl::StrCat("delivery refused: ", RdKafka::err2str(message.err())));
    return;  // stays in flight until parked
  }
  in_flight_.erase(pos);
  next_from_ = std::min(next_from_, pos);  // produce it again
  retry_after_ = options_.clock->Now() + options_.retry_backoff;
  // Only the first failures are logged: while a broker is down every queued message fails alike.
  if (failed_.load() <= 3 || failed_.load() % 1000 == 0) {
    log::Warn("relay: delivery failed, will retry", {{"topic", topic_},
                                                     {"position", std::to_string(pos)},
                                                     {"error", RdKafka::err2str(message.err())},
                                                     {"failed_total", std::to_string(failed_.load())}});
  }
}

bool IsPermanentDeliveryError(int code) {
  switch (static_cast<RdKafka::ErrorCode>(code)) {
    case RdKafka::ERR_MSG_SIZE_TOO_LARGE:
    case RdKafka::ERR_INVALID_MSG:
    case RdKafka::ERR_INVALID_MSG_SIZE:
    case RdKafka::ERR_RECORD_LIST_TOO_LARGE:
    case RdKafka::ERR_INVALID_RECORD:
      return true;
    default:
      return false;
  }
}

void OutboxRelay::ParkRefused() {
  std::vector<std::pair<uint64_t, std::string>> refused;
  {
    absl::MutexLock l(&mu_);
    refused.swap(refused_);
  }
  for (const auto& [pos, reason] : refused) {
    absl::Status s = store_->ParkOutboxEntry(GlobalPosition(pos), reason);
    absl::MutexLock l(&mu_);
    in_flight_.erase(pos);
    if (s.ok()) lane_prev_.erase(pos);
    if (!s.ok()) {
      // Not parked: it stays in the outbox and is tried again later (and parked then).
      log::Warn("relay: cannot park a refused entry", {{"topic", topic_}, {"position", std::to_string(pos)},
                                                      {"error", s.ToString()}});
      next_from_ = std::min(next_from_, pos);
      retry_after_ = options_.clock->Now() + options_.retry_backoff;
      continue;
    }
    parked_.fetch_add(1);
    log::Error("relay: event refused by Kafka for good, parked; consumers read it from the store",
               {{"topic", topic_}, {"position", std::to_string(pos)}, {"reason", reason},
                {"parked_total", std::to_string(parked_.load())}});
  }
}

void OutboxRelay::MarkDeliveredBatch() {
  ParkRefused();
  std::vector<uint64_t> batch;
  {
    absl::MutexLock l(&mu_);
    batch.swap(delivered_);
  }
  if (batch.empty()) return;
  std::vector<GlobalPosition> positions;
  positions.reserve(batch.size());
  for (uint64_t p : batch) positions.emplace_back(p);
  absl::Status s = store_->MarkDelivered(positions);
  absl::MutexLock l(&mu_);
  for (uint64_t p : batch) {
    in_flight_.erase(p);
    if (s.ok()) lane_prev_.erase(p);
  }
  if (!s.ok()) {
    // Delivered but not recorded: produce again rather than lose track (consumers dedupe by position).
    log::Warn("relay: mark delivered failed", {{"topic", topic_}, {"error", s.ToString()}});
    next_from_ = std::min(next_from_, *std::min_element(batch.begin(), batch.end()));
    retry_after_ = options_.clock->Now() + options_.retry_backoff;
  }
}

void OutboxRelay::ReplaceProducerIfFatal() {
  if (producer_ != nullptr) {
    std::string reason;
    if (producer_->fatal_error(reason) == RdKafka::ERR_NO_ERROR) return;
    log::Error("relay: producer fatal error, replacing it", {{"topic", topic_}, {"error", reason}});
    // Purged messages report failures (served by flush), which puts them back to be produced again.
    producer_->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
    producer_->flush(1000);
    MarkDeliveredBatch();
    {
      absl::MutexLock l(&mu_);
      for (uint64_t p : in_flight_) next_from_ = std::min(next_from_, p);
      in_flight_.clear();  // the old producer will report nothing more
    }
    producer_.reset();
  }
  absl::Status s = NewProducer();
  if (!s.ok()) log::Error("relay: cannot recreate producer", {{"topic", topic_}, {"error", s.ToString()}});
}

}  // namespace piao::kafka
