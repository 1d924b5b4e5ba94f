#include "agent/host/host_fs.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace scout::agent {
namespace {

std::string JoinPath(const std::string& root, const std::string& relative) {
  if (root.empty() || root == "/") return "/" + relative;
  if (!relative.empty() && relative[0] == '/') return root + relative;
  return root + "/" + relative;
}

}  // namespace

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    return absl::UnavailableError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

absl::StatusOr<std::string> HostFs::ReadProc(const std::string& relative) const {
  return ReadWholeFile(JoinPath(roots_.proc, relative));
}

absl::StatusOr<std::string> HostFs::ReadSys(const std::string& relative) const {
  return ReadWholeFile(JoinPath(roots_.sys, relative));
}

absl::StatusOr<FsUsage> HostFs::StatFs(const std::string& mount_point) const {
  const std::string path = JoinPath(roots_.rootfs, mount_point);
  struct statvfs st {};
  if (statvfs(path.c_str(), &st) != 0) {
    return absl::UnavailableError(absl::StrCat("statvfs ", path, ": ", std::strerror(errno)));
  }
  FsUsage u;
  const uint64_t frsize = st.f_frsize ? st.f_frsize : st.f_bsize;
  u.size_bytes = st.f_blocks * frsize;
  u.free_bytes = st.f_bfree * frsize;
  u.avail_bytes = st.f_bavail * frsize;
  u.files = st.f_files;
  u.files_free = st.f_ffree;
  return u;
}

std::string DeviceId::ToString() const { return absl::StrCat(major, ":", minor); }

absl::StatusOr<DeviceId> HostFs::DeviceOf(const std::string& mount_point) const {
  const std::string path = JoinPath(roots_.rootfs, mount_point);
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    const int err = errno;
    const std::string message = absl::StrCat("stat ", path, ": ", std::strerror(err));
    if (err == ENOENT || err == ENOTDIR) return absl::NotFoundError(message);
    return absl::UnavailableError(message);
  }
  return DeviceId{major(st.st_dev), minor(st.st_dev)};
}

namespace {

// Owns a DIR* so every return path closes it.
struct DirCloser {
  void operator()(DIR* dir) const { closedir(dir); }
};
using DirPtr = std::unique_ptr<DIR, DirCloser>;

absl::StatusOr<DirPtr> OpenDir(const std::string& path) {
  DirPtr dir(opendir(path.c_str()));
  if (dir) return dir;
  const int err = errno;
  const std::string message = absl::StrCat(path, ": ", std::strerror(err));
  if (err == ENOENT || err == ENOTDIR) return absl::NotFoundError(message);
  if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(message);
  return absl::UnavailableError(message);
}

bool AllDigits(const char* name) {
  if (*name == '\0') return false;
  for (; *name != '\0'; ++name) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(*name))) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> HostFs::ListProc() const {
  absl::StatusOr<DirPtr> dir = OpenDir(roots_.proc);
  // A missing proc root is a misconfiguration, not "no processes".
  if (!dir.ok()) return absl::UnavailableError(dir.status().message());
  std::vector<std::string> pids;
  while (const dirent* entry = readdir(dir->get())) {
    if (AllDigits(entry->d_name)) pids.emplace_back(entry->d_name);
  }
  return pids;
}

absl::StatusOr<size_t> HostFs::CountProcDir(const std::string& relative) const {
  const std::string path = JoinPath(roots_.proc, relative);
  absl::StatusOr<DirPtr> dir = OpenDir(path);
  if (!dir.ok()) return dir.status();
  size_t count = 0;
  errno = 0;
  while (const dirent* entry = readdir(dir->get())) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") ++count;
  }
  // readdir() returns null both at the end and on error; only errno tells.
  if (errno != 0) {
    return absl::UnavailableError(absl::StrCat("readdir ", path, ": ", std::strerror(errno)));
  }
  return count;
}

absl::StatusOr<std::string> HostFs::ReadRoot(const std::string& relative) const {
  return ReadWholeFile(JoinPath(roots_.rootfs, relative));
}

}  // namespace scout::agent
