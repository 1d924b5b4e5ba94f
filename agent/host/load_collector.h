// Load collector ("load"): run-queue load and process counters.
//
// Each Collect() reads HostFs::ReadProc("loadavg") and emits
//   node_load1, node_load5, node_load15   (1/5/15-minute load averages)
// then HostFs::ReadProc("stat") and emits
//   node_procs_running, node_procs_blocked   (gauges)
//   node_boot_time_seconds                   (btime, Unix seconds)
//   node_context_switches_total, node_forks_total   (raw counters since
//                                                    boot; rate them later)
// The two files are independent: if one cannot be read or parsed the
// other's samples are still emitted and the first error is returned. A
// field the kernel does not print is skipped and reported as NotFound.
//
// Thread safety: stateless apart from `host`, which must outlive it.
#pragma once

#include <memory>

#include "agent/collector_plugin.h"
#include "agent/host/host_fs.h"

namespace scout::agent {

std::unique_ptr<CollectorPlugin> NewLoadCollector(const HostFs& host);

}  // namespace scout::agent
