#include "collector/reports/report_format.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "shared/units.h"

namespace scout::collector::reports {

std::string FormatValue(Unit unit, double value) {
  if (!HasData(value)) return kNoDataText;
  switch (unit) {
    case Unit::kSeconds: return FormatSeconds(value);
    case Unit::kRatio: return absl::StrFormat("%.2f%%", value * 100);
    case Unit::kBytes: return FormatBytes(value);
    case Unit::kCount:
      return value == std::floor(value) && std::fabs(value) < 1e15
                 ? absl::StrCat(static_cast<int64_t>(value))
                 : absl::StrFormat("%.2f", value);
    case Unit::kPerHour: return absl::StrFormat("%.1f/h", value);
  }
  return FormatNumber(value);
}

std::string FormatChange(const WeekChange& c) {
  if (!HasData(c.change)) return kNoDataText;
  if (HasData(c.change_ratio)) return absl::StrFormat("%+.2f%%", c.change_ratio * 100);
  const std::string sign = c.change >= 0 ? "+" : "-";
  return sign + FormatValue(c.unit, std::fabs(c.change));
}

std::string FormatClock(int64_t ms, absl::TimeZone tz) {
  return absl::FormatTime("%H:%M", absl::FromUnixMillis(ms), tz);
}

std::string FormatDateTime(int64_t ms, absl::TimeZone tz) {
  return absl::FormatTime("%Y-%m-%d %H:%M %Z", absl::FromUnixMillis(ms), tz);
}

absl::TimeZone ReportZone(const ReportPeriod& period) {
  auto tz = LoadReportTimeZone(period.timezone == "UTC" ? "" : period.timezone);
  return tz.ok() ? *tz : absl::UTCTimeZone();
}

}  // namespace scout::collector::reports
