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
//
// One instance per query; used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "collector/promql/series_source.h"
#include "collector/query_limits.h"
#include "collector/storage/storage.h"

namespace scout::collector::prom_api {

class BudgetedSource final : public promql::SeriesSource {
 public:
  BudgetedSource(const Storage& storage, ReadBudget& budget, size_t max_series)
      : storage_(storage), budget_(budget), max_series_(max_series) {}

  absl::StatusOr<std::vector<SeriesPoints>> ReadRange(const CompiledSelector& selector,
                                                      int64_t start_ms, int64_t end_ms) override;
  absl::StatusOr<std::vector<SeriesPoints>> Latest(const CompiledSelector& selector) override;

  // Series handed out so far (a series read at two steps counts twice:
  // the bound is on work, not on distinct series).
  size_t series_read() const { return series_read_; }

 private:
  absl::StatusOr<std::vector<SeriesPoints>> Account(absl::StatusOr<Limited<SeriesPoints>> read);

  const Storage& storage_;
  ReadBudget& budget_;
  const size_t max_series_;
  size_t series_read_ = 0;
};

}  // namespace scout::collector::prom_api
