#include "agent/host/proc_parsers.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"

namespace scout::agent {
namespace parse_detail {

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (true) {
    pos = line.find_first_not_of(" \t\r", pos);
    if (pos == std::string_view::npos) break;
    size_t end = line.find_first_of(" \t\r", pos);
    if (end == std::string_view::npos) end = line.size();
    out.push_back(line.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

absl::Status LineError(std::string_view file, int line_number, std::string_view what,
                       std::string_view line) {
  return absl::InvalidArgumentError(absl::StrCat(std::string(file), " line ", line_number,
                                                 ": ", std::string(what), " in \"",
                                                 std::string(line), "\""));
}

// std::from_chars: locale-independent, no exceptions, and rejects signs
// and trailing junk when we insist the whole token is consumed.
bool ParseU64(std::string_view token, uint64_t& out) {
  const char* end = token.data() + token.size();
  auto [ptr, ec] = std::from_chars(token.data(), end, out);
  return ec == std::errc() && ptr == end && !token.empty();
}

bool ParseNonNegativeDouble(std::string_view token, double& out) {
  const char* end = token.data() + token.size();
  auto [ptr, ec] = std::from_chars(token.data(), end, out);
  return ec == std::errc() && ptr == end && std::isfinite(out) && out >= 0;
}

}  // namespace parse_detail

namespace {

using parse_detail::Fields;
using parse_detail::ForEachLine;
using parse_detail::LineError;
using parse_detail::ParseNonNegativeDouble;
using parse_detail::ParseU64;

absl::Status ParseCpuLine(const std::vector<std::string_view>& fields, int line_number,
                          std::string_view line, CpuTimes& out) {
  // Kernels before 2.6 print only 4 fields; later ones append more, and a
  // future kernel may append fields we do not know yet.
  if (fields.size() < 5) return LineError("stat", line_number, "fewer than 4 cpu times", line);
  uint64_t* const slots[] = {&out.user,   &out.nice,    &out.system, &out.idle,
                             &out.iowait, &out.irq,     &out.softirq, &out.steal,
                             &out.guest,  &out.guest_nice};
  const size_t known = sizeof(slots) / sizeof(slots[0]);
  for (size_t i = 1; i < fields.size() && i <= known; ++i) {
    if (!ParseU64(fields[i], *slots[i - 1])) {
      return LineError("stat", line_number,
                       absl::StrCat("invalid cpu time \"", std::string(fields[i]), "\""), line);
    }
  }
  return absl::OkStatus();
}

// `file` names the table in errors ("mounts", "mountinfo"): both use the
// kernel's octal escapes for space, tab, newline and backslash.
absl::Status DecodeMountField(std::string_view file, std::string_view in, int line_number,
                              std::string_view line, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '\\') {
      out.push_back(in[i]);
      continue;
    }
    if (in.size() - i < 4) {
      return LineError(file, line_number, "truncated octal escape", line);
    }
    int value = 0;
    for (size_t k = 1; k <= 3; ++k) {
      const char c = in[i + k];
      if (c < '0' || c > '7') return LineError(file, line_number, "bad octal escape", line);
      value = value * 8 + (c - '0');
    }
    if (value > 0xff) return LineError(file, line_number, "bad octal escape", line);
    out.push_back(static_cast<char>(value));
    i += 3;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ProcStat> ParseProcStat(std::string_view text) {
  ProcStat stat;
  bool saw_total = false;
  const std::pair<std::string_view, std::optional<uint64_t> ProcStat::*> scalars[] = {
      {"ctxt", &ProcStat::context_switches},   {"processes", &ProcStat::forks},
      {"procs_running", &ProcStat::procs_running}, {"procs_blocked", &ProcStat::procs_blocked},
      {"btime", &ProcStat::boot_time_seconds}};

  absl::Status status = ForEachLine(text, [&](int n, std::string_view line) -> absl::Status {
    const std::vector<std::string_view> fields = Fields(line);
    const std::string_view key = fields[0];
    if (key == "cpu") {
      if (saw_total) return LineError("stat", n, "duplicate cpu line", line);
      saw_total = true;
      return ParseCpuLine(fields, n, line, stat.total);
    }
    if (key.substr(0, 3) == "cpu") {
      const std::string_view digits = key.substr(3);
      uint64_t id = 0;
      if (!ParseU64(digits, id) || id > static_cast<uint64_t>(std::numeric_limits<int>::max())) {
        return LineError("stat", n, "bad cpu name", line);
      }
      CpuTimes times;
      absl::Status s = ParseCpuLine(fields, n, line, times);
      if (!s.ok()) return s;
      if (!stat.cpus.emplace(static_cast<int>(id), times).second) {
        return LineError("stat", n, "duplicate cpu line", line);
      }
      return absl::OkStatus();
    }
    for (const auto& [name, member] : scalars) {
      if (key != name) continue;
      uint64_t value = 0;
      if (fields.size() != 2 || !ParseU64(fields[1], value)) {
        return LineError("stat", n, absl::StrCat("bad ", std::string(name), " value"), line);
      }
      stat.*member = value;
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (!saw_total) return absl::InvalidArgumentError("stat: no \"cpu\" line");
  return stat;
}

absl::StatusOr<std::map<std::string, uint64_t>> ParseMeminfo(std::string_view text) {
  std::map<std::string, uint64_t> fields;
  absl::Status status = ForEachLine(text, [&](int n, std::string_view line) -> absl::Status {
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return LineError("meminfo", n, "expected \"Name: value [kB]\"", line);
    }
    const std::string name(line.substr(0, colon));
    const std::vector<std::string_view> rest = Fields(line.substr(colon + 1));
    uint64_t value = 0;
    if (rest.empty() || rest.size() > 2 || !ParseU64(rest[0], value)) {
      return LineError("meminfo", n, "expected \"Name: value [kB]\"", line);
    }
    if (rest.size() == 2) {
      if (rest[1] != "kB") return LineError("meminfo", n, "unknown unit", line);
      if (value > std::numeric_limits<uint64_t>::max() / 1024) {
        return LineError("meminfo", n, "value overflows bytes", line);
      }
      value *= 1024;
    }
    if (!fields.emplace(name, value).second) {
      return LineError("meminfo", n, "duplicate field", line);
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return fields;
}

absl::StatusOr<LoadAvg> ParseLoadavg(std::string_view text) {
  LoadAvg load;
  bool seen = false;
  absl::Status status = ForEachLine(text, [&](int n, std::string_view line) -> absl::Status {
    if (seen) return LineError("loadavg", n, "unexpected extra line", line);
    seen = true;
    const std::vector<std::string_view> f = Fields(line);
    if (f.size() < 4) return LineError("loadavg", n, "expected 5 fields", line);
    if (!ParseNonNegativeDouble(f[0], load.load1) || !ParseNonNegativeDouble(f[1], load.load5) ||
        !ParseNonNegativeDouble(f[2], load.load15)) {
      return LineError("loadavg", n, "bad load average", line);
    }
    const size_t slash = f[3].find('/');
    if (slash == std::string_view::npos || !ParseU64(f[3].substr(0, slash), load.running_threads) ||
        !ParseU64(f[3].substr(slash + 1), load.total_threads)) {
      return LineError("loadavg", n, "expected running/total threads", line);
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (!seen) return absl::InvalidArgumentError("loadavg: empty file");
  return load;
}

absl::StatusOr<std::vector<MountEntry>> ParseMounts(std::string_view text) {
  std::vector<MountEntry> mounts;
  absl::Status status = ForEachLine(text, [&](int n, std::string_view line) -> absl::Status {
    const std::vector<std::string_view> f = Fields(line);
    // dump and pass (fields 5, 6) are always 0 in procfs; we do not need them.
    if (f.size() < 4) return LineError("mounts", n, "expected at least 4 fields", line);
    MountEntry entry;
    std::string* const outs[] = {&entry.device, &entry.mount_point, &entry.fstype, &entry.options};
    for (size_t i = 0; i < 4; ++i) {
      absl::Status s = DecodeMountField("mounts", f[i], n, line, *outs[i]);
      if (!s.ok()) return s;
    }
    mounts.push_back(std::move(entry));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return mounts;
}

absl::StatusOr<std::vector<MountInfoEntry>> ParseMountInfo(std::string_view text) {
  std::vector<MountInfoEntry> mounts;
  absl::Status status = ForEachLine(text, [&](int n, std::string_view line) -> absl::Status {
    const std::vector<std::string_view> f = Fields(line);
    // The first "-" field is the separator: none of the six fixed fields
    // can be "-" (numbers, paths starting with '/' or "net:[...]",
    // non-empty options), and the optional ones are all "tag[:value]".
    size_t sep = 0;
    while (sep < f.size() && f[sep] != "-") ++sep;
    if (sep == f.size()) return LineError("mountinfo", n, "no \" - \" separator", line);
    if (sep < 6) return LineError("mountinfo", n, "expected 6 fields before \" - \"", line);
    MountInfoEntry entry;
    if (!ParseU64(f[0], entry.mount_id) || !ParseU64(f[1], entry.parent_id)) {
      return LineError("mountinfo", n, "bad mount id", line);
    }
    const size_t colon = f[2].find(':');
    uint64_t major = 0;
    uint64_t minor = 0;
    if (colon == std::string_view::npos || !ParseU64(f[2].substr(0, colon), major) ||
        !ParseU64(f[2].substr(colon + 1), minor) ||
        major > std::numeric_limits<uint32_t>::max() ||
        minor > std::numeric_limits<uint32_t>::max()) {
      return LineError("mountinfo", n, "bad major:minor", line);
    }
    entry.major = static_cast<uint32_t>(major);
    entry.minor = static_cast<uint32_t>(minor);

    // f[sep] points into `line`; what follows it is " fstype source super-options".
    std::string_view tail = line.substr(static_cast<size_t>(f[sep].data() - line.data()) + 1);
    tail = tail.substr(0, tail.find_last_not_of(" \t\r") + 1);
    std::vector<std::string_view> after;
    while (!tail.empty() && tail[0] == ' ') {
      tail.remove_prefix(1);
      const size_t end = std::min(tail.find(' '), tail.size());
      after.push_back(tail.substr(0, end));
      tail.remove_prefix(end);
    }
    if (after.size() < 2 || after[0].empty()) {
      return LineError("mountinfo", n, "expected fstype and source after \" - \"", line);
    }
    const std::pair<std::string_view, std::string*> decode[] = {{f[3], &entry.root},
                                                                {f[4], &entry.mount_point},
                                                                {after[0], &entry.fstype},
                                                                {after[1], &entry.source}};
    for (const auto& [in, out] : decode) {
      absl::Status s = DecodeMountField("mountinfo", in, n, line, *out);
      if (!s.ok()) return s;
    }
    mounts.push_back(std::move(entry));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return mounts;
}

absl::StatusOr<std::vector<DiskStats>> ParseDiskstats(std::string_view text) {
  std::vector<DiskStats> disks;
  std::set<std::string, std::less<>> names;
  absl::Status status = ForEachLine(text, [&](int n, std::string_view line) -> absl::Status {
    const std::vector<std::string_view> f = Fields(line);
    // major minor name + 11 counters; newer kernels append more.
    if (f.size() < 14) return LineError("diskstats", n, "expected at least 14 fields", line);
    DiskStats d;
    d.name = std::string(f[2]);
    uint64_t* const slots[] = {&d.reads_completed,  &d.reads_merged,   &d.sectors_read,
                               &d.read_time_ms,     &d.writes_completed, &d.writes_merged,
                               &d.sectors_written,  &d.write_time_ms,  &d.ios_in_progress,
                               &d.io_time_ms,       &d.weighted_io_time_ms};
    for (size_t i = 0; i < 11; ++i) {
      if (!ParseU64(f[3 + i], *slots[i])) {
        return LineError("diskstats", n,
                         absl::StrCat("invalid counter \"", std::string(f[3 + i]), "\""), line);
      }
    }
    if (!names.insert(d.name).second) return LineError("diskstats", n, "duplicate device", line);
    disks.push_back(std::move(d));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return disks;
}

absl::StatusOr<std::map<std::string, uint64_t>> ParseVmstat(std::string_view text) {
  std::map<std::string, uint64_t> fields;
  absl::Status status = ForEachLine(text, [&](int n, std::string_view line) -> absl::Status {
    const std::vector<std::string_view> f = Fields(line);
    uint64_t value = 0;
    if (f.size() != 2 || !ParseU64(f[1], value)) {
      return LineError("vmstat", n, "expected \"name value\"", line);
    }
    if (!fields.emplace(std::string(f[0]), value).second) {
      return LineError("vmstat", n, "duplicate field", line);
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return fields;
}

absl::StatusOr<FileNr> ParseFileNr(std::string_view text) {
  FileNr nr;
  bool seen = false;
  absl::Status status = ForEachLine(text, [&](int n, std::string_view line) -> absl::Status {
    if (seen) return LineError("file-nr", n, "unexpected extra line", line);
    seen = true;
    const std::vector<std::string_view> f = Fields(line);
    if (f.size() != 3 || !ParseU64(f[0], nr.allocated) || !ParseU64(f[1], nr.unused) ||
        !ParseU64(f[2], nr.maximum)) {
      return LineError("file-nr", n, "expected \"allocated unused maximum\"", line);
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (!seen) return absl::InvalidArgumentError("file-nr: empty file");
  return nr;
}

absl::StatusOr<double> ParseUptime(std::string_view text) {
  double uptime = 0;
  bool seen = false;
  absl::Status status = ForEachLine(text, [&](int n, std::string_view line) -> absl::Status {
    if (seen) return LineError("uptime", n, "unexpected extra line", line);
    seen = true;
    const std::vector<std::string_view> f = Fields(line);
    double idle = 0;
    if (f.size() != 2 || !ParseNonNegativeDouble(f[0], uptime) ||
        !ParseNonNegativeDouble(f[1], idle)) {
      return LineError("uptime", n, "expected \"uptime idle\" seconds", line);
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (!seen) return absl::InvalidArgumentError("uptime: empty file");
  return uptime;
}

absl::StatusOr<Pressure> ParsePressure(std::string_view text, std::string_view file) {
  std::optional<PressureLine> some;
  std::optional<PressureLine> full;
  absl::Status status = ForEachLine(text, [&](int n, std::string_view line) -> absl::Status {
    const std::vector<std::string_view> f = Fields(line);
    std::optional<PressureLine>* target =
        f[0] == "some" ? &some : (f[0] == "full" ? &full : nullptr);
    if (target == nullptr) return absl::OkStatus();  // a future line kind
    if (target->has_value()) return LineError(file, n, "duplicate line", line);
    PressureLine p;
    const std::pair<std::string_view, double*> averages[] = {
        {"avg10", &p.avg10}, {"avg60", &p.avg60}, {"avg300", &p.avg300}};
    std::set<std::string_view> keys;
    for (size_t i = 1; i < f.size(); ++i) {
      const size_t eq = f[i].find('=');
      if (eq == std::string_view::npos) return LineError(file, n, "expected key=value", line);
      const std::string_view key = f[i].substr(0, eq);
      const std::string_view value = f[i].substr(eq + 1);
      if (!keys.insert(key).second) return LineError(file, n, "duplicate key", line);
      bool ok = true;
      if (key == "total") ok = ParseU64(value, p.total_us);
      for (const auto& [name, slot] : averages) {
        if (key == name) ok = ParseNonNegativeDouble(value, *slot);
      }
      if (!ok) return LineError(file, n, absl::StrCat("bad ", std::string(key)), line);
    }
    for (std::string_view required : {"avg10", "avg60", "avg300", "total"}) {
      if (keys.count(required) == 0) {
        return LineError(file, n, absl::StrCat("no ", std::string(required)), line);
      }
    }
    *target = p;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (!some) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(file), ": no \"some\" line"));
  }
  return Pressure{*some, full};
}

}  // namespace scout::agent
