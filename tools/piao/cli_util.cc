#include "tools/piao/cli_util.h"

#include "libs/base/timestamp.h"
#include "libs/plan/plan_json.h"
#include "libs/plan/plan_proto.h"

#include <random>

#include <mutex>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/base/json_strict.h"
#include "libs/base/status_macros.h"
#include "libs/plan/model.h"
#include "libs/plan/plan_json.h"
#include "libs/service/event_log_client.h"
#include "tools/piao/stack.h"

namespace piao::cli {

using json = nlohmann::json;

json ParsedOrNull(const std::string& text) {
  if (text.empty()) return nullptr;
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return text;
  return j;
}

json OrNull(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

json TimestampJson(const google::protobuf::Timestamp& t) {
  if (!IsSet(t)) return nullptr;
  const absl::Time at = FromTimestamp(t);
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", at, absl::UTCTimeZone());
}

std::string TimestampText(const google::protobuf::Timestamp& t) {
  json j = TimestampJson(t);
  return j.is_null() ? std::string("-") : j.get<std::string>();
}

std::string DescribeTargetJson(const std::string& text) {
  const json j = ParsedOrNull(text);
  if (j.is_null()) return "none";
  auto t = plan::ParseTargetJson(j, "target");
  return t.ok() ? plan::DescribeTarget(*t) : j.dump();
}

std::string DescribeThresholdJson(const std::string& text) {
  const json j = ParsedOrNull(text);
  if (j.is_null()) return "none";
  auto t = plan::ParseThresholdJson(j, "threshold");
  return t.ok() ? plan::DescribeThreshold(*t) : j.dump();
}

std::string DescribeValueJson(const std::string& text) {
  const json j = ParsedOrNull(text);
  if (j.is_null()) return "none";
  auto v = plan::ParseValueJson(j, "value");
  return v.ok() ? plan::DescribeValue(*v) : j.dump();
}

std::string DescribeChangeJson(const std::string& text) {
  const json j = ParsedOrNull(text);
  if (j.is_null()) return "—";
  if (j.is_number()) return absl::StrCat(j.get<double>(), " %");
  if (j.is_string()) return j.get<std::string>();
  if (j.is_object() && j.contains("code") && j.contains("target")) {
    return absl::StrCat(j["code"].get<std::string>(), j.contains("name") && j["name"].is_string()
                                                          ? " — " + j["name"].get<std::string>() : "",
                        " (", DescribeTargetJson(j["target"].dump()), ")");
  }
  if (j.is_object() && j.contains("op")) return DescribeTargetJson(text);
  if (j.is_object() && (j.contains("value") || j.contains("date"))) return DescribeThresholdJson(text);
  std::string raw;
  if (j.is_object()) {
    // A description update: its fields, readable.
    for (const auto& [k, v] : j.items()) {
      absl::StrAppend(&raw, raw.empty() ? "" : "; ", k, ": ", v.is_string() ? v.get<std::string>() : v.dump());
    }
  } else {
    raw = j.dump();
  }
  return TruncateUtf8(raw, 80);
}

std::string TruncateUtf8(const std::string& s, size_t max_chars) {
  auto starts_char = [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; };
  size_t total = 0;
  for (char c : s) total += starts_char(c) ? 1 : 0;
  if (total <= max_chars || max_chars == 0) return s;
  // Keep max_chars - 1 characters and the ellipsis.
  size_t kept = 0, i = 0;
  for (; i < s.size(); ++i) {
    if (starts_char(s[i]) && kept++ == max_chars - 1) break;
  }
  return s.substr(0, i) + "…";
}

absl::Status CheckYear(int year) {
  if (year < 2000 || year > 2999) {
    return absl::InvalidArgumentError(absl::StrCat("--year: a four-digit plan year is required, got ", year));
  }
  return absl::OkStatus();
}

absl::Status CheckAsOf(const std::string& as_of) {
  if (!as_of.empty() && !plan::ParseIsoDate(as_of).ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--as-of: must be a real date YYYY-MM-DD, got '", as_of, "'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<google::protobuf::Timestamp> ParseRfc3339Flag(const std::string& flag, const std::string& text) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &err)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": '", text, "' is not an RFC 3339 time (e.g. 2022-10-01T00:00:00Z): ", err));
  }
  return ToTimestamp(t);
}

absl::StatusOr<v1::Consistency> CurrentHeads(const std::string& data_dir) {
  v1::Consistency c;
  for (const std::string& source : StackServices()) {
    if (source == "projection") continue;  // no event store: the one being waited on
    PIAO_ASSIGN_OR_RETURN(ServiceConnection conn, Connect(data_dir, source));
    PIAO_ASSIGN_OR_RETURN(v1::GetHeadResponse head,
                          service::GetHead({conn.channel, conn.token, absl::Seconds(10)}));
    (*c.mutable_min_positions())[source] = head.global_position();
  }
  return c;
}

bool StdoutIsColorTerminal() {
  const char* no_color = std::getenv("NO_COLOR");
  return ::isatty(::fileno(stdout)) == 1 && (no_color == nullptr || *no_color == '\0');
}

bool ProgressWanted(bool json) { return !json && ::isatty(::fileno(stderr)) == 1; }

ProgressBar::ProgressBar(std::string label, size_t total, bool enabled)
    : label_(std::move(label)), total_(total), enabled_(enabled && total > 0) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Update(size_t done) {
  if (!enabled_ || finished_) return;
  done_ = std::min(done, total_);
  const int percent = static_cast<int>(done_ * 100 / total_);
  if (percent == last_percent_) return;
  Draw("");
}

void ProgressBar::Advance(size_t n, const std::string& what) {
  if (!enabled_ || finished_) return;
  done_ = std::min(done_ + n, total_);
  Draw(what);
}

void ProgressBar::Draw(const std::string& what) {
  const int percent = static_cast<int>(done_ * 100 / total_);
  last_percent_ = percent;
  constexpr int kWidth = 30;
  const int filled = percent * kWidth / 100;
  std::fprintf(stderr, "\r\033[K%s [%s%s] %3d%% %zu/%zu%s%s", label_.c_str(), std::string(filled, '#').c_str(),
               std::string(kWidth - filled, '.').c_str(), percent, done_, total_, what.empty() ? "" : " ",
               what.c_str());
  std::fflush(stderr);
}

void ProgressBar::Finish() {
  if (!enabled_ || finished_) return;
  finished_ = true;
  if (last_percent_ >= 0) std::fputs("\n", stderr);
}

std::string NewCommandKey(absl::string_view kind) {
  static std::mutex mu;
  static std::mt19937_64* rng = [] {
    std::random_device rd;
    std::seed_seq seed{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    return new std::mt19937_64(seed);
  }();
  std::lock_guard<std::mutex> l(mu);
  return absl::StrCat(kind, ":", absl::Hex((*rng)(), absl::kZeroPad16), absl::Hex((*rng)(), absl::kZeroPad16));
}

std::string BandName(v1::AchievementBand band) {
  switch (band) {
    case v1::ACHIEVEMENT_BAND_MET:
      return "met";
    case v1::ACHIEVEMENT_BAND_PARTLY:
      return "partly";
    case v1::ACHIEVEMENT_BAND_MISSED:
      return "missed";
    case v1::ACHIEVEMENT_BAND_NOT_MEASURED:
      return "not-measured";
    case v1::ACHIEVEMENT_BAND_NOT_SCORED:
      return "not-scored";
    default:
      return "";
  }
}

json TargetJson(const v1::Target& target) {
  absl::StatusOr<plan::Target> t = plan::FromProto(target, "target");
  return t.ok() ? plan::TargetToJson(*t) : json(nullptr);
}

json ThresholdJson(const v1::Threshold& threshold) {
  absl::StatusOr<plan::Threshold> t = plan::FromProto(threshold, "threshold");
  return t.ok() ? plan::ThresholdToJson(*t) : json(nullptr);
}

json ThresholdJson(const v1::IndicatorScore& indicator) {
  return indicator.has_threshold() ? ThresholdJson(indicator.threshold()) : json(nullptr);
}

json ChangedJson(const v1::ChangedValue& value) {
  absl::StatusOr<json> j = plan::ChangedValueToJson(value, "value");
  return j.ok() ? *j : json(nullptr);
}

absl::StatusOr<v1::ScoreBasis> ParseBasisFlag(const std::string& basis) {
  if (basis.empty() || basis == "revised") return v1::SCORE_BASIS_REVISED;
  if (basis == "approved") return v1::SCORE_BASIS_APPROVED;
  return absl::InvalidArgumentError(absl::StrCat("--basis: must be revised (default) or approved, got '", basis, "'"));
}

std::string BasisName(v1::ScoreBasis basis) { return basis == v1::SCORE_BASIS_APPROVED ? "approved" : "revised"; }

absl::StatusOr<v1::ObjectiveLevel> ParseLevelFlag(const std::string& level) {
  if (level.empty()) return v1::OBJECTIVE_LEVEL_UNSPECIFIED;
  return plan::ObjectiveLevelOf(level, "--level");
}

std::string ObjectiveLevelName(v1::ObjectiveLevel level) { return plan::LevelText(level); }

std::string FeedKindName(v1::FeedKind kind) {
  switch (kind) {
    case v1::FEED_KIND_ACCOUNTING: return "accounting";
    case v1::FEED_KIND_INFOCAMERE: return "infocamere";
    default: return "";
  }
}

std::string DescribeChange(const v1::ChangedValue& value) { return DescribeChangeJson(ChangedJson(value).dump()); }

namespace {
json MeasuredJson(const v1::MeasuredValue& value) {
  absl::StatusOr<plan::Value> v = plan::FromProto(value, "value");
  return v.ok() ? plan::ValueToJson(*v) : json(nullptr);
}
}  // namespace

json ActualJson(const v1::IndicatorScore& indicator) {
  return indicator.has_actual() ? MeasuredJson(indicator.actual()) : json(nullptr);
}

json ValueJson(const v1::ActualVersion& actual) {
  return actual.has_value() ? MeasuredJson(actual.value()) : json(nullptr);
}

absl::Status CheckKnownFields(const json& j, const google::protobuf::Descriptor* d, const std::string& path) {
  if (!j.is_object()) return absl::OkStatus();  // type errors: protobuf's JSON reader
  for (auto it = j.begin(); it != j.end(); ++it) {
    const google::protobuf::FieldDescriptor* f = d->FindFieldByName(it.key());
    if (f == nullptr) f = d->FindFieldByCamelcaseName(it.key());
    if (f == nullptr || (f->json_name() != it.key() && f->name() != it.key())) {
      std::vector<std::string> names;
      for (int i = 0; i < d->field_count(); ++i) names.push_back(d->field(i)->name());
      return absl::InvalidArgumentError(absl::StrCat(JsonChildPath(path, it.key()),
                                                     ": unknown key (expected one of ", absl::StrJoin(names, ", "), ")"));
    }
    if (f->type() != google::protobuf::FieldDescriptor::TYPE_MESSAGE || f->is_map() ||
        f->message_type()->file()->name().rfind("google/protobuf/", 0) == 0) {
      continue;  // scalars, maps and well-known types (Timestamp is a string) have no keys of ours
    }
    const std::string child = JsonChildPath(path, it.key());
    if (f->is_repeated() && it->is_array()) {
      for (size_t i = 0; i < it->size(); ++i) {
        PIAO_RETURN_IF_ERROR(CheckKnownFields((*it)[i], f->message_type(), absl::StrCat(child, "[", i, "]")));
      }
    } else {
      PIAO_RETURN_IF_ERROR(CheckKnownFields(*it, f->message_type(), child));
    }
  }
  return absl::OkStatus();
}

}  // namespace piao::cli
