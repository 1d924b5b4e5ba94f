// ReportScheduler: writes the daily and weekly reports into the reports
// directory at the configured local times.
//
// Once a minute it asks: is the last complete day (week) reported in every
// configured format, and is it past `daily_at` (Monday `weekly_at`) in the
// report time zone? If not, it builds and writes the missing ones. So a
// collector that was down at 06:00 writes the report when it comes back,
// and a restart never writes one twice (the files are the record).
//
// Thread: "scout-reports" (Start/Stop); the reports read Storage and the
// AlertStore, both safe from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "collector/report_archive.h"
#include "collector/reports/report.h"
#include "collector/reports/report_source.h"
#include "shared/clock.h"

namespace scout::collector {

struct ReportSchedule {
  std::string dir = "./var/reports";
  std::string timezone;              // IANA; "" = UTC
  std::chrono::minutes daily_at{6 * 60};   // local time of day for yesterday's report
  std::chrono::minutes weekly_at{7 * 60};  // on Mondays, for last week's
  std::vector<reports::ReportFormat> formats{reports::ReportFormat::kHtml,
                                             reports::ReportFormat::kMarkdown,
                                             reports::ReportFormat::kJson};
};

class ReportScheduler {
 public:
  ReportScheduler(ReportSchedule schedule, reports::ReportSource& source, const Clock& clock);
  ~ReportScheduler();

  void Start();
  void Stop();
  // One check at clock.NowMs(); returns the files written (for tests).
  std::vector<std::string> RunDue();

 private:
  std::vector<std::string> Generate(reports::ReportKind kind, const std::string& period);
  void Loop();

  const ReportSchedule schedule_;
  const ReportArchive archive_;
  reports::ReportSource& source_;
  const Clock& clock_;
  std::string last_error_;  // logged once per distinct error; RunDue's caller only

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace scout::collector
