#include "collector/reports/process_groups.h"

#include <algorithm>
#include <utility>

#include "collector/reports/report_util.h"

namespace scout::collector::reports {

absl::StatusOr<std::vector<ProcessGroupGrowth>> ComputeProcessGroups(ReportSource& source,
                                                                     const DayWindow& day) {
  constexpr const char* kRss = "scout_process_group_resident_memory_bytes";
  const int64_t hour = std::min(kOneHourMs, day.end_ms - day.start_ms);
  auto first = SummaryMap(source, kRss, day.start_ms, day.start_ms + hour, Aggregation::kAvg,
                          {"host", "group"}, Combine::kSum);
  if (!first.ok()) return first.status();
  auto last = SummaryMap(source, kRss, day.end_ms - hour, day.end_ms, Aggregation::kAvg,
                         {"host", "group"}, Combine::kSum);
  if (!last.ok()) return last.status();

  std::vector<ProcessGroupGrowth> out;
  for (const auto& [key, begin] : *first) {
    auto end = last->find(key);
    if (end == last->end()) continue;
    ProcessGroupGrowth g;
    const size_t sep = key.find('\x1f');
    g.host = key.substr(0, sep);
    g.group = key.substr(sep + 1);
    g.first_hour_bytes = begin;
    g.last_hour_bytes = end->second;
    g.growth_bytes = end->second - begin;
    g.growth_ratio = SafeRatio(g.growth_bytes, begin);
    g.grew = g.growth_bytes > kGrowthBytes ||
             (HasData(g.growth_ratio) && g.growth_ratio > kGrowthRatio);
    out.push_back(std::move(g));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const ProcessGroupGrowth& a, const ProcessGroupGrowth& b) {
                     if (a.grew != b.grew) return a.grew;
                     return a.grew && a.growth_bytes > b.growth_bytes;
                   });
  return out;
}

}  // namespace scout::collector::reports
