// Pure parsers for the procfs files the host collectors read. They take the
// file's text and do no I/O, so every edge case is testable with a string
// and the collectors stay thin (read via HostFs -> parse -> emit).
//
// Contract: blank lines are ignored; any line the parser needs but cannot
// understand yields InvalidArgument naming the file, the line number and
// the offending text. Lines a parser does not need are skipped unchecked,
// so new kernel fields never break the agent.
//
// Thread safety: stateless free functions; safe from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace scout::agent {

// Cumulative jiffies (USER_HZ ticks) of one "cpu"/"cpuN" line of
// /proc/stat. Fields an old kernel does not print are 0. Note that the
// kernel already counts guest time inside user (and guest_nice inside
// nice), so guest fields must not be added to a total.
struct CpuTimes {
  uint64_t user = 0;
  uint64_t nice = 0;
  uint64_t system = 0;
  uint64_t idle = 0;
  uint64_t iowait = 0;
  uint64_t irq = 0;
  uint64_t softirq = 0;
  uint64_t steal = 0;
  uint64_t guest = 0;
  uint64_t guest_nice = 0;

  // Every tick the CPU spent, each counted once (guest fields excluded).
  uint64_t Total() const {
    return user + nice + system + idle + iowait + irq + softirq + steal;
  }
};

struct ProcStat {
  CpuTimes total;                 // the "cpu" line (all CPUs)
  std::map<int, CpuTimes> cpus;   // "cpuN" lines by N
  // Scalar lines; absent when the kernel does not print them.
  std::optional<uint64_t> context_switches;  // ctxt
  std::optional<uint64_t> forks;             // processes
  std::optional<uint64_t> procs_running;
  std::optional<uint64_t> procs_blocked;
  std::optional<uint64_t> boot_time_seconds;  // btime
};

// /proc/stat. Requires the "cpu" line with at least the 4 fields every
// kernel prints (user nice system idle); duplicate cpuN lines are an error.
absl::StatusOr<ProcStat> ParseProcStat(std::string_view text);

// /proc/meminfo as field name -> value. Values in "kB" are converted to
// bytes; unit-less values (HugePages_Total, ...) are counts, kept as is.
absl::StatusOr<std::map<std::string, uint64_t>> ParseMeminfo(std::string_view text);

// /proc/loadavg: "0.15 0.13 0.05 1/83 4044".
struct LoadAvg {
  double load1 = 0;
  double load5 = 0;
  double load15 = 0;
  uint64_t running_threads = 0;  // runnable scheduling entities right now
  uint64_t total_threads = 0;    // scheduling entities that exist
};
absl::StatusOr<LoadAvg> ParseLoadavg(std::string_view text);

// One line of /proc/<pid>/mounts (fstab format). The kernel escapes space,
// tab, newline and backslash as \040 \011 \012 \134; fields here are
// already decoded.
struct MountEntry {
  std::string device;
  std::string mount_point;
  std::string fstype;
  std::string options;
};
// Entries in file order (later entries over-mount earlier ones).
absl::StatusOr<std::vector<MountEntry>> ParseMounts(std::string_view text);

}  // namespace scout::agent
