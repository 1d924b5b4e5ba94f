// Per-caller request rate limit for the HTTP servers (issue 17;
// docs/prometheus.md "HTTP listener"): one token bucket per caller key.
//
// Contract:
// - A caller starts with `burst` tokens; tokens refill at
//   `requests_per_second` up to `burst`; a request takes one token. With no
//   token left the request is refused and TryAcquire says how long until one
//   is back (the 429's Retry-After, rounded up to whole seconds by the
//   caller).
// - requests_per_second == 0 means no limit: TryAcquire always admits and
//   tracks nothing.
// - Memory is bounded: at most `max_callers` buckets. A new caller beyond
//   that evicts the least recently seen one (which then starts again with a
//   full bucket: an attacker rotating identities gets at most `burst` each,
//   and the IP key bounds how many identities an unauthenticated caller has).
//
// Thread-safe. Time is passed in, so tests need no clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace scout::http {

struct RateLimit {
  double requests_per_second = 0;  // 0 = off
  unsigned burst = 0;              // bucket size; 0 = max(1, requests_per_second)
  size_t max_callers = 10000;      // buckets kept (least recently seen evicted)
};

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RateLimiter(RateLimit limit);

  bool enabled() const { return limit_.requests_per_second > 0; }

  // nullopt: admitted (one token taken). Else refused, and the time until
  // the caller's next token.
  std::optional<std::chrono::milliseconds> TryAcquire(const std::string& caller,
                                                      Clock::time_point now);

  size_t tracked() const;         // buckets held now
  uint64_t evicted() const;       // buckets dropped to stay under max_callers

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
    std::list<std::string>::iterator lru;  // position in lru_ (front = newest)
  };

  Bucket& Find(const std::string& caller, Clock::time_point now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const RateLimit limit_;
  const double capacity_;
  mutable absl::Mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
  std::list<std::string> lru_ ABSL_GUARDED_BY(mu_);
  uint64_t evicted_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace scout::http
