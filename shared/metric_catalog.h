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

// True for X_bucket, X_sum and X_count when X is a documented histogram or
// summary: docs/metrics.md lists them (for /metrics' lines), but metadata
// names only the family X, as Prometheus's /api/v1/metadata and remote
// write do.
bool IsFamilyMember(const MetricInfo& metric);

}  // namespace scout
