#include "collector/reports/report_model.h"

namespace scout::collector::reports {

const char* UnitName(Unit unit) {
  switch (unit) {
    case Unit::kSeconds: return "seconds";
    case Unit::kRatio: return "ratio";
    case Unit::kBytes: return "bytes";
    case Unit::kCount: return "count";
    case Unit::kPerHour: return "per_hour";
  }
  return "count";
}

const char* KpiStatusName(KpiStatus status) {
  switch (status) {
    case KpiStatus::kGood: return "good";
    case KpiStatus::kWarning: return "warning";
    case KpiStatus::kCritical: return "critical";
    case KpiStatus::kMissing: return "no_data";
  }
  return "no_data";
}

const char* KpiStatusTitle(KpiStatus status) {
  switch (status) {
    case KpiStatus::kGood: return "Good";
    case KpiStatus::kWarning: return "Warning";
    case KpiStatus::kCritical: return "Critical";
    case KpiStatus::kMissing: return "No data";
  }
  return "No data";
}

bool Chart::HasPoints() const {
  for (const ChartLine& l : lines) {
    if (!l.points.empty()) return true;
  }
  return false;
}

}  // namespace scout::collector::reports
