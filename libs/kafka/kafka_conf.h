// librdkafka configuration from a plain property map, so callers choose brokers, security and tuning by
// configuration alone (the embedded mock broker and a real cluster differ only in `bootstrap.servers`).
#ifndef PIAO_LIBS_KAFKA_KAFKA_CONF_H_
#define PIAO_LIBS_KAFKA_KAFKA_CONF_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "libs/base/strong_types.h"

namespace RdKafka {
class Conf;
class EventCb;
}

namespace piao::kafka {

// librdkafka property name -> value, e.g. {"bootstrap.servers", "127.0.0.1:9092"}.
using KafkaProperties = std::map<std::string, std::string>;

// The topic a service's relay publishes to: "piao.<service>.events.v1".
std::string EventsTopic(const ServiceName& service);
// The service of an events topic ("piao.<service>.events.v1"); INVALID_ARGUMENT for any other name.
absl::StatusOr<ServiceName> SourceOfTopic(const std::string& topic);

// Extra properties from one setting (`--kafka-properties`, PIAO_KAFKA_PROPERTIES): "name=value" entries
// separated by ';' (a value may contain '=' but not ';'), e.g. the broker security
//   security.protocol=SSL;ssl.ca.location=/etc/piao/kafka-ca.pem;ssl.certificate.location=...;
//   ssl.key.location=...;ssl.endpoint.identification.algorithm=https
// INVALID_ARGUMENT naming `setting` and the entry for an entry without '=' or a name, or a name given twice.
// Whether librdkafka knows the name and value is checked by MakeConf.
absl::StatusOr<KafkaProperties> ParseKafkaProperties(const std::string& text, const std::string& setting);

// A global configuration with every property set. INVALID_ARGUMENT names a property librdkafka rejects.
absl::StatusOr<std::unique_ptr<RdKafka::Conf>> MakeConf(const KafkaProperties& properties);

// `properties` with `required` applied: INVALID_ARGUMENT if the caller set one of them to another value
// (e.g. acks=1 where the relay needs acks=all), so a misconfiguration fails loudly instead of silently.
absl::StatusOr<KafkaProperties> WithRequired(KafkaProperties properties, const KafkaProperties& required);

// An event callback that sends librdkafka's errors and error-level logs to piao::log (instead of raw
// stderr), tagged with `client`. Warnings that repeat while a broker is down are logged too: they are the
// operator's only hint that the backbone is degraded.
std::unique_ptr<RdKafka::EventCb> NewLogEventCb(std::string client);

}  // namespace piao::kafka

#endif  // PIAO_LIBS_KAFKA_KAFKA_CONF_H_
