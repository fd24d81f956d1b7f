// Runs one command against one stream: answer a retried idempotency key with its original result, else
// fold the stream's events into state, let the pure `decide` produce events, and append them expecting
// the version that was folded. A concurrent writer (ABORTED) makes it re-read and decide again.
//
// `reply`, when given, is called after a successful decision; what it returns is stored with the idempotency
// key, so a retry gets exactly the answer of the original (AppendResult::reply). A decision with no events is
// `unchanged`: the state already is what the command asks, nothing is written, and nothing is remembered, so a
// later command (even with the same content) is decided against the state of that time.
#ifndef PIAO_LIBS_EVENTSTORE_COMMAND_H_
#define PIAO_LIBS_EVENTSTORE_COMMAND_H_

#include <functional>
#include <string>
#include <vector>

#include "libs/base/status_macros.h"
#include "libs/eventstore/event_store.h"

namespace piao::eventstore {

template <typename State>
absl::StatusOr<AppendResult> ExecuteCommand(
    EventStore& store, const StreamId& stream, const CommandContext& ctx,
    const std::function<absl::StatusOr<State>(const std::vector<v1::EventEnvelope>&)>& fold,
    const std::function<absl::StatusOr<std::vector<NewEvent>>(const State&)>& decide, int max_attempts = 5,
    const std::function<std::string()>& reply = nullptr) {
  PIAO_ASSIGN_OR_RETURN(std::optional<AppendResult> seen, store.LookupIdempotencyKey(stream, ctx));
  if (seen.has_value()) return *seen;
  absl::Status last;
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    PIAO_ASSIGN_OR_RETURN(std::vector<v1::EventEnvelope> events, store.ReadStream(stream, StreamVersion(1)));
    const StreamVersion folded(events.empty() ? 0 : events.back().stream_version());
    PIAO_ASSIGN_OR_RETURN(State state, fold(events));
    PIAO_ASSIGN_OR_RETURN(std::vector<NewEvent> decided, decide(state));
    if (decided.empty()) {
      AppendResult unchanged;
      unchanged.first_version = unchanged.last_version = folded;
      unchanged.unchanged = true;
      return unchanged;
    }
    CommandContext with_reply = ctx;
    if (reply) with_reply.reply = reply();
    absl::StatusOr<AppendResult> r =
        store.Append(stream, ExpectedVersion::Exactly(folded), std::move(decided), with_reply);
    if (r.ok() || r.status().code() != absl::StatusCode::kAborted) return r;
    last = r.status();
  }
  return last;
}

}  // namespace piao::eventstore

#endif  // PIAO_LIBS_EVENTSTORE_COMMAND_H_
