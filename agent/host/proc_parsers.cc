#include "agent/host/proc_parsers.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"

namespace scout::agent {
namespace {

// Calls fn(line_number, line) for every non-blank line; stops at the first
// error so the caller gets the earliest problem.
template <typename Fn>
absl::Status ForEachLine(std::string_view text, Fn&& fn) {
  int line_number = 0;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    absl::Status status = fn(line_number, line);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

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

absl::Status DecodeMountField(std::string_view in, int line_number, std::string_view line,
                              std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '\\') {
      out.push_back(in[i]);
      continue;
    }
    if (in.size() - i < 4) {
      return LineError("mounts", line_number, "truncated octal escape", line);
    }
    int value = 0;
    for (size_t k = 1; k <= 3; ++k) {
      const char c = in[i + k];
      if (c < '0' || c > '7') return LineError("mounts", line_number, "bad octal escape", line);
      value = value * 8 + (c - '0');
    }
    if (value > 0xff) return LineError("mounts", line_number, "bad octal escape", line);
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
      absl::Status s = DecodeMountField(f[i], n, line, *outs[i]);
      if (!s.ok()) return s;
    }
    mounts.push_back(std::move(entry));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return mounts;
}

}  // namespace scout::agent
