// Report periods: local days and ISO weeks in IANA zones, DST days, week
// 53, and errors that name the bad input.
#include "collector/reports/report_period.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "collector/reports/time_zone_names.h"
#include "tests/common/test_dir.h"

namespace scout::collector::reports {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kHour = 3'600'000;

TEST(ReportPeriodTest, DailyIsTheLocalDay) {
  auto p = ParsePeriod(ReportKind::kDaily, "2026-11-26", "Europe/Berlin");
  ASSERT_TRUE(p.ok()) << p.status();
  // 2026-11-26T00:00+01:00 = 2026-11-25T23:00Z = 1795647600000.
  EXPECT_EQ(p->start_ms, 1795647600000);
  EXPECT_EQ(p->end_ms - p->start_ms, 24 * kHour);
  ASSERT_EQ(p->days.size(), 1u);
  EXPECT_EQ(p->days[0].weekday, "Thu");
  EXPECT_EQ(p->label, "2026-11-26");
  EXPECT_EQ(p->timezone, "Europe/Berlin");
}

TEST(ReportPeriodTest, EmptyZoneIsUtc) {
  auto p = ParsePeriod(ReportKind::kDaily, "2026-11-26", "");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->start_ms, 1795651200000);
  EXPECT_EQ(p->timezone, "UTC");
}

TEST(ReportPeriodTest, DstDaysAre23And25Hours) {
  auto spring = ParsePeriod(ReportKind::kDaily, "2026-03-29", "Europe/Berlin");
  auto autumn = ParsePeriod(ReportKind::kDaily, "2026-10-25", "Europe/Berlin");
  ASSERT_TRUE(spring.ok() && autumn.ok());
  EXPECT_EQ(spring->end_ms - spring->start_ms, 23 * kHour);
  EXPECT_EQ(autumn->end_ms - autumn->start_ms, 25 * kHour);
}

TEST(ReportPeriodTest, IsoWeeks) {
  auto w48 = ParsePeriod(ReportKind::kWeekly, "2026-W48", "Europe/Berlin");
  ASSERT_TRUE(w48.ok()) << w48.status();
  ASSERT_EQ(w48->days.size(), 7u);
  EXPECT_EQ(w48->days.front().date, "2026-11-23");
  EXPECT_EQ(w48->days.front().weekday, "Mon");
  EXPECT_EQ(w48->days.back().date, "2026-11-29");
  EXPECT_EQ(w48->end_ms - w48->start_ms, 7 * 24 * kHour);
  // 2026 starts on a Thursday: it has 53 ISO weeks, week 1 starts in 2025.
  EXPECT_EQ(IsoWeeksInYear(2026), 53);
  EXPECT_EQ(IsoWeeksInYear(2027), 52);
  EXPECT_EQ(IsoWeeksInYear(2020), 53);
  auto w1 = ParsePeriod(ReportKind::kWeekly, "2026-W01", "");
  ASSERT_TRUE(w1.ok());
  EXPECT_EQ(w1->days.front().date, "2025-12-29");
  auto w53 = ParsePeriod(ReportKind::kWeekly, "2026-W53", "");
  ASSERT_TRUE(w53.ok());
  EXPECT_EQ(w53->days.back().date, "2027-01-03");
  EXPECT_EQ(IsoWeekLabel(absl::CivilDay(2027, 1, 1)), "2026-W53");
  EXPECT_EQ(IsoWeekLabel(absl::CivilDay(2024, 12, 30)), "2025-W01");
  // A week over the DST change has 167 hours.
  auto dst = ParsePeriod(ReportKind::kWeekly, "2026-W13", "Europe/Berlin");
  ASSERT_TRUE(dst.ok());
  EXPECT_EQ(dst->end_ms - dst->start_ms, (7 * 24 - 1) * kHour);
}

TEST(ReportPeriodTest, PreviousPeriods) {
  auto w1 = ParsePeriod(ReportKind::kWeekly, "2027-W01", "Europe/Berlin");
  ASSERT_TRUE(w1.ok());
  auto prev = PreviousPeriod(*w1);
  ASSERT_TRUE(prev.ok());
  EXPECT_EQ(prev->label, "2026-W53");
  EXPECT_EQ(prev->end_ms, w1->start_ms);
  auto d = ParsePeriod(ReportKind::kDaily, "2026-03-01", "");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(PreviousPeriod(*d)->label, "2026-02-28");
}

TEST(ReportPeriodTest, LastCompletePeriod) {
  // 2026-11-27 00:30 in Berlin is still the 26th in UTC.
  const int64_t now = 1795647600000 + 24 * kHour + kHour / 2;
  absl::TimeZone berlin;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Berlin", &berlin));
  EXPECT_EQ(LastCompletePeriodLabel(ReportKind::kDaily, now, berlin), "2026-11-26");
  EXPECT_EQ(LastCompletePeriodLabel(ReportKind::kDaily, now, absl::UTCTimeZone()), "2026-11-25");
  EXPECT_EQ(LastCompletePeriodLabel(ReportKind::kWeekly, now, berlin), "2026-W47");
}

TEST(ReportPeriodTest, ErrorsNameTheInput) {
  struct Case {
    ReportKind kind;
    const char* text;
    const char* zone;
    const char* message;
  };
  const Case cases[] = {
      {ReportKind::kDaily, "2026-13-01", "", "\"2026-13-01\": no such day"},
      {ReportKind::kDaily, "2026-02-30", "", "\"2026-02-30\": no such day"},
      {ReportKind::kDaily, "26-11-2026", "", "\"26-11-2026\": want YYYY-MM-DD"},
      {ReportKind::kDaily, "2026-11-26x", "", "want YYYY-MM-DD"},
      {ReportKind::kDaily, "2026-W48", "", "want YYYY-MM-DD"},
      {ReportKind::kWeekly, "2026-11-26", "", "\"2026-11-26\": want YYYY-Www"},
      {ReportKind::kWeekly, "2027-W53", "", "2027 has weeks 01 to 52"},
      {ReportKind::kWeekly, "2026-W00", "", "2026 has weeks 01 to 53"},
      {ReportKind::kDaily, "2026-11-26", "Europe/Berlinn", "unknown time zone \"Europe/Berlinn\""},
  };
  for (const Case& c : cases) {
    auto p = ParsePeriod(c.kind, c.text, c.zone);
    ASSERT_FALSE(p.ok()) << c.text;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(p.status().message()), HasSubstr(c.message)) << c.text;
  }
}

// The counting seam: how often a name reached the real loader.
int loader_calls = 0;
bool CountingLoader(absl::string_view name, absl::TimeZone* tz) {
  ++loader_calls;
  return absl::LoadTimeZone(name, tz);
}

TEST(TimeZoneNamesTest, SyntaxIsIanaOnly) {
  for (const char* ok : {"UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires",
                         "Etc/GMT+5", "Etc/GMT-14", "America/Port-au-Prince", "EST5EDT"}) {
    EXPECT_TRUE(IsTimeZoneNameSyntax(ok)) << ok;
  }
  for (const char* bad : {"", "/etc/passwd", "../../x", "Europe/../../etc/passwd", "./UTC",
                          "Europe//Berlin", "Europe/", "1Europe", "a/b/c/d", "Europe/Ber lin",
                          "Europe/Berlin\n", "Europe\\Berlin", "Zürich", "_x", "-x"}) {
    EXPECT_FALSE(IsTimeZoneNameSyntax(bad)) << bad;
  }
  EXPECT_TRUE(IsTimeZoneNameSyntax(std::string(64, 'a')));
  EXPECT_FALSE(IsTimeZoneNameSyntax(std::string(65, 'a')));
}

TEST(TimeZoneNamesTest, SystemSetHasTheZonesAndLinks) {
  const TimeZoneNames& known = SystemTimeZoneNames();
  EXPECT_GT(known.size(), 300u);
  EXPECT_TRUE(known.Contains("Europe/Berlin"));
  EXPECT_TRUE(known.Contains("America/Argentina/Buenos_Aires"));
  EXPECT_TRUE(known.Contains("Europe/Busingen"));  // a Link
  EXPECT_FALSE(known.Contains("Mars/Olympus"));
  EXPECT_FALSE(known.Contains("tzdata.zi"));
  EXPECT_EQ(&known, &SystemTimeZoneNames());  // loaded once
}

TEST(TimeZoneNamesTest, DirectoryWalkWithoutTzdataZi) {
  scout::testing::TestDir dir("scout-zoneinfo");
  std::filesystem::create_directories(dir.path() / "Europe");
  std::filesystem::create_directories(dir.path() / "posix" / "Europe");
  std::ofstream(dir.path() / "Europe" / "Berlin") << "TZif2...";
  std::ofstream(dir.path() / "posix" / "Europe" / "Berlin") << "TZif2...";
  std::ofstream(dir.path() / "zone.tab") << "# not a zone";
  std::ofstream(dir.path() / "Notzif") << "hello";
  const TimeZoneNames known = TimeZoneNames::Load(dir.path().string());
  EXPECT_TRUE(known.Contains("Europe/Berlin"));
  EXPECT_FALSE(known.Contains("posix/Europe/Berlin"));
  EXPECT_FALSE(known.Contains("Notzif"));
  EXPECT_EQ(known.size(), 1u);
}

TEST(TimeZoneNamesTest, HostileNamesAreRefusedBeforeTheLoader) {
  const TimeZoneNames& known = SystemTimeZoneNames();
  loader_calls = 0;
  const std::string huge(1 << 20, 'A');
  for (const std::string& bad :
       {std::string("/etc/passwd"), std::string("../../x"), huge, std::string("Mars/Olympus"),
        std::string("Europe/Berlin/../../../etc/passwd"), std::string("posixrules2"),
        std::string("Europe/Berlin\0x", 15)}) {
    auto tz = LoadReportTimeZone(bad, known, &CountingLoader);
    ASSERT_FALSE(tz.ok()) << bad.substr(0, 80);
    EXPECT_EQ(tz.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_LT(tz.status().message().size(), 400u);  // a 1 MiB name is not echoed back
  }
  EXPECT_EQ(loader_calls, 0) << "an invalid name reached absl::LoadTimeZone";
  // 10,000 distinct invalid names: still never loaded (and so never cached).
  for (int i = 0; i < 10000; ++i) {
    ASSERT_FALSE(LoadReportTimeZone("Nowhere/Zone" + std::to_string(i), known, &CountingLoader).ok());
  }
  EXPECT_EQ(loader_calls, 0);
  // "" and UTC need no loading; a real zone is loaded.
  EXPECT_TRUE(LoadReportTimeZone("", known, &CountingLoader).ok());
  EXPECT_TRUE(LoadReportTimeZone("UTC", known, &CountingLoader).ok());
  EXPECT_EQ(loader_calls, 0);
  auto berlin = LoadReportTimeZone("Europe/Berlin", known, &CountingLoader);
  ASSERT_TRUE(berlin.ok()) << berlin.status();
  EXPECT_EQ(loader_calls, 1);
  EXPECT_EQ(berlin->name(), "Europe/Berlin");
}

TEST(TimeZoneNamesTest, ErrorsNameTheZone) {
  auto path = ParsePeriod(ReportKind::kDaily, "2026-11-26", "/etc/passwd");
  ASSERT_FALSE(path.ok());
  EXPECT_THAT(std::string(path.status().message()), HasSubstr("invalid time zone \"/etc/passwd\""));
  auto unknown = ParsePeriod(ReportKind::kDaily, "2026-11-26", "Mars/Olympus");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(std::string(unknown.status().message()),
              HasSubstr("unknown time zone \"Mars/Olympus\""));
  auto huge = ParsePeriod(ReportKind::kDaily, "2026-11-26", std::string(1 << 20, 'A'));
  ASSERT_FALSE(huge.ok());
  EXPECT_THAT(std::string(huge.status().message()), HasSubstr("(1048576 bytes)"));
  // A megabyte where the date belongs is not echoed back either.
  auto long_date = ParsePeriod(ReportKind::kDaily, std::string(1 << 20, '7'), "");
  ASSERT_FALSE(long_date.ok());
  EXPECT_LT(long_date.status().message().size(), 200u);
  EXPECT_THAT(std::string(long_date.status().message()), HasSubstr("(1048576 bytes)"));
}

}  // namespace
}  // namespace scout::collector::reports
