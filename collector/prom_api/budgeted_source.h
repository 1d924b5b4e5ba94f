// The SeriesSource of one HTTP API query: Storage reads charged to the
// query's ReadBudget (query_limits.h), so the API obeys the same limits
// as the gRPC Query service.
//
//  * every raw point read counts one sample of the budget (Storage charges
//    while it reads) and the deadline is checked on every read; a refusal
//    ends the query with RESOURCE_EXHAUSTED (query.max_samples → the API's
//    "execution", 422) or DEADLINE_EXCEEDED (query.timeout → "timeout", 503);
//  * each selector may match at most `max_series` series (query.max_series);
//    more → RESOURCE_EXHAUSTED naming query.max_series (not a silently
//    truncated answer: a sum over part of the series would be wrong).
//  * with a RollupHistory, the part of a read older than raw retention
//    (before raw_complete_from_ms) comes from that rollup tier instead:
//    each row becomes one point, its newest sample (last_ms, last) — the
//    series as if it had been sampled once per hour (or day). A row counts
//    one sample of the budget.
//
// One instance per query; used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "collector/promql/series_source.h"
#include "collector/query_limits.h"
#include "collector/storage/storage.h"

namespace scout::collector::prom_api {

// Where a range query reads rollups: history older than raw retention,
// at a step that allows it (RollupHistoryFor in query_handlers.cc).
struct RollupHistory {
  RollupTier tier = RollupTier::kHour;
  int64_t raw_complete_from_ms = 0;  // Storage::Coverage(): rollups before, raw from here
};

class BudgetedSource final : public promql::SeriesSource {
 public:
  BudgetedSource(const Storage& storage, ReadBudget& budget, size_t max_series,
                 std::optional<RollupHistory> history = std::nullopt)
      : storage_(storage), budget_(budget), max_series_(max_series), history_(history) {}

  absl::StatusOr<std::vector<SeriesPoints>> ReadRange(const CompiledSelector& selector,
                                                      int64_t start_ms, int64_t end_ms) override;
  absl::StatusOr<std::vector<SeriesPoints>> Latest(const CompiledSelector& selector) override;

  // Series handed out so far (a series read at two steps counts twice:
  // the bound is on work, not on distinct series).
  size_t series_read() const { return series_read_; }

 private:
  absl::StatusOr<std::vector<SeriesPoints>> Account(absl::StatusOr<Limited<SeriesPoints>> read);
  // Points from rollup rows whose newest sample lies in [start_ms, end_ms).
  absl::StatusOr<std::vector<SeriesPoints>> ReadHistory(const CompiledSelector& selector,
                                                        int64_t start_ms, int64_t end_ms);

  const Storage& storage_;
  ReadBudget& budget_;
  const size_t max_series_;
  const std::optional<RollupHistory> history_;
  size_t series_read_ = 0;
};

}  // namespace scout::collector::prom_api
