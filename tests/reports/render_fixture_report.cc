// scout-report-fixture OUT_DIR: writes the test fixture (report_fixture.h)
// into OUT_DIR/scout.db and renders the daily report for 2026-11-26 and
// the weekly report for 2026-W48 (Europe/Berlin) as daily.html,
// weekly.html, daily.md, daily.json. The Chromium test opens the HTML;
// it is also a quick way to look at a report.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "collector/reports/report.h"
#include "collector/reports/storage_report_source.h"
#include "collector/storage/sqlite_alert_store.h"
#include "collector/storage/sqlite_storage.h"
#include "shared/clock.h"
#include "tests/reports/report_fixture.h"

namespace {

int64_t BerlinMidnight(int d) {
  return absl::ToUnixMillis(
      absl::FromCivil(absl::CivilDay(2026, 11, d), absl::FixedTimeZone(3600)));
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "scout-report-fixture: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace scout::collector;
  if (argc != 2) return Fail("usage: scout-report-fixture OUT_DIR");
  const std::string dir = argv[1];
  // A second run into the same directory would append the alert history
  // again and double the alert counts.
  if (std::filesystem::exists(dir + "/scout.db")) return Fail(dir + "/scout.db already exists");
  const auto fixture = scout::testing::GenerateFixture(
      BerlinMidnight(15), BerlinMidnight(30) + 3'600'000, BerlinMidnight(26));
  scout::ManualClock clock(BerlinMidnight(30) + 2 * 3'600'000);
  SqliteOptions options;
  options.path = dir + "/scout.db";
  options.synchronous_full = false;
  auto storage = SqliteStorage::Open(options, clock);
  if (!storage.ok()) return Fail(storage.status().ToString());
  auto alerts = SqliteAlertStore::Open(options.path);
  if (!alerts.ok()) return Fail(alerts.status().ToString());
  if (auto st = scout::testing::WriteFixture(fixture, **storage, **alerts); !st.ok()) {
    return Fail(st.ToString());
  }
  reports::StorageReportSource source(**storage, alerts->get());
  struct Out {
    reports::ReportKind kind;
    const char* label;
    reports::ReportFormat format;
    const char* file;
  };
  const Out outs[] = {
      {reports::ReportKind::kDaily, "2026-11-26", reports::ReportFormat::kHtml, "daily.html"},
      {reports::ReportKind::kDaily, "2026-11-26", reports::ReportFormat::kMarkdown, "daily.md"},
      {reports::ReportKind::kDaily, "2026-11-26", reports::ReportFormat::kJson, "daily.json"},
      {reports::ReportKind::kWeekly, "2026-W48", reports::ReportFormat::kHtml, "weekly.html"},
  };
  for (const Out& o : outs) {
    auto report = reports::BuildReport({o.kind, o.label, "Europe/Berlin", 0}, source);
    if (!report.ok()) return Fail(report.status().ToString());
    std::ofstream(dir + "/" + o.file) << reports::RenderReport(*report, o.format);
  }
  return 0;
}
