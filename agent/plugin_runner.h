// PluginRunner: runs one collector plugin on its own thread, so a plugin
// that hangs (a dead NFS mount, a stuck database) cannot stall the cycle or
// the other plugins.
//
// The scheduler calls Begin() for every plugin at the start of a cycle and
// then Wait() with the cycle's deadline. A run that misses the deadline is
// abandoned for this cycle; while it is still running, Begin() refuses new
// runs, so hung calls never pile up. Its late results are discarded.
//
// Threads: one per runner ("scout-p-<name>"), started in the constructor.
// Thread safety: Begin/Wait from one thread (the scheduler's).
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/collector_plugin.h"

namespace scout::agent {

class PluginRunner {
 public:
  struct Result {
    absl::Status status;
    std::vector<Sample> samples;
  };

  // Every sample gets the label host=`host_label`.
  PluginRunner(std::unique_ptr<CollectorPlugin> plugin, std::string host_label);
  // Joins the thread, unless the plugin is stuck in Collect(): then the
  // thread is detached and the plugin leaked, so shutdown never hangs.
  ~PluginRunner();

  std::string_view name() const { return name_; }

  // Starts a run; false if the previous one has not returned yet.
  bool Begin(int64_t timestamp_ms);
  // The run's result, or nullopt if it is still running at `deadline`.
  std::optional<Result> Wait(std::chrono::steady_clock::time_point deadline);

 private:
  void Loop();

  std::unique_ptr<CollectorPlugin> plugin_;
  const std::string name_;
  const std::string host_label_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;           // GUARDED_BY(mu_)
  bool run_requested_ = false;      // GUARDED_BY(mu_)
  bool running_ = false;            // GUARDED_BY(mu_)
  bool abandoned_ = false;          // GUARDED_BY(mu_): the current run missed its deadline
  int64_t timestamp_ms_ = 0;        // GUARDED_BY(mu_)
  std::optional<Result> result_;    // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace scout::agent
