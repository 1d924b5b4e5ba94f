// Scheduler: runs every collector plugin once per interval and queues the
// result as one Batch in the Outbox.
//
// Cycles are aligned to multiples of the interval on the wall clock (as
// Prometheus and Telegraf do), so every host's samples share timestamps.
// Each plugin's failures are logged once when they start and once when
// they stop, not every cycle. Every series gets the `host` label (the
// agent id), so series from different hosts never collide.
//
// Threads: Start() runs the loop on one thread ("scout-collect");
// RunCycle() may be called directly (agent --test, tests) when that
// thread is not running.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/collector_plugin.h"
#include "agent/outbox.h"
#include "shared/clock.h"

namespace scout::agent {

class Scheduler {
 public:
  Scheduler(std::vector<std::unique_ptr<CollectorPlugin>> plugins, std::string host_label,
            const Clock& clock);
  ~Scheduler();

  // One cycle of every plugin, stamped with the clock's current time.
  std::vector<Sample> RunCycle();

  void Start(std::chrono::milliseconds interval, Outbox& outbox);
  void Stop();

  uint64_t last_seq() const { return seq_.load(); }

 private:
  void Loop(std::chrono::milliseconds interval, Outbox& outbox);

  std::vector<std::unique_ptr<CollectorPlugin>> plugins_;
  std::vector<bool> plugin_failing_;
  const std::string host_label_;
  const Clock& clock_;
  std::atomic<uint64_t> seq_{0};

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

// Converts one cycle's samples into a Batch (one series per sample key).
v1::Batch MakeBatch(uint64_t seq, const std::vector<Sample>& samples);

}  // namespace scout::agent
