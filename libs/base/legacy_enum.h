// Wave one's string-typed kinds, levels and statuses beside the enums that replaced them (issue 12, "a typed
// contract"). A message carries both as sibling fields: the deprecated text (e.g. `level`) and the enum (e.g.
// `level_kind`). An enum value's text is its name without the enum's prefix, in lower case
// ("OBJECTIVE_LEVEL_STRATEGIC" -> "strategic", "MONITORING_OUTCOME_NOT_IMPLEMENTED" -> "not_implemented"): the
// text wave one wrote, and still the one files and the CLI use. Each domain names its pairs (libs/plan/
// objective_level.h, libs/risk/kinds.h, libs/hr/kinds.h) and resolves them here, by reflection, so that
//   requests   the enum is the contract; the text alone is accepted; both set and disagreeing, a text that names
//              no value or an enum number out of range are INVALID_ARGUMENT naming the field
//   events     carry only the enum (NormaliseLegacyEnums; the upcasters of services/common/event_schema.h give
//              every stored event written with the text that shape)
//   answers    carry the enum and, for wave-one clients, the text too (FillLegacyEnumTexts)
#ifndef PIAO_LIBS_BASE_LEGACY_ENUM_H_
#define PIAO_LIBS_BASE_LEGACY_ENUM_H_

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/generated_enum_reflection.h"
#include "google/protobuf/message.h"

namespace piao {

// One deprecated text field and the enum field that replaced it, in whichever message declares both.
struct LegacyEnumField {
  const char* text_field;                        // "level"
  const char* enum_field;                        // "level_kind"
  const google::protobuf::EnumDescriptor* type;  // ObjectiveLevel
};

// The value's text ("strategic"); "" for the zero value or a number that is not a value of `type`.
std::string EnumText(const google::protobuf::EnumDescriptor* type, int number);
// The value a text names. INVALID_ARGUMENT "<path>: must be a, b or c, got 'x'" otherwise (the zero value is
// never named by a text).
absl::StatusOr<int> EnumOfText(const google::protobuf::EnumDescriptor* type, absl::string_view text,
                               const std::string& path);

template <typename E>
std::string EnumText(E value) {
  return EnumText(google::protobuf::GetEnumDescriptor<E>(), static_cast<int>(value));
}
template <typename E>
absl::StatusOr<E> EnumOfText(absl::string_view text, const std::string& path) {
  absl::StatusOr<int> n = EnumOfText(google::protobuf::GetEnumDescriptor<E>(), text, path);
  if (!n.ok()) return n.status();
  return static_cast<E>(*n);
}

// One pair's resolution: `number` (the enum field, named `enum_path` in errors), else `text` (`text_path`).
// The zero value when neither is set: the caller says whether a value is required.
absl::StatusOr<int> RequestedEnum(const google::protobuf::EnumDescriptor* type, int number, absl::string_view text,
                                  const std::string& enum_path, const std::string& text_path);

// RequestedEnum where a value is required: neither set is INVALID_ARGUMENT "<enum_path>: must be A or B" (the
// values' names).
absl::StatusOr<int> RequiredEnum(const google::protobuf::EnumDescriptor* type, int number, absl::string_view text,
                                 const std::string& enum_path, const std::string& text_path);
template <typename E>
absl::StatusOr<E> RequiredEnum(E number, absl::string_view text, const std::string& enum_path,
                               const std::string& text_path) {
  absl::StatusOr<int> n = RequiredEnum(google::protobuf::GetEnumDescriptor<E>(), static_cast<int>(number), text,
                                       enum_path, text_path);
  if (!n.ok()) return n.status();
  return static_cast<E>(*n);
}

// Every message inside `message` (itself included) that declares one of `fields`' pairs gets the pair's
// RequestedEnum in its enum field and its text cleared. Errors name the field's path inside `message`
// ("objectives[2].level: ..."). Does not look inside google.protobuf.Any or map values.
absl::Status NormaliseLegacyEnums(google::protobuf::Message* message, std::span<const LegacyEnumField> fields);
// For answers: every such pair's text filled from its enum (left as it is where the enum is the zero value).
void FillLegacyEnumTexts(google::protobuf::Message* message, std::span<const LegacyEnumField> fields);
// An upcaster step: `payload`, a serialized message of `prototype`'s type, normalised. INVALID_ARGUMENT for a
// payload that does not decode or a text that names no value.
absl::StatusOr<std::string> UpcastLegacyEnums(const google::protobuf::Message& prototype, const std::string& payload,
                                              std::span<const LegacyEnumField> fields);

// One domain's pairs (libs/plan/objective_level.h, libs/risk/kinds.h, libs/hr/kinds.h) and their three uses.
class LegacyEnums {
 public:
  explicit LegacyEnums(std::vector<LegacyEnumField> fields) : fields_(std::move(fields)) {}
  // NormaliseLegacyEnums: requests and commands, before they are decided (events carry only the enums).
  absl::Status Normalise(google::protobuf::Message* message) const { return NormaliseLegacyEnums(message, fields_); }
  // FillLegacyEnumTexts: answers.
  void FillTexts(google::protobuf::Message* message) const { FillLegacyEnumTexts(message, fields_); }
  // UpcastLegacyEnums: the upcaster step of an event type whose payload carried the texts.
  absl::StatusOr<std::string> Upcast(const google::protobuf::Message& prototype, const std::string& payload) const {
    return UpcastLegacyEnums(prototype, payload, fields_);
  }

 private:
  std::vector<LegacyEnumField> fields_;
};

}  // namespace piao

#endif  // PIAO_LIBS_BASE_LEGACY_ENUM_H_
