// Disk I/O plugin ("diskio"): per-disk throughput, IOPS, utilisation
// and latency from /proc/diskstats counter deltas.
//
// Each Collect() reads HostFs::ReadProc("diskstats") and keeps whole block
// devices only: names starting with loop, ram, zram, fd or sr followed by
// a digit (virtual, floppy and optical devices) are skipped, and a device
// is whole when HostFs::ReadSys("block/<name>/stat") succeeds (partitions
// live under their disk, not directly in /sys/block; a '/' in the kernel's
// name, e.g. "cciss/c0d0", is '!' in sysfs). Counting partitions as well
// would count their I/O twice. Per device, labelled {device}:
//   node_disk_read_bytes_total, node_disk_written_bytes_total
//                                    raw counters (512-byte sectors * 512)
// and, over the interval since the previous call,
//   node_disk_read_bytes_per_second, node_disk_written_bytes_per_second
//   node_disk_reads_completed_per_second, node_disk_writes_completed_per_second
//   node_disk_io_utilization_ratio   io_time delta / elapsed, clamped to 1
//                                    (the kernel's tick accounting and the
//                                    cycle clock are not read at one instant)
//   node_disk_read_await_seconds     read time delta / reads completed delta
//   node_disk_write_await_seconds    same for writes; each absent when no
//                                    request of that kind completed
// No rates on the first call, for a device that just appeared, when the
// cycle time did not advance, or when any of the device's counters went
// backwards (device replaced or counter wrapped); counters are remembered
// either way. If some devices passed the name filter but none was found in
// sysfs, Collect() returns NotFound (sysfs is probably not mounted) after
// emitting nothing, rather than silently reporting no disks.
//
// Thread safety: keeps state between calls; call from one thread at a
// time (the scheduler's). `host` must outlive the collector.
#pragma once

#include <memory>

#include "agent/plugin.h"
#include "agent/host/host_fs.h"

namespace scout::agent {

std::unique_ptr<Plugin> NewDiskIoPlugin(const HostFs& host);

}  // namespace scout::agent
