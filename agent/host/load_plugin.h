// Load plugin ("load"): run-queue load, process, file-handle and
// uptime figures.
//
// Each Collect() reads, in this order, four independent files and emits
//   HostFs::ReadProc("loadavg")
//     node_load1, node_load5, node_load15   (1/5/15-minute load averages)
//     node_threads                          threads that exist (the total in
//                                           the 4th field, "running/total")
//   HostFs::ReadProc("stat")
//     node_procs_running, node_procs_blocked   (gauges)
//     node_boot_time_seconds                   (btime, Unix seconds)
//     node_context_switches_total, node_forks_total   (raw counters since
//                                                      boot; the cpu
//                                                      collector emits
//                                                      their rates)
//   both of the above
//     node_load1_per_core_ratio   load1 / online CPUs (cpuN lines of stat);
//                                 > 1 means more runnable work than CPUs
//   HostFs::ReadProc("sys/fs/file-nr")
//     node_filefd_allocated, node_filefd_maximum   (file handles)
//     node_filefd_used_ratio      allocated / maximum (absent if maximum is 0)
//   HostFs::ReadProc("uptime")
//     node_uptime_seconds         seconds since boot
// If one file cannot be read or parsed the others' samples are still
// emitted and the first error in the order above is returned. A field of
// stat the kernel does not print is skipped and reported as NotFound.
//
// Thread safety: stateless apart from `host`, which must outlive it.
#pragma once

#include <memory>

#include "agent/plugin.h"
#include "agent/host/host_fs.h"

namespace scout::agent {

std::unique_ptr<Plugin> NewLoadPlugin(const HostFs& host);

}  // namespace scout::agent
