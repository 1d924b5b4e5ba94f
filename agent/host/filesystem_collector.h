// Filesystem collector ("filesystem"): size and inode usage of every real
// filesystem mounted on the host.
//
// Each Collect() reads the mount table from HostFs::ReadProc("1/mounts")
// (init's mount namespace = the host's, even when the agent runs in a
// container with the host's /proc mounted), falling back to
// ReadProc("mounts") when that is unreadable. Pseudo filesystems (proc,
// sysfs, tmpfs, cgroup, squashfs, ...; overlay is kept) are skipped. When
// several entries share a mount point only the last one is visible, so it
// alone is used. For each remaining mount it calls HostFs::StatFs() and
// emits, labelled {mountpoint, device, fstype}:
//   node_filesystem_size_bytes, _free_bytes (incl. root-reserved),
//   _avail_bytes (for unprivileged users), _files, _files_free,
//   node_filesystem_used_ratio         (size-free)/(size-free+avail), as df
//   node_filesystem_inodes_used_ratio  (files-files_free)/files
// Size-0 filesystems emit nothing; a ratio with a zero denominator is
// omitted. A StatFs failure skips only that mount: the others are still
// emitted and Collect() then returns an error naming the failed mounts.
//
// Thread safety: stateless apart from `host`, which must outlive it.
#pragma once

#include <memory>

#include "agent/collector_plugin.h"
#include "agent/host/host_fs.h"

namespace scout::agent {

std::unique_ptr<CollectorPlugin> NewFilesystemCollector(const HostFs& host);

}  // namespace scout::agent
