#include "libs/service/request_rules.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "libs/base/identifier.h"
#include "libs/base/status_macros.h"
#include "piao/v1/options.pb.h"

namespace piao::service {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

absl::Status CheckString(const FieldDescriptor& f, const std::string& path, const std::string& value) {
  if (f.options().GetExtension(v1::identifier)) return ValidateIdentifier(path, value);
  return ValidateText(path, value);
}

absl::Status Walk(const Message& m, const std::string& prefix) {
  const google::protobuf::Reflection* r = m.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    const std::string path = prefix.empty() ? f->name() : absl::StrCat(prefix, ".", f->name());
    if (f->is_repeated()) {
      const int n = r->FieldSize(m, f);
      for (int i = 0; i < n; ++i) {
        const std::string item = absl::StrCat(path, "[", i, "]");
        if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING && f->type() == FieldDescriptor::TYPE_STRING) {
          PIAO_RETURN_IF_ERROR(CheckString(*f, item, r->GetRepeatedString(m, f, i)));
        } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          PIAO_RETURN_IF_ERROR(Walk(r->GetRepeatedMessage(m, f, i), item));
        }
      }
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_STRING && f->type() == FieldDescriptor::TYPE_STRING) {
      PIAO_RETURN_IF_ERROR(CheckString(*f, path, r->GetString(m, f)));
    } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      PIAO_RETURN_IF_ERROR(Walk(r->GetMessage(m, f), path));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateRequestText(const Message& request) { return Walk(request, ""); }

}  // namespace piao::service
