// PluginRunner: runs one plugin on its own thread, so a plugin
// that hangs (a dead NFS mount, a stuck database) cannot stall the cycle or
// the other plugins.
//
// The scheduler calls Begin() for every plugin at the start of a cycle and
// then Wait() with the cycle's deadline. A run that misses the deadline is
// abandoned for this cycle; while it is still running, Begin() refuses new
// runs, so hung calls never pile up. Its late results are discarded.
//
// Threads: each run is a DeadlineCall ("scout-p-<name>"), joined when it
// returns; one stuck at destruction is detached and keeps the plugin alive
// until it returns, so shutdown never hangs.
// Thread safety: Begin/Wait from one thread (the scheduler's).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/deadline_call.h"
#include "agent/plugin.h"

namespace scout::agent {

class PluginRunner {
 public:
  struct Result {
    absl::Status status;
    std::vector<Sample> samples;
  };

  // Every sample gets the label host=`host_label`.
  PluginRunner(std::unique_ptr<Plugin> plugin, std::string host_label);

  std::string_view name() const { return name_; }

  // Starts a run; false if the previous one has not returned yet.
  bool Begin(int64_t timestamp_ms);
  // The run's result, or nullopt if it is still running at `deadline`
  // (then abandoned: its result is dropped when it returns).
  std::optional<Result> Wait(std::chrono::steady_clock::time_point deadline);

 private:
  // Shared with a run still going when the runner is destroyed.
  const std::shared_ptr<Plugin> plugin_;
  const std::string name_;
  const std::string host_label_;
  // The current run's; written by it, read once WaitUntil says it returned.
  std::shared_ptr<Result> result_;
  DeadlineCall call_;
};

}  // namespace scout::agent
