// HostFs: the agent's only way to read host state (procfs, sysfs, statvfs).
//
// All paths are resolved under configurable roots so the same agent works
// on a bare host (/proc, /sys, /), in a DaemonSet pod that mounts the
// node's filesystems under /host (/host/proc, /host/sys, /host), and in
// tests that point it at tests/fixtures/... trees.
//
// Thread safety: immutable after construction; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace scout::agent {

struct HostRoots {
  std::string proc = "/proc";
  std::string sys = "/sys";
  std::string rootfs = "/";  // where the host's "/" is visible
};

struct FsUsage {
  uint64_t size_bytes = 0;
  uint64_t free_bytes = 0;    // including blocks reserved for root
  uint64_t avail_bytes = 0;   // available to unprivileged users
  uint64_t files = 0;         // inodes
  uint64_t files_free = 0;
};

// A device number as the kernel prints it in /proc/<pid>/mountinfo
// ("8:1") and as major()/minor() split a stat() st_dev.
struct DeviceId {
  uint32_t major = 0;
  uint32_t minor = 0;

  friend bool operator==(const DeviceId& a, const DeviceId& b) {
    return a.major == b.major && a.minor == b.minor;
  }
  friend bool operator!=(const DeviceId& a, const DeviceId& b) { return !(a == b); }
  std::string ToString() const;  // "8:1"
};

class HostFs {
 public:
  explicit HostFs(HostRoots roots) : roots_(std::move(roots)) {}
  virtual ~HostFs() = default;

  // Reads <proc root>/<relative>, e.g. ReadProc("stat"), ReadProc("1/status").
  // NotFound when the file does not exist.
  virtual absl::StatusOr<std::string> ReadProc(const std::string& relative) const;
  virtual absl::StatusOr<std::string> ReadSys(const std::string& relative) const;

  // statvfs() of a host mount point ("/", "/var"), resolved under rootfs.
  // Virtual so tests can supply fixed figures for fixture mount tables.
  virtual absl::StatusOr<FsUsage> StatFs(const std::string& mount_point) const;

  // st_dev of a host mount point, resolved under rootfs (following
  // symlinks, as StatFs does): the filesystem the agent really reaches
  // there. When the host's mount did not propagate into the agent's mount
  // namespace, that is the filesystem underneath, not the host's mount.
  // NotFound when the path does not exist, Unavailable on other errors.
  // Like statvfs, stat() can block on a hung network mount. Virtual so
  // tests can supply fixed devices for fixture mount tables.
  virtual absl::StatusOr<DeviceId> DeviceOf(const std::string& mount_point) const;

  // Names of the proc root's entries that are all digits: one per process
  // (thread-group leader; threads are not listed). Order unspecified.
  // Unavailable when the proc root cannot be listed.
  virtual absl::StatusOr<std::vector<std::string>> ListProc() const;

  // Number of entries (excluding "." and "..") of the directory
  // <proc root>/<relative>, e.g. CountProcDir("42/fd") = open fds of pid
  // 42. Counts names only, so it never follows the fd symlinks. NotFound
  // when the directory does not exist (the process exited),
  // PermissionDenied when it is not readable (another user's process and
  // no CAP_SYS_PTRACE), Unavailable otherwise.
  virtual absl::StatusOr<size_t> CountProcDir(const std::string& relative) const;

  // Reads <rootfs>/<relative>, e.g. ReadRoot("etc/passwd"). NotFound when
  // the file does not exist.
  virtual absl::StatusOr<std::string> ReadRoot(const std::string& relative) const;

  const HostRoots& roots() const { return roots_; }

 private:
  HostRoots roots_;
};

// Reads a whole file; NotFound / Unavailable with the path in the message.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

}  // namespace scout::agent
