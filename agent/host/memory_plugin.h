// Memory plugin ("memory"): /proc/meminfo under node_exporter's names.
//
// Each Collect() reads HostFs::ReadProc("meminfo") and emits, in bytes,
//   node_memory_{MemTotal,MemAvailable,MemFree,Buffers,Cached,
//                SwapTotal,SwapFree}_bytes   (each one the kernel prints)
//   node_memory_swap_used_bytes            SwapTotal - SwapFree
//   node_memory_used_ratio                 1 - MemAvailable / MemTotal
// MemTotal and MemAvailable are required: without MemAvailable (kernels
// before 3.14) "used" cannot be computed honestly from the other fields,
// so the collector returns NotFound naming the missing field after
// emitting the raw fields it did find.
//
// It then reads HostFs::ReadProc("vmstat") and emits
//   node_vmstat_pgmajfault                    major page faults since boot
//                                             (raw counter, node_exporter name)
//   node_memory_major_page_faults_per_second  its rate since the previous
//                                             call; none on the first call,
//                                             when the cycle time did not
//                                             advance or the counter went back
// The two files are independent: if one cannot be read or parsed the
// other's samples are still emitted and the first error (meminfo's, then
// vmstat's) is returned.
//
// Thread safety: keeps state between calls; call from one thread at a
// time (the scheduler's). `host` must outlive the collector.
#pragma once

#include <memory>

#include "agent/plugin.h"
#include "agent/host/host_fs.h"

namespace scout::agent {

std::unique_ptr<Plugin> NewMemoryPlugin(const HostFs& host);

}  // namespace scout::agent
