// Head: the in-memory copy of points that are committed to the log but not
// yet written as chunks, plus the newest point of every series.
//
// Flushing works in generations: BeginFlush() moves every series' head
// points aside ("flushing"); new points keep arriving in a fresh head while
// the writer turns the flushing points into chunks slice by slice and calls
// EndFlush() for each series once its chunk is committed. Readers see
// flushing and head points until then, so no point is ever invisible.
//
// Thread safety: all methods are safe to call concurrently.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "shared/metric.h"

namespace scout::collector {

class Head {
 public:
  struct Entry {
    int64_t series_id;
    Point point;
  };
  // Adds committed points (one lock for the whole group commit).
  void Append(const std::vector<Entry>& entries);

  // Moves all head points aside; returns the series that have some.
  std::vector<int64_t> BeginFlush();
  // The series' flushing points, sorted, one per timestamp (last wins).
  std::vector<Point> FlushingPoints(int64_t series_id) const;
  void EndFlush(int64_t series_id);

  // Appends the series' in-memory points with start <= t < end, in
  // arrival order (callers merge and de-duplicate).
  void CopyRange(int64_t series_id, int64_t start_ms, int64_t end_ms,
                 std::vector<Point>* out) const;

  // Newest point by timestamp, from memory; includes already-chunked points
  // if SetLatest() was told about them at start-up.
  std::optional<Point> Latest(int64_t series_id) const;
  void SetLatest(int64_t series_id, const Point& point);

  size_t point_count() const;

  // Series lifecycle: ForgetIfEmpty() drops the series (its latest point too)
  // when it holds no point in memory, and says whether it did.
  bool ForgetIfEmpty(int64_t series_id);

  // No point older than this is in memory (INT64_MAX when none is): every
  // older point has been flushed (with its rollups). Conservative while a
  // generation is being flushed: it stays at the generation's oldest point
  // until the last of its series is done.
  int64_t OldestUnflushedMs() const;

 private:
  struct SeriesHead {
    std::vector<Point> flushing;
    std::vector<Point> head;
    std::optional<Point> latest;
  };
  void UpdateLatest(SeriesHead& s, const Point& point);

  mutable absl::Mutex mu_;
  std::unordered_map<int64_t, SeriesHead> series_ ABSL_GUARDED_BY(mu_);
  size_t points_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t head_oldest_ms_ ABSL_GUARDED_BY(mu_) = INT64_MAX;
  int64_t flushing_oldest_ms_ ABSL_GUARDED_BY(mu_) = INT64_MAX;
  size_t flushing_series_ ABSL_GUARDED_BY(mu_) = 0;
};

// Sorts by timestamp keeping, for equal timestamps, the point that came
// last in the input (inputs are concatenated oldest-write first).
void SortAndDedupLastWins(std::vector<Point>* points);

}  // namespace scout::collector
