#include "collector/report_archive.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "re2/re2.h"

namespace scout::collector {
namespace {

namespace fs = std::filesystem;

// kind-period.ext, nothing else (also keeps Read() inside the directory).
constexpr char kNamePattern[] =
    R"((daily|weekly)-(\d{4}-\d{2}-\d{2}|\d{4}-W\d{2})\.(html|md|json))";

bool ParseName(const std::string& name, ArchivedReport* out) {
  static const RE2 re(kNamePattern);
  std::string kind, period, ext;
  if (!RE2::FullMatch(name, re, &kind, &period, &ext)) return false;
  if ((kind == "daily") != (period.find('W') == std::string::npos)) return false;
  out->name = name;
  out->kind = kind == "daily" ? reports::ReportKind::kDaily : reports::ReportKind::kWeekly;
  out->period = period;
  out->format = ext == "html"  ? reports::ReportFormat::kHtml
                : ext == "md" ? reports::ReportFormat::kMarkdown
                              : reports::ReportFormat::kJson;
  return true;
}

}  // namespace

std::string ReportFileName(reports::ReportKind kind, const std::string& period,
                           reports::ReportFormat format) {
  return absl::StrCat(reports::ReportKindName(kind), "-", period, ".",
                      reports::ReportFormatExtension(format));
}

bool ReportArchive::Has(const std::string& name) const {
  std::error_code ec;
  return fs::exists(fs::path(dir_) / name, ec);
}

absl::Status ReportArchive::Write(const std::string& name, const std::string& content) const {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", dir_, ": ", ec.message()));
  const fs::path final_path = fs::path(dir_) / name;
  const fs::path temp = fs::path(dir_) / absl::StrCat(".", name, ".tmp");
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << content;
    out.flush();
    if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", temp.string()));
  }
  fs::rename(temp, final_path, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot rename to ", final_path.string(), ": ", ec.message()));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ArchivedReport>> ReportArchive::List() const {
  std::vector<ArchivedReport> out;
  std::error_code ec;
  if (!fs::exists(dir_, ec)) return out;
  for (const fs::directory_entry& e : fs::directory_iterator(dir_, ec)) {
    ArchivedReport r;
    if (!e.is_regular_file(ec) || !ParseName(e.path().filename().string(), &r)) continue;
    r.size_bytes = static_cast<int64_t>(e.file_size(ec));
    const auto mtime = fs::last_write_time(e.path(), ec);
    // file_clock -> system_clock: same epoch offset now as then. A conversion
    // between two real clocks (the two now()s cancel), not a reading of now
    // in logic, so it does not go through Clock.
    const auto system = std::chrono::system_clock::now() +
                        (mtime - fs::file_time_type::clock::now());
    r.modified_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        system.time_since_epoch()).count();
    out.push_back(std::move(r));
  }
  if (ec) return absl::UnavailableError(absl::StrCat("cannot list ", dir_, ": ", ec.message()));
  std::sort(out.begin(), out.end(), [](const ArchivedReport& a, const ArchivedReport& b) {
    if (a.period != b.period) return a.period > b.period;
    return a.name < b.name;
  });
  return out;
}

absl::StatusOr<std::string> ReportArchive::Read(const std::string& name) const {
  ArchivedReport r;
  if (!ParseName(name, &r) || !Has(name)) {
    return absl::NotFoundError(absl::StrCat("no report named \"", name, "\" (see sctl report list)"));
  }
  std::ifstream in(fs::path(dir_) / name, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return absl::UnavailableError(absl::StrCat("cannot read ", name));
  return text.str();
}

}  // namespace scout::collector
