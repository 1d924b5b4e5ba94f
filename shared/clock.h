// Clock: the only source of "now" in Scout.
//
// Logic that needs the time takes a `Clock&`; production code passes
// SystemClock, tests pass ManualClock and move time explicitly, so no test
// has to sleep to see a timeout, an interval or a "last seen" change.
//
// Thread safety: both implementations may be used from several threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace scout {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time in milliseconds since the Unix epoch (sample timestamps).
  virtual int64_t NowMs() const = 0;
  // Monotonic time for measuring intervals and deadlines.
  virtual std::chrono::steady_clock::time_point SteadyNow() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override;
  std::chrono::steady_clock::time_point SteadyNow() const override;
};

// Starts at `start_ms` and only moves when Advance() is called.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms) : now_ms_(start_ms) {}
  int64_t NowMs() const override { return now_ms_.load(); }
  std::chrono::steady_clock::time_point SteadyNow() const override {
    return std::chrono::steady_clock::time_point(
        std::chrono::milliseconds(now_ms_.load()));
  }
  void Advance(std::chrono::milliseconds d) { now_ms_ += d.count(); }
  void SetMs(int64_t ms) { now_ms_ = ms; }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace scout
