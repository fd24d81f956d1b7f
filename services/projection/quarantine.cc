#include "services/projection/quarantine.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "libs/base/key_codec.h"
#include "libs/base/strong_types.h"
#include "libs/base/status_macros.h"

namespace piao::projection {
namespace {

std::string Hex16(uint64_t v) { return absl::StrFormat("%016x", v); }
std::string StreamKey(const v1::StreamRef& s) { return StreamId{s.aggregate_type(), s.aggregate_id()}.Key(); }
std::string EventKey(const std::string& source, uint64_t pos) {
  return absl::StrCat("q/e/", EncodeKeyParts({source}), Hex16(pos));
}
std::string StreamHoldKey(const std::string& source, const v1::StreamRef& s) {
  return absl::StrCat("q/s/", EncodeKeyParts({source, StreamKey(s)}));
}
std::string AdministrationPrefix(const std::string& admin, absl::string_view source) {
  return absl::StrCat("q/a/", EncodeKeyParts({admin, source}));
}

}  // namespace

bool IsTransientViewError(const absl::Status& s) {
  switch (s.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kCancelled:
      return true;
    default:
      return false;
  }
}

absl::StatusOr<std::optional<GlobalPosition>> HeldStream(const ViewReader& view, const v1::EventEnvelope& e) {
  PIAO_ASSIGN_OR_RETURN(std::optional<std::string> v, view.Get(StreamHoldKey(e.source_service(), e.stream())));
  if (!v.has_value()) return std::optional<GlobalPosition>();
  uint64_t pos = 0;
  if (!absl::SimpleHexAtoi(*v, &pos)) return absl::DataLossError("undecodable stream hold record");
  return std::optional<GlobalPosition>(GlobalPosition(pos));
}

ViewUpdate QuarantineUpdate(const v1::EventEnvelope& e, GlobalPosition first_position, std::string reason) {
  v1::QuarantinedEvent q;
  q.set_source(e.source_service());
  q.set_global_position(e.global_position());
  q.set_event_type(e.event_type());
  q.set_stream(StreamKey(e.stream()));
  q.set_administration(AdministrationOfStream(e.stream()));
  q.set_reason(std::move(reason));
  q.set_first_position(first_position.value());
  ViewUpdate u;
  u.puts.emplace_back(EventKey(e.source_service(), e.global_position()), SerializeDeterministic(q));
  u.puts.emplace_back(StreamHoldKey(e.source_service(), e.stream()), Hex16(first_position.value()));
  u.puts.emplace_back(AdministrationPrefix(q.administration(), e.source_service()) + Hex16(e.global_position()), "");
  return u;
}

absl::Status CheckServed(const ViewReader& view, const std::string& administration,
                         std::initializer_list<absl::string_view> sources) {
  for (absl::string_view source : sources) {
    const std::string prefix = AdministrationPrefix(administration, source);
    std::optional<uint64_t> first;
    PIAO_RETURN_IF_ERROR(view.Scan(prefix, [&](const std::string& k, const std::string&) {
      uint64_t pos = 0;
      if (!first.has_value() && absl::SimpleHexAtoi(absl::string_view(k).substr(prefix.size()), &pos)) first = pos;
    }));
    if (!first.has_value()) continue;
    PIAO_ASSIGN_OR_RETURN(std::optional<std::string> raw, view.Get(EventKey(std::string(source), *first)));
    v1::QuarantinedEvent q;
    if (!raw.has_value() || !q.ParseFromString(*raw)) {
      return absl::DataLossError(absl::StrCat("quarantine record of ", source, " position ", *first, " is missing"));
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "administration '", administration, "': the projection could not apply ", q.source(), " position ",
        q.global_position(), " (", q.event_type(), " on stream ", q.stream(), "): ", q.reason(),
        "; its views are withheld until that event is fixed (other administrations are served; see piao stack status)"));
  }
  return absl::OkStatus();
}

absl::Status DescribeQuarantine(const ViewReader& view, v1::Progress* progress, size_t max) {
  uint64_t total = 0;
  absl::Status bad;
  PIAO_RETURN_IF_ERROR(view.Scan("q/e/", [&](const std::string& k, const std::string& v) {
    ++total;
    if (static_cast<size_t>(progress->quarantined_size()) >= max) return;
    if (!progress->add_quarantined()->ParseFromString(v) && bad.ok()) {
      bad = absl::DataLossError("undecodable quarantine record " + k);
    }
  }));
  PIAO_RETURN_IF_ERROR(bad);
  progress->set_quarantined_total(total);
  progress->set_state(total == 0 ? v1::Progress::SERVING : v1::Progress::DEGRADED);
  return absl::OkStatus();
}

}  // namespace piao::projection
