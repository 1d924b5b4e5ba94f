#include "shared/http/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace scout::http {

RateLimiter::RateLimiter(RateLimit limit)
    : limit_(limit),
      capacity_(limit.burst > 0 ? static_cast<double>(limit.burst)
                                : std::max(1.0, limit.requests_per_second)) {}

RateLimiter::Bucket& RateLimiter::Find(const std::string& caller, Clock::time_point now) {
  auto it = buckets_.find(caller);
  if (it != buckets_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second;
  }
  // Evict first, so the map never holds more than max_callers.
  while (!lru_.empty() && buckets_.size() >= std::max<size_t>(1, limit_.max_callers)) {
    buckets_.erase(lru_.back());
    lru_.pop_back();
    ++evicted_;
  }
  lru_.push_front(caller);
  return buckets_.emplace(caller, Bucket{capacity_, now, lru_.begin()}).first->second;
}

std::optional<std::chrono::milliseconds> RateLimiter::TryAcquire(const std::string& caller,
                                                                 Clock::time_point now) {
  if (!enabled()) return std::nullopt;
  absl::MutexLock lock(&mu_);
  Bucket& b = Find(caller, now);
  if (now > b.updated) {
    const double elapsed = std::chrono::duration<double>(now - b.updated).count();
    b.tokens = std::min(capacity_, b.tokens + elapsed * limit_.requests_per_second);
    b.updated = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  const double wait_s = (1.0 - b.tokens) / limit_.requests_per_second;
  return std::chrono::milliseconds(static_cast<int64_t>(std::ceil(wait_s * 1000.0)));
}

size_t RateLimiter::tracked() const {
  absl::MutexLock lock(&mu_);
  return buckets_.size();
}

uint64_t RateLimiter::evicted() const {
  absl::MutexLock lock(&mu_);
  return evicted_;
}

}  // namespace scout::http
