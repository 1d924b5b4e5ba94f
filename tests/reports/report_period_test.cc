// Report periods: local days and ISO weeks in IANA zones, DST days, week
// 53, and errors that name the bad input.
#include "collector/reports/report_period.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace scout::collector::reports
