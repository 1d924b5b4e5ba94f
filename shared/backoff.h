// Capped exponential backoff with jitter, for reconnect loops.
//
// Each NextDelay() doubles the ceiling (initial, 2x, 4x ... up to max) and
// returns a random delay in [ceiling/2, ceiling] ("equal jitter"), so a
// fleet of agents that lost the same collector does not reconnect in
// lock-step. Reset() after a success.
//
// FullDelay() is for failures a quick retry cannot fix (the collector
// refused the credentials): at least the cap, plus up to a quarter of it
// so a fleet refused at once does not come back in lock-step.
//
// Not thread-safe: one instance per reconnect loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace scout {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
          uint64_t seed);

  std::chrono::milliseconds NextDelay();
  // A delay in [max, max * 5/4]; the ceiling stays where it is.
  std::chrono::milliseconds FullDelay();
  void Reset() { ceiling_ = initial_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds ceiling_;
  std::mt19937_64 rng_;
};

}  // namespace scout
