#include "collector/report_scheduler.h"

#include <pthread.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "collector/reports/report_period.h"
#include "shared/logging.h"

namespace scout::collector {

ReportScheduler::ReportScheduler(ReportSchedule schedule, reports::ReportSource& source,
                                 const Clock& clock)
    : schedule_(std::move(schedule)), archive_(schedule_.dir), source_(source), clock_(clock) {}

ReportScheduler::~ReportScheduler() { Stop(); }

void ReportScheduler::Start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "scout-reports");
    Loop();
  });
}

void ReportScheduler::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ReportScheduler::Loop() {
  while (true) {
    RunDue();
    std::unique_lock<std::mutex> lock(mu_);
    if (cv_.wait_for(lock, std::chrono::minutes(1), [this] { return stopping_; })) return;
  }
}

std::vector<std::string> ReportScheduler::RunDue() {
  std::vector<std::string> written;
  absl::StatusOr<absl::TimeZone> tz = reports::LoadReportTimeZone(schedule_.timezone);
  if (!tz.ok()) return written;  // validated at config load
  const int64_t now_ms = clock_.NowMs();
  const absl::CivilSecond local = absl::ToCivilSecond(absl::FromUnixMillis(now_ms), *tz);
  const auto minute_of_day = std::chrono::minutes(local.hour() * 60 + local.minute());
  if (minute_of_day >= schedule_.daily_at) {
    const std::string day = reports::LastCompletePeriodLabel(reports::ReportKind::kDaily, now_ms, *tz);
    for (std::string& f : Generate(reports::ReportKind::kDaily, day)) written.push_back(std::move(f));
  }
  // Monday at weekly_at, or any later day of the week (catching up).
  const absl::Weekday weekday = absl::GetWeekday(absl::CivilDay(local));
  if (weekday != absl::Weekday::monday || minute_of_day >= schedule_.weekly_at) {
    const std::string week = reports::LastCompletePeriodLabel(reports::ReportKind::kWeekly, now_ms, *tz);
    for (std::string& f : Generate(reports::ReportKind::kWeekly, week)) written.push_back(std::move(f));
  }
  return written;
}

std::vector<std::string> ReportScheduler::Generate(reports::ReportKind kind, const std::string& period) {
  std::vector<reports::ReportFormat> missing;
  for (reports::ReportFormat f : schedule_.formats) {
    if (!archive_.Has(ReportFileName(kind, period, f))) missing.push_back(f);
  }
  if (missing.empty()) return {};
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<reports::Report> report =
      reports::BuildReport({kind, period, schedule_.timezone, clock_.NowMs()}, source_);
  std::vector<std::string> written;
  absl::Status status = report.status();
  for (reports::ReportFormat f : missing) {
    if (!status.ok()) break;
    const std::string name = ReportFileName(kind, period, f);
    status = archive_.Write(name, reports::RenderReport(*report, f));
    if (status.ok()) written.push_back(name);
  }
  if (!status.ok()) {
    const std::string error = absl::StrCat(reports::ReportKindName(kind), " report ", period, ": ",
                                           status.message());
    if (error != last_error_) spdlog::error("reports: {}", error);
    last_error_ = error;
    return written;
  }
  last_error_.clear();
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  spdlog::info("reports: wrote {} {} report(s) for {} into {} in {:.1f} s", written.size(),
               reports::ReportKindName(kind), period, archive_.dir(), took.count());
  return written;
}

}  // namespace scout::collector
