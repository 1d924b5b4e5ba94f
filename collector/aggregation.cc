#include "collector/aggregation.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace scout::collector {

absl::StatusOr<Aggregation> ParseAggregation(const std::string& name) {
  static const std::map<std::string, Aggregation> kNames = {
      {"avg", Aggregation::kAvg},   {"min", Aggregation::kMin},   {"max", Aggregation::kMax},
      {"sum", Aggregation::kSum},   {"count", Aggregation::kCount}, {"last", Aggregation::kLast},
      {"rate", Aggregation::kRate}, {"p50", Aggregation::kP50},   {"p95", Aggregation::kP95},
      {"p99", Aggregation::kP99}};
  auto it = kNames.find(name);
  if (it == kNames.end()) {
    return absl::InvalidArgumentError("unknown aggregation \"" + name +
                                      "\" (use avg, min, max, sum, count, last, rate, p50, p95, p99)");
  }
  return it->second;
}

double Percentile(std::vector<double>& values, double q) {
  std::sort(values.begin(), values.end());
  const double rank = q * static_cast<double>(values.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(rank));
  const size_t hi = static_cast<size_t>(std::ceil(rank));
  return values[lo] + (values[hi] - values[lo]) * (rank - static_cast<double>(lo));
}

namespace {

// Per-second increase over `pts` (prev may be null), resets handled.
bool Rate(const Point* prev, const Point* begin, const Point* end, double* out) {
  const Point* first = prev ? prev : begin;
  const Point* last = end - 1;
  if (last->timestamp_ms <= first->timestamp_ms) return false;
  double increase = 0;
  const Point* before = first;
  for (const Point* p = prev ? begin : begin + 1; p < end; ++p) {
    increase += p->value >= before->value ? p->value - before->value : p->value;
    before = p;
  }
  *out = increase / ((last->timestamp_ms - first->timestamp_ms) / 1000.0);
  return true;
}

bool Aggregate(const Point* prev, const Point* begin, const Point* end, Aggregation agg,
               std::vector<double>& scratch, double* out) {
  const size_t n = static_cast<size_t>(end - begin);
  switch (agg) {
    case Aggregation::kCount:
      *out = static_cast<double>(n);
      return true;
    case Aggregation::kLast:
      *out = (end - 1)->value;
      return true;
    case Aggregation::kRate:
      return Rate(prev, begin, end, out);
    default:
      break;
  }
  if (agg == Aggregation::kP50 || agg == Aggregation::kP95 || agg == Aggregation::kP99) {
    scratch.clear();
    for (const Point* p = begin; p < end; ++p) scratch.push_back(p->value);
    const double q = agg == Aggregation::kP50 ? 0.5 : agg == Aggregation::kP95 ? 0.95 : 0.99;
    *out = Percentile(scratch, q);
    return true;
  }
  double sum = 0, lo = begin->value, hi = begin->value;
  for (const Point* p = begin; p < end; ++p) {
    sum += p->value;
    lo = std::min(lo, p->value);
    hi = std::max(hi, p->value);
  }
  switch (agg) {
    case Aggregation::kAvg: *out = sum / static_cast<double>(n); break;
    case Aggregation::kSum: *out = sum; break;
    case Aggregation::kMin: *out = lo; break;
    case Aggregation::kMax: *out = hi; break;
    default: return false;
  }
  return true;
}

}  // namespace

std::vector<Point> AggregateBuckets(const std::vector<Point>& points, int64_t start_ms,
                                    int64_t end_ms, int64_t step_ms, Aggregation aggregation) {
  std::vector<Point> out;
  std::vector<double> scratch;
  auto it = std::lower_bound(points.begin(), points.end(), start_ms,
                             [](const Point& p, int64_t t) { return p.timestamp_ms < t; });
  // A point just before start_ms (if the caller passed one) is the first
  // RATE base; other aggregations ignore `prev`.
  const Point* prev = it != points.begin() ? &*(it - 1) : nullptr;
  while (it != points.end() && it->timestamp_ms < end_ms) {
    // Epoch-aligned buckets: a 1h step means clock hours, whatever `start`.
    const int64_t ts = it->timestamp_ms;
    const int64_t bucket = (ts >= 0 ? ts / step_ms : (ts - step_ms + 1) / step_ms) * step_ms;
    const int64_t bucket_end = std::min(end_ms, bucket + step_ms);
    auto stop = it;
    while (stop != points.end() && stop->timestamp_ms < bucket_end) ++stop;
    double value;
    if (Aggregate(prev, &*it, &*it + (stop - it), aggregation, scratch, &value)) {
      out.push_back({bucket, value});
    }
    prev = &*(stop - 1);
    it = stop;
  }
  return out;
}

}  // namespace scout::collector
