// scout-report-fixture OUT_DIR: writes the test fixture (report_fixture.h)
// into OUT_DIR/scout.db and renders the daily report for 2026-11-26 and
// the weekly report for 2026-W48 (Europe/Berlin) as daily.html,
// weekly.html, daily.md, daily.json. The Chromium test opens the HTML;
// it is also a quick way to look at a report.
//
// scout-report-fixture --hostile OUT_DIR: the same reports with every data
// string replaced by hostile Markdown/HTML (tests/reports/hostile_report.h),
// as daily.md, weekly.md, daily.html, plus hostile.json (the strings), for
// tests/reports/markdown_commonmark_test.sh.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "collector/reports/report.h"
#include "collector/reports/storage_report_source.h"
#include "collector/storage/sqlite_alert_store.h"
#include "collector/storage/sqlite_storage.h"
#include "shared/clock.h"
#include "shared/json_string.h"
#include "tests/reports/hostile_report.h"
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
  const bool hostile = argc == 3 && std::string(argv[1]) == "--hostile";
  if (argc != 2 && !hostile) return Fail("usage: scout-report-fixture [--hostile] OUT_DIR");
  const std::string dir = argv[argc - 1];
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
  const Out hostile_outs[] = {
      {reports::ReportKind::kDaily, "2026-11-26", reports::ReportFormat::kMarkdown, "daily.md"},
      {reports::ReportKind::kDaily, "2026-11-26", reports::ReportFormat::kHtml, "daily.html"},
      {reports::ReportKind::kWeekly, "2026-W48", reports::ReportFormat::kMarkdown, "weekly.md"},
  };
  for (const Out& o : hostile ? std::vector<Out>(std::begin(hostile_outs), std::end(hostile_outs))
                              : std::vector<Out>(std::begin(outs), std::end(outs))) {
    auto report = reports::BuildReport({o.kind, o.label, "Europe/Berlin", 0}, source);
    if (!report.ok()) return Fail(report.status().ToString());
    if (hostile) scout::testing::PoisonReport(*report);
    std::ofstream(dir + "/" + o.file) << reports::RenderReport(*report, o.format);
  }
  if (hostile) {
    std::ofstream json(dir + "/hostile.json");
    json << "[";
    for (size_t i = 0; i < scout::testing::HostileStrings().size(); ++i) {
      json << (i ? ",\n" : "\n") << scout::JsonString(scout::testing::HostileStrings()[i]);
    }
    json << "\n]\n";
  }
  return 0;
}
