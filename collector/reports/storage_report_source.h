// StorageReportSource: ReportSource over the collector's Storage and
// AlertStore.
//
// Today every read is a raw Storage::ReadRange aggregated in memory
// (aggregation.h), which is exact. Range() goes through ReadAggregated(),
// whose one call is the place to switch to rollups (range_query.h's
// QueryAggregated has the same arguments and answer shape).
// Summarize() and SampleAt() stay raw on purpose: local-day windows and
// exact hour-boundary samples are not what epoch-aligned rollup buckets
// hold (see report_source.h).
//
// Thread safety: a StorageReportSource may be shared by threads (it only
// reads Storage and the AlertStore, both safe for concurrent readers); the
// windowed source ForWindow() returns caches reads and belongs to one
// report build.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "collector/alerting/alert_store.h"
#include "collector/reports/report_source.h"
#include "collector/storage/storage.h"
#include "shared/selector.h"

namespace scout::collector::reports {

class StorageReportSource final : public ReportSource {
 public:
  struct Options {
    // Most series one selector may match; more is an error rather than a
    // silently partial report.
    size_t series_limit = 200'000;
    // How far before a window's start Summarize() looks for the RATE base.
    int64_t rate_lookback_ms = 15 * 60 * 1000;
    // Most alert transitions read for one window.
    size_t transition_limit = 100'000;
  };

  // `alerts` may be null (alerting off): AlertTransitions() is then empty.
  StorageReportSource(const Storage& storage, alerting::AlertStore* alerts);
  StorageReportSource(const Storage& storage, alerting::AlertStore* alerts, Options options);

  absl::StatusOr<std::vector<SeriesPoints>> Range(const std::string& selector, int64_t start_ms,
                                                  int64_t end_ms, int64_t step_ms,
                                                  Aggregation agg) override;
  absl::StatusOr<std::vector<SeriesPoints>> Summarize(const std::string& selector,
                                                      int64_t start_ms, int64_t end_ms,
                                                      Aggregation agg) override;
  absl::StatusOr<std::vector<SeriesPoints>> SampleAt(const std::string& selector,
                                                     const std::vector<int64_t>& at_ms,
                                                     int64_t lookback_ms) override;
  absl::StatusOr<std::vector<SeriesPoints>> Latest(const std::string& selector, int64_t at_ms,
                                                   int64_t lookback_ms) override;
  // A StorageReportSource that keeps each selector's raw points over the
  // window after its first read (see ReportSource::ForWindow).
  std::unique_ptr<ReportSource> ForWindow(int64_t start_ms, int64_t end_ms) override;
  absl::StatusOr<std::vector<alerting::AlertTransition>> AlertTransitions(
      int64_t start_ms, int64_t end_ms) override;

 private:
  // The series with points; ResourceExhausted when the read was truncated.
  absl::StatusOr<std::vector<SeriesPoints>> NonEmpty(
      absl::StatusOr<Limited<SeriesPoints>> read) const;
  // ReadRange, served from the window cache when the window covers the read.
  absl::StatusOr<Limited<SeriesPoints>> ReadRaw(const std::string& text,
                                                const CompiledSelector& selector,
                                                int64_t start_ms, int64_t end_ms);
  // QueryAggregated's contract (range_query.h) over raw points.
  absl::StatusOr<Limited<SeriesPoints>> RawAggregated(const std::string& text,
                                                      const CompiledSelector& selector,
                                                      int64_t start_ms, int64_t end_ms,
                                                      int64_t step_ms, Aggregation agg);
  // The tier-aware switch point: epoch-aligned step aggregation.
  absl::StatusOr<std::vector<SeriesPoints>> ReadAggregated(const std::string& text,
                                                           const CompiledSelector& selector,
                                                           int64_t start_ms, int64_t end_ms,
                                                           int64_t step_ms, Aggregation agg);

  const Storage& storage_;
  alerting::AlertStore* alerts_;
  Options options_;
  // ForWindow() sources only: raw series per selector text over
  // [start, end), filled on first use. Empty window: no caching.
  int64_t window_start_ms_ = 0, window_end_ms_ = 0;
  std::map<std::string, std::vector<SeriesPoints>> window_cache_;
};

// Parses and compiles selector text; InvalidArgument names the selector.
absl::StatusOr<CompiledSelector> CompileSelectorText(const std::string& text);

}  // namespace scout::collector::reports
