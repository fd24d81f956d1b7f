// The one conversion between google.protobuf.Timestamp and absl::Time in the project.
#ifndef PIAO_LIBS_BASE_TIMESTAMP_H_
#define PIAO_LIBS_BASE_TIMESTAMP_H_

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace piao {

// Seconds and nanoseconds added apart, so any representable Timestamp converts (no nanosecond overflow).
absl::Time FromTimestamp(const google::protobuf::Timestamp& t);

// Seconds (floored) and the remainder apart: a count of nanoseconds since 1970 only spans 1678-2262, and a
// valid time outside it (an act dated 1009, found by grpc_request_fuzz) overflowed it. A time beyond
// Timestamp's range keeps its seconds with 0 nanoseconds.
google::protobuf::Timestamp ToTimestamp(absl::Time t);

// False for the default (unset) Timestamp, 1970-01-01T00:00:00Z.
inline bool IsSet(const google::protobuf::Timestamp& t) { return t.seconds() != 0 || t.nanos() != 0; }

}  // namespace piao

#endif  // PIAO_LIBS_BASE_TIMESTAMP_H_
