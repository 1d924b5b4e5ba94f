// Process groups whose memory grew during the day: the mean of
// scout_process_group_resident_memory_bytes over the day's first local hour
// against its last local hour (means, so one sample's noise does not
// decide). Grown = the growth exceeds 10 % of the first hour or 50 MiB
// (rules/default.yaml's ProcessGroupMemoryGrowth uses 50 MiB per hour over
// 6 h; a day report asks "did it end the day bigger").
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "collector/reports/report_model.h"
#include "collector/reports/report_source.h"

namespace scout::collector::reports {

inline constexpr double kGrowthRatio = 0.10;
inline constexpr double kGrowthBytes = 50.0 * 1024 * 1024;

// Every group with data in both hours; grown ones first (largest growth
// first), then the rest by host and group.
absl::StatusOr<std::vector<ProcessGroupGrowth>> ComputeProcessGroups(ReportSource& source,
                                                                     const DayWindow& day);

}  // namespace scout::collector::reports
