#include "libs/base/legacy_enum.h"

#include <functional>
#include <memory>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "libs/base/status_macros.h"

namespace piao {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// The enum's prefix: its zero value's name without "UNSPECIFIED" ("OBJECTIVE_LEVEL_").
std::string Prefix(const EnumDescriptor* type) {
  const EnumValueDescriptor* zero = type->FindValueByNumber(0);
  if (zero == nullptr) return "";
  std::string name = zero->name();
  if (absl::EndsWith(name, "UNSPECIFIED")) name.resize(name.size() - std::string("UNSPECIFIED").size());
  return name;
}

std::string TextOf(const EnumDescriptor* type, const EnumValueDescriptor* v) {
  std::string name = v->name();
  const std::string prefix = Prefix(type);
  if (absl::StartsWith(name, prefix)) name = name.substr(prefix.size());
  return absl::AsciiStrToLower(name);
}

std::string Join(const std::string& prefix, absl::string_view field) {
  return prefix.empty() ? std::string(field) : absl::StrCat(prefix, ".", field);
}

// The pair `p` as declared by `d`: both fields present with the right types, else {nullptr, nullptr}.
std::pair<const FieldDescriptor*, const FieldDescriptor*> PairIn(const Descriptor* d, const LegacyEnumField& p) {
  const FieldDescriptor* text = d->FindFieldByName(p.text_field);
  const FieldDescriptor* number = d->FindFieldByName(p.enum_field);
  if (text == nullptr || number == nullptr || text->is_repeated() || number->is_repeated() ||
      text->type() != FieldDescriptor::TYPE_STRING || number->type() != FieldDescriptor::TYPE_ENUM ||
      number->enum_type() != p.type) {
    return {nullptr, nullptr};
  }
  return {text, number};
}

bool Opaque(const FieldDescriptor* f) {
  return f->is_map() || f->message_type()->full_name() == "google.protobuf.Any";
}

// Calls `visit(message, path)` on `m` and every message under it (set fields only).
absl::Status Walk(Message* m, const std::string& path,
                  const std::function<absl::Status(Message*, const std::string&)>& visit) {
  PIAO_RETURN_IF_ERROR(visit(m, path));
  const Reflection* r = m->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(*m, &fields);
  for (const FieldDescriptor* f : fields) {
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || Opaque(f)) continue;
    const std::string at = Join(path, f->name());
    if (f->is_repeated()) {
      const int n = r->FieldSize(*m, f);
      for (int i = 0; i < n; ++i) {
        PIAO_RETURN_IF_ERROR(Walk(r->MutableRepeatedMessage(m, f, i), absl::StrCat(at, "[", i, "]"), visit));
      }
    } else {
      PIAO_RETURN_IF_ERROR(Walk(r->MutableMessage(m, f), at, visit));
    }
  }
  return absl::OkStatus();
}

// "a, b or c".
std::string Choices(const std::vector<std::string>& names) {
  std::string choices = absl::StrJoin(names, ", ");
  if (names.size() > 1) choices.replace(choices.rfind(", "), 2, " or ");
  return choices;
}

}  // namespace

std::string EnumText(const EnumDescriptor* type, int number) {
  if (number == 0) return "";
  const EnumValueDescriptor* v = type->FindValueByNumber(number);
  return v == nullptr ? "" : TextOf(type, v);
}

absl::StatusOr<int> EnumOfText(const EnumDescriptor* type, absl::string_view text, const std::string& path) {
  std::vector<std::string> names;
  for (int i = 0; i < type->value_count(); ++i) {
    const EnumValueDescriptor* v = type->value(i);
    if (v->number() == 0) continue;
    const std::string t = TextOf(type, v);
    if (t == text) return v->number();
    names.push_back(t);
  }
  return absl::InvalidArgumentError(absl::StrCat(path, ": must be ", Choices(names), ", got '", text, "'"));
}

absl::StatusOr<int> RequestedEnum(const EnumDescriptor* type, int number, absl::string_view text,
                                  const std::string& enum_path, const std::string& text_path) {
  if (number == 0) {
    if (text.empty()) return 0;
    return EnumOfText(type, text, text_path);
  }
  const EnumValueDescriptor* v = type->FindValueByNumber(number);
  if (v == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(enum_path, ": ", number, " is not a ", type->name()));
  }
  if (!text.empty() && text != TextOf(type, v)) {
    return absl::InvalidArgumentError(absl::StrCat(text_path, ": '", text, "' contradicts ",
                                                   enum_path.substr(enum_path.rfind('.') + 1), " ", v->name()));
  }
  return number;
}

absl::StatusOr<int> RequiredEnum(const EnumDescriptor* type, int number, absl::string_view text,
                                 const std::string& enum_path, const std::string& text_path) {
  PIAO_ASSIGN_OR_RETURN(int value, RequestedEnum(type, number, text, enum_path, text_path));
  if (value != 0) return value;
  std::vector<std::string> names;
  for (int i = 0; i < type->value_count(); ++i) {
    if (type->value(i)->number() != 0) names.push_back(type->value(i)->name());
  }
  return absl::InvalidArgumentError(absl::StrCat(enum_path, ": must be ", Choices(names)));
}

absl::Status NormaliseLegacyEnums(Message* message, std::span<const LegacyEnumField> fields) {
  return Walk(message, "", [&](Message* m, const std::string& path) -> absl::Status {
    const Reflection* r = m->GetReflection();
    for (const LegacyEnumField& p : fields) {
      auto [text, number] = PairIn(m->GetDescriptor(), p);
      if (text == nullptr) continue;
      PIAO_ASSIGN_OR_RETURN(int value, RequestedEnum(p.type, r->GetEnumValue(*m, number), r->GetString(*m, text),
                                                     Join(path, p.enum_field), Join(path, p.text_field)));
      r->SetEnumValue(m, number, value);
      r->ClearField(m, text);
    }
    return absl::OkStatus();
  });
}

void FillLegacyEnumTexts(Message* message, std::span<const LegacyEnumField> fields) {
  (void)Walk(message, "", [&](Message* m, const std::string&) -> absl::Status {
    const Reflection* r = m->GetReflection();
    for (const LegacyEnumField& p : fields) {
      auto [text, number] = PairIn(m->GetDescriptor(), p);
      if (text == nullptr) continue;
      const int value = r->GetEnumValue(*m, number);
      if (value != 0) r->SetString(m, text, EnumText(p.type, value));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::string> UpcastLegacyEnums(const Message& prototype, const std::string& payload,
                                              std::span<const LegacyEnumField> fields) {
  std::unique_ptr<Message> m(prototype.New());
  if (!m->ParseFromString(payload)) {
    return absl::InvalidArgumentError(absl::StrCat("undecodable ", prototype.GetDescriptor()->full_name()));
  }
  PIAO_RETURN_IF_ERROR(NormaliseLegacyEnums(m.get(), fields));
  std::string out;
  if (!m->SerializeToString(&out)) {
    return absl::InternalError(absl::StrCat("cannot serialise ", prototype.GetDescriptor()->full_name()));
  }
  return out;
}

}  // namespace piao
