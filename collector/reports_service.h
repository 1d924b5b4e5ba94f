// ReportsService: the Reports gRPC API (sync handlers on gRPC's pool).
// Generate builds a report on demand through the same code as the
// scheduler; List/Get serve the reports directory.
#pragma once

#include <string>

#include "collector/auth/authorizer.h"
#include "collector/report_archive.h"
#include "collector/reports/report_source.h"
#include "scout/v1/reports.grpc.pb.h"
#include "shared/clock.h"

namespace scout::collector {

class ReportsService final : public v1::Reports::Service {
 public:
  ReportsService(reports::ReportSource& source, std::string reports_dir, std::string zone,
                 auth::Authorizer& authorizer, const Clock& clock)
      : source_(source), archive_(std::move(reports_dir)), timezone_(std::move(zone)),
        authorizer_(authorizer), clock_(clock) {}

  grpc::Status Generate(grpc::ServerContext*, const v1::GenerateReportRequest*,
                        v1::GenerateReportResponse*) override;
  grpc::Status List(grpc::ServerContext*, const v1::ListReportsRequest*,
                    v1::ListReportsResponse*) override;
  grpc::Status Get(grpc::ServerContext*, const v1::GetReportRequest*,
                   v1::GetReportResponse*) override;

 private:
  reports::ReportSource& source_;
  const ReportArchive archive_;
  const std::string timezone_;
  auth::Authorizer& authorizer_;
  const Clock& clock_;
};

}  // namespace scout::collector
