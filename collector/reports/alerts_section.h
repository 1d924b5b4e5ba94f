// Alerts fired in a window: the AlertStore's history transitions whose new
// state is "firing" (pending -> firing, or straight to firing for a rule
// without `for`). A resend of an alert that is already firing is not a
// transition, so each counts once per firing episode.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "collector/reports/report_model.h"
#include "collector/reports/report_source.h"

namespace scout::collector::reports {

// All firing transitions in [start, end) as a section (oldest first).
absl::StatusOr<AlertsSection> ComputeAlerts(ReportSource& source, int64_t start_ms,
                                            int64_t end_ms);

// Counts of firing transitions per day window (for the weekly table), from
// one read of the whole [days.front().start, days.back().end).
absl::StatusOr<std::vector<int64_t>> CountFiredPerDay(ReportSource& source,
                                                      const std::vector<DayWindow>& days);

}  // namespace scout::collector::reports
