// ReportSource: everything a report reads, and nothing else. The report
// builders depend only on this interface, so the data access can move from
// raw points to rollups (collector/range_query.h) without touching them.
//
// Selectors are the text form users type (shared/selector.h), e.g.
// `scout_probe_success{protocol="http"}`. Every call returns one entry per
// matching series that has data in the window; series without data are
// left out (a report says "no data", never "0").
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/aggregation.h"
#include "collector/alerting/alert.h"
#include "shared/metric.h"

namespace scout::collector::reports {

class ReportSource {
 public:
  virtual ~ReportSource() = default;

  // Per series, one point per non-empty `step` bucket in [start, end),
  // stamped with the bucket start; buckets are aligned to multiples of
  // `step` since the epoch (aggregation.h), which is what charts need.
  virtual absl::StatusOr<std::vector<SeriesPoints>> Range(const std::string& selector,
                                                          int64_t start_ms, int64_t end_ms,
                                                          int64_t step_ms,
                                                          Aggregation agg) = 0;

  // Per series, ONE point stamped `start_ms`: `agg` over exactly
  // [start, end). Local days do not fall on epoch-aligned buckets (Berlin's
  // day starts at 23:00 UTC), so whole-window figures (a day's p95, peak,
  // average) cannot come from Range. RATE counts from the last point before
  // `start` (within the source's lookback) so consecutive windows add up.
  virtual absl::StatusOr<std::vector<SeriesPoints>> Summarize(const std::string& selector,
                                                              int64_t start_ms, int64_t end_ms,
                                                              Aggregation agg) = 0;

  // Per series, for each instant in `at_ms` (ascending), the newest point
  // with at - lookback < t <= at, restamped with the instant; instants with
  // no such point are left out. Used to read "last hour" gauges exactly at
  // hour boundaries.
  virtual absl::StatusOr<std::vector<SeriesPoints>> SampleAt(const std::string& selector,
                                                             const std::vector<int64_t>& at_ms,
                                                             int64_t lookback_ms) = 0;

  // Per series, the newest point with at - lookback < t <= at, with its own
  // timestamp (a snapshot: series of one scrape share it, which is how
  // guide::BuildDbSnapshot tells current rows from stale ones).
  virtual absl::StatusOr<std::vector<SeriesPoints>> Latest(const std::string& selector,
                                                           int64_t at_ms, int64_t lookback_ms) = 0;

  // A source for reads inside [start, end) that may read each selector
  // once for the whole window and answer the reads from memory (a weekly
  // report asks for 14 days of the same series). It is used by one thread
  // for one report and must not outlive this source. Null: no such
  // optimisation, use this source.
  virtual std::unique_ptr<ReportSource> ForWindow(int64_t start_ms, int64_t end_ms) {
    (void)start_ms;
    (void)end_ms;
    return nullptr;
  }

  // Alert state transitions with start <= at < end, oldest first.
  virtual absl::StatusOr<std::vector<alerting::AlertTransition>> AlertTransitions(
      int64_t start_ms, int64_t end_ms) = 0;
};

}  // namespace scout::collector::reports
