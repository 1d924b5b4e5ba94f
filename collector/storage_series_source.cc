#include "collector/storage_series_source.h"

#include "absl/strings/str_cat.h"

namespace scout::collector {
namespace {

absl::StatusOr<std::vector<SeriesPoints>> Checked(absl::StatusOr<Limited<SeriesPoints>> r) {
  if (!r.ok()) return r.status();
  if (r->truncated) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "selector matches more than ", StorageSeriesSource::kMaxSeries, " series; narrow it"));
  }
  return std::move(r->items);
}

}  // namespace

absl::StatusOr<std::vector<SeriesPoints>> StorageSeriesSource::ReadRange(
    const CompiledSelector& selector, int64_t start_ms, int64_t end_ms) {
  return Checked(storage_.ReadRange(selector, start_ms, end_ms, kMaxSeries));
}

absl::StatusOr<std::vector<SeriesPoints>> StorageSeriesSource::Latest(
    const CompiledSelector& selector) {
  return Checked(storage_.Latest(selector, kMaxSeries));
}

}  // namespace scout::collector
