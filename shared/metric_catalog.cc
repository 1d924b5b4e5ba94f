#include "shared/metric_catalog.h"

#include <algorithm>
#include <iterator>

namespace scout {
namespace {

// {name, type, help, unit}, sorted by name: generated from docs/metrics.md
// by shared/gen_metric_catalog.cmake (which holds the type rule).
constexpr MetricInfo kMetrics[] = {
#include "metric_catalog_table.inc"
};

}  // namespace

const MetricInfo* FindMetric(std::string_view name) {
  const std::vector<MetricInfo>& all = AllMetrics();
  auto it = std::lower_bound(all.begin(), all.end(), name,
                             [](const MetricInfo& m, std::string_view n) { return m.name < n; });
  return it != all.end() && it->name == name ? &*it : nullptr;
}

const std::vector<MetricInfo>& AllMetrics() {
  static const std::vector<MetricInfo>* kAll =
      new std::vector<MetricInfo>(std::begin(kMetrics), std::end(kMetrics));
  return *kAll;
}

const MetricInfo* FamilyOfMember(std::string_view name) {
  for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (name.size() <= suffix.size() || name.substr(name.size() - suffix.size()) != suffix) {
      continue;
    }
    const MetricInfo* family = FindMetric(name.substr(0, name.size() - suffix.size()));
    if (family != nullptr &&
        (family->type == "histogram" || (family->type == "summary" && suffix != "_bucket"))) {
      return family;
    }
  }
  return nullptr;
}

}  // namespace scout
