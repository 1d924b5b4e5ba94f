#include "collector/reports/kpi.h"

#include <cstdlib>
#include <utility>

#include "ctl/db_advice.h"

namespace scout::collector::reports {
namespace {

struct KpiDef {
  const char* id;
  const char* name;
  Unit unit;
  bool higher_is_better;
  // "Strict" KPIs ("> 95 %", "> 1000/h") fail at the threshold itself;
  // the others (">= 99.9 %") pass at it.
  bool fail_at_threshold;
  double warning;
  double critical;
  const char* target;
};

const KpiDef kDefs[] = {
    {kKpiResponseTime, "Response time (p95)", Unit::kSeconds, false, true, 2.0, 2.0,
     "< 2 s (95th percentile)"},
    {kKpiErrorRate, "Error rate", Unit::kRatio, false, true, 0.001, 0.01, "< 0.1 %"},
    {kKpiAvailability, "Availability", Unit::kRatio, true, false, 0.999, kNoData, ">= 99.9 %"},
    {kKpiCpu, "CPU usage (average)", Unit::kRatio, false, true, 0.70, 0.80, "< 70 %"},
    {kKpiMemory, "Memory usage (peak)", Unit::kRatio, false, true, 0.80, 0.85, "< 80 %"},
    {kKpiDisk, "Disk usage (peak)", Unit::kRatio, false, true, 0.85, 0.90, "< 85 %"},
    {kKpiNetworkLatency, "Network latency", Unit::kSeconds, false, true, 0.100, kNoData,
     "< 100 ms"},
    {kKpiQueryTime, "Avg query time", Unit::kSeconds, false, true, ctl::kSlowMeanSeconds,
     kNoData, "< 100 ms (average)"},
    {kKpiConnections, "Connection pool usage (peak)", Unit::kRatio, false, true,
     ctl::kConnectionsWarningRatio, ctl::kConnectionsCriticalRatio, "< 80 %"},
    {kKpiLockWait, "Lock wait time (max)", Unit::kSeconds, false, true, ctl::kLockWaitKpiSeconds,
     ctl::kBlockingAlertSeconds, "< 1 s"},
    {kKpiApiResponse, "API response time", Unit::kSeconds, false, true, 5.0, kNoData,
     "< 5 s per API"},
    {kKpiApiSuccess, "API success rate", Unit::kRatio, true, true, 0.95, kNoData,
     "> 95 % per API source"},
    {kKpiIngestion, "Ingestion rate", Unit::kPerHour, true, true, 1000, kNoData,
     "> 1000 events/hour"},
    {kKpiFreshness, "Data freshness (worst lag)", Unit::kSeconds, false, true, 3600, 7200,
     "< 1 hour lag"},
};

const KpiDef& Find(const std::string& id) {
  for (const KpiDef& d : kDefs) {
    if (id == d.id) return d;
  }
  std::abort();  // a programming error: ids are the constants in kpi.h
}

bool Crosses(const KpiDef& d, double value, double threshold) {
  if (!HasData(threshold)) return false;
  if (d.higher_is_better) return d.fail_at_threshold ? value <= threshold : value < threshold;
  return d.fail_at_threshold ? value >= threshold : value > threshold;
}

}  // namespace

KpiStatus Classify(const Kpi& kpi, double value) {
  if (!HasData(value)) return KpiStatus::kMissing;
  const KpiDef& d = Find(kpi.id);
  if (Crosses(d, value, d.critical)) return KpiStatus::kCritical;
  if (Crosses(d, value, d.warning)) return KpiStatus::kWarning;
  return KpiStatus::kGood;
}

Kpi MakeKpi(const std::string& id, double value, std::string subject, std::string basis) {
  const KpiDef& d = Find(id);
  Kpi k;
  k.id = d.id;
  k.name = d.name;
  k.unit = d.unit;
  k.value = value;
  k.subject = HasData(value) ? std::move(subject) : "";
  k.basis = std::move(basis);
  k.target = d.target;
  k.higher_is_better = d.higher_is_better;
  k.warning = d.warning;
  k.critical = d.critical;
  k.status = Classify(k, value);
  return k;
}

}  // namespace scout::collector::reports
