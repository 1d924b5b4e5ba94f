// How report figures read as text: one function per unit, shared by the
// HTML and Markdown renderers (and by the tests, which look for exactly
// these strings). NaN ("no data") reads as "–".
#pragma once

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "collector/reports/report_model.h"

namespace scout::collector::reports {

inline constexpr const char* kNoDataText = "–";

// seconds: "123 ms", "2.50 s"; ratio: "99.95%" (two decimals); bytes:
// "512.0 MiB"; count: "1234" or "12.5"; per hour: "1234.5/h".
std::string FormatValue(Unit unit, double value);
// The change between weeks: "+12.50%" of the previous value, or the
// absolute difference in the unit when the previous value is 0.
std::string FormatChange(const WeekChange& change);
// "14:03" / "2026-11-26 14:03" in the report's zone.
std::string FormatClock(int64_t ms, absl::TimeZone tz);
std::string FormatDateTime(int64_t ms, absl::TimeZone tz);
// The report's zone, UTC when it cannot be loaded (renderers must not fail).
absl::TimeZone ReportZone(const ReportPeriod& period);

}  // namespace scout::collector::reports
