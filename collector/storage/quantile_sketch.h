// QuantileSketch: a mergeable quantile summary with bounded relative error
// (DDSketch-style logarithmic buckets), kept in the rollups of latency
// series so p50/p95/p99 over hours or days need no raw samples.
//
// A positive value x goes to bucket i = ceil(log_gamma(x)) with
// gamma = (1 + a) / (1 - a), a = 1 %; the bucket's representative value
// 2 gamma^i / (gamma + 1) is within a relative error of a of every value in
// it. Negative values mirror that; values with |x| < 1e-9 count as zero.
// Quantile(q) answers like aggregation.h's Percentile (R-7: interpolating
// between the closest ranks) using the representatives of those ranks, so
// for values of one sign it is within 1 % of the exact answer; min and max
// are kept exactly and clamp the result.
//
// Merging adds bucket counts, so merging the sketches of two sets equals
// the sketch of their union (order does not matter). Bucket counts are
// bounded: beyond kMaxBuckets per sign the smallest-magnitude buckets are
// collapsed (only reachable with values spanning > 40 orders of magnitude).
//
// Serialised form (a few hundred bytes for an hour of typical latencies):
// version byte, zero count, min, max, then per sign the number of
// non-empty buckets and (index delta, count) varint pairs.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace scout::collector {

class QuantileSketch {
 public:
  static constexpr double kRelativeAccuracy = 0.01;
  static constexpr size_t kMaxBuckets = 4096;

  void Add(double value, uint64_t count = 1);
  void Merge(const QuantileSketch& other);

  // REQUIRES: 0 <= q <= 1. NaN when empty.
  double Quantile(double q) const;

  uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }

  std::string Serialize() const;
  static absl::StatusOr<QuantileSketch> Deserialize(std::string_view data);

 private:
  // Value of the k-th smallest sample (0-based), estimated.
  double ValueAtRank(uint64_t k) const;
  static void Collapse(std::map<int32_t, uint64_t>* buckets);

  std::map<int32_t, uint64_t> positive_;  // bucket index -> count
  std::map<int32_t, uint64_t> negative_;  // by |value|
  uint64_t zero_ = 0;
  uint64_t count_ = 0;
  double min_ = 0;
  double max_ = 0;
};

}  // namespace scout::collector
