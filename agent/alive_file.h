// The agent's alive file, for Kubernetes exec probes.
//
// `scout-agent --alive-file PATH` touches PATH after every collection
// cycle, so its mtime says when the collect loop last turned;
// `scout-agent --check-alive PATH` (CheckAlive) is the probe that reads it.
// It proves nothing about the collector connection, which the spool rides
// out on purpose: an unreachable collector must not restart agents.
#pragma once

#include <chrono>
#include <string>

namespace scout::agent {

// Thread safety: RemoveStale() before the scheduler starts; Touch() from
// the collect thread only.
class AliveFile {
 public:
  explicit AliveFile(std::string path) : path_(std::move(path)) {}

  // A leftover from an earlier run (an emptyDir outlives a container
  // restart) must not vouch for this one before its first cycle.
  void RemoveStale() const;

  // Updates the mtime, creating the file if missing: no write, no fsync,
  // cheap enough for every cycle. Failures are logged once per state
  // change and never fatal.
  void Touch();

 private:
  const std::string path_;
  bool failing_ = false;
};

// 0 if `path` was touched within `max_age` (and not more than that in the
// future, which only a stepped-back clock produces), else 1 with the reason
// on stderr. Reads nothing else (no config, no spool), so a probe works
// whatever state the agent is in.
int CheckAlive(const std::string& path, std::chrono::milliseconds max_age);

}  // namespace scout::agent
