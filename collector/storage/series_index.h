// SeriesIndex: interning of series keys into integer ids, held in memory.
//
// Ids are assigned by the storage (SQLite rowids) and registered here only
// after the transaction that created them commits. Lookups by key and
// selector matching run against memory, so ListSeries never scans the
// database.
//
// Thread safety: safe for one writer and any number of readers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "shared/metric.h"
#include "shared/selector.h"

namespace scout::collector {

class SeriesIndex {
 public:
  std::optional<int64_t> Find(const std::string& key_string) const;
  void Add(int64_t id, SeriesKey key, std::string key_string);
  // Forgets the series (the lifecycle pass: no data left in any tier).
  void Remove(int64_t id);

  struct Match {
    int64_t id;
    SeriesKey key;
  };
  // Matching series sorted by key; at most `limit`, with *truncated set
  // when more matched. Keeps the `limit` smallest keys in a bounded heap:
  // O(matches * log(limit)) time, O(limit) memory, keys copied only for
  // the ones returned.
  std::vector<Match> Select(const CompiledSelector& selector, size_t limit,
                            bool* truncated) const;
  size_t size() const;

 private:
  // Readers share it (absl::ReaderMutexLock); Add() takes it exclusively.
  mutable absl::Mutex mu_;
  std::unordered_map<std::string, int64_t> ids_ ABSL_GUARDED_BY(mu_);
  std::unordered_map<int64_t, SeriesKey> keys_ ABSL_GUARDED_BY(mu_);
  // metric name -> ids, so a selector with a metric name skips the rest.
  std::unordered_map<std::string, std::unordered_set<int64_t>> by_metric_ ABSL_GUARDED_BY(mu_);
};

}  // namespace scout::collector
