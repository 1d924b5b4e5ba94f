// Pressure plugin ("pressure"): Linux pressure stall information (PSI)
// from /proc/pressure/{cpu,memory,io} (kernel 4.20+, CONFIG_PSI).
//
// Each Collect() reads HostFs::ReadProc("pressure/<resource>") and emits
// (node_exporter names; PSI totals are microseconds, emitted as seconds):
//   node_pressure_cpu_waiting_seconds_total      cpu "some" total
//   node_pressure_memory_waiting_seconds_total   memory "some" total
//   node_pressure_memory_stalled_seconds_total   memory "full" total
//   node_pressure_io_waiting_seconds_total       io "some" total
//   node_pressure_io_stalled_seconds_total       io "full" total
//   node_pressure_{cpu,memory,io}_some_avg10_ratio
//                          share of the last 10 s in which at least one
//                          task was stalled (the kernel's avg10 / 100)
// "waiting" = some task stalled, "stalled" = all non-idle tasks stalled at
// once. The kernel's cpu "full" line (5.13+) is not emitted. PSI is
// host-wide in /proc even inside a container.
//
// A resource whose file does not exist (kernel without PSI, or booted
// with psi=0, which removes /proc/pressure) is skipped silently: that is
// a property of the host, not a failure, so Collect() returns OK and
// emits nothing for it. Any other read or parse error skips that resource,
// the others are still emitted and the first error is returned. A missing
// "full" line only omits the stalled metric.
//
// Thread safety: stateless apart from `host`, which must outlive it.
#pragma once

#include <memory>

#include "agent/plugin.h"
#include "agent/host/host_fs.h"

namespace scout::agent {

std::unique_ptr<Plugin> NewPressurePlugin(const HostFs& host);

}  // namespace scout::agent
