#include "shared/guide/kpi.h"

#include <cmath>

namespace scout::guide {

bool Crosses(const KpiSpec& kpi, double value, double bound) {
  if (std::isnan(bound) || std::isnan(value)) return false;
  if (kpi.direction == Direction::kHigherIsBetter) {
    return kpi.fail_at_bound ? value <= bound : value < bound;
  }
  return kpi.fail_at_bound ? value >= bound : value > bound;
}

Level Judge(const KpiSpec& kpi, double value) {
  if (std::isnan(value)) return Level::kNoData;
  if (Crosses(kpi, value, kpi.critical)) return Level::kCritical;
  if (Crosses(kpi, value, kpi.warning)) return Level::kWarning;
  return Level::kGood;
}

}  // namespace scout::guide
