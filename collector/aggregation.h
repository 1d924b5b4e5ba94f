// Step aggregation for range queries: pure functions, no storage.
//
// Buckets are aligned to multiples of `step` since the Unix epoch (so a
// 1 h step gives clock hours), [k*step, (k+1)*step), and only points in
// [start, end) count: the first and last buckets may be partial. Each
// non-empty bucket yields one point stamped with the bucket start. Percentiles interpolate linearly between closest ranks
// (the "R-7" / numpy default): p = (n-1)*q, between sorted[floor] and
// sorted[ceil]. RATE is the per-second increase between consecutive points
// inside the bucket, also counting from the last point of the previous
// bucket, with counter resets (a drop) counted as a restart from zero; a
// bucket needs two points to have a rate.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "shared/metric.h"

namespace scout::collector {

enum class Aggregation { kAvg, kMin, kMax, kSum, kCount, kLast, kRate, kP50, kP95, kP99 };

// "avg", "p95" ... -> Aggregation; InvalidArgument otherwise.
absl::StatusOr<Aggregation> ParseAggregation(const std::string& name);

// REQUIRES: points sorted by timestamp, one per timestamp; step > 0.
// Points before start_ms are ignored except the last one, which is the
// RATE base for the first bucket.
std::vector<Point> AggregateBuckets(const std::vector<Point>& points, int64_t start_ms,
                                    int64_t end_ms, int64_t step_ms, Aggregation aggregation);

// REQUIRES: values non-empty; 0 <= q <= 1. Sorts `values`.
double Percentile(std::vector<double>& values, double q);

}  // namespace scout::collector
