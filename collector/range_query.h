// Range queries over the right storage tier: raw points or hourly/daily
// rollups, chosen from the range and the step (docs/architecture.md,
// "Storage", "Tiers").
//
// The answer has the shape of aggregation.h's AggregateBuckets: buckets
// aligned to multiples of `step` since the Unix epoch, only [start, end)
// counted, one point per non-empty bucket stamped with the bucket start.
//
// Which tier:
//  * raw when the step is not a whole number of hours, or when the whole
//    range is at most 2 days and inside raw retention (exact answers are
//    cheap there);
//  * daily rollups when the step is a whole number of days (UTC days),
//    hourly rollups when it is a whole number of hours;
//  * per bucket, raw wherever the rollup tier cannot have all of it yet
//    (points still only in memory, rows not back-filled after an upgrade)
//    and raw still has the data; rollups wherever raw has expired.
//
// Accuracy from rollups: AVG (sum/count), MIN, MAX, SUM, COUNT and LAST are
// exact; P50/P95/P99 come from the quantile sketch (quantile_sketch.h:
// within 1 % relative error of the raw answer; only for latency series,
// i.e. metric names ending in `_seconds` but not `_seconds_total`; other
// series have no percentile from rollups and their buckets are left out);
// RATE is the increase between consecutive rollup rows' last samples
// divided by the time between those samples; a row with a sample below the
// previous row's last had a counter reset and counts its last as the
// increase (a restart from zero). That equals raw RATE except when a
// counter rises and then resets inside one row (the rise before the reset
// is missed).
// A sample written again after its first copy was flushed counts twice in
// rollups (see storage.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "collector/aggregation.h"
#include "collector/storage/storage.h"
#include "shared/selector.h"

namespace scout::collector {

enum class QueryTier { kRaw, kHour, kDay };

// The tier QueryAggregated reads for this request (buckets may still fall
// back to raw, see above). `raw_complete_from_ms`: Storage::Coverage().
QueryTier ChooseTier(int64_t start_ms, int64_t end_ms, int64_t step_ms,
                     int64_t raw_complete_from_ms);

// REQUIRES: start_ms < end_ms, step_ms > 0. Series are those of
// Storage::ListSeries order, at most `series_limit` (truncated set when
// more match). Safe to call from any thread (Storage reads only).
// Cost: every raw point and rollup row read is charged to `budget`
// (query_limits.h) and the query stops with its error at the first
// refusal; each series is reduced to its buckets as it is read, so memory
// is O(series x buckets) plus one series' raw points, whatever the range.
absl::StatusOr<Limited<SeriesPoints>> QueryAggregated(const Storage& storage,
                                                      const CompiledSelector& selector,
                                                      int64_t start_ms, int64_t end_ms,
                                                      int64_t step_ms, Aggregation aggregation,
                                                      size_t series_limit, ReadBudget& budget);

}  // namespace scout::collector
