#include "collector/reports_service.h"

#include <algorithm>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "collector/reports/deadline_source.h"
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

bool GenerationGate::TryEnter() {
  absl::MutexLock lock(&mu_);
  if (running_ >= limit_) return false;
  ++running_;
  return true;
}

void GenerationGate::Leave() {
  absl::MutexLock lock(&mu_);
  --running_;
}

ReportsServiceStats ReportsService::Stats() const {
  return {generated_.load(), refused_concurrency_.load(), refused_deadline_.load(),
          refused_timezone_.load()};
}

std::vector<SeriesPoints> ReportsService::MetricSeries(const std::string& host,
                                                       int64_t now_ms) const {
  const ReportsServiceStats st = Stats();
  std::vector<SeriesPoints> out;
  auto add = [&](const char* metric, uint64_t value, Labels labels) {
    labels.emplace_back("host", host);
    out.push_back({SeriesKey{metric, MakeLabels(std::move(labels))},
                   {Point{now_ms, static_cast<double>(value)}}});
  };
  add("scout_collector_reports_generated_total", st.generated_total, {});
  add("scout_collector_reports_refused_total", st.refused_concurrency_total,
      {{"reason", "concurrency"}});
  add("scout_collector_reports_refused_total", st.refused_deadline_total, {{"reason", "deadline"}});
  add("scout_collector_reports_refused_total", st.refused_timezone_total, {{"reason", "timezone"}});
  return out;
}

grpc::Status ReportsService::Generate(grpc::ServerContext* context, const v1::GenerateReportRequest* req,
                                      v1::GenerateReportResponse* resp) {
  const absl::Status allowed = authorizer_.Check(*context, auth::Permission::kReportsGenerate);
  if (!allowed.ok()) return ToGrpc(allowed);
  const reports::ReportKind kind =
      req->kind() == v1::REPORT_WEEKLY ? reports::ReportKind::kWeekly : reports::ReportKind::kDaily;
  const std::string timezone = req->timezone().empty() ? timezone_ : req->timezone();
  // Checked before the gate: a bad name costs no slot and opens no file.
  absl::StatusOr<absl::TimeZone> tz = reports::LoadReportTimeZone(timezone);
  if (!tz.ok()) {
    ++refused_timezone_;
    return ToGrpc(tz.status());
  }
  if (!gate_.TryEnter()) {
    ++refused_concurrency_;
    return ToGrpc(absl::ResourceExhaustedError(absl::StrCat(
        "too many reports being generated (at most ", gate_.limit(),
        " at once): try again when the running one is done")));
  }
  absl::Cleanup leave = [this] { gate_.Leave(); };
  // Real time: this is a deadline for real work, like gRPC's own.
  const auto deadline =
      std::min(context->deadline(), std::chrono::system_clock::now() + max_time_);
  const reports::DeadlineReportSource::Check expired = [&]() -> absl::Status {
    if (context->IsCancelled()) return absl::CancelledError("the client cancelled the report");
    if (std::chrono::system_clock::now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "report generation took longer than its deadline (the client's, at most ",
          absl::FormatDuration(absl::FromChrono(max_time_)), ")"));
    }
    return absl::OkStatus();
  };
  reports::DeadlineReportSource bounded(source_, expired);
  const int64_t now_ms = clock_.NowMs();
  const std::string period =
      req->period().empty() ? reports::LastCompletePeriodLabel(kind, now_ms, *tz) : req->period();
  absl::StatusOr<reports::Report> report =
      reports::BuildReport({kind, period, timezone, now_ms}, bounded);
  if (!report.ok()) {
    if (absl::IsDeadlineExceeded(report.status()) || absl::IsCancelled(report.status())) {
      ++refused_deadline_;
    }
    return ToGrpc(report.status());
  }
  const reports::ReportFormat format = FormatFromProto(req->format());
  resp->set_content(reports::RenderReport(*report, format));
  resp->set_file_name(ReportFileName(kind, period, format));
  resp->set_period(period);
  resp->set_timezone(timezone.empty() ? "UTC" : timezone);
  ++generated_;
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
