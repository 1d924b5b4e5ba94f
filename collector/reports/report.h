// Daily and weekly performance reports (issue 8, "Reports"): the public
// API the gRPC Reports service, the scheduler and `sctl report` use.
//
//   auto report = BuildReport({ReportKind::kDaily, "2026-11-26", "Europe/Berlin"}, source);
//   std::string html = RenderReport(*report, ReportFormat::kHtml);
//
// BuildReport reads only through the ReportSource (report_source.h); the
// renderers are pure functions of the Report.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "collector/reports/report_model.h"
#include "collector/reports/report_period.h"
#include "collector/reports/report_source.h"

namespace scout::collector::reports {

enum class ReportFormat { kHtml, kMarkdown, kJson };

// "html", "md" / "markdown", "json"; InvalidArgument names the input.
absl::StatusOr<ReportFormat> ParseReportFormat(const std::string& text);
// "html", "md", "json": the file extension for the format.
const char* ReportFormatExtension(ReportFormat format);

struct ReportRequest {
  ReportKind kind = ReportKind::kDaily;
  std::string date_or_week;  // "2026-11-26" | "2026-W48"
  std::string timezone;      // IANA, e.g. "Europe/Berlin"; "" = UTC
  int64_t generated_ms = 0;  // stated in the report when > 0 (the caller's clock)
};

absl::StatusOr<Report> BuildReport(const ReportRequest& request, ReportSource& source);

std::string RenderReport(const Report& report, ReportFormat format);

}  // namespace scout::collector::reports
