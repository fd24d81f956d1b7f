#include "libs/kafka/kafka_conf.h"

#include <librdkafka/rdkafkacpp.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "libs/base/log.h"

namespace piao::kafka {

std::string EventsTopic(const ServiceName& service) { return absl::StrCat("piao.", service.value(), ".events.v1"); }

absl::StatusOr<ServiceName> SourceOfTopic(const std::string& topic) {
  constexpr absl::string_view kPrefix = "piao.", kSuffix = ".events.v1";
  if (!absl::StartsWith(topic, kPrefix) || !absl::EndsWith(topic, kSuffix) ||
      topic.size() <= kPrefix.size() + kSuffix.size()) {
    return absl::InvalidArgumentError(absl::StrCat("topic '", topic, "' is not piao.<service>.events.v1"));
  }
  return ServiceName(topic.substr(kPrefix.size(), topic.size() - kPrefix.size() - kSuffix.size()));
}

absl::StatusOr<KafkaProperties> ParseKafkaProperties(const std::string& text, const std::string& setting) {
  KafkaProperties out;
  for (absl::string_view entry : absl::StrSplit(text, ';', absl::SkipWhitespace())) {
    const size_t eq = entry.find('=');
    const std::string name(absl::StripAsciiWhitespace(entry.substr(0, eq)));
    if (eq == absl::string_view::npos || name.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(setting, ": '", absl::StripAsciiWhitespace(entry), "' is not name=value"));
    }
    if (!out.emplace(name, std::string(absl::StripAsciiWhitespace(entry.substr(eq + 1)))).second) {
      return absl::InvalidArgumentError(absl::StrCat(setting, ": ", name, " is given twice"));
    }
  }
  return out;
}

absl::StatusOr<std::unique_ptr<RdKafka::Conf>> MakeConf(const KafkaProperties& properties) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  for (const auto& [name, value] : properties) {
    std::string err;
    if (conf->set(name, value, err) != RdKafka::Conf::CONF_OK) {
      return absl::InvalidArgumentError(absl::StrCat("kafka property ", name, "=", value, ": ", err));
    }
  }
  return conf;
}

absl::StatusOr<KafkaProperties> WithRequired(KafkaProperties properties, const KafkaProperties& required) {
  for (const auto& [name, value] : required) {
    auto it = properties.find(name);
    if (it != properties.end() && it->second != value) {
      return absl::InvalidArgumentError(
          absl::StrCat("kafka property ", name, " must be ", value, ", got ", it->second));
    }
    properties[name] = value;
  }
  return properties;
}

namespace {

class LogEventCb : public RdKafka::EventCb {
 public:
  explicit LogEventCb(std::string client) : client_(std::move(client)) {}
  void event_cb(RdKafka::Event& event) override {
    switch (event.type()) {
      case RdKafka::Event::EVENT_ERROR:
        log::Warn("kafka error", {{"client", client_},
                                  {"error", RdKafka::err2str(event.err())},
                                  {"detail", event.str()},
                                  {"fatal", event.fatal() ? "true" : "false"}});
        break;
      case RdKafka::Event::EVENT_LOG:
        if (event.severity() <= RdKafka::Event::EVENT_SEVERITY_ERROR) {
          log::Warn("kafka log", {{"client", client_}, {"facility", event.fac()}, {"detail", event.str()}});
        }
        break;
      default:
        break;
    }
  }

 private:
  std::string client_;
};

}  // namespace

std::unique_ptr<RdKafka::EventCb> NewLogEventCb(std::string client) {
  return std::make_unique<LogEventCb>(std::move(client));
}

}  // namespace piao::kafka
