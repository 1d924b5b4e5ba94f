// The reports directory: where scheduled reports are written and listed.
//
// File names say what a file is: "<kind>-<period>.<ext>", e.g.
// daily-2026-11-26.html, weekly-2026-W48.md. Files are written to a
// temporary name and renamed, so a reader never sees half a report and a
// crash never leaves one that looks complete.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "collector/reports/report.h"

namespace scout::collector {

struct ArchivedReport {
  std::string name;  // file name
  reports::ReportKind kind = reports::ReportKind::kDaily;
  std::string period;  // "2026-11-26" | "2026-W48"
  reports::ReportFormat format = reports::ReportFormat::kHtml;
  int64_t size_bytes = 0;
  int64_t modified_ms = 0;
};

std::string ReportFileName(reports::ReportKind kind, const std::string& period,
                           reports::ReportFormat format);

class ReportArchive {
 public:
  explicit ReportArchive(std::string dir) : dir_(std::move(dir)) {}

  const std::string& dir() const { return dir_; }
  bool Has(const std::string& name) const;
  // Creates the directory if needed; atomic (temp file + rename).
  absl::Status Write(const std::string& name, const std::string& content) const;
  // Every report file, newest period first; other files are ignored.
  absl::StatusOr<std::vector<ArchivedReport>> List() const;
  // NotFound for a name that is not a report in the directory (no paths).
  absl::StatusOr<std::string> Read(const std::string& name) const;

 private:
  const std::string dir_;
};

}  // namespace scout::collector
