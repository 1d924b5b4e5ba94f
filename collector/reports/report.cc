#include "collector/reports/report.h"

#include "absl/strings/str_cat.h"
#include "collector/reports/daily_report.h"
#include "collector/reports/html_renderer.h"
#include "collector/reports/json_renderer.h"
#include "collector/reports/markdown_renderer.h"
#include "collector/reports/weekly_report.h"
#include "shared/status_macros.h"

namespace scout::collector::reports {

absl::StatusOr<ReportFormat> ParseReportFormat(const std::string& text) {
  if (text == "html") return ReportFormat::kHtml;
  if (text == "md" || text == "markdown") return ReportFormat::kMarkdown;
  if (text == "json") return ReportFormat::kJson;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown report format \"", text, "\" (use html, md or json)"));
}

const char* ReportFormatExtension(ReportFormat format) {
  switch (format) {
    case ReportFormat::kHtml: return "html";
    case ReportFormat::kMarkdown: return "md";
    case ReportFormat::kJson: return "json";
  }
  return "html";
}

absl::StatusOr<Report> BuildReport(const ReportRequest& request, ReportSource& source) {
  Report report;
  SCOUT_ASSIGN_OR_RETURN(report.period,
                         ParsePeriod(request.kind, request.date_or_week, request.timezone));
  report.generated_ms = request.generated_ms;
  if (request.kind == ReportKind::kDaily) {
    SCOUT_ASSIGN_OR_RETURN(report.daily, BuildDailyReport(report.period, source));
  } else {
    SCOUT_ASSIGN_OR_RETURN(report.weekly, BuildWeeklyReport(report.period, source));
  }
  return report;
}

std::string RenderReport(const Report& report, ReportFormat format) {
  switch (format) {
    case ReportFormat::kHtml: return RenderHtml(report);
    case ReportFormat::kMarkdown: return RenderMarkdown(report);
    case ReportFormat::kJson: return RenderJson(report);
  }
  return RenderHtml(report);
}

}  // namespace scout::collector::reports
