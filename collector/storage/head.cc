#include "collector/storage/head.h"

#include <algorithm>

namespace scout::collector {

void SortAndDedupLastWins(std::vector<Point>* points) {
  std::stable_sort(points->begin(), points->end(), [](const Point& a, const Point& b) {
    return a.timestamp_ms < b.timestamp_ms;
  });
  // Keep the last of each run of equal timestamps.
  size_t out = 0;
  for (size_t i = 0; i < points->size(); ++i) {
    if (i + 1 < points->size() && (*points)[i + 1].timestamp_ms == (*points)[i].timestamp_ms) {
      continue;
    }
    (*points)[out++] = (*points)[i];
  }
  points->resize(out);
}

void Head::UpdateLatest(SeriesHead& s, const Point& point) {
  if (!s.latest || point.timestamp_ms >= s.latest->timestamp_ms) s.latest = point;
}

void Head::Append(const std::vector<Entry>& entries) {
  absl::MutexLock lock(&mu_);
  for (const Entry& e : entries) {
    SeriesHead& s = series_[e.series_id];
    s.head.push_back(e.point);
    UpdateLatest(s, e.point);
    head_oldest_ms_ = std::min(head_oldest_ms_, e.point.timestamp_ms);
  }
  points_ += entries.size();
}

std::vector<int64_t> Head::BeginFlush() {
  absl::MutexLock lock(&mu_);
  std::vector<int64_t> ids;
  for (auto& [id, s] : series_) {
    if (s.head.empty()) continue;
    // A previous generation is always finished before a new one begins.
    s.flushing.insert(s.flushing.end(), s.head.begin(), s.head.end());
    s.head.clear();
    s.head.shrink_to_fit();
    ids.push_back(id);
  }
  flushing_series_ = ids.size();
  flushing_oldest_ms_ = ids.empty() ? INT64_MAX : head_oldest_ms_;
  head_oldest_ms_ = INT64_MAX;
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<Point> Head::FlushingPoints(int64_t series_id) const {
  std::vector<Point> points;
  {
    absl::MutexLock lock(&mu_);
    auto it = series_.find(series_id);
    if (it != series_.end()) points = it->second.flushing;
  }
  SortAndDedupLastWins(&points);
  return points;
}

void Head::EndFlush(int64_t series_id) {
  absl::MutexLock lock(&mu_);
  auto it = series_.find(series_id);
  if (it == series_.end()) return;
  if (!it->second.flushing.empty() && --flushing_series_ == 0) flushing_oldest_ms_ = INT64_MAX;
  points_ -= it->second.flushing.size();
  it->second.flushing.clear();
  it->second.flushing.shrink_to_fit();
}

void Head::CopyRange(int64_t series_id, int64_t start_ms, int64_t end_ms,
                     std::vector<Point>* out) const {
  absl::MutexLock lock(&mu_);
  auto it = series_.find(series_id);
  if (it == series_.end()) return;
  // At most every point is copied: one allocation instead of doubling.
  out->reserve(out->size() + it->second.flushing.size() + it->second.head.size());
  for (const auto* list : {&it->second.flushing, &it->second.head}) {
    for (const Point& p : *list) {
      if (p.timestamp_ms >= start_ms && p.timestamp_ms < end_ms) out->push_back(p);
    }
  }
}

std::optional<Point> Head::Latest(int64_t series_id) const {
  absl::MutexLock lock(&mu_);
  auto it = series_.find(series_id);
  if (it == series_.end()) return std::nullopt;
  return it->second.latest;
}

void Head::SetLatest(int64_t series_id, const Point& point) {
  absl::MutexLock lock(&mu_);
  UpdateLatest(series_[series_id], point);
}

bool Head::ForgetIfEmpty(int64_t series_id) {
  absl::MutexLock lock(&mu_);
  auto it = series_.find(series_id);
  if (it == series_.end()) return true;
  if (!it->second.head.empty() || !it->second.flushing.empty()) return false;
  series_.erase(it);
  return true;
}

int64_t Head::OldestUnflushedMs() const {
  absl::MutexLock lock(&mu_);
  return std::min(head_oldest_ms_, flushing_oldest_ms_);
}

size_t Head::point_count() const {
  absl::MutexLock lock(&mu_);
  return points_;
}

}  // namespace scout::collector
