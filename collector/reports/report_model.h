// The report as data: a plain struct tree that the builders fill and the
// renderers (HTML, Markdown, JSON) only read. Values are in base units
// (seconds, ratios 0..1, bytes, counts); NaN means "no data" and renders
// as "–" / JSON null, never as 0.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "collector/reports/report_period.h"
#include "shared/guide/db_advice.h"
#include "shared/guide/kpi.h"
#include "shared/metric.h"

namespace scout::collector::reports {

inline constexpr double kNoData = std::numeric_limits<double>::quiet_NaN();
inline bool HasData(double v) { return !std::isnan(v); }

// The guide's units (shared/guide/kpi.h), for every figure in a report.
using Unit = guide::Unit;
const char* UnitName(Unit unit);  // "seconds", "ratio", "bytes", "count", "per_hour"

enum class KpiStatus { kGood, kWarning, kCritical, kMissing };  // kMissing: no data
const char* KpiStatusName(KpiStatus status);   // "good", "warning", "critical", "no_data"
const char* KpiStatusTitle(KpiStatus status);  // "Good", "Warning", "Critical", "No data"

// One tile: a guide KPI, the day's value, and its status.
struct Kpi {
  std::string id;       // stable: "response_time_p95", "cpu_usage", ...
  std::string name;     // "Response time (p95)"
  Unit unit = Unit::kCount;
  double value = kNoData;
  std::string subject;  // what gave the value: the worst endpoint / host / source
  std::string basis;    // how the value is computed, in words
  std::string target;   // the guide's KPI in words: "< 2 s"
  bool higher_is_better = false;
  double warning = kNoData;   // value at which the status becomes Warning
  double critical = kNoData;  // ... Critical; NaN when the guide has no second step
  KpiStatus status = KpiStatus::kMissing;
};

// ---- Charts (the renderers turn these into SVG or sparklines) ----

struct ChartLine {
  std::string name;
  std::vector<Point> points;  // ascending timestamps
};

struct Chart {
  std::string title;
  Unit unit = Unit::kCount;
  int64_t start_ms = 0, end_ms = 0;  // the x axis
  // Tick positions and their labels in the report's time zone (the builder
  // formats them, so rendering needs no time-zone data).
  std::vector<std::pair<int64_t, std::string>> x_ticks;
  std::vector<ChartLine> lines;
  // Points further apart than this are not joined (missing data shows as
  // a gap, not as a straight line across it).
  int64_t max_gap_ms = 0;
  double threshold = kNoData;  // a KPI line, dashed; NaN = none
  std::string threshold_label;
  bool HasPoints() const;
};

// ---- Daily sections ----

struct EndpointStats {
  std::string probe, host, target, protocol, kind;
  int64_t samples = 0;
  double p50 = kNoData, p95 = kNoData, p99 = kNoData, mean = kNoData;  // seconds
  double error_rate = kNoData;    // 1 - mean(scout_probe_success)
  double availability = kNoData;  // share of minutes with every result successful
  int64_t minutes = 0, minutes_up = 0;
  Chart chart;
};

struct HostStats {
  std::string host;
  double cpu_avg = kNoData, cpu_peak = kNoData;
  double memory_avg = kNoData, memory_peak = kNoData;
  double disk_avg = kNoData, disk_peak = kNoData;  // the fullest mount point
  std::string disk_mountpoint;
  Chart chart;
};

struct DbTargetStats {
  std::string host, target;
  double active_connections_avg = kNoData, active_connections_peak = kNoData;
  double max_connections = kNoData;
  double connections_used_avg = kNoData, connections_used_peak = kNoData;
  double avg_query_seconds = kNoData;  // call-weighted over the day
  std::string avg_query_basis;         // "counters" | "gauge"
  double lock_wait_max_seconds = kNoData;
  double blocked_sessions_peak = kNoData;
  int64_t blocked_minutes = 0;  // minutes with a blocked session
  int64_t lock_incidents = 0;   // runs of consecutive such minutes
};

struct SlowQuery {
  std::string host, target, queryid, datname, user, query;
  double mean_seconds = kNoData;  // over the day (Δexec / Δcalls) or since reset
  std::string mean_basis;         // "day" | "since_reset"
  double calls_per_hour = kNoData;
  double max_seconds = kNoData;   // max_exec_time since the statistics reset
  bool slow = false;              // mean > 100 ms
};

struct LockWait {
  std::string host, target, datname, locktype, mode;
  std::string blocked_pid, blocked_user, blocked_query;
  std::string blocking_pid, blocking_user, blocking_query;
  double max_wait_seconds = 0;
};

struct DatabaseSection {
  std::vector<DbTargetStats> targets;
  std::vector<SlowQuery> slow_queries;  // slowest first, at most 10
  std::vector<LockWait> lock_waits;     // longest first, at most 10
  int64_t advice_at_ms = 0;             // the snapshot the advice is about
  std::vector<guide::Advice> advice;
};

struct SourceIngestion {
  std::string target, source;
  std::vector<double> hourly_events;  // per hour of the day; NaN = not sampled
  double total_events = kNoData;
  double max_last_event_age_seconds = kNoData;
  bool gap = false;  // last event age exceeded 2 h during the day
  double api_requests = kNoData;
  double api_avg_response_seconds = kNoData;  // request-weighted over the day
  double api_success_ratio = kNoData;
};

struct IngestionError {
  std::string target, source, error_type;
  double count = 0;
  int64_t last_error_ms = 0;  // 0 = unknown
};

struct IngestionSection {
  std::vector<int64_t> hour_starts;     // local hours of the day
  std::vector<double> hourly_events;    // all sources (scenescout_events_ingested_last_hour)
  int64_t hours_sampled = 0;            // hours with a sample at their end
  double total_events = kNoData;        // sum over the sampled hours
  int64_t active_sources = 0;           // sources with an event that day
  double avg_events_per_hour = kNoData;
  double min_hour_events = kNoData;
  double freshness_peak_seconds = kNoData;
  std::vector<SourceIngestion> sources;
  std::vector<IngestionError> errors;   // most first
  Chart chart;
};

struct FiredAlert {
  int64_t at_ms = 0;
  std::string rule, severity;
  std::string labels;  // the alert's labels except alertname and severity
  double value = 0;
};

struct AlertsSection {
  std::vector<FiredAlert> fired;  // oldest first
  std::vector<std::pair<std::string, int64_t>> by_rule;  // most first
};

struct ProcessGroupGrowth {
  std::string host, group;
  double first_hour_bytes = kNoData, last_hour_bytes = kNoData;
  double growth_bytes = kNoData, growth_ratio = kNoData;
  bool grew = false;  // growth > 10 % or > 50 MiB
};

struct DailyReport {
  std::vector<Kpi> kpis;
  std::vector<EndpointStats> endpoints;
  std::vector<HostStats> hosts;
  DatabaseSection database;
  IngestionSection ingestion;
  AlertsSection alerts;
  std::vector<ProcessGroupGrowth> process_groups;  // every group, grown ones first
};

// ---- Weekly ----

// One row of the weekly table: the guide's four columns plus ours.
struct DayFigures {
  std::string date, weekday;
  int64_t start_ms = 0, end_ms = 0;
  double total_events = kNoData;
  double active_sources = kNoData;
  double api_avg_response_seconds = kNoData;  // per-source day means, averaged
  double api_avg_success_ratio = kNoData;
  double p95_latency_seconds = kNoData;  // worst web endpoint
  double error_rate = kNoData;           // worst http endpoint
  double availability = kNoData;         // worst web endpoint
  double cpu_peak = kNoData;             // highest host
  double memory_peak = kNoData;
  int64_t alerts_fired = 0;
};

// A week folded into one row: sums for counts, the worst value for peaks
// and latency, the mean of the days for ratios and averages.
struct WeekFigures {
  std::string label;
  double total_events = kNoData;
  double active_sources = kNoData;  // most on one day
  double api_avg_response_seconds = kNoData;
  double api_avg_success_ratio = kNoData;
  double p95_latency_seconds = kNoData;
  double error_rate = kNoData;
  double availability = kNoData;
  double cpu_peak = kNoData;
  double memory_peak = kNoData;
  double alerts_fired = 0;
};

struct WeekChange {
  std::string id, name;
  Unit unit = Unit::kCount;
  bool higher_is_better = false;
  double this_week = kNoData, previous_week = kNoData;
  double change = kNoData;        // this - previous
  double change_ratio = kNoData;  // change / previous (NaN when previous is 0)
};

struct WeeklyReport {
  std::vector<DayFigures> days;           // Monday..Sunday
  std::vector<DayFigures> previous_days;  // the ISO week before
  WeekFigures this_week, previous_week;
  std::vector<WeekChange> changes;
  Chart events_chart;   // events per day, this week vs previous
  Chart latency_chart;  // p95 per day, this week vs previous
};

struct Report {
  ReportPeriod period;
  int64_t generated_ms = 0;  // 0 = not stated
  std::optional<DailyReport> daily;
  std::optional<WeeklyReport> weekly;
};

}  // namespace scout::collector::reports
