// CPU plugin ("cpu"): utilisation ratios from /proc/stat jiffy deltas.
//
// Each Collect() reads HostFs::ReadProc("stat") and emits
//   node_cpu_count                      every cycle (number of cpuN lines)
//   node_cpu_usage_ratio                all CPUs, 1 - (idle+iowait)/total
//   node_cpu_core_usage_ratio{cpu="N"}  same, per CPU
//   node_cpu_mode_ratio{mode="..."}     all CPUs, share of each mode
//   node_context_switches_per_second    rate of the "ctxt" line
//   node_forks_per_second               rate of the "processes" line
// Ratios are over the interval since the previous call, so the first call
// emits only node_cpu_count. A CPU (or the "cpu" total) gets no ratio in a
// cycle when it has no previous counters (hot-plugged), any counter went
// backwards (reset, wrap, iowait jitter) or no ticks elapsed; ratios are
// therefore always within [0, 1]. Its counters are remembered either way.
// The two per-second rates follow the same rules (none on the first call,
// when the cycle time did not advance, or when the counter went
// backwards) and are absent when the kernel omits the line; their raw
// _total counters are emitted by the load plugin, not here.
//
// Thread safety: keeps state between calls; call from one thread at a
// time (the scheduler's). `host` must outlive the collector.
#pragma once

#include <memory>

#include "agent/plugin.h"
#include "agent/host/host_fs.h"

namespace scout::agent {

std::unique_ptr<Plugin> NewCpuPlugin(const HostFs& host);

}  // namespace scout::agent
