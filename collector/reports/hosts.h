// Per-host resource figures for one window (docs/metrics.md, "Host"):
// CPU = node_cpu_usage_ratio, memory = node_memory_used_ratio (the guide's
// "Memory Usage"), disk = node_filesystem_used_ratio of the host's fullest
// mount point (highest peak). Average = mean of the samples in the window,
// peak = their maximum.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "collector/reports/report_model.h"
#include "collector/reports/report_source.h"

namespace scout::collector::reports {

// `detailed`: averages, disk and the 15-minute chart as well (daily); the
// weekly table needs only the CPU and memory peaks.
absl::StatusOr<std::vector<HostStats>> ComputeHosts(ReportSource& source, const DayWindow& day,
                                                    absl::TimeZone tz, bool detailed);

}  // namespace scout::collector::reports
