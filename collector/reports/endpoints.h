// Endpoint (probe) figures for one window, from the `probes` plugin's
// series (docs/metrics.md, "Endpoint and API probes"):
//  * latency p50/p95/p99/mean: percentiles of scout_probe_duration_seconds
//    samples in the window, failures included (their duration is the time
//    until the failure, which is what a user waited);
//  * error rate: 1 - mean(scout_probe_success), the share of failed
//    results, as rules/default.yaml's HighErrorRate computes it;
//  * availability: the share of minutes with data in which every result
//    was a success (min(success) over the minute = 1): uptime in minutes,
//    so a single failure costs the whole minute.
// The probe plugin re-emits its newest result every agent cycle, so these
// are per agent sample (time-weighted), which equals per run when the
// probe interval is the agent interval.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "collector/reports/report_model.h"
#include "collector/reports/report_source.h"

namespace scout::collector::reports {

// `detailed`: p50/p99/mean and the hourly chart as well (daily report);
// the weekly table needs only p95, error rate and availability.
absl::StatusOr<std::vector<EndpointStats>> ComputeEndpoints(ReportSource& source,
                                                            const DayWindow& day,
                                                            absl::TimeZone tz, bool detailed);

// Who the guide's KPIs are about (kind="api" marks third-party APIs, as in
// rules/default.yaml).
bool IsWebEndpoint(const EndpointStats& e);  // http, kind != api
bool IsHttpEndpoint(const EndpointStats& e);
bool IsApiEndpoint(const EndpointStats& e);  // kind == api
bool IsTcpEndpoint(const EndpointStats& e);
std::string EndpointName(const EndpointStats& e);  // "probe (host)"
// Whether the endpoint misses a KPI that applies to it: error rate and
// (web) availability, p95 < 2 s (web) or mean < 5 s (API) or < 100 ms (TCP).
bool EndpointMissesKpi(const EndpointStats& e);

}  // namespace scout::collector::reports
