#include "ctl/report_commands.h"

#include <fstream>

#include <grpcpp/grpcpp.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ctl/format.h"
#include "re2/re2.h"
#include "shared/status_macros.h"

namespace scout::ctl {
namespace {

absl::StatusOr<v1::ReportFormat> ParseFormat(const std::string& text) {
  if (text == "html") return v1::REPORT_HTML;
  if (text == "md" || text == "markdown") return v1::REPORT_MARKDOWN;
  if (text == "json") return v1::REPORT_JSON;
  return absl::InvalidArgumentError(
      absl::StrCat("--format: \"", text, "\" is not html, md or json"));
}

// The format a file name asks for, or unspecified.
v1::ReportFormat FormatOfFile(const std::string& path) {
  if (absl::EndsWith(path, ".html") || absl::EndsWith(path, ".htm")) return v1::REPORT_HTML;
  if (absl::EndsWith(path, ".md")) return v1::REPORT_MARKDOWN;
  if (absl::EndsWith(path, ".json")) return v1::REPORT_JSON;
  return v1::REPORT_FORMAT_UNSPECIFIED;
}

const char* FormatName(v1::ReportFormat f) {
  switch (f) {
    case v1::REPORT_MARKDOWN: return "md";
    case v1::REPORT_JSON: return "json";
    default: return "html";
  }
}

absl::Status WriteOut(const std::string& content, const std::string& output_file,
                      const Output& out) {
  if (output_file.empty() || output_file == "-") {
    *out.out << content;
    return absl::OkStatus();
  }
  std::ofstream file(output_file, std::ios::binary | std::ios::trunc);
  file << content;
  file.flush();
  if (!file) return absl::UnavailableError(absl::StrCat("cannot write ", output_file));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::GenerateReportRequest> PlanReport(const ReportArgs& args) {
  v1::GenerateReportRequest req;
  req.set_kind(args.weekly ? v1::REPORT_WEEKLY : v1::REPORT_DAILY);
  if (!args.period.empty()) {
    static const RE2 kDate(R"(\d{4}-\d{2}-\d{2})");
    static const RE2 kWeek(R"(\d{4}-W\d{2})");
    if (args.weekly && !RE2::FullMatch(args.period, kWeek)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--week: \"", args.period, "\" is not an ISO week like 2026-W48"));
    }
    if (!args.weekly && !RE2::FullMatch(args.period, kDate)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--date: \"", args.period, "\" is not a date like 2026-11-26"));
    }
    req.set_period(args.period);
  }
  const v1::ReportFormat from_file = FormatOfFile(args.output_file);
  v1::ReportFormat format = from_file == v1::REPORT_FORMAT_UNSPECIFIED ? v1::REPORT_HTML : from_file;
  if (!args.format.empty()) {
    SCOUT_ASSIGN_OR_RETURN(format, ParseFormat(args.format));
    if (from_file != v1::REPORT_FORMAT_UNSPECIFIED && from_file != format) {
      return absl::InvalidArgumentError(absl::StrCat("--format ", args.format, " but -o ",
                                                     args.output_file, " says ",
                                                     FormatName(from_file)));
    }
  }
  req.set_format(format);
  req.set_timezone(args.timezone);
  return req;
}

absl::Status RunReport(v1::Reports::StubInterface& stub, const Context& ctx,
                       const v1::GenerateReportRequest& request, const std::string& output_file,
                       const Output& out) {
  v1::GenerateReportResponse resp;
  // A week of many hosts takes a while to build: allow more than the usual.
  SCOUT_RETURN_IF_ERROR(Call(ctx, stub, &v1::Reports::StubInterface::Generate,
                             request, &resp, std::chrono::milliseconds(120'000)));
  SCOUT_RETURN_IF_ERROR(WriteOut(resp.content(), output_file, out));
  if (!output_file.empty() && output_file != "-") {
    *out.err << "sctl: wrote " << (request.kind() == v1::REPORT_WEEKLY ? "weekly" : "daily")
             << " report " << resp.period() << " (" << resp.timezone() << ", "
             << FormatBytes(static_cast<double>(resp.content().size())) << ") to " << output_file
             << "\n";
  }
  return absl::OkStatus();
}

absl::Status RunReportList(v1::Reports::StubInterface& stub, const Context& ctx,
                           const Output& out) {
  v1::ListReportsResponse resp;
  SCOUT_RETURN_IF_ERROR(Call(ctx, stub, &v1::Reports::StubInterface::List,
                             v1::ListReportsRequest(), &resp));
  const int64_t now = ctx.clock != nullptr ? ctx.clock->NowMs() : 0;
  const auto kind = [](v1::ReportKind k) { return k == v1::REPORT_WEEKLY ? "weekly" : "daily"; };
  Records records({"name", "kind", "period", "format", "size_bytes", "modified_ms"});
  for (const v1::ReportFile& r : resp.reports()) {
    records.Row().Text(r.name()).Text(kind(r.kind())).Text(r.period()).Text(FormatName(r.format()))
        .Int(r.size_bytes()).Int(r.modified_ms());
  }
  if (out.format == OutputFormat::kJson) {
    JsonWriter json(*out.out);
    json.BeginObject().Key("directory").String(resp.directory()).Key("reports");
    records.WriteJsonArray(json);
    json.EndObject();
    *out.out << "\n";
    return absl::OkStatus();
  }
  if (out.format == OutputFormat::kCsv) {
    records.WriteCsv(*out.out);
    return absl::OkStatus();
  }
  TextTable table({{"NAME"}, {"KIND"}, {"PERIOD"}, {"SIZE", TextTable::Align::kRight},
                   {"WRITTEN", TextTable::Align::kRight}});
  for (const v1::ReportFile& r : resp.reports()) {
    table.AddRow({r.name(), kind(r.kind()), r.period(),
                  FormatBytes(static_cast<double>(r.size_bytes())), FormatAgo(now - r.modified_ms())});
  }
  table.Write(*out.out);
  if (resp.reports().empty()) {
    *out.err << "sctl: no reports in " << SanitizeForTerminal(resp.directory())
             << " yet (they are written daily at reports.daily_at; or run sctl report daily)\n";
  }
  return absl::OkStatus();
}

absl::Status RunReportGet(v1::Reports::StubInterface& stub, const Context& ctx,
                          const std::string& name, const std::string& output_file,
                          const Output& out) {
  v1::GetReportRequest req;
  req.set_name(name);
  v1::GetReportResponse resp;
  SCOUT_RETURN_IF_ERROR(Call(ctx, stub, &v1::Reports::StubInterface::Get, req, &resp));
  return WriteOut(resp.content(), output_file, out);
}

}  // namespace scout::ctl
