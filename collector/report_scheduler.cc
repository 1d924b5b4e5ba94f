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
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void ReportScheduler::Loop() {
  while (true) {
    RunDue();
    absl::MutexLock lock(&mu_);
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Minutes(1))) return;
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
  const auto start = clock_.SteadyNow();
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
  const std::chrono::duration<double> took = clock_.SteadyNow() - start;
  spdlog::info("reports: wrote {} {} report(s) for {} into {} in {:.1f} s", written.size(),
               reports::ReportKindName(kind), period, archive_.dir(), took.count());
  return written;
}

}  // namespace scout::collector
