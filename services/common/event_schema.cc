#include "services/common/event_schema.h"

#include "absl/strings/str_cat.h"
#include "piao/v1/feeds.pb.h"

namespace piao::services {

std::string FeedKindText(v1::FeedKind kind) {
  switch (kind) {
    case v1::FEED_KIND_ACCOUNTING:
      return "accounting";
    case v1::FEED_KIND_INFOCAMERE:
      return "infocamere";
    default:
      return "";
  }
}

absl::StatusOr<v1::FeedKind> FeedKindOf(const std::string& text) {
  if (text == "accounting") return v1::FEED_KIND_ACCOUNTING;
  if (text == "infocamere") return v1::FEED_KIND_INFOCAMERE;
  return absl::InvalidArgumentError(absl::StrCat("kind: must be accounting or infocamere, got '", text, "'"));
}

// The one reader of the deprecated v1 field.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
absl::StatusOr<std::string> UpcastVariableBatchV1(const std::string& payload) {
  v1::VariableBatchRecorded b;
  if (!b.ParseFromString(payload)) return absl::InvalidArgumentError("undecodable v1 VariableBatchRecorded");
  absl::StatusOr<v1::FeedKind> kind = FeedKindOf(b.kind());
  if (!kind.ok()) return kind.status();
  b.set_feed_kind(*kind);
  b.clear_kind();
  std::string out;
  if (!b.SerializeToString(&out)) return absl::InternalError("cannot serialise VariableBatchRecorded v2");
  return out;
}
#pragma GCC diagnostic pop

const eventstore::Upcasters& EventSchemas() {
  static const eventstore::Upcasters* schemas = [] {
    auto* u = new eventstore::Upcasters();
    u->Add(v1::VariableBatchRecorded::descriptor()->full_name(), 1, UpcastVariableBatchV1);
    return u;
  }();
  return *schemas;
}

absl::StatusOr<v1::EventEnvelope> ToCurrentSchema(const v1::EventEnvelope& e) { return EventSchemas().ToCurrent(e); }

}  // namespace piao::services
