#include "collector/reports/storage_report_source.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace scout::collector::reports {

absl::StatusOr<CompiledSelector> CompileSelectorText(const std::string& text) {
  auto parsed = ParseSelector(text);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("report selector \"", text, "\": ", parsed.status().message()));
  }
  return CompiledSelector::Compile(*parsed);
}

StorageReportSource::StorageReportSource(const Storage& storage, alerting::AlertStore* alerts)
    : StorageReportSource(storage, alerts, Options{}) {}

StorageReportSource::StorageReportSource(const Storage& storage, alerting::AlertStore* alerts,
                                         Options options)
    : storage_(storage), alerts_(alerts), options_(options) {}

absl::StatusOr<std::vector<SeriesPoints>> StorageReportSource::NonEmpty(
    absl::StatusOr<Limited<SeriesPoints>> read) const {
  if (!read.ok()) return read.status();
  if (read->truncated) {
    return absl::ResourceExhaustedError(
        absl::StrCat("report query matches more than ", options_.series_limit, " series"));
  }
  std::vector<SeriesPoints> out;
  for (auto& s : read->items) {
    if (!s.points.empty()) out.push_back(std::move(s));
  }
  return out;
}

std::unique_ptr<ReportSource> StorageReportSource::ForWindow(int64_t start_ms, int64_t end_ms) {
  auto windowed = std::make_unique<StorageReportSource>(storage_, alerts_, options_);
  windowed->window_start_ms_ = start_ms;
  windowed->window_end_ms_ = end_ms;
  return windowed;
}

absl::StatusOr<Limited<SeriesPoints>> StorageReportSource::ReadRaw(
    const std::string& text, const CompiledSelector& selector, int64_t start_ms,
    int64_t end_ms) {
  if (window_start_ms_ >= window_end_ms_ || start_ms < window_start_ms_ ||
      end_ms > window_end_ms_) {
    // No sample cap: a report must read its whole day or week (bounded by
    // reports.series_limit per selector). It is bounded in time and count
    // instead: one generation at a time, under a deadline checked before
    // every read (ReportsService, reports/deadline_source.h).
    ReadBudget budget = ReadBudget::Unlimited();
    return storage_.ReadRange(selector, start_ms, end_ms, options_.series_limit, budget);
  }
  // Inside the window: read the whole window once per selector,
  // answer every sub-window from memory (the same points ReadRange would
  // return: sorted, one per timestamp).
  auto it = window_cache_.find(text);
  if (it == window_cache_.end()) {
    ReadBudget budget = ReadBudget::Unlimited();  // as above
    auto whole = NonEmpty(storage_.ReadRange(selector, window_start_ms_, window_end_ms_,
                                             options_.series_limit, budget));
    if (!whole.ok()) return whole.status();
    it = window_cache_.emplace(text, std::move(*whole)).first;
  }
  Limited<SeriesPoints> out;
  for (const SeriesPoints& s : it->second) {
    auto by_time = [](const Point& p, int64_t t) { return p.timestamp_ms < t; };
    auto from = std::lower_bound(s.points.begin(), s.points.end(), start_ms, by_time);
    auto to = std::lower_bound(from, s.points.end(), end_ms, by_time);
    out.items.push_back({s.key, std::vector<Point>(from, to)});
  }
  return out;
}

absl::StatusOr<Limited<SeriesPoints>> StorageReportSource::RawAggregated(
    const std::string& text, const CompiledSelector& selector, int64_t start_ms, int64_t end_ms,
    int64_t step_ms, Aggregation agg) {
  auto read = ReadRaw(text, selector, start_ms, end_ms);
  if (!read.ok()) return read.status();
  for (SeriesPoints& s : read->items) {
    s.points = AggregateBuckets(s.points, start_ms, end_ms, step_ms, agg);
  }
  return read;
}

absl::StatusOr<std::vector<SeriesPoints>> StorageReportSource::ReadAggregated(
    const std::string& text, const CompiledSelector& selector, int64_t start_ms, int64_t end_ms,
    int64_t step_ms, Aggregation agg) {
  // Rollups: this call becomes QueryAggregated(storage_, selector, start_ms,
  // end_ms, step_ms, agg, options_.series_limit) (range_query.h: same
  // answer shape).
  return NonEmpty(RawAggregated(text, selector, start_ms, end_ms, step_ms, agg));
}

absl::StatusOr<std::vector<SeriesPoints>> StorageReportSource::Range(const std::string& selector,
                                                                     int64_t start_ms,
                                                                     int64_t end_ms,
                                                                     int64_t step_ms,
                                                                     Aggregation agg) {
  if (start_ms >= end_ms || step_ms <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("report range [", start_ms, ", ", end_ms,
                                                   ") step ", step_ms, " is empty"));
  }
  auto compiled = CompileSelectorText(selector);
  if (!compiled.ok()) return compiled.status();
  return ReadAggregated(selector, *compiled, start_ms, end_ms, step_ms, agg);
}

absl::StatusOr<std::vector<SeriesPoints>> StorageReportSource::Summarize(
    const std::string& selector, int64_t start_ms, int64_t end_ms, Aggregation agg) {
  if (start_ms < 0 || start_ms >= end_ms) {
    return absl::InvalidArgumentError(
        absl::StrCat("report window [", start_ms, ", ", end_ms, ") is empty or before 1970"));
  }
  auto compiled = CompileSelectorText(selector);
  if (!compiled.ok()) return compiled.status();
  const int64_t read_from =
      agg == Aggregation::kRate ? std::max<int64_t>(0, start_ms - options_.rate_lookback_ms)
                                : start_ms;
  auto raw = NonEmpty(ReadRaw(selector, *compiled, read_from, end_ms));
  if (!raw.ok()) return raw.status();
  std::vector<SeriesPoints> out;
  for (auto& s : *raw) {
    // A step of `end_ms` puts all of [start, end) (start >= 0) into the one
    // epoch-aligned bucket [0, end): AggregateBuckets' semantics (points
    // before `start` only as the RATE base) over exactly our window.
    std::vector<Point> one = AggregateBuckets(s.points, start_ms, end_ms, end_ms, agg);
    if (one.empty()) continue;
    out.push_back({std::move(s.key), {{start_ms, one.front().value}}});
  }
  return out;
}

absl::StatusOr<std::vector<SeriesPoints>> StorageReportSource::SampleAt(
    const std::string& selector, const std::vector<int64_t>& at_ms, int64_t lookback_ms) {
  if (at_ms.empty()) return std::vector<SeriesPoints>{};
  if (!std::is_sorted(at_ms.begin(), at_ms.end()) || lookback_ms <= 0) {
    return absl::InvalidArgumentError("SampleAt needs ascending instants and a lookback > 0");
  }
  auto compiled = CompileSelectorText(selector);
  if (!compiled.ok()) return compiled.status();
  auto raw = NonEmpty(ReadRaw(selector, *compiled, at_ms.front() - lookback_ms + 1, at_ms.back() + 1));
  if (!raw.ok()) return raw.status();
  std::vector<SeriesPoints> out;
  for (auto& s : *raw) {
    SeriesPoints sampled{std::move(s.key), {}};
    for (int64_t at : at_ms) {
      auto it = std::upper_bound(s.points.begin(), s.points.end(), at,
                                 [](int64_t t, const Point& p) { return t < p.timestamp_ms; });
      if (it == s.points.begin()) continue;
      --it;
      if (it->timestamp_ms > at - lookback_ms) sampled.points.push_back({at, it->value});
    }
    if (!sampled.points.empty()) out.push_back(std::move(sampled));
  }
  return out;
}

absl::StatusOr<std::vector<SeriesPoints>> StorageReportSource::Latest(const std::string& selector,
                                                                      int64_t at_ms,
                                                                      int64_t lookback_ms) {
  if (lookback_ms <= 0) return absl::InvalidArgumentError("Latest needs a lookback > 0");
  auto compiled = CompileSelectorText(selector);
  if (!compiled.ok()) return compiled.status();
  auto raw = NonEmpty(ReadRaw(selector, *compiled, at_ms - lookback_ms + 1, at_ms + 1));
  if (!raw.ok()) return raw.status();
  for (SeriesPoints& s : *raw) s.points.erase(s.points.begin(), s.points.end() - 1);
  return raw;
}

absl::StatusOr<std::vector<alerting::AlertTransition>> StorageReportSource::AlertTransitions(
    int64_t start_ms, int64_t end_ms) {
  std::vector<alerting::AlertTransition> out;
  if (alerts_ == nullptr) return out;
  // History() returns the newest `limit` transitions at or after `since`;
  // hitting the limit would mean the oldest ones of our window were cut.
  auto history = alerts_->History(start_ms, options_.transition_limit);
  if (!history.ok()) return history.status();
  if (history->size() >= options_.transition_limit) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "more than ", options_.transition_limit, " alert transitions since ", start_ms));
  }
  for (auto& t : *history) {
    if (t.at_ms >= start_ms && t.at_ms < end_ms) out.push_back(std::move(t));
  }
  return out;
}

}  // namespace scout::collector::reports
