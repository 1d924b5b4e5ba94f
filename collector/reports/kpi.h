// The guide's KPIs and the Good / Warning / Critical rule for a tile.
//
// Warning = the KPI is missed; Critical = the guide's alert threshold is
// crossed (its alert script: CPU 80 %, memory 85 %, disk 90 %, error rate
// 1 %, response time 2 s; its database alerts: connections 80 % (sctl's
// critical step 90 %), blocked > 30 s; its ingestion gap alert: 2 h). A KPI
// without an alert in the guide has no Critical step. The same numbers are
// in rules/default.yaml.
#pragma once

#include <string>

#include "collector/reports/report_model.h"

namespace scout::collector::reports {

// Stable KPI ids, in tile order.
inline constexpr const char* kKpiResponseTime = "response_time_p95";
inline constexpr const char* kKpiErrorRate = "error_rate";
inline constexpr const char* kKpiAvailability = "availability";
inline constexpr const char* kKpiCpu = "cpu_usage";
inline constexpr const char* kKpiMemory = "memory_usage";
inline constexpr const char* kKpiDisk = "disk_usage";
inline constexpr const char* kKpiNetworkLatency = "network_latency";
inline constexpr const char* kKpiQueryTime = "db_avg_query_time";
inline constexpr const char* kKpiConnections = "db_connection_usage";
inline constexpr const char* kKpiLockWait = "db_lock_wait";
inline constexpr const char* kKpiApiResponse = "api_response_time";
inline constexpr const char* kKpiApiSuccess = "api_success_rate";
inline constexpr const char* kKpiIngestion = "ingestion_rate";
inline constexpr const char* kKpiFreshness = "data_freshness";

// A tile for `id` with the guide's name, unit and thresholds, classified.
// REQUIRES: `id` is one of the ids above.
Kpi MakeKpi(const std::string& id, double value, std::string subject, std::string basis);

// Good / Warning / Critical (kMissing for NaN) of `value` against the tile's
// thresholds. Lower-is-better: value >= warning is Warning; higher-is-better:
// value < warning (for "> 95 %": value <= warning) is Warning.
KpiStatus Classify(const Kpi& kpi, double value);

}  // namespace scout::collector::reports
