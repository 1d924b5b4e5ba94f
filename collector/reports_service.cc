#include "collector/reports_service.h"

#include "absl/strings/str_cat.h"
#include "collector/grpc_status.h"
#include "collector/reports/report_period.h"

namespace scout::collector {
namespace {

reports::ReportFormat FormatFromProto(v1::ReportFormat f) {
  switch (f) {
    case v1::REPORT_MARKDOWN: return reports::ReportFormat::kMarkdown;
    case v1::REPORT_JSON: return reports::ReportFormat::kJson;
    default: return reports::ReportFormat::kHtml;
  }
}

v1::ReportFormat FormatToProto(reports::ReportFormat f) {
  switch (f) {
    case reports::ReportFormat::kMarkdown: return v1::REPORT_MARKDOWN;
    case reports::ReportFormat::kJson: return v1::REPORT_JSON;
    case reports::ReportFormat::kHtml: return v1::REPORT_HTML;
  }
  return v1::REPORT_HTML;
}

}  // namespace

grpc::Status ReportsService::Generate(grpc::ServerContext* context, const v1::GenerateReportRequest* req,
                                      v1::GenerateReportResponse* resp) {
  const absl::Status allowed = authorizer_.Check(*context, auth::Permission::kReportsGenerate);
  if (!allowed.ok()) return ToGrpc(allowed);
  const reports::ReportKind kind =
      req->kind() == v1::REPORT_WEEKLY ? reports::ReportKind::kWeekly : reports::ReportKind::kDaily;
  const std::string timezone = req->timezone().empty() ? timezone_ : req->timezone();
  absl::StatusOr<absl::TimeZone> tz = reports::LoadReportTimeZone(timezone);
  if (!tz.ok()) return ToGrpc(tz.status());
  const int64_t now_ms = clock_.NowMs();
  const std::string period =
      req->period().empty() ? reports::LastCompletePeriodLabel(kind, now_ms, *tz) : req->period();
  absl::StatusOr<reports::Report> report =
      reports::BuildReport({kind, period, timezone, now_ms}, source_);
  if (!report.ok()) return ToGrpc(report.status());
  const reports::ReportFormat format = FormatFromProto(req->format());
  resp->set_content(reports::RenderReport(*report, format));
  resp->set_file_name(ReportFileName(kind, period, format));
  resp->set_period(period);
  resp->set_timezone(timezone.empty() ? "UTC" : timezone);
  return grpc::Status::OK;
}

grpc::Status ReportsService::List(grpc::ServerContext* context, const v1::ListReportsRequest*,
                                  v1::ListReportsResponse* resp) {
  const absl::Status allowed = authorizer_.Check(*context, auth::Permission::kReportsRead);
  if (!allowed.ok()) return ToGrpc(allowed);
  absl::StatusOr<std::vector<ArchivedReport>> list = archive_.List();
  if (!list.ok()) return ToGrpc(list.status());
  resp->set_directory(archive_.dir());
  for (const ArchivedReport& r : *list) {
    v1::ReportFile* out = resp->add_reports();
    out->set_name(r.name);
    out->set_kind(r.kind == reports::ReportKind::kWeekly ? v1::REPORT_WEEKLY : v1::REPORT_DAILY);
    out->set_period(r.period);
    out->set_format(FormatToProto(r.format));
    out->set_size_bytes(r.size_bytes);
    out->set_modified_ms(r.modified_ms);
  }
  return grpc::Status::OK;
}

grpc::Status ReportsService::Get(grpc::ServerContext* context, const v1::GetReportRequest* req,
                                 v1::GetReportResponse* resp) {
  const absl::Status allowed = authorizer_.Check(*context, auth::Permission::kReportsRead);
  if (!allowed.ok()) return ToGrpc(allowed);
  absl::StatusOr<std::string> content = archive_.Read(req->name());
  if (!content.ok()) return ToGrpc(content.status());
  resp->set_content(*std::move(content));
  return grpc::Status::OK;
}

}  // namespace scout::collector
