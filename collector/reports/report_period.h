// The time window a report covers: a local day or an ISO week in an IANA
// time zone, as [start, end) in Unix milliseconds, plus its local days.
//
// Why local days and not UTC days: the guide's report is "the day" as the
// operators live it, so a Berlin report for 2026-11-26 runs from 23:00 UTC
// on the 25th to 23:00 UTC on the 26th. Days are 23 or 25 hours long on
// DST changes; every figure is computed over the real window.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "collector/reports/time_zone_names.h"

namespace scout::collector::reports {

enum class ReportKind { kDaily, kWeekly };
const char* ReportKindName(ReportKind kind);  // "daily", "weekly"

struct DayWindow {
  std::string date;  // "2026-11-26" (local)
  std::string weekday;  // "Thu"
  int64_t start_ms = 0;  // local midnight
  int64_t end_ms = 0;    // next local midnight
};

struct ReportPeriod {
  ReportKind kind = ReportKind::kDaily;
  std::string label;     // "2026-11-26" or "2026-W48"
  std::string timezone;  // IANA name; "UTC" when none was given
  int64_t start_ms = 0;  // inclusive
  int64_t end_ms = 0;    // exclusive
  std::vector<DayWindow> days;  // 1 (daily) or 7 (weekly, Monday first)
};

// "" -> UTC; otherwise an IANA name known to the system's zoneinfo
// (time_zone_names.h). InvalidArgument names the zone. A name is checked
// before anything is loaded: a path, "../x" or an unknown name never
// reaches absl::LoadTimeZone, so no file is opened for it and absl's
// per-name cache only ever holds real zones.
absl::StatusOr<absl::TimeZone> LoadReportTimeZone(const std::string& name);

// The same with the zone set and the loader as parameters (tests count the
// loader's calls). `load` has absl::LoadTimeZone's contract.
using TimeZoneLoader = bool (*)(absl::string_view name, absl::TimeZone* tz);
absl::StatusOr<absl::TimeZone> LoadReportTimeZone(const std::string& name,
                                                  const TimeZoneNames& known,
                                                  TimeZoneLoader load);

// `text`: "YYYY-MM-DD" for kDaily, "YYYY-Www" (ISO 8601 week, 01..52/53)
// for kWeekly. InvalidArgument names the bad input and what was expected.
absl::StatusOr<ReportPeriod> ParsePeriod(ReportKind kind, const std::string& text,
                                         const std::string& timezone);

// The same period kind one step earlier (the previous day / ISO week), for
// comparisons. REQUIRES: `period` came from ParsePeriod.
absl::StatusOr<ReportPeriod> PreviousPeriod(const ReportPeriod& period);

// What a scheduler running at `now_ms` reports on: the last complete local
// day ("2026-11-26") or ISO week ("2026-W48") before now, in `tz`.
std::string LastCompletePeriodLabel(ReportKind kind, int64_t now_ms, absl::TimeZone tz);

// ISO 8601 week-numbering: the Monday of week `week` of `iso_year`.
absl::CivilDay IsoWeekMonday(int64_t iso_year, int week);
// Weeks in an ISO year: 52 or 53.
int IsoWeeksInYear(int64_t iso_year);
// "2026-W48" for any day of that week.
std::string IsoWeekLabel(absl::CivilDay day);

}  // namespace scout::collector::reports
