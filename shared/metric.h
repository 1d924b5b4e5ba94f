// Plain domain types for samples and series, used by every module.
// Protobuf types stay at the edges (see shared/proto_convert.h).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace scout {

// Sorted by name, names unique. Build with MakeLabels() to get that form.
using Labels = std::vector<std::pair<std::string, std::string>>;

struct Point {
  int64_t timestamp_ms = 0;
  double value = 0;
  bool operator==(const Point& o) const {
    return timestamp_ms == o.timestamp_ms && value == o.value;
  }
};

struct SeriesKey {
  std::string metric;
  Labels labels;  // sorted by name
  bool operator==(const SeriesKey& o) const {
    return metric == o.metric && labels == o.labels;
  }
  bool operator<(const SeriesKey& o) const {
    return metric != o.metric ? metric < o.metric : labels < o.labels;
  }
};

struct SeriesPoints {
  SeriesKey key;
  std::vector<Point> points;
};

// Sorts by label name. Duplicate names are left for ValidateSeriesKey to reject.
Labels MakeLabels(std::vector<std::pair<std::string, std::string>> labels);

// Looks up a label value; returns "" when absent (Prometheus semantics).
const std::string& LabelValue(const Labels& labels, const std::string& name);

// One string that identifies a series: metric{a="x",b="y"} with values
// escaped. Used as the interning key and in human-readable output.
std::string SeriesKeyString(const SeriesKey& key);

bool IsValidMetricName(const std::string& name);
bool IsValidLabelName(const std::string& name);

}  // namespace scout
