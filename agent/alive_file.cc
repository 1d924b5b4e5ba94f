#include "agent/alive_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <iostream>

#include "absl/strings/str_format.h"
#include "shared/duration.h"
#include "shared/logging.h"

namespace scout::agent {
namespace {

std::string Seconds(int64_t ms) { return absl::StrFormat("%.1fs", static_cast<double>(ms) / 1000); }

}  // namespace

void AliveFile::RemoveStale() const {
  if (unlink(path_.c_str()) != 0 && errno != ENOENT) {
    spdlog::warn("alive file {}: cannot remove the previous run's: {}", path_,
                 std::strerror(errno));
  }
}

void AliveFile::Touch() {
  int err = 0;
  if (utimensat(AT_FDCWD, path_.c_str(), nullptr, 0) != 0) {
    err = errno;
    if (err == ENOENT) {
      const int fd = open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      err = fd >= 0 ? 0 : errno;
      if (fd >= 0) close(fd);
    }
  }
  if (err != 0 && !failing_) {
    spdlog::warn("alive file {}: cannot touch it: {} (the liveness probe will fail; "
                 "logged again when it recovers)", path_, std::strerror(err));
  } else if (err == 0 && failing_) {
    spdlog::info("alive file {}: touched again", path_);
  }
  failing_ = err != 0;
}

int CheckAlive(const std::string& path, std::chrono::milliseconds max_age) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    const int err = errno;
    const char* why = err == ENOENT ? " (no collection cycle has completed since the agent "
                                      "started, or it runs without --alive-file)"
                                    : "";
    std::cerr << "scout-agent: not alive: " << path << ": " << std::strerror(err) << why << "\n";
    return 1;
  }
  timespec now {};
  clock_gettime(CLOCK_REALTIME, &now);
  const int64_t age_ms = (static_cast<int64_t>(now.tv_sec) - st.st_mtim.tv_sec) * 1000 +
                         (now.tv_nsec - st.st_mtim.tv_nsec) / 1'000'000;
  if (age_ms > max_age.count()) {
    std::cerr << "scout-agent: not alive: " << path << " was last touched " << Seconds(age_ms)
              << " ago, more than --max-age " << FormatDuration(max_age)
              << " (the collection loop is stuck, or the agent is not running)\n";
    return 1;
  }
  // Far in the future only after the clock stepped back: it would vouch
  // for a stuck agent until the clock caught up.
  if (-age_ms > max_age.count()) {
    std::cerr << "scout-agent: not alive: " << path << " was touched " << Seconds(-age_ms)
              << " in the future (the clock stepped back?)\n";
    return 1;
  }
  std::cout << "alive: " << path << " touched " << Seconds(std::max<int64_t>(age_ms, 0))
            << " ago\n";
  return 0;
}

}  // namespace scout::agent
