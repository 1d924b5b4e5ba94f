#include "collector/prom_api/budgeted_source.h"

#include "absl/strings/str_cat.h"

namespace scout::collector::prom_api {

absl::StatusOr<std::vector<SeriesPoints>> BudgetedSource::Account(
    absl::StatusOr<Limited<SeriesPoints>> read) {
  if (!read.ok()) return read.status();
  if (read->truncated) {
    return absl::ResourceExhaustedError(
        absl::StrCat("a selector matches more than query.max_series (", max_series_,
                     ") series; narrow it"));
  }
  series_read_ += read->items.size();
  return std::move(read->items);
}

absl::StatusOr<std::vector<SeriesPoints>> BudgetedSource::ReadRange(
    const CompiledSelector& selector, int64_t start_ms, int64_t end_ms) {
  if (absl::Status s = budget_.Check(); !s.ok()) return s;
  return Account(storage_.ReadRange(selector, start_ms, end_ms, max_series_, budget_));
}

absl::StatusOr<std::vector<SeriesPoints>> BudgetedSource::Latest(
    const CompiledSelector& selector) {
  if (absl::Status s = budget_.Check(); !s.ok()) return s;
  absl::StatusOr<Limited<SeriesPoints>> read = storage_.Latest(selector, max_series_);
  // Latest reads one point per series: charge them like raw reads.
  if (read.ok()) {
    if (absl::Status s = budget_.Charge(static_cast<int64_t>(read->items.size())); !s.ok()) {
      return s;
    }
  }
  return Account(std::move(read));
}

}  // namespace scout::collector::prom_api
