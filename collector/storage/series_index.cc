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
  by_metric_[key.metric].push_back(id);
  keys_.emplace(id, std::move(key));
  ids_.emplace(std::move(key_string), id);
}

std::vector<SeriesIndex::Match> SeriesIndex::Select(const CompiledSelector& selector,
                                                    size_t limit, bool* truncated) const {
  std::vector<Match> matches;
  {
    absl::ReaderMutexLock lock(&mu_);
    auto consider = [&](int64_t id) ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      const SeriesKey& key = keys_.at(id);
      if (selector.Matches(key)) matches.push_back({id, key});
    };
    if (!selector.metric().empty()) {
      auto it = by_metric_.find(selector.metric());
      if (it != by_metric_.end()) {
        for (int64_t id : it->second) consider(id);
      }
    } else {
      for (const auto& [id, key] : keys_) consider(id);
    }
  }
  std::sort(matches.begin(), matches.end(),
            [](const Match& a, const Match& b) { return a.key < b.key; });
  *truncated = matches.size() > limit;
  if (*truncated) matches.resize(limit);
  return matches;
}

size_t SeriesIndex::size() const {
  absl::ReaderMutexLock lock(&mu_);
  return keys_.size();
}

}  // namespace scout::collector
