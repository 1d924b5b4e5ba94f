#include "collector/prom_api/budgeted_source.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

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
  if (!history_.has_value() || start_ms >= history_->raw_complete_from_ms) {
    return Account(storage_.ReadRange(selector, start_ms, end_ms, max_series_, budget_));
  }
  // Rollups before the split, raw from it: each series' points stay sorted.
  const int64_t split = std::min(end_ms, history_->raw_complete_from_ms);
  absl::StatusOr<std::vector<SeriesPoints>> out = ReadHistory(selector, start_ms, split);
  if (!out.ok() || split >= end_ms) return out;
  absl::StatusOr<std::vector<SeriesPoints>> raw =
      Account(storage_.ReadRange(selector, split, end_ms, max_series_, budget_));
  if (!raw.ok()) return raw.status();
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < out->size(); ++i) index.emplace(SeriesKeyString((*out)[i].key), i);
  for (SeriesPoints& sp : *raw) {
    auto it = index.find(SeriesKeyString(sp.key));
    if (it == index.end()) {
      out->push_back(std::move(sp));
    } else {
      std::vector<Point>& points = (*out)[it->second].points;
      points.insert(points.end(), sp.points.begin(), sp.points.end());
    }
  }
  if (out->size() > max_series_) return Account(Limited<SeriesPoints>{{}, true});
  return out;
}

absl::StatusOr<std::vector<SeriesPoints>> BudgetedSource::ReadHistory(
    const CompiledSelector& selector, int64_t start_ms, int64_t end_ms) {
  // A row that began up to one bucket before start_ms may hold a newer sample.
  const int64_t bucket = RollupBucketMs(history_->tier);
  absl::StatusOr<Limited<SeriesRollups>> rows = storage_.ReadRollups(
      selector, history_->tier, start_ms - bucket + 1, end_ms, max_series_, budget_);
  if (!rows.ok()) return rows.status();
  Limited<SeriesPoints> read;
  read.truncated = rows->truncated;
  for (SeriesRollups& series : rows->items) {
    SeriesPoints sp;
    sp.key = std::move(series.key);
    for (const RollupRow& row : series.rows) {
      if (row.last_ms >= start_ms && row.last_ms < end_ms) sp.points.push_back({row.last_ms, row.last});
    }
    read.items.push_back(std::move(sp));
  }
  return Account(std::move(read));
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
