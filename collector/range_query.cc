#include "collector/range_query.h"

#include <algorithm>
#include <map>
#include <utility>

#include "collector/storage/quantile_sketch.h"
#include "shared/status_macros.h"

namespace scout::collector {
namespace {

constexpr int64_t kRawOnlyRangeMs = 2 * kDayMs;

int64_t FloorTo(int64_t t, int64_t width) {
  const int64_t q = t / width;
  return (t % width < 0 ? q - 1 : q) * width;
}

bool IsPercentile(Aggregation a) {
  return a == Aggregation::kP50 || a == Aggregation::kP95 || a == Aggregation::kP99;
}

double QuantileOf(Aggregation a) {
  return a == Aggregation::kP50 ? 0.5 : a == Aggregation::kP95 ? 0.95 : 0.99;
}

// One answer bucket from the rollup rows inside it (sorted, non-empty).
// `base`: the row before the bucket (RATE only), may be null.
bool FromRollups(const RollupRow* base, const RollupRow* begin, const RollupRow* end,
                 Aggregation agg, double* out) {
  double sum = 0, lo = begin->min, hi = begin->max;
  int64_t count = 0;
  for (const RollupRow* r = begin; r < end; ++r) {
    sum += r->sum;
    count += r->count;
    lo = std::min(lo, r->min);
    hi = std::max(hi, r->max);
  }
  switch (agg) {
    case Aggregation::kAvg: *out = sum / static_cast<double>(count); return count > 0;
    case Aggregation::kSum: *out = sum; return true;
    case Aggregation::kMin: *out = lo; return true;
    case Aggregation::kMax: *out = hi; return true;
    case Aggregation::kCount: *out = static_cast<double>(count); return true;
    case Aggregation::kLast: *out = (end - 1)->last; return true;
    case Aggregation::kRate: {
      // The increase between consecutive rows' last samples. A row with
      // any sample below the previous row's last saw a counter reset: like
      // raw RATE, count from zero, so the increase is that row's last (what
      // rose inside the row before the reset is not seen).
      const RollupRow* first = base ? base : begin;
      const RollupRow* last = end - 1;
      if (last->last_ms <= first->last_ms) return false;
      double increase = 0;
      double before = first->last;
      for (const RollupRow* r = base ? begin : begin + 1; r < end; ++r) {
        increase += r->min < before ? r->last : r->last - before;
        before = r->last;
      }
      *out = increase / (static_cast<double>(last->last_ms - first->last_ms) / 1000.0);
      return true;
    }
    default: {
      QuantileSketch merged;
      for (const RollupRow* r = begin; r < end; ++r) {
        if (r->sketch.empty()) return false;
        auto s = QuantileSketch::Deserialize(r->sketch);
        if (!s.ok()) return false;
        merged.Merge(*s);
      }
      if (merged.empty()) return false;
      *out = merged.Quantile(QuantileOf(agg));
      return true;
    }
  }
}

}  // namespace

QueryTier ChooseTier(int64_t start_ms, int64_t end_ms, int64_t step_ms,
                     int64_t raw_complete_from_ms) {
  // Rollup rows only compose into buckets made of whole rows.
  if (step_ms <= 0 || step_ms % kHourMs != 0) return QueryTier::kRaw;
  // Short ranges within raw retention: exact answers cost little.
  if (start_ms >= raw_complete_from_ms && end_ms - start_ms <= kRawOnlyRangeMs) {
    return QueryTier::kRaw;
  }
  return step_ms % kDayMs == 0 ? QueryTier::kDay : QueryTier::kHour;
}

namespace {

// Which answer buckets [b, b + step) come from raw and which from rollups.
struct BucketPlan {
  TierCoverage coverage;
  int64_t start_ms;
  int64_t end_ms;
  int64_t step_ms;

  // Rollups where they are complete, raw where they may not be and raw
  // still has the data (also for partial edge buckets, which whole rows
  // would over-count).
  bool UseRaw(int64_t b) const {
    if (b < coverage.raw_complete_from_ms) return false;
    const bool complete = b >= coverage.rollup_complete_from_ms &&
                          b + step_ms <= coverage.rollup_complete_before_ms;
    return !complete || b < start_ms || b + step_ms > end_ms;
  }
  // `series_raw`: a percentile of a series without sketches, which only raw
  // can answer, so raw wherever raw still has the data.
  bool FromRaw(int64_t b, bool series_raw) const {
    return series_raw ? b >= coverage.raw_complete_from_ms : UseRaw(b);
  }
};

// The buckets of one series that its rollup rows answer. Rows before
// `first_bucket` are only RATE bases.
std::vector<Point> RollupBuckets(const std::vector<RollupRow>& rows, const BucketPlan& plan,
                                 int64_t first_bucket, bool series_raw, Aggregation aggregation) {
  std::vector<Point> points;
  size_t i = 0;
  while (i < rows.size() && rows[i].bucket_start_ms < first_bucket) ++i;
  const RollupRow* base = i > 0 ? &rows[i - 1] : nullptr;
  while (i < rows.size()) {
    const int64_t b = FloorTo(rows[i].bucket_start_ms, plan.step_ms);
    size_t stop = i;
    while (stop < rows.size() && rows[stop].bucket_start_ms < b + plan.step_ms) ++stop;
    double value;
    if (!plan.FromRaw(b, series_raw) && b < plan.end_ms &&
        FromRollups(base, &rows[i], &rows[i] + (stop - i), aggregation, &value)) {
      points.push_back({b, value});
    }
    base = &rows[stop - 1];
    i = stop;
  }
  return points;
}

// Sorted series, at most `series_limit` (truncated set when more).
void AppendSorted(std::map<SeriesKey, std::vector<Point>> merged, size_t series_limit,
                  Limited<SeriesPoints>* out) {
  for (auto& [key, points] : merged) {
    std::sort(points.begin(), points.end(),
              [](const Point& a, const Point& b) { return a.timestamp_ms < b.timestamp_ms; });
    out->items.push_back({key, std::move(points)});
    if (out->items.size() >= series_limit) {
      out->truncated = out->truncated || merged.size() > series_limit;
      break;
    }
  }
}

}  // namespace

absl::StatusOr<Limited<SeriesPoints>> QueryAggregated(const Storage& storage,
                                                      const CompiledSelector& selector,
                                                      int64_t start_ms, int64_t end_ms,
                                                      int64_t step_ms, Aggregation aggregation,
                                                      size_t series_limit, ReadBudget& budget) {
  if (end_ms <= start_ms || step_ms <= 0) {
    return absl::InvalidArgumentError("range query: need start < end and step > 0");
  }
  // A query admitted after its deadline (a queue in front, a slow client)
  // stops here even when it matches nothing.
  SCOUT_RETURN_IF_ERROR(budget.Check());
  // Coverage first: what it promises only widens while we read.
  const BucketPlan plan{storage.Coverage(), start_ms, end_ms, step_ms};
  const TierCoverage& coverage = plan.coverage;
  const QueryTier tier = ChooseTier(start_ms, end_ms, step_ms, coverage.raw_complete_from_ms);
  // RATE needs the sample (or row) before each bucket.
  const int64_t lookback = aggregation == Aggregation::kRate ? step_ms : 0;

  Limited<SeriesPoints> out;
  if (tier == QueryTier::kRaw) {
    // Each series is reduced to its buckets as soon as it is read, so at
    // most one series' raw points are in memory.
    SCOUT_RETURN_IF_ERROR(storage.VisitRange(
        selector, start_ms - lookback, end_ms, series_limit, budget,
        [&](SeriesPoints&& s) {
          out.items.push_back({std::move(s.key), AggregateBuckets(s.points, start_ms, end_ms,
                                                                  step_ms, aggregation)});
          return absl::OkStatus();
        },
        &out.truncated));
    return out;
  }

  const int64_t first_bucket = FloorTo(start_ms, step_ms);
  int64_t raw_lo = INT64_MAX, raw_hi = INT64_MIN;
  for (int64_t b = first_bucket; b < end_ms; b += step_ms) {
    if (!plan.UseRaw(b)) continue;
    raw_lo = std::min(raw_lo, b);
    raw_hi = std::max(raw_hi, b + step_ms);
  }

  const RollupTier rollup_tier = tier == QueryTier::kDay ? RollupTier::kDay : RollupTier::kHour;
  // Percentiles of series without sketches can only come from raw: known
  // from the series keys alone, before any rollup row is read.
  bool raw_for_all = false;
  if (IsPercentile(aggregation)) {
    SCOUT_ASSIGN_OR_RETURN(Limited<SeriesKey> keys, storage.ListSeries(selector, series_limit));
    for (const SeriesKey& key : keys.items) {
      if (!IsLatencyMetric(key.metric)) raw_for_all = true;
    }
  }
  if (raw_for_all) {
    raw_lo = std::max(start_ms, coverage.raw_complete_from_ms);
    raw_hi = end_ms;
  }
  std::map<SeriesKey, std::vector<Point>> raw_buckets;
  if (raw_lo < raw_hi) {
    const int64_t lo = std::max(raw_lo, start_ms);
    const int64_t hi = std::min(raw_hi, end_ms);
    bool truncated = false;
    SCOUT_RETURN_IF_ERROR(storage.VisitRange(
        selector, lo - lookback, hi, series_limit, budget,
        [&](SeriesPoints&& s) {
          raw_buckets[std::move(s.key)] = AggregateBuckets(s.points, lo, hi, step_ms, aggregation);
          return absl::OkStatus();
        },
        &truncated));
    out.truncated = out.truncated || truncated;
  }

  // Rollup rows, too, are reduced one series at a time.
  std::map<SeriesKey, std::vector<Point>> merged;
  bool rollups_truncated = false;
  SCOUT_RETURN_IF_ERROR(storage.VisitRollups(
      selector, rollup_tier, first_bucket - lookback, end_ms, series_limit, budget,
      [&](SeriesRollups&& s) {
        const bool series_raw = raw_for_all && !IsLatencyMetric(s.key.metric);
        merged[s.key] = RollupBuckets(s.rows, plan, first_bucket, series_raw, aggregation);
        return absl::OkStatus();
      },
      &rollups_truncated));
  out.truncated = out.truncated || rollups_truncated;
  for (auto& [key, points] : raw_buckets) {
    std::vector<Point>& target = merged[key];
    const bool series_raw = raw_for_all && !IsLatencyMetric(key.metric);
    for (const Point& p : points) {
      if (plan.FromRaw(p.timestamp_ms, series_raw)) target.push_back(p);
    }
  }
  AppendSorted(std::move(merged), series_limit, &out);
  return out;
}

}  // namespace scout::collector
