// The alert engine's SeriesSource over the collector's Storage.
#pragma once

#include "collector/promql/series_source.h"
#include "collector/storage/storage.h"

namespace scout::collector {

class StorageSeriesSource final : public promql::SeriesSource {
 public:
  explicit StorageSeriesSource(const Storage& storage) : storage_(storage) {}

  absl::StatusOr<std::vector<SeriesPoints>> ReadRange(const CompiledSelector& selector,
                                                      int64_t start_ms, int64_t end_ms) override;
  absl::StatusOr<std::vector<SeriesPoints>> Latest(const CompiledSelector& selector) override;

  // A rule selecting more series than this fails instead of stalling the
  // engine (and the error names the rule).
  static constexpr size_t kMaxSeries = 200000;

 private:
  const Storage& storage_;
};

}  // namespace scout::collector
