// Process plugin ("processes"): `ps aux --sort=-%cpu | head`,
// `ps aux --sort=-%mem | head` and "is node still there, how big is it"
// natively from procfs, with bounded series churn.
//
// Each Collect() lists the proc root (HostFs::ListProc) and reads
// <pid>/stat of every pid; <pid>/cmdline only when a group has a
// cmdline_regex (cached, see below) and <pid>/statm only for group members.
// It emits:
//   node_processes                      processes scanned
//   node_processes_state{state}         per state letter, always all of
//                                       R S D T t X Z P I (0 when none)
//   scout_process_group_processes{group}             every configured
//   scout_process_group_resident_memory_bytes{group} group, also when it
//   scout_process_group_threads{group}               has 0 members
//   scout_process_group_cpu_usage_ratio{group}       (not on the first call)
//   scout_process_cpu_usage_ratio{pid,name,user}        only for the top_n
//   scout_process_resident_memory_bytes{pid,name,user}  by CPU ratio and the
//   scout_process_threads{pid,name,user}                top_n by RSS (at
//   scout_process_open_fds{pid,name,user}               most 2*top_n pids)
// Only those emitted processes have <pid>/status (uid, exact RSS) and
// <pid>/fd read. Per-process procfs reads are almost all of a cycle's cost
// (kernel time), hence one read per ordinary process.
//
// RSS: the ranking uses stat's rss field, which since Linux 6.2 is a
// per-CPU approximation (each CPU may hold back up to max(32, 2 x CPUs)
// pages of each of 3 counters). Every reported RSS is exact (statm for
// group sums, status for per-pid series), so only near-ties at the top_n
// boundary can be ranked differently than `ps` would.
//
// CPU ratio = delta(utime+stime) / (elapsed seconds * clock ticks per
// second): the share of ONE core, so 2.0 means two cores busy. A process
// has no ratio on its first cycle or after pid reuse (its starttime
// changed); it then contributes 0 to its groups' CPU sums and is not a
// top-CPU candidate (it may still be a top-RSS one, without a CPU sample).
// User = name of the effective uid in <rootfs>/etc/passwd, or the number.
//
// Vanishing processes are normal, never an error: a pid whose stat (or,
// for a group member, statm) is missing or empty (a read racing with exit
// returns nothing), or whose cmdline is missing, is skipped for the whole
// cycle. One whose status is missing when it is about to be emitted is
// dropped from the per-pid series and the next candidate takes its place
// (it still counts in the aggregates: it was alive when scanned). A
// missing or unreadable <pid>/fd (another user's process without
// CAP_SYS_PTRACE) only omits that open_fds sample. A malformed per-pid
// file skips that process; Collect() emits everything else and then
// returns the first such error. Only an unlistable proc root fails the
// whole cycle.
//
// Group matching: a process is in a group when a non-empty comm_regex
// fully matches its comm (at most 15 bytes: "node", "java") or a
// non-empty cmdline_regex fully matches its argv joined by spaces
// ("node /srv/app/server.js"). A process can be in several groups.
// cmdline is cached per (pid, starttime, comm) and re-read after 5 to 10
// minutes (spread by pid), because reading it costs more than stat; a
// process that rewrites its argv in place (setproctitle) is therefore seen
// with up to 10 minutes' delay. Kernel threads' (empty) cmdline is never read.
//
// Thread safety: keeps state between calls; call from one thread at a
// time (the scheduler's). `host` must outlive the collector.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "agent/plugin.h"
#include "agent/host/host_fs.h"
#include "shared/yaml_config.h"

namespace scout::agent {

struct ProcessGroup {
  std::string name;           // the `group` label; non-empty, unique
  std::string comm_regex;     // RE2, full match; empty = not used
  std::string cmdline_regex;  // RE2, full match; empty = not used
};

struct ProcessOptions {
  int top_n = 10;  // per ranking (CPU, RSS); 0 = no per-pid series
  std::vector<ProcessGroup> groups;
  // The host's USER_HZ and page size: production passes
  // sysconf(_SC_CLK_TCK) and sysconf(_SC_PAGESIZE); tests pin them.
  long clock_ticks_per_second = 100;
  size_t page_size = 4096;
};

// InvalidArgument (naming the group) for a bad regex, a group with no
// regex, an empty or duplicate group name; also for top_n < 0 or a
// non-positive clock_ticks_per_second or page_size.
// Reads the config's `processes:` section (top_n, groups) into `options`;
// errors name file, line and key.
absl::Status ReadProcessOptions(ConfigMap& section, ProcessOptions* options);

absl::StatusOr<std::unique_ptr<Plugin>> NewProcessPlugin(const HostFs& host,
                                                                     ProcessOptions options);

}  // namespace scout::agent
