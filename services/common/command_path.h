// The one command path of every write service. A handler authorises, names the stream, and calls RunCommand,
// which checks the request's text rules (identifiers and free text, libs/service/request_rules.h), builds the
// command context (actor, correlation, idempotency key scoped to actor and stream, and the request's
// fingerprint), and runs eventstore::ExecuteCommand. So every write service refuses the same bad input with the
// same error, and a reused idempotency key is answered the same way everywhere.
#ifndef PIAO_SERVICES_COMMON_COMMAND_PATH_H_
#define PIAO_SERVICES_COMMON_COMMAND_PATH_H_

#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "google/protobuf/message.h"
#include "libs/base/status_macros.h"
#include "libs/eventstore/command.h"
#include "libs/service/request_rules.h"
#include "services/common/aggregate_util.h"

namespace piao::services {

// SHA-256 over the request's type name and its deterministic serialization without its `meta` field: the same
// request retried has the same fingerprint, whatever its idempotency key or correlation id.
std::string RequestFingerprint(const google::protobuf::Message& request);

// `fold` is either a function folding the whole stream (events → State) or an eventstore::StreamFold<State>
// folding incrementally from the service's per-stream state cache (libs/eventstore/command.h).
template <typename State, typename Request, typename Fold>
absl::StatusOr<eventstore::AppendResult> RunCommand(
    eventstore::EventStore& store, const v1::Principal& who, const Request& request, const StreamId& stream,
    const Fold& fold,
    const std::function<absl::StatusOr<std::vector<eventstore::NewEvent>>(const State&)>& decide,
    const std::function<std::string()>& reply = nullptr) {
  PIAO_RETURN_IF_ERROR(service::ValidateRequestText(request));
  eventstore::CommandContext ctx = ContextOf(who, request.meta());
  ctx.request_fingerprint = RequestFingerprint(request);
  if constexpr (std::is_same_v<Fold, eventstore::StreamFold<State>>) {
    return eventstore::ExecuteCommand<State>(store, stream, ctx, fold, decide, /*max_attempts=*/5, reply);
  } else {
    const std::function<absl::StatusOr<State>(const std::vector<v1::EventEnvelope>&)> whole = fold;
    return eventstore::ExecuteCommand<State>(store, stream, ctx, whole, decide, /*max_attempts=*/5, reply);
  }
}

// The acknowledgement of a write, the same in every service.
inline void FillAck(const StreamId& stream, const eventstore::AppendResult& r, v1::CommandAck* ack) {
  ack->set_stream(stream.Key());
  ack->set_stream_version(r.last_version.value());
  ack->set_global_position(r.last_position.value());
  ack->set_duplicate(r.duplicate);
  ack->set_unchanged(r.unchanged);
}

// RunCommand for a command whose answer is a message with an `ack` (the answers of AdoptObjectives,
// SubmitBatch, ComputeActuals...): `decide` returns the events and fills the answer; the answer (without its
// ack) is stored with the idempotency key, so a retried key is answered with the same message, its ack saying
// duplicate. The one place a stored answer is read back.
template <typename State, typename Request, typename Response, typename Fold>
absl::StatusOr<Response> RunAnsweredCommand(
    eventstore::EventStore& store, const v1::Principal& who, const Request& request, const StreamId& stream,
    const Fold& fold,
    const std::function<absl::StatusOr<std::vector<eventstore::NewEvent>>(const State&, Response*)>& decide) {
  Response answer;
  PIAO_ASSIGN_OR_RETURN(eventstore::AppendResult r,
                        RunCommand<State>(
                            store, who, request, stream, fold,
                            [&](const State& s) {
                              answer.Clear();  // an attempt that lost a race decides again from scratch
                              return decide(s, &answer);
                            },
                            [&] {
                              Response stored = answer;
                              stored.clear_ack();
                              return stored.SerializeAsString();
                            }));
  if (r.duplicate && !answer.ParseFromString(r.reply)) {
    return absl::DataLossError("the stored answer of the retried command is undecodable");
  }
  FillAck(stream, r, answer.mutable_ack());
  return answer;
}

}  // namespace piao::services

#endif  // PIAO_SERVICES_COMMON_COMMAND_PATH_H_
