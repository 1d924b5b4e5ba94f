// The weekly report: the guide's "Weekly Performance Trends" table per
// local day of an ISO week (Monday..Sunday), plus p95 latency, error rate,
// availability, CPU/memory peaks and alerts fired, with the same figures
// for the ISO week before and the week-over-week change.
//
// Per day (each the same definition as the daily report's tile or section,
// so a weekly row agrees with that day's daily report):
//  * total events / active sources: hourly samples of
//    scenescout_events_ingested_last_hour summed / sources with events
//    (ingestion.h). Chosen over scenescout_today_*: "today" there is the
//    database session's time zone and its last sample before midnight
//    misses the day's final scrape interval, while the hourly samples
//    follow the report's time zone and add up exactly;
//  * average API response time / success rate: each source's
//    request-weighted day mean, averaged over sources, as the guide's SQL
//    averages per-source figures (AVG over api_performance rows);
//  * p95 latency, error rate, availability: the worst endpoint (daily
//    KPI rules); CPU / memory peak: the highest host; alerts: firing
//    transitions.
// The week row: events summed, active sources = distinct sources with an
// event in the week, p95 and peaks = the worst day, ratios and averages =
// the mean of the days with data, alerts summed.
#pragma once

#include "absl/status/statusor.h"
#include "collector/reports/report_model.h"
#include "collector/reports/report_source.h"

namespace scout::collector::reports {

absl::StatusOr<WeeklyReport> BuildWeeklyReport(const ReportPeriod& period, ReportSource& source);

}  // namespace scout::collector::reports
