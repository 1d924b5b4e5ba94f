#include "agent/host/host_fs.h"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

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

}  // namespace scout::agent
