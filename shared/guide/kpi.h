// The guide's KPIs (docs: the SceneScout performance-monitoring guide,
// "Key Performance Indicators" and its alert scripts): for each, its unit,
// its direction and the Good / Warning / Critical bounds.
//
// This table is the one place these numbers live. The reports' KPI tiles,
// `sctl host`, `sctl probes` and `sctl db` (through shared/guide/db_advice.h)
// read them from here, and tests/guide/rules_kpi_test.cc fails when a
// threshold in rules/default.yaml differs from the one here. To add a KPI:
// add an id and a row below (and, if it has an alert, its rule).
//
// Warning = the KPI is missed; Critical = the guide's alert threshold is
// crossed (its alert script: CPU 80 %, memory 85 %, disk 90 %, error rate
// 1 %, response time 2 s; its database alerts: connections 80 % (sctl's
// critical step 90 %), blocked > 30 s; its ingestion gap alert: 2 h). A KPI
// without an alert in the guide has no Critical step (kNoStep).
//
// Everything here is constexpr data and pure functions; thread-safe.
#pragma once

#include <cstdlib>
#include <limits>
#include <string_view>

namespace scout::guide {

enum class Unit { kSeconds, kRatio, kBytes, kCount, kPerHour };
enum class Direction { kLowerIsBetter, kHigherIsBetter };
enum class Level { kGood, kWarning, kCritical, kNoData };

// A step the guide does not define (NaN: never crossed).
inline constexpr double kNoStep = std::numeric_limits<double>::quiet_NaN();

struct KpiSpec {
  std::string_view id;    // stable, used in report JSON: "cpu_usage"
  std::string_view name;  // tile title: "CPU usage (average)"
  Unit unit;
  Direction direction;
  // "Strict" KPIs ("< 2 s", "> 95 %") are missed at the bound itself; the
  // others (">= 99.9 %") are met at it.
  bool fail_at_bound;
  double warning;   // the KPI's bound: crossing it is Warning
  double critical;  // the alert's bound: crossing it is Critical (or kNoStep)
  std::string_view target;  // the KPI in words: "< 70 %"
};

// Stable KPI ids, in tile order.
inline constexpr std::string_view kKpiResponseTime = "response_time_p95";
inline constexpr std::string_view kKpiErrorRate = "error_rate";
inline constexpr std::string_view kKpiAvailability = "availability";
inline constexpr std::string_view kKpiCpu = "cpu_usage";
inline constexpr std::string_view kKpiMemory = "memory_usage";
inline constexpr std::string_view kKpiDisk = "disk_usage";
inline constexpr std::string_view kKpiNetworkLatency = "network_latency";
inline constexpr std::string_view kKpiQueryTime = "db_avg_query_time";
inline constexpr std::string_view kKpiConnections = "db_connection_usage";
inline constexpr std::string_view kKpiLockWait = "db_lock_wait";
inline constexpr std::string_view kKpiApiResponse = "api_response_time";
inline constexpr std::string_view kKpiApiSuccess = "api_success_rate";
inline constexpr std::string_view kKpiIngestion = "ingestion_rate";
inline constexpr std::string_view kKpiFreshness = "data_freshness";

inline constexpr Direction kLower = Direction::kLowerIsBetter;
inline constexpr Direction kHigher = Direction::kHigherIsBetter;

// clang-format off
inline constexpr KpiSpec kKpis[] = {
  // id                 name                            unit            dir    strict warning critical target
  {kKpiResponseTime,   "Response time (p95)",          Unit::kSeconds, kLower,  true,  2.0,   2.0,     "< 2 s (95th percentile)"},
  {kKpiErrorRate,      "Error rate",                   Unit::kRatio,   kLower,  true,  0.001, 0.01,    "< 0.1 %"},
  {kKpiAvailability,   "Availability",                 Unit::kRatio,   kHigher, false, 0.999, kNoStep, ">= 99.9 %"},
  {kKpiCpu,            "CPU usage (average)",          Unit::kRatio,   kLower,  true,  0.70,  0.80,    "< 70 %"},
  {kKpiMemory,         "Memory usage (peak)",          Unit::kRatio,   kLower,  true,  0.80,  0.85,    "< 80 %"},
  {kKpiDisk,           "Disk usage (peak)",            Unit::kRatio,   kLower,  true,  0.85,  0.90,    "< 85 %"},
  {kKpiNetworkLatency, "Network latency",              Unit::kSeconds, kLower,  true,  0.100, kNoStep, "< 100 ms"},
  {kKpiQueryTime,      "Avg query time",               Unit::kSeconds, kLower,  true,  0.100, kNoStep, "< 100 ms (average)"},
  {kKpiConnections,    "Connection pool usage (peak)", Unit::kRatio,   kLower,  true,  0.80,  0.90,    "< 80 %"},
  {kKpiLockWait,       "Lock wait time (max)",         Unit::kSeconds, kLower,  true,  1.0,   30.0,    "< 1 s"},
  {kKpiApiResponse,    "API response time",            Unit::kSeconds, kLower,  true,  5.0,   kNoStep, "< 5 s per API"},
  {kKpiApiSuccess,     "API success rate",             Unit::kRatio,   kHigher, true,  0.95,  kNoStep, "> 95 % per API source"},
  {kKpiIngestion,      "Ingestion rate",               Unit::kPerHour, kHigher, true,  1000,  kNoStep, "> 1000 events/hour"},
  {kKpiFreshness,      "Data freshness (worst lag)",   Unit::kSeconds, kLower,  true,  3600,  7200,    "< 1 hour lag"},
};
// clang-format on

// The row for `id`. REQUIRES: `id` is one of the ids above (a wrong id in a
// constant expression does not compile; at run time it aborts).
constexpr const KpiSpec& FindKpi(std::string_view id) {
  for (const KpiSpec& k : kKpis) {
    if (k.id == id) return k;
  }
  std::abort();  // a programming error: ids are the constants above
}

// True when `value` is on the wrong side of `bound` for `kpi` (false for a
// kNoStep bound or a NaN value).
bool Crosses(const KpiSpec& kpi, double value, double bound);

// Good / Warning / Critical of `value`; kNoData for NaN.
Level Judge(const KpiSpec& kpi, double value);

}  // namespace scout::guide
