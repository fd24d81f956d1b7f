// A bounded in-memory cache of folded aggregate state per stream, so a command folds only the events appended
// since the state it finds here (libs/eventstore/command.h, ExecuteCommand with a StreamFold).
//
// An entry is the state after the stream's event at `version`, with that event's global position and chain
// hash. It is a hint, never an authority: before deciding, the command path re-reads the stream from `version`
// and uses the entry only if the stored event at `version` is still the one the entry names (same position,
// same hash; the hash chains every earlier event of the store, so the whole prefix folded is unchanged), then
// folds the events after it. Anything else (a shorter stream, another event at that version) discards the entry
// and folds the stream from its start. The version a command decides at, and therefore the store's
// expected-version check, is always the one just read from the store.
//
// An entry is taken out while a command uses it (the state is updated in place, without a copy), and put back
// after; a second command on the same stream meanwhile folds from the start (correct, only slower). At most
// `capacity` streams are kept, least recently used dropped first. Thread-safe.
#ifndef PIAO_LIBS_EVENTSTORE_STATE_CACHE_H_
#define PIAO_LIBS_EVENTSTORE_STATE_CACHE_H_

#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "libs/base/strong_types.h"

namespace piao::eventstore {

template <typename State>
struct FoldedState {
  StreamVersion version;     // the state includes every event of the stream up to this version
  GlobalPosition position;   // the global position of the event at `version` (0 when version is 0)
  std::string hash;          // its chain hash (empty when version is 0)
  std::unique_ptr<State> state;
};

template <typename State>
class StateCache {
 public:
  explicit StateCache(size_t capacity = 256) : capacity_(capacity) {}
  StateCache(const StateCache&) = delete;
  StateCache& operator=(const StateCache&) = delete;

  // Removes and returns the entry of `stream`, if there is one.
  std::optional<FoldedState<State>> Take(const StreamId& stream) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = index_.find(stream.Key());
    if (it == index_.end()) {
      ++misses_;
      return std::nullopt;
    }
    ++hits_;
    FoldedState<State> out = std::move(it->second->second);
    lru_.erase(it->second);
    index_.erase(it);
    return out;
  }

  // Keeps `folded` as the entry of `stream`, unless the entry there (put back meanwhile by another command)
  // is at a later version.
  void Put(const StreamId& stream, FoldedState<State> folded) {
    if (capacity_ == 0 || folded.state == nullptr || folded.version.value() == 0) return;
    std::lock_guard<std::mutex> l(mu_);
    const std::string key = stream.Key();
    if (auto it = index_.find(key); it != index_.end()) {
      if (it->second->second.version > folded.version) return;
      lru_.erase(it->second);
      index_.erase(it);
    }
    lru_.emplace_front(key, std::move(folded));
    index_[key] = lru_.begin();
    while (lru_.size() > capacity_) {
      index_.erase(lru_.back().first);
      lru_.pop_back();
    }
  }

  size_t size() const {
    std::lock_guard<std::mutex> l(mu_);
    return lru_.size();
  }
  // Takes that found an entry / found none (for tests and diagnostics).
  uint64_t hits() const {
    std::lock_guard<std::mutex> l(mu_);
    return hits_;
  }
  uint64_t misses() const {
    std::lock_guard<std::mutex> l(mu_);
    return misses_;
  }

 private:
  using Entry = std::pair<std::string, FoldedState<State>>;
  const size_t capacity_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // most recently put first
  absl::flat_hash_map<std::string, typename std::list<Entry>::iterator> index_;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
};

}  // namespace piao::eventstore

#endif  // PIAO_LIBS_EVENTSTORE_STATE_CACHE_H_
