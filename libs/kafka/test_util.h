// Shared helpers for the Kafka tests: temp dirs, stores, a view DB and raw Kafka reads/writes.
#ifndef PIAO_LIBS_KAFKA_TEST_UTIL_H_
#define PIAO_LIBS_KAFKA_TEST_UTIL_H_

#include <librdkafka/rdkafkacpp.h>
#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <map>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "libs/eventstore/event_store.h"
#include "libs/kafka/event_applier.h"
#include "libs/kafka/kafka_conf.h"
#include "libs/kafka/partitioning.h"
#include "piao/v1/event.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace piao::kafka::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "piao-kafka-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string Sub(const std::string& name) const { return (std::filesystem::path(path_) / name).string(); }

 private:
  std::string path_;
};

inline std::unique_ptr<eventstore::EventStore> OpenStore(const std::string& path, const ServiceName& service) {
  eventstore::Options o;
  o.source_service = service;
  o.sync = false;
  auto store = eventstore::EventStore::Open(path, o);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? std::move(*store) : nullptr;
}

// Appends `n` events, one call each, to `stream`.
inline void Append(eventstore::EventStore* store, const StreamId& stream, int n) {
  eventstore::CommandContext ctx;
  ctx.actor.set_id("user:test");
  for (int i = 0; i < n; ++i) {
    eventstore::NewEvent e;
    e.event_type = "piao.v1.TestHappened";
    e.payload = absl::StrCat(stream.Key(), "#", i);
    auto r = store->Append(stream, eventstore::ExpectedVersion::Any(), {e}, ctx);
    ASSERT_TRUE(r.ok()) << r.status();
  }
}

inline std::unique_ptr<rocksdb::DB> OpenDb(const std::string& path) {
  rocksdb::Options o;
  o.create_if_missing = true;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(o, path, &db);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return std::unique_ptr<rocksdb::DB>(db);
}

inline std::string Get(rocksdb::DB* db, const std::string& key) {
  std::string v;
  return db->Get(rocksdb::ReadOptions(), key, &v).ok() ? v : "";
}

// Polls `cond` (calling `step` between checks) until it holds or `timeout` passes.
inline bool WaitFor(const std::function<bool()>& cond, absl::Duration timeout,
                    const std::function<void()>& step = [] { absl::SleepFor(absl::Milliseconds(20)); }) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!cond()) {
    if (absl::Now() >= deadline) return false;
    step();
  }
  return true;
}

// Properties every test client uses: quick reconnects after a broker comes back.
inline KafkaProperties BaseProps(const std::string& bootstrap) {
  return {{"bootstrap.servers", bootstrap}, {"reconnect.backoff.max.ms", "200"}};
}

// A consumer in `group`, within the mock broker's group timeout limits.
inline KafkaProperties ConsumerProps(const std::string& bootstrap, const std::string& group) {
  KafkaProperties p = BaseProps(bootstrap);
  p["group.id"] = group;
  p["session.timeout.ms"] = "6000";
  p["heartbeat.interval.ms"] = "1000";
  return p;
}

struct Received {
  int32_t partition = 0;
  KafkaOffset offset;
  std::string key;
  std::optional<uint64_t> lane_prev;  // the kLanePrevHeader, when the message has one
  v1::EventEnvelope envelope;
};

// Everything in `topic` (partitions 0..partitions-1) from the beginning: reads until every partition is at
// its end after at least `at_least` messages arrived, or `timeout` passes.
inline std::vector<Received> ReadTopic(const std::string& bootstrap, const std::string& topic, int partitions,
                                       size_t at_least, absl::Duration timeout) {
  KafkaProperties props = ConsumerProps(bootstrap, "reader-" + topic);
  props["enable.auto.commit"] = "false";
  props["enable.partition.eof"] = "true";
  auto conf = MakeConf(props);
  EXPECT_TRUE(conf.ok()) << conf.status();
  std::string err;
  std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(conf->get(), err));
  EXPECT_NE(c, nullptr) << err;
  std::vector<RdKafka::TopicPartition*> tps;
  for (int p = 0; p < partitions; ++p) {
    tps.push_back(RdKafka::TopicPartition::create(topic, p, RdKafka::Topic::OFFSET_BEGINNING));
  }
  EXPECT_EQ(c->assign(tps), RdKafka::ERR_NO_ERROR);
  RdKafka::TopicPartition::destroy(tps);
  std::vector<Received> out;
  std::map<int32_t, bool> at_eof;
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    std::unique_ptr<RdKafka::Message> m(c->consume(100));
    if (m->err() == RdKafka::ERR__PARTITION_EOF) {
      at_eof[m->partition()] = true;
      if (out.size() >= at_least && static_cast<int>(at_eof.size()) == partitions) {
        bool all = true;
        for (auto& [p, eof] : at_eof) all = all && eof;
        if (all) break;
      }
      continue;
    }
    if (m->err() != RdKafka::ERR_NO_ERROR) continue;
    at_eof[m->partition()] = false;
    Received r;
    r.partition = m->partition();
    r.offset = KafkaOffset(static_cast<uint64_t>(m->offset()));  // a delivered message's offset is >= 0
    if (m->key() != nullptr) r.key = *m->key();
    if (const RdKafka::Headers* h = m->headers(); h != nullptr) {
      const RdKafka::Headers::Header prev = h->get_last(kLanePrevHeader);
      uint64_t v = 0;
      if (prev.err() == RdKafka::ERR_NO_ERROR && prev.value() != nullptr &&
          absl::SimpleAtoi(absl::string_view(static_cast<const char*>(prev.value()), prev.value_size()), &v)) {
        r.lane_prev = v;
      }
    }
    EXPECT_TRUE(r.envelope.ParseFromArray(m->payload(), static_cast<int>(m->len())));
    out.push_back(std::move(r));
  }
  c->close();
  return out;
}

// Counts failed delivery reports.
class CountFailures : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& m) override { failures += m.err() != RdKafka::ERR_NO_ERROR; }
  int failures = 0;
};

// Produces raw messages (explicit partition) and waits for their successful delivery.
inline void Produce(const std::string& bootstrap, const std::string& topic,
                    const std::vector<std::pair<int32_t, std::string>>& partition_and_value) {
  auto conf = MakeConf(BaseProps(bootstrap));
  ASSERT_TRUE(conf.ok()) << conf.status();
  CountFailures reports;
  std::string err;
  ASSERT_EQ((*conf)->set("dr_cb", &reports, err), RdKafka::Conf::CONF_OK) << err;
  std::unique_ptr<RdKafka::Producer> p(RdKafka::Producer::create(conf->get(), err));
  ASSERT_NE(p, nullptr) << err;
  for (const auto& [partition, value] : partition_and_value) {
    ASSERT_EQ(p->produce(topic, partition, RdKafka::Producer::RK_MSG_COPY, const_cast<char*>(value.data()),
                         value.size(), nullptr, 0, 0, nullptr),
              RdKafka::ERR_NO_ERROR);
  }
  ASSERT_EQ(p->flush(10000), RdKafka::ERR_NO_ERROR);
  ASSERT_EQ(reports.failures, 0);
}

// A SourceReader that counts the reads it passes on.
class CountingReader : public SourceReader {
 public:
  explicit CountingReader(std::shared_ptr<SourceReader> inner) : inner_(std::move(inner)) {}
  absl::StatusOr<Page> ReadPartitions(const ServiceName& source, const PartitionShare& partitions, GlobalPosition from,
                                      GlobalPosition to) override {
    ++partition_reads;
    return inner_->ReadPartitions(source, partitions, from, to);
  }
  absl::StatusOr<std::vector<v1::EventEnvelope>> ReadStream(const ServiceName& source, const v1::StreamRef& stream,
                                                            StreamVersion from) override {
    ++stream_reads;
    return inner_->ReadStream(source, stream, from);
  }
  std::atomic<int> partition_reads{0};
  std::atomic<int> stream_reads{0};

 private:
  std::shared_ptr<SourceReader> inner_;
};

// A SourceReader over events held in memory, per source (in position order): what a test's "stores" serve.
// `page` bounds each answer like a real store's page; `on_read` is called (outside any applier lock) before
// each read with the source and the first position or version asked.
class LogReader : public SourceReader {
 public:
  using Logs = std::function<const std::vector<v1::EventEnvelope>*(const std::string& source)>;
  explicit LogReader(Logs logs, size_t page = 1000) : logs_(std::move(logs)), page_(page) {}

  absl::StatusOr<Page> ReadPartitions(const ServiceName& source, const PartitionShare& partitions,
                                      GlobalPosition from, GlobalPosition to) override {
    ++partition_reads;
    if (on_read) on_read(source.value(), from.value());
    const std::vector<v1::EventEnvelope>* log = logs_(source.value());
    if (log == nullptr) return absl::NotFoundError("no log for " + source.value());
    Page out;
    out.scanned_to = GlobalPosition(from.value() == 0 ? 0 : from.value() - 1);
    for (const v1::EventEnvelope& e : *log) {
      if (e.global_position() < from.value()) continue;
      if (to.value() != 0 && e.global_position() > to.value()) break;
      if (out.events.size() >= page_) break;
      out.scanned_to = GlobalPosition(e.global_position());
      if (partitions.OwnsAdministration(AdministrationOfStream(e.stream()))) out.events.push_back(e);
    }
    return out;
  }

  absl::StatusOr<std::vector<v1::EventEnvelope>> ReadStream(const ServiceName& source, const v1::StreamRef& stream,
                                                            StreamVersion from) override {
    ++stream_reads;
    if (on_read) on_read(source.value(), from.value());
    const std::vector<v1::EventEnvelope>* log = logs_(source.value());
    if (log == nullptr) return absl::NotFoundError("no log for " + source.value());
    std::vector<v1::EventEnvelope> out;
    for (const v1::EventEnvelope& e : *log) {
      if (e.stream().aggregate_type() == stream.aggregate_type() && e.stream().aggregate_id() == stream.aggregate_id() &&
          e.stream_version() >= from.value() && out.size() < page_) {
        out.push_back(e);
      }
    }
    return out;
  }

  std::function<void(const std::string& source, uint64_t from)> on_read;
  int partition_reads = 0;
  int stream_reads = 0;

 private:
  Logs logs_;
  size_t page_;
};

}  // namespace piao::kafka::testing

#endif  // PIAO_LIBS_KAFKA_TEST_UTIL_H_
