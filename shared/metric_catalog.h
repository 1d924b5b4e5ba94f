// MetricCatalog: what docs/metrics.md says about every metric Scout
// produces (name, type, help), for /metrics' # TYPE and # HELP lines and the
// Prometheus API's /api/v1/metadata. docs/metrics.md is the one source: the
// table is generated from it at build time.
#pragma once

#include <string_view>
#include <vector>

namespace scout {

struct MetricInfo {
  std::string_view name;  // "node_load1"
  std::string_view type;  // "counter", "gauge", "histogram", "summary" or "unknown"
  std::string_view help;  // one line, no trailing period
  std::string_view unit;  // from the name's suffix: "bytes", "seconds", "ratio" or ""
};

// nullptr when the metric is not in docs/metrics.md.
const MetricInfo* FindMetric(std::string_view name);
// Sorted by name.
const std::vector<MetricInfo>& AllMetrics();

// The documented family a series name belongs to as a member: X for
// X_bucket, X_sum or X_count of a histogram X, and for X_sum or X_count of
// a summary X; nullptr otherwise. The one place of that rule: /metrics
// writes members under X's # TYPE line (shared/prom_text), and metadata
// names only the family, as Prometheus's /api/v1/metadata and remote write
// do (docs/metrics.md lists the members too).
const MetricInfo* FamilyOfMember(std::string_view name);
inline bool IsFamilyMember(const MetricInfo& metric) {
  return FamilyOfMember(metric.name) != nullptr;
}

}  // namespace scout
