// `sctl report daily|weekly` and `sctl report list|get`: clients of the
// collector's Reports service (proto/scout/v1/reports.proto).
//
//   sctl report daily --date 2026-11-26 -o report.html   # format from the extension
//   sctl report weekly --week 2026-W48 --format md        # to stdout
//   sctl report list                                      # the scheduled ones
//   sctl report get daily-2026-11-26.html -o copy.html
//
// Error contract as in ctl/commands.h: PlanReport reports usage errors
// before anything is sent; Run* fail only because of the RPC or the
// output file.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ctl/commands.h"
#include "scout/v1/reports.grpc.pb.h"

namespace scout::ctl {

struct ReportArgs {
  bool weekly = false;
  std::string period;       // --date / --week; empty = the last complete one
  std::string format;       // --format html|md|json; empty = from the file name, else html
  std::string output_file;  // -o FILE; empty = stdout
  std::string timezone;     // --tz; empty = the collector's reports.timezone
};

// InvalidArgument for a malformed date/week, an unknown format, or a
// format that contradicts the file extension.
absl::StatusOr<v1::GenerateReportRequest> PlanReport(const ReportArgs& args);

absl::Status RunReport(v1::Reports::StubInterface& stub, const Context& ctx,
                       const v1::GenerateReportRequest& request, const std::string& output_file,
                       const Output& out);
absl::Status RunReportList(v1::Reports::StubInterface& stub, const Context& ctx,
                           const Output& out);
absl::Status RunReportGet(v1::Reports::StubInterface& stub, const Context& ctx,
                          const std::string& name, const std::string& output_file,
                          const Output& out);

}  // namespace scout::ctl
