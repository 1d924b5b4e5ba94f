// Histogram: a fixed-bucket, cumulative histogram for the collector's own
// metrics (Prometheus's classic histogram: _bucket{le}, _sum, _count).
//
// Bounds are given once, sorted ascending, +Inf implied. Observe() adds a
// value to the first bucket whose bound is >= it (Prometheus's `le`);
// values above the last bound only count in +Inf. NaN observations are
// ignored (they would poison _sum). Memory: one counter per bound.
//
// Not thread-safe: the owner guards it (WriteQueue keeps its histograms
// under the same mutex as its other stats, so a snapshot is consistent).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "shared/metric.h"

namespace scout::collector {

class Histogram {
 public:
  // `bounds` must be sorted ascending and finite.
  explicit Histogram(std::vector<double> bounds);

  void Observe(double value);

  const std::vector<double>& bounds() const { return bounds_; }
  // Per bound, NOT cumulative (HistogramSeries sums them up).
  const std::vector<uint64_t>& counts() const { return counts_; }
  uint64_t count() const { return count_; }
  double sum() const { return sum_; }

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  double sum_ = 0;
};

// The exposition / storage form of `h`, one point at `now_ms` each:
// `<name>_bucket{le="<bound>"}` cumulative for every bound and "+Inf",
// then `<name>_sum` and `<name>_count`, each with `labels` (plus `le`).
// `le` is written in fixed notation ("0.0005", "1", "1000000", "+Inf").
std::vector<SeriesPoints> HistogramSeries(const std::string& name, const Histogram& h,
                                          const Labels& labels, int64_t now_ms);

// Bucket bounds of the commit histograms (docs/metrics.md), in one place.
// Commit duration: 0.5 ms .. 10 s, roughly 1-2.5-5 per decade.
std::vector<double> CommitSecondsBounds();
// Samples per commit: 1 .. 1e6 in powers of 10 (max_points_per_commit is
// 100,000 by default; a single batch may exceed it).
std::vector<double> CommitSamplesBounds();
// Batches per commit: 1 .. 1024 in powers of 2.
std::vector<double> CommitBatchesBounds();

}  // namespace scout::collector
