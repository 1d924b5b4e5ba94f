// Event ingestion figures for one day, from the SceneScout custom queries
// (docs/metrics.md, "SceneScout application metrics").
//
// Events per hour: the `*_last_hour` gauges count the trailing 60 minutes,
// so the sample taken exactly at the END of a local hour counts that hour's
// events. The report reads each hour's value at its end instant (newest
// sample at or before it, within 15 min); the agent aligns its cycles to
// wall-clock multiples of its interval, so that sample is taken on the hour
// and the hourly counts add up to the day's events exactly. (Averaging or
// taking the last sample inside an hour would count windows that straddle
// two hours.) The same hourly samples of scenescout_api_requests_last_hour,
// scenescout_api_avg_response_seconds and scenescout_api_success_ratio give
// each source's request-weighted day mean: Σ avg_h·requests_h / Σ requests_h.
//
// Gaps: sources whose scenescout_source_last_event_age_seconds exceeded
// 2 h (the guide's gap query) at any sample of the day.
// Errors: scenescout_ingestion_errors_last_24h sampled at the day's end
// (the 24 h ending at local midnight: the day, or one hour more/less on a
// DST day), with scenescout_ingestion_errors_last_timestamp_seconds.
// Freshness: the peak of scenescout_events_freshness_lag_seconds.
#pragma once

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "collector/reports/report_model.h"
#include "collector/reports/report_source.h"

namespace scout::collector::reports {

// The guide: "Alert if > 2 hours" (the freshness KPI's critical step).
inline constexpr double kGapSeconds = guide::FindKpi(guide::kKpiFreshness).critical;

// `detailed`: gaps, errors, freshness and the chart as well.
absl::StatusOr<IngestionSection> ComputeIngestion(ReportSource& source, const DayWindow& day,
                                                  absl::TimeZone tz, bool detailed);

}  // namespace scout::collector::reports
