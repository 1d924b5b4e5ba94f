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

// One line of /proc/<pid>/mountinfo (kernel 2.6.26+, proc(5)):
//   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
//   id parent maj:min root mount-point options [optional...] - fstype source super-options
// It says what mounts cannot: the device number of each mount's
// superblock. Escapes are decoded as in ParseMounts. The optional fields
// (shared:N, master:N, propagate_from:N, unbindable; zero or more) and
// the options are skipped unchecked; the " - " separator, fstype and
// source are required. The source may be empty: the kernel then prints
// nothing between the two spaces, so the part after the separator is
// split on single spaces, as the kernel writes it.
struct MountInfoEntry {
  uint64_t mount_id = 0;
  uint64_t parent_id = 0;
  uint32_t major = 0;  // of the superblock's device (anonymous: major 0)
  uint32_t minor = 0;
  std::string root;    // what is mounted: "/" or, for a bind or subvolume, a directory of it
  std::string mount_point;
  std::string fstype;  // as in mounts, e.g. "fuse.sshfs"
  std::string source;  // = MountEntry::device
};
// Entries in file order (later entries over-mount earlier ones).
absl::StatusOr<std::vector<MountInfoEntry>> ParseMountInfo(std::string_view text);

// One line of /proc/diskstats (kernel >= 2.6.25 prints all 11 classic
// fields for disks and partitions alike; discard/flush fields appended by
// 4.18+ / 5.5+ are not needed). Sectors are always 512 bytes here,
// whatever the device's real sector size. Times are milliseconds.
struct DiskStats {
  std::string name;  // as the kernel prints it, e.g. "sda", "cciss/c0d0"
  uint64_t reads_completed = 0;
  uint64_t reads_merged = 0;
  uint64_t sectors_read = 0;
  uint64_t read_time_ms = 0;
  uint64_t writes_completed = 0;
  uint64_t writes_merged = 0;
  uint64_t sectors_written = 0;
  uint64_t write_time_ms = 0;
  uint64_t ios_in_progress = 0;
  uint64_t io_time_ms = 0;  // wall time with at least one I/O in flight
  uint64_t weighted_io_time_ms = 0;
};
// Devices in file order; a duplicate device name is an error (the
// plugin keys its previous counters by name).
absl::StatusOr<std::vector<DiskStats>> ParseDiskstats(std::string_view text);

// /proc/vmstat ("name value" per line) as a map.
absl::StatusOr<std::map<std::string, uint64_t>> ParseVmstat(std::string_view text);

// /proc/sys/fs/file-nr: "allocated  unused  maximum". Since 2.6 the kernel
// frees unused handles at once, so "unused" is always 0 and "allocated"
// is the number in use.
struct FileNr {
  uint64_t allocated = 0;
  uint64_t unused = 0;
  uint64_t maximum = 0;
};
absl::StatusOr<FileNr> ParseFileNr(std::string_view text);

// /proc/uptime: "4233.91 6675.43" -> 4233.91 (seconds since boot; the
// second field, summed idle time of all CPUs, is checked but unused).
absl::StatusOr<double> ParseUptime(std::string_view text);

// /proc/pressure/{cpu,memory,io} (PSI, kernel 4.20+):
//   some avg10=0.59 avg60=0.76 avg300=9.39 total=199904850
//   full avg10=0.00 avg60=0.00 avg300=0.00 total=0
// avgN are percentages (0..100) of wall time over the last N seconds;
// total is cumulative stall time in microseconds. "some" = at least one
// task stalled, "full" = all non-idle tasks stalled at once. "some" is
// required; "full" is absent for cpu before 5.13. Unknown line kinds and
// unknown key=value pairs are ignored.
struct PressureLine {
  double avg10 = 0;
  double avg60 = 0;
  double avg300 = 0;
  uint64_t total_us = 0;
};
struct Pressure {
  PressureLine some;
  std::optional<PressureLine> full;
};
// `file` names the resource in error messages ("pressure/cpu").
absl::StatusOr<Pressure> ParsePressure(std::string_view text, std::string_view file);

// Per-second rate of a monotonic counter between two samples taken
// `elapsed_ms` apart; empty when no time elapsed or the counter went
// backwards (reset, wrap, device replaced): no rate beats a wrong one.
inline std::optional<double> CounterRate(uint64_t prev, uint64_t cur, int64_t elapsed_ms) {
  if (elapsed_ms <= 0 || cur < prev) return std::nullopt;
  return static_cast<double>(cur - prev) * 1000.0 / static_cast<double>(elapsed_ms);
}

// Building blocks shared by the parsers in proc_parsers.cc and
// net_parsers.cc. Not for collectors: they call the parsers above.
namespace parse_detail {

// Whitespace-separated fields of one line.
std::vector<std::string_view> Fields(std::string_view line);
// InvalidArgument "<file> line <n>: <what> in \"<line>\"".
absl::Status LineError(std::string_view file, int line_number, std::string_view what,
                       std::string_view line);
// Whole token as an unsigned decimal; no sign, no junk.
bool ParseU64(std::string_view token, uint64_t& out);
bool ParseNonNegativeDouble(std::string_view token, double& out);

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

}  // namespace parse_detail
}  // namespace scout::agent
