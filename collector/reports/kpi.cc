#include "collector/reports/kpi.h"

#include <utility>

namespace scout::collector::reports {
namespace {

KpiStatus StatusOf(guide::Level level) {
  switch (level) {
    case guide::Level::kGood: return KpiStatus::kGood;
    case guide::Level::kWarning: return KpiStatus::kWarning;
    case guide::Level::kCritical: return KpiStatus::kCritical;
    case guide::Level::kNoData: return KpiStatus::kMissing;
  }
  return KpiStatus::kMissing;
}

}  // namespace

KpiStatus Classify(const Kpi& kpi, double value) {
  return StatusOf(guide::Judge(guide::FindKpi(kpi.id), value));
}

Kpi MakeKpi(std::string_view id, double value, std::string subject, std::string basis) {
  const guide::KpiSpec& d = guide::FindKpi(id);
  Kpi k;
  k.id = std::string(d.id);
  k.name = std::string(d.name);
  k.unit = d.unit;
  k.value = value;
  k.subject = HasData(value) ? std::move(subject) : "";
  k.basis = std::move(basis);
  k.target = std::string(d.target);
  k.higher_is_better = d.direction == guide::Direction::kHigherIsBetter;
  k.warning = d.warning;
  k.critical = d.critical;
  k.status = StatusOf(guide::Judge(d, value));
  return k;
}

}  // namespace scout::collector::reports
