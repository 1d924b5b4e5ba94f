#include "shared/backoff.h"

#include <algorithm>

namespace scout {

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                 uint64_t seed)
    : initial_(initial), max_(std::max(max, initial)), ceiling_(initial), rng_(seed) {}

std::chrono::milliseconds Backoff::NextDelay() {
  const int64_t ceiling = ceiling_.count();
  std::uniform_int_distribution<int64_t> jitter(ceiling / 2, ceiling);
  ceiling_ = std::min(max_, ceiling_ * 2);
  return std::chrono::milliseconds(jitter(rng_));
}

std::chrono::milliseconds Backoff::FullDelay() {
  std::uniform_int_distribution<int64_t> jitter(max_.count(), max_.count() + max_.count() / 4);
  return std::chrono::milliseconds(jitter(rng_));
}

}  // namespace scout
