// The text rules of every request, checked at the door of every write service and query: each string field annotated
// `[(piao.v1.identifier) = true]` in proto/ must be an identifier, every other string field valid UTF-8
// (libs/base/identifier.h), recursively through nested, repeated and map fields. The error names the field
// by its path in the request ("body.objectives[3].indicators[0].code: must not contain control characters").
#ifndef PIAO_LIBS_SERVICE_REQUEST_RULES_H_
#define PIAO_LIBS_SERVICE_REQUEST_RULES_H_

#include "absl/status/status.h"

namespace google::protobuf {
class Message;
}

namespace piao::service {

absl::Status ValidateRequestText(const google::protobuf::Message& request);

}  // namespace piao::service

#endif  // PIAO_LIBS_SERVICE_REQUEST_RULES_H_
