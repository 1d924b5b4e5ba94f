// Memory collector ("memory"): /proc/meminfo under node_exporter's names.
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
// Thread safety: stateless apart from `host`, which must outlive it.
#pragma once

#include <memory>

#include "agent/collector_plugin.h"
#include "agent/host/host_fs.h"

namespace scout::agent {

std::unique_ptr<CollectorPlugin> NewMemoryCollector(const HostFs& host);

}  // namespace scout::agent
