// SeriesLimiter: the ingest series limits (docs/limits.md, `ingest:`).
//
// Decides per series of a validated batch whether it may be written:
//  * max_series_per_agent: the agent's *active* series, those it wrote in
//    the current or the previous clock hour (hours of the injected Clock,
//    UTC-aligned), may not grow beyond the limit. Kept as two generations
//    of 64-bit hashes of the series key (after the host binding), rotated
//    at every hour boundary: "previous" = what was "current", "current"
//    starts empty. A series already active is always admitted.
//  * max_new_series_per_agent_per_hour: series that Storage::HasSeries()
//    does not know yet, created by one agent within a rolling hour
//    (per-minute buckets).
//  * max_series: a series not in storage is refused while storage's series
//    (Gauges().series) plus the new series admitted but not committed yet
//    reach the limit.
// A refused series loses all its points in the batch (SERIES_LIMIT); the
// rest of the batch goes on. Each agent's first refusal of an episode is
// logged ("agent X: N points over max_series_per_agent (200000) ..."); the
// next log line for that agent comes only after an hour without refusals.
//
// Memory is bounded: the hashes of all agents together are capped at
// 2 x max_series (a series not tracked yet is refused SERIES_LIMIT while
// the cap is reached), each hash costs about 9-18 bytes in a flat hash set,
// an agent has at most 60 minute buckets, and an agent's state is dropped
// at an hour boundary once both generations are empty, it created no
// series in the last hour and had no refusal in the last hour. With the
// defaults (5M series) the worst case is about 10M hashes, ~180 MB; the
// series index of storage itself needs several times more per series.
//
// Thread safety: all methods may be called concurrently (one mutex; the
// storage calls under it read memory only). Called from the ingest
// reactors, never blocks on I/O.
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <unordered_map>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "collector/storage/storage.h"
#include "shared/clock.h"

namespace scout::collector {

struct SeriesLimits {
  int64_t max_series_per_agent = 200'000;
  int64_t max_new_series_per_agent_per_hour = 100'000;
  int64_t max_series = 5'000'000;
};

class SeriesLimiter {
 public:
  SeriesLimiter(const Storage& storage, const Clock& clock, SeriesLimits limits);

  struct Admission {
    uint32_t rejected_points = 0;
    std::string example;     // the first refused series and the limit
    int64_t new_series = 0;  // admitted series storage did not have: pass to Released()
  };
  // Removes every series over a limit from `batch`.
  Admission Admit(const std::string& agent_id, WriteBatch* batch);
  // The write that carried an Admission's new series has returned (OK or
  // not): they no longer count as "admitted, not committed".
  void Released(int64_t new_series);

  // For tests and self-metrics.
  int64_t active_series(const std::string& agent_id) const;
  size_t tracked_hashes() const;
  size_t tracked_agents() const;

 private:
  enum Limit { kPerAgent, kNewPerHour, kTotal, kTracker, kLimitCount };
  struct AgentState {
    absl::flat_hash_set<uint64_t> current, previous;
    int64_t active = 0;  // |current ∪ previous|
    std::deque<std::pair<int64_t, int64_t>> new_per_minute;  // (minute, series)
    int64_t new_in_window = 0;
    int64_t last_rejection_ms = std::numeric_limits<int64_t>::min();
  };
  void RotateLocked(int64_t now_ms) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  static void PruneWindow(AgentState& a, int64_t now_ms);

  const Storage& storage_;
  const Clock& clock_;
  const SeriesLimits limits_;
  const size_t max_tracked_;

  mutable absl::Mutex mu_;
  std::unordered_map<std::string, AgentState> agents_ ABSL_GUARDED_BY(mu_);
  int64_t hour_ ABSL_GUARDED_BY(mu_) = 0;
  size_t tracked_ ABSL_GUARDED_BY(mu_) = 0;       // hashes in all generations
  int64_t pending_new_ ABSL_GUARDED_BY(mu_) = 0;  // admitted, not yet committed
};

}  // namespace scout::collector
