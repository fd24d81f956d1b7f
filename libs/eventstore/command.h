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
#include "libs/eventstore/state_cache.h"

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

// How a stream's state is built incrementally: `apply` folds events (oldest first, each following the last
// one already in the state) into a state; folding a stream's events from a default-constructed State in any
// number of `apply` calls must give the same state as one call with all of them (a left fold, as every
// aggregate's Fold is). `cache`, when given, keeps the state between commands (state_cache.h).
template <typename State>
struct StreamFold {
  std::function<absl::Status(State&, const std::vector<v1::EventEnvelope>&)> apply;
  StateCache<State>* cache = nullptr;
};

namespace internal {

// Brings `folded` up to the stream as stored now: the events after folded.version are read and applied, after
// checking that the stored event at folded.version is the one the state was folded to (else the state is
// discarded and the stream folded from its start). On error `folded` must not be used again.
template <typename State>
absl::Status CatchUp(const EventStore& store, const StreamId& stream, const StreamFold<State>& fold,
                     FoldedState<State>& folded) {
  std::vector<v1::EventEnvelope> events;
  bool reused = false;
  if (folded.state != nullptr && folded.version.value() > 0) {
    PIAO_ASSIGN_OR_RETURN(events, store.ReadStream(stream, folded.version));
    reused = !events.empty() && events.front().stream_version() == folded.version.value() &&
             events.front().global_position() == folded.position.value() && events.front().hash() == folded.hash;
    if (reused) events.erase(events.begin());
  }
  if (!reused) {
    folded = FoldedState<State>{StreamVersion(0), GlobalPosition(0), std::string(), std::make_unique<State>()};
    PIAO_ASSIGN_OR_RETURN(events, store.ReadStream(stream, StreamVersion(1)));
  }
  if (events.empty()) return absl::OkStatus();
  PIAO_RETURN_IF_ERROR(fold.apply(*folded.state, events));
  folded.version = StreamVersion(events.back().stream_version());
  folded.position = GlobalPosition(events.back().global_position());
  folded.hash = events.back().hash();
  return absl::OkStatus();
}

}  // namespace internal

// ExecuteCommand folding incrementally: the same contract as above (idempotency first, decide against the
// stream as read, append expecting exactly the version read, ABORTED → read again and decide again), but the
// state comes from `fold.cache` when it holds the stream, and only the events after it are read and folded
// (also between attempts). The state a decision sees is always the whole stream as read just before it.
template <typename State>
absl::StatusOr<AppendResult> ExecuteCommand(
    EventStore& store, const StreamId& stream, const CommandContext& ctx, const StreamFold<State>& fold,
    const std::function<absl::StatusOr<std::vector<NewEvent>>(const State&)>& decide, int max_attempts = 5,
    const std::function<std::string()>& reply = nullptr) {
  PIAO_ASSIGN_OR_RETURN(std::optional<AppendResult> seen, store.LookupIdempotencyKey(stream, ctx));
  if (seen.has_value()) return *seen;
  FoldedState<State> folded;
  if (fold.cache != nullptr) {
    if (std::optional<FoldedState<State>> cached = fold.cache->Take(stream)) folded = std::move(*cached);
  }
  // The state goes back into the cache whatever the decision was (a decision does not change it); not after a
  // failed read or fold, which may have left it half-updated.
  auto keep = [&] {
    if (fold.cache != nullptr) fold.cache->Put(stream, std::move(folded));
  };
  absl::Status last;
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    PIAO_RETURN_IF_ERROR(internal::CatchUp(store, stream, fold, folded));
    absl::StatusOr<std::vector<NewEvent>> decided = decide(*folded.state);
    if (!decided.ok()) {
      keep();
      return decided.status();
    }
    if (decided->empty()) {
      AppendResult unchanged;
      unchanged.first_version = unchanged.last_version = folded.version;
      unchanged.unchanged = true;
      keep();
      return unchanged;
    }
    CommandContext with_reply = ctx;
    if (reply) with_reply.reply = reply();
    absl::StatusOr<AppendResult> r =
        store.Append(stream, ExpectedVersion::Exactly(folded.version), std::move(*decided), with_reply);
    if (r.ok() || r.status().code() != absl::StatusCode::kAborted) {
      keep();
      return r;
    }
    last = r.status();
  }
  keep();
  return last;
}

}  // namespace piao::eventstore

#endif  // PIAO_LIBS_EVENTSTORE_COMMAND_H_
