// Filesystem plugin ("filesystem"): size and inode usage of every real
// filesystem mounted on the host.
//
// Each Collect() reads the mount table from HostFs::ReadProc("1/mounts")
// (init's mount namespace = the host's, even when the agent runs in a
// container with the host's /proc mounted), falling back to
// ReadProc("mounts") when that is unreadable. When several entries share a
// mount point only the last one is visible, so it alone is used; it is
// then dropped if its mount point or fstype matches the exclude regexes of
// FilesystemOptions (by default: pseudo filesystems such as proc, sysfs,
// tmpfs, cgroup, squashfs; overlay is kept). For each remaining mount it
// calls HostFs::StatFs() and emits, labelled {mountpoint, device, fstype}:
//   node_filesystem_size_bytes, _free_bytes (incl. root-reserved),
//   _avail_bytes (for unprivileged users), _files, _files_free,
//   node_filesystem_used_ratio         (size-free)/(size-free+avail), as df
//   node_filesystem_inodes_used_ratio  (files-files_free)/files
//   node_filesystem_device_error       0 when StatFs answered
// Size-0 filesystems emit nothing; a ratio with a zero denominator is
// omitted.
//
// A StatFs failure or timeout skips only that mount's figures: it gets
// node_filesystem_device_error = 1 (node_exporter's meaning: stats could
// not be read), the others are still emitted, and Collect() returns an
// error naming the failed mounts, with the code of the first failure in
// mount-table order (DeadlineExceeded for a timed-out or stale mount).
//
// Host mounts the agent cannot see. When rootfs is not "/" (a pod or
// container with the host's "/" at /host), a host mount M is only at
// rootfs+M if it propagated into the agent's mount namespace (Kubernetes:
// mountPropagation: HostToContainer). If it did not, rootfs+M is a plain
// directory of the filesystem underneath, and statvfs would silently
// return THAT filesystem's figures labelled as M. So Collect() then also
// reads the mountinfo of the mount table's process ("1/mountinfo", or
// "self/mountinfo" when the table came from "mounts"), and the worker
// that calls StatFs(M) first calls HostFs::DeviceOf(M). M is not visible
// when rootfs+M does not exist, or when DeviceOf(M) == DeviceOf(A), A
// being the closest mount above M (by path) that mountinfo puts on
// another device than M: the host's table says M and A are different
// filesystems, yet at M we demonstrably reach the same one as at A.
// Each comparison stays within one numbering: mountinfo with mountinfo,
// st_dev with st_dev. A st_dev is never compared with a mountinfo number,
// because they legitimately differ (btrfs: st_dev is the subvolume's
// anonymous device, mountinfo the superblock's). A mount that mountinfo
// puts on the device of everything above it (a bind mount, a btrfs
// subvolume of the same filesystem) shares their superblock, so statvfs
// gives the same figures wherever we land: nothing to detect (except
// ext4/xfs project quotas, which statvfs applies per directory). "/" is
// always visible. A mount found not visible is confirmed by reading
// mountinfo again: if its mount id is gone, it was unmounted while we
// looked (pod volumes come and go) and it is skipped without figures or
// failure. A confirmed one gets device_error = 1 and no figures, and
// counts as a failure of Collect() (FailedPrecondition); a warning naming
// it is logged when it becomes not visible and an info line when it is
// visible again, not every cycle.
// Without a readable mountinfo (fixture trees) nothing is checked, as
// before; a malformed one leaves the figures unchecked and Collect()
// returns its InvalidArgument after emitting them. With rootfs "/" none of
// this runs: no extra read, no extra stat().
//
// Hung mounts: statvfs() on a dead NFS/FUSE mount can block forever, and
// a blocked Collect() would stall every plugin of the agent, and stat()
// can block just the same. So each StatFs (with its DeviceOf) and each
// DeviceOf of a mount above runs as a DeadlineCall (agent/deadline_call.h,
// thread "scout-statfs") and is waited for at most `statfs_timeout`. A call
// that overruns is abandoned (it finishes whenever the kernel lets it); the mount is then
// "stale": it gets device_error = 1 every cycle and StatFs is NOT called
// on it again until the abandoned call has returned, so hung calls never
// pile up (at most one thread per mount point). Calls are made one after
// another, so a cycle takes at most statfs_timeout per mount that newly
// hangs in that cycle; mounts already stale cost nothing.
//
// Thread safety: keeps state between calls; call from one thread at a
// time (the scheduler's). `host` must outlive the collector AND any
// StatFs call still running (an abandoned call may outlive the collector;
// in the agent the HostFs lives for the whole process).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "agent/plugin.h"
#include "agent/host/host_fs.h"
#include "shared/yaml_config.h"

namespace scout::agent {

// Kernel-internal or memory-backed filesystems: their "usage" says nothing
// about disk space, and container hosts have hundreds of them.
inline constexpr char kDefaultExcludeFstypesRegex[] =
    "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|"
    "mqueue|nsfs|proc|pstore|ramfs|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tmpfs|"
    "tracefs)$";

struct FilesystemOptions {
  // RE2 syntax, unanchored search (anchor with ^...$ to match the whole
  // value). An empty string excludes nothing.
  std::string exclude_mountpoints_regex;
  std::string exclude_fstypes_regex = kDefaultExcludeFstypesRegex;
  // Longest wait for one StatFs before the mount is reported as hung.
  std::chrono::milliseconds statfs_timeout{2000};
};

// InvalidArgument naming the bad option if a regex does not compile or the
// timeout is not positive; for config validation at load time. A
// plugin built with invalid options returns this error from every
// Collect() and emits nothing.
absl::Status ValidateFilesystemOptions(const FilesystemOptions& options);

// Reads the config's `filesystem:` section (exclude_mountpoints,
// exclude_fstypes, statfs_timeout) into `options` and validates them;
// errors name file, line and key.
absl::Status ReadFilesystemOptions(ConfigMap& section, FilesystemOptions* options);

std::unique_ptr<Plugin> NewFilesystemPlugin(const HostFs& host,
                                                        FilesystemOptions options);
// Same as NewFilesystemPlugin(host, FilesystemOptions{}).
std::unique_ptr<Plugin> NewFilesystemPlugin(const HostFs& host);

}  // namespace scout::agent
