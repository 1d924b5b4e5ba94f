#include "collector/reports/report_period.h"

#include <cctype>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"

namespace scout::collector::reports {
namespace {

// Monday = 0 ... Sunday = 6 (ISO order).
int IsoWeekdayIndex(absl::CivilDay day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::monday: return 0;
    case absl::Weekday::tuesday: return 1;
    case absl::Weekday::wednesday: return 2;
    case absl::Weekday::thursday: return 3;
    case absl::Weekday::friday: return 4;
    case absl::Weekday::saturday: return 5;
    case absl::Weekday::sunday: return 6;
  }
  return 0;
}

const char* WeekdayShort(absl::CivilDay day) {
  static const char* const kNames[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  return kNames[IsoWeekdayIndex(day)];
}

// Reads exactly `digits` decimal digits at text[*pos]; false otherwise.
bool ReadDigits(const std::string& text, size_t* pos, int digits, int64_t* out) {
  int64_t v = 0;
  for (int i = 0; i < digits; ++i, ++(*pos)) {
    if (*pos >= text.size() || !std::isdigit(static_cast<unsigned char>(text[*pos]))) {
      return false;
    }
    v = v * 10 + (text[*pos] - '0');
  }
  *out = v;
  return true;
}

// Reads one character that is `a` or `b` at text[*pos].
bool ReadChar(const std::string& text, size_t* pos, char a, char b) {
  if (*pos >= text.size() || (text[*pos] != a && text[*pos] != b)) return false;
  ++(*pos);
  return true;
}

// The input as quoted in an error: at most 32 bytes of it (a request may
// carry a megabyte where a date belongs), escaped.
std::string Quoted(const std::string& text) {
  constexpr size_t kShown = 32;
  if (text.size() <= kShown) return absl::StrCat("\"", absl::CHexEscape(text), "\"");
  return absl::StrCat("\"", absl::CHexEscape(text.substr(0, kShown)), "\"... (", text.size(),
                      " bytes)");
}

DayWindow MakeDay(absl::CivilDay day, absl::TimeZone tz) {
  DayWindow w;
  w.date = absl::FormatCivilTime(day);
  w.weekday = WeekdayShort(day);
  // FromCivil maps a midnight skipped by a DST jump to the transition
  // instant, i.e. the first instant that belongs to the day.
  w.start_ms = absl::ToUnixMillis(absl::FromCivil(absl::CivilSecond(day), tz));
  w.end_ms = absl::ToUnixMillis(absl::FromCivil(absl::CivilSecond(day + 1), tz));
  return w;
}

ReportPeriod MakePeriod(ReportKind kind, std::string label, absl::CivilDay first, int days,
                        absl::TimeZone tz, const std::string& tz_name) {
  ReportPeriod p;
  p.kind = kind;
  p.label = std::move(label);
  p.timezone = tz_name.empty() ? "UTC" : tz_name;
  for (int i = 0; i < days; ++i) p.days.push_back(MakeDay(first + i, tz));
  p.start_ms = p.days.front().start_ms;
  p.end_ms = p.days.back().end_ms;
  return p;
}

absl::StatusOr<absl::CivilDay> ParseDate(const std::string& text) {
  size_t pos = 0;
  int64_t y = 0, m = 0, d = 0;
  const bool shape = ReadDigits(text, &pos, 4, &y) && ReadChar(text, &pos, '-', '-') &&
                     ReadDigits(text, &pos, 2, &m) && ReadChar(text, &pos, '-', '-') &&
                     ReadDigits(text, &pos, 2, &d) && pos == text.size();
  if (!shape) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid date ", Quoted(text), ": want YYYY-MM-DD, e.g. 2026-11-26"));
  }
  const absl::CivilDay day(y, static_cast<int>(m), static_cast<int>(d));
  // CivilDay normalises 2026-02-30 to 2026-03-02; a changed field means
  // the date does not exist.
  if (day.year() != y || day.month() != m || day.day() != d) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid date ", Quoted(text), ": no such day in the calendar"));
  }
  return day;
}

absl::StatusOr<absl::CivilDay> ParseWeek(const std::string& text) {
  size_t pos = 0;
  int64_t y = 0, w = 0;
  const bool shape = ReadDigits(text, &pos, 4, &y) && ReadChar(text, &pos, '-', '-') &&
                     ReadChar(text, &pos, 'W', 'w') && ReadDigits(text, &pos, 2, &w) &&
                     pos == text.size();
  if (!shape) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid ISO week ", Quoted(text), ": want YYYY-Www, e.g. 2026-W48"));
  }
  const int weeks = IsoWeeksInYear(y);
  if (w < 1 || w > weeks) {
    return absl::InvalidArgumentError(absl::StrCat("invalid ISO week ", Quoted(text), ": ", y,
                                                   " has weeks 01 to ", weeks));
  }
  return IsoWeekMonday(y, static_cast<int>(w));
}

}  // namespace

const char* ReportKindName(ReportKind kind) {
  return kind == ReportKind::kDaily ? "daily" : "weekly";
}

absl::StatusOr<absl::TimeZone> LoadReportTimeZone(const std::string& name) {
  return LoadReportTimeZone(name, SystemTimeZoneNames(), &absl::LoadTimeZone);
}

absl::StatusOr<absl::TimeZone> LoadReportTimeZone(const std::string& name,
                                                  const TimeZoneNames& known,
                                                  TimeZoneLoader load) {
  if (name.empty() || name == "UTC") return absl::UTCTimeZone();
  if (absl::Status valid = CheckTimeZoneName(name, known); !valid.ok()) return valid;
  absl::TimeZone tz;
  if (!load(name, &tz)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown time zone \"", name, "\": want an IANA name such as Europe/Berlin"));
  }
  return tz;
}

absl::CivilDay IsoWeekMonday(int64_t iso_year, int week) {
  // Week 1 is the week with the year's first Thursday, i.e. the one that
  // contains January 4th.
  const absl::CivilDay jan4(iso_year, 1, 4);
  return jan4 - IsoWeekdayIndex(jan4) + 7 * (week - 1);
}

int IsoWeeksInYear(int64_t iso_year) {
  // December 28th is always in the year's last ISO week.
  const absl::CivilDay dec28(iso_year, 12, 28);
  return static_cast<int>((dec28 - IsoWeekMonday(iso_year, 1)) / 7) + 1;
}

std::string IsoWeekLabel(absl::CivilDay day) {
  // The ISO year is the calendar year of the week's Thursday.
  const absl::CivilDay thursday = day - IsoWeekdayIndex(day) + 3;
  const int64_t year = thursday.year();
  const int week = static_cast<int>((thursday - IsoWeekMonday(year, 1)) / 7) + 1;
  return absl::StrFormat("%04d-W%02d", year, week);
}

absl::StatusOr<ReportPeriod> ParsePeriod(ReportKind kind, const std::string& text,
                                         const std::string& timezone) {
  auto tz = LoadReportTimeZone(timezone);
  if (!tz.ok()) return tz.status();
  if (kind == ReportKind::kDaily) {
    auto day = ParseDate(text);
    if (!day.ok()) return day.status();
    return MakePeriod(kind, absl::FormatCivilTime(*day), *day, 1, *tz, timezone);
  }
  auto monday = ParseWeek(text);
  if (!monday.ok()) return monday.status();
  return MakePeriod(kind, IsoWeekLabel(*monday), *monday, 7, *tz, timezone);
}

absl::StatusOr<ReportPeriod> PreviousPeriod(const ReportPeriod& period) {
  const std::string tz = period.timezone == "UTC" ? "" : period.timezone;
  auto first = ParseDate(period.days.front().date);
  if (!first.ok()) return first.status();
  if (period.kind == ReportKind::kDaily) {
    return ParsePeriod(period.kind, absl::FormatCivilTime(*first - 1), tz);
  }
  return ParsePeriod(period.kind, IsoWeekLabel(*first - 7), tz);
}

std::string LastCompletePeriodLabel(ReportKind kind, int64_t now_ms, absl::TimeZone tz) {
  const absl::CivilDay today = absl::ToCivilDay(absl::FromUnixMillis(now_ms), tz);
  if (kind == ReportKind::kDaily) return absl::FormatCivilTime(today - 1);
  return IsoWeekLabel(today - IsoWeekdayIndex(today) - 7);
}

}  // namespace scout::collector::reports
