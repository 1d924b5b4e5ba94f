// An in-memory SeriesSource over fixed series, for the PromQL tests.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "collector/promql/series_source.h"
#include "shared/metric.h"
#include "shared/selector.h"

namespace scout::collector::promql {

class MemorySource : public SeriesSource {
 public:
  void Add(const std::string& metric, std::vector<std::pair<std::string, std::string>> labels,
           std::vector<Point> points) {
    SeriesPoints sp;
    sp.key.metric = metric;
    sp.key.labels = MakeLabels(std::move(labels));
    sp.points = std::move(points);
    series_.push_back(std::move(sp));
  }
  const std::vector<SeriesPoints>& series() const { return series_; }

  absl::StatusOr<std::vector<SeriesPoints>> ReadRange(const CompiledSelector& selector,
                                                      int64_t start_ms, int64_t end_ms) override {
    ++range_reads;
    if (!fail.ok()) return fail;
    std::vector<SeriesPoints> out;
    for (const SeriesPoints& sp : series_) {
      if (!selector.Matches(sp.key)) continue;
      SeriesPoints o;
      o.key = sp.key;
      for (const Point& p : sp.points) {
        if (p.timestamp_ms >= start_ms && p.timestamp_ms < end_ms) o.points.push_back(p);
      }
      points_read += o.points.size();
      if (!o.points.empty()) out.push_back(std::move(o));
    }
    return out;
  }

  absl::StatusOr<std::vector<SeriesPoints>> Latest(const CompiledSelector& selector) override {
    ++latest_reads;
    if (!fail.ok()) return fail;
    std::vector<SeriesPoints> out;
    for (const SeriesPoints& sp : series_) {
      if (!selector.Matches(sp.key) || sp.points.empty()) continue;
      SeriesPoints o;
      o.key = sp.key;
      o.points.push_back(sp.points.back());
      out.push_back(std::move(o));
    }
    return out;
  }

  int range_reads = 0;
  int latest_reads = 0;
  size_t points_read = 0;
  absl::Status fail;

 private:
  std::vector<SeriesPoints> series_;
};

}  // namespace scout::collector::promql
