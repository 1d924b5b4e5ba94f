#include "collector/storage/series_index.h"

#include <algorithm>

namespace scout::collector {

std::optional<int64_t> SeriesIndex::Find(const std::string& key_string) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = ids_.find(key_string);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

void SeriesIndex::Add(int64_t id, SeriesKey key, std::string key_string) {
  absl::MutexLock lock(&mu_);
  by_metric_[key.metric].insert(id);
  keys_.emplace(id, std::move(key));
  ids_.emplace(std::move(key_string), id);
}

void SeriesIndex::Remove(int64_t id) {
  absl::MutexLock lock(&mu_);
  auto it = keys_.find(id);
  if (it == keys_.end()) return;
  ids_.erase(SeriesKeyString(it->second));
  auto metric = by_metric_.find(it->second.metric);
  if (metric != by_metric_.end()) {
    metric->second.erase(id);
    if (metric->second.empty()) by_metric_.erase(metric);
  }
  keys_.erase(it);
}

std::vector<SeriesIndex::Match> SeriesIndex::Select(const CompiledSelector& selector,
                                                    size_t limit, bool* truncated) const {
  // Max-heap of the `limit` + 1 smallest matching keys seen so far: the
  // extra one tells whether more matched than are returned.
  struct Candidate {
    int64_t id;
    const SeriesKey* key;
  };
  auto less = [](const Candidate& a, const Candidate& b) { return *a.key < *b.key; };
  std::vector<Candidate> heap;
  size_t matched = 0;
  std::vector<Match> matches;
  {
    absl::ReaderMutexLock lock(&mu_);
    auto consider = [&](int64_t id, const SeriesKey& key) {
      if (!selector.Matches(key)) return;
      ++matched;
      if (heap.size() <= limit) {
        heap.push_back({id, &key});
        std::push_heap(heap.begin(), heap.end(), less);
      } else if (key < *heap.front().key) {
        std::pop_heap(heap.begin(), heap.end(), less);
        heap.back() = {id, &key};
        std::push_heap(heap.begin(), heap.end(), less);
      }
    };
    if (!selector.metric().empty()) {
      auto it = by_metric_.find(selector.metric());
      if (it != by_metric_.end()) {
        for (int64_t id : it->second) consider(id, keys_.at(id));
      }
    } else {
      for (const auto& [id, key] : keys_) consider(id, key);
    }
    std::sort_heap(heap.begin(), heap.end(), less);
    if (heap.size() > limit) heap.resize(limit);
    matches.reserve(heap.size());
    // Copied under the lock: the pointers are into keys_.
    for (const Candidate& c : heap) matches.push_back({c.id, *c.key});
  }
  *truncated = matched > limit;
  return matches;
}

size_t SeriesIndex::size() const {
  absl::ReaderMutexLock lock(&mu_);
  return keys_.size();
}

}  // namespace scout::collector
