// The daily report: KPI tiles and every section for one local day.
//
// KPI tiles (kpi.h has the thresholds), each the WORST subject of the day
// so a tile is Good only if every endpoint / host / target meets the KPI:
//  * response time p95: highest daily p95 among web endpoints (http probes
//    without kind="api");
//  * error rate: highest among http probes; availability: lowest among
//    web endpoints (endpoints.h);
//  * CPU: highest daily average (the guide: "< 70 % average"); memory and
//    disk: highest peak (the guide's alert script checks instant values);
//  * network latency: highest mean TCP probe duration (connect time, as
//    rules/default.yaml's HighNetworkLatency);
//  * avg query time, pool usage (peak), lock wait (max): worst target
//    (database.h);
//  * API response / success: worst of kind="api" probes (mean duration,
//    success share) and SceneScout API sources (request-weighted day means);
//  * ingestion rate: the day's events per sampled hour (all sources);
//  * data freshness: the peak of scenescout_events_freshness_lag_seconds.
#pragma once

#include "absl/status/statusor.h"
#include "collector/reports/report_model.h"
#include "collector/reports/report_source.h"

namespace scout::collector::reports {

absl::StatusOr<DailyReport> BuildDailyReport(const ReportPeriod& period, ReportSource& source);

// The tiles from already computed sections (pure; the weekly table uses
// the same worst-of rules, see weekly_report.h).
std::vector<Kpi> ComputeKpis(const DailyReport& report);

}  // namespace scout::collector::reports
