// The guide's KPIs as report tiles: the id, name, unit and bounds of each
// come from the KPI table (shared/guide/kpi.h, the one place they live; the
// same numbers are checked against rules/default.yaml); this file turns a
// day's value into a classified tile.
#pragma once

#include <string>
#include <string_view>

#include "collector/reports/report_model.h"
#include "shared/guide/kpi.h"

namespace scout::collector::reports {

// Stable KPI ids, in tile order (shared/guide/kpi.h).
using guide::kKpiApiResponse;
using guide::kKpiApiSuccess;
using guide::kKpiAvailability;
using guide::kKpiConnections;
using guide::kKpiCpu;
using guide::kKpiDisk;
using guide::kKpiErrorRate;
using guide::kKpiFreshness;
using guide::kKpiIngestion;
using guide::kKpiLockWait;
using guide::kKpiMemory;
using guide::kKpiNetworkLatency;
using guide::kKpiQueryTime;
using guide::kKpiResponseTime;

// A tile for `id` with the guide's name, unit and thresholds, classified.
// REQUIRES: `id` is one of the ids above.
Kpi MakeKpi(std::string_view id, double value, std::string subject, std::string basis);

// Good / Warning / Critical (kMissing for NaN) of `value` against the tile's
// KPI (guide::Judge). Lower-is-better: value >= warning is Warning;
// higher-is-better: value < warning (for "> 95 %": value <= warning) is
// Warning.
KpiStatus Classify(const Kpi& kpi, double value);

}  // namespace scout::collector::reports
