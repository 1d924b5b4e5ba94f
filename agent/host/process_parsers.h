// Pure parsers for the per-process procfs files (/proc/<pid>/stat, statm,
// status, cmdline) and for /etc/passwd, used by the "processes" plugin.
// They take the file's text and do no I/O, so every edge case is testable
// with a string.
//
// Contract: a field a parser needs but cannot find or understand yields
// InvalidArgument naming the file ("stat", "statm", "status") and the
// problem; the caller adds the pid. Fields a parser does not need are not
// checked, so new kernel fields never break the agent. ParsePasswd is the
// exception: it is lenient (see there).
//
// Thread safety: stateless free functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/status/statusor.h"

namespace scout::agent {

// The fields of /proc/<pid>/stat the collector uses. Times are in clock
// ticks (USER_HZ, sysconf(_SC_CLK_TCK)).
struct PidStat {
  std::string comm;    // task name: 15 bytes for user tasks, may hold any byte
  char state = '?';    // R, S, D, Z, T, t, X, I, P (proc(5))
  uint64_t flags = 0;  // PF_* task flags
  uint64_t utime = 0;  // user-mode ticks of all threads (children excluded)
  uint64_t stime = 0;  // kernel-mode ticks of all threads
  uint64_t num_threads = 0;
  uint64_t starttime = 0;  // ticks after boot; (pid, starttime) names a process
  // Resident pages. Since Linux 6.2 this is the cheap per-CPU-approximate
  // counter (off by up to a few batches of pages per CPU), while statm and
  // status report the exact sum: good enough to rank, not to report.
  uint64_t rss_pages = 0;

  uint64_t CpuTicks() const { return utime + stime; }
  // Kernel threads have no user memory and an empty cmdline.
  bool IsKernelThread() const { return (flags & 0x00200000u) != 0; }  // PF_KTHREAD
};

// "pid (comm) state ppid ... utime stime ... num_threads ... starttime
// vsize rss ...".
// comm may itself contain spaces, '(' and ')', so it is everything between
// the first '(' and the LAST ')'; the remaining fields never contain ')'.
absl::StatusOr<PidStat> ParsePidStat(std::string_view text);

// /proc/<pid>/statm: "size resident shared text lib data dt" in pages;
// returns resident (0 for kernel threads and zombies).
absl::StatusOr<uint64_t> ParseStatmResidentPages(std::string_view text);

// The fields of /proc/<pid>/status the collector uses.
struct PidStatus {
  uint32_t effective_uid = 0;  // second field of "Uid:", what `ps aux` shows as USER
  uint64_t rss_bytes = 0;      // "VmRSS:" (exact); 0 when absent (kernel threads, zombies)
};
// Requires the Uid line; VmRSS is optional.
absl::StatusOr<PidStatus> ParsePidStatus(std::string_view text);

// /proc/<pid>/cmdline is argv joined by NULs with a trailing NUL. Returns
// it with the trailing NULs removed and the inner NULs turned into spaces
// ("node\0server.js\0" -> "node server.js"), the form regexes are written
// against. Empty for kernel threads and zombies. Never fails.
std::string JoinCmdline(std::string_view raw);

// /etc/passwd ("name:password:uid:gid:gecos:home:shell") as uid -> name.
// Lenient, because the file is not the kernel's and may hold NIS "+"
// lines, comments or junk that must not hide the users we can read: lines
// without a name or a numeric uid are skipped, and the first line wins for
// a duplicated uid (as getpwuid() does).
std::unordered_map<uint32_t, std::string> ParsePasswd(std::string_view text);

}  // namespace scout::agent
