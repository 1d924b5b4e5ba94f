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
  // Bounded by kMaxSeries and the rule's window, not by query.* (rules
  // are the operator's own, and a refused rule would freeze its alerts).
  ReadBudget budget = ReadBudget::Unlimited();
  return Checked(storage_.ReadRange(selector, start_ms, end_ms, kMaxSeries, budget));
}

absl::StatusOr<std::vector<SeriesPoints>> StorageSeriesSource::Latest(
    const CompiledSelector& selector) {
  return Checked(storage_.Latest(selector, kMaxSeries));
}

}  // namespace scout::collector
