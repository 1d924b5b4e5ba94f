// Scheduler: runs every plugin once per interval and appends the
// result to the Spool.
//
// Cycles are aligned to multiples of the interval on the wall clock (as
// Prometheus and Telegraf do), so every host's samples share timestamps.
// Plugins run concurrently, each on its own PluginRunner thread, under the
// cycle's deadline (`plugin_timeout`): one that overruns is skipped for
// the cycle and not started again until it returns. Each plugin's
// failures are logged once when they start and once when they stop. Every series gets the `host` label (the
// agent id), so series from different hosts never collide.
//
// Every metric name, label name and label value is made valid UTF-8
// (SanitizeSamples) before batching: proto3 cannot parse a `string` field
// that is not, so one bad byte in a process name would otherwise make the
// whole batch unreadable and hold back the cycle.
//
// Each cycle becomes one or more Batches of at most max_batch_bytes,
// appended to the Spool (which numbers them).
//
// Threads: Start() runs the loop on one thread ("scout-collect");
// RunCycle() may be called directly (agent --test, tests) when that
// thread is not running.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "agent/agent_counters.h"
#include "agent/plugin.h"
#include "agent/plugin_runner.h"
#include "shared/spool.h"
#include "shared/clock.h"

namespace scout::agent {

class Scheduler {
 public:
  Scheduler(std::vector<std::unique_ptr<Plugin>> plugins, std::string host_label,
            const Clock& clock, AgentCounters& counters,
            std::chrono::milliseconds plugin_timeout = std::chrono::seconds(5));
  ~Scheduler();

  // One cycle of every plugin, every sample stamped with `timestamp_ms`
  // (the scheduled cycle time, so all hosts share timestamps).
  std::vector<Sample> RunCycle(int64_t timestamp_ms);

  // `after_cycle`, if set, runs on the collect thread once each cycle's
  // batches have been handed to the spool (written or not): proof that the
  // loop is turning, for the agent's --alive-file. It must be quick.
  void Start(std::chrono::milliseconds interval, size_t max_batch_bytes, Spool& spool,
             std::function<void()> after_cycle = nullptr);
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Loop(std::chrono::milliseconds interval, size_t max_batch_bytes, Spool& spool,
            const std::function<void()>& after_cycle) ABSL_LOCKS_EXCLUDED(mu_);

  std::vector<std::unique_ptr<PluginRunner>> runners_;
  std::vector<bool> plugin_failing_;  // collect thread only
  std::vector<bool> plugin_late_;     // collect thread only
  const std::chrono::milliseconds plugin_timeout_;
  const Clock& clock_;
  AgentCounters& counters_;
  bool spool_failing_ = false;  // collect thread only

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// Replaces every invalid UTF-8 sequence in metric names, label names and
// label values with U+FFFD (shared/utf8.h) and re-sorts the repaired
// labels. Returns how many distinct strings had to be repaired (a process
// name on eight series counts once). Never drops a sample: the collector
// judges a repaired name like any other.
uint64_t SanitizeSamples(std::vector<Sample>& samples);

// Converts one cycle's samples into Batches (one series per sample key),
// each at most about max_bytes when serialized. Sequence numbers are left
// for the Spool to assign.
std::vector<v1::Batch> MakeBatches(const std::vector<Sample>& samples, size_t max_bytes);

}  // namespace scout::agent
