// A fixed pool of named threads ("scout-http-q") that run the HTTP API's
// queries, so the HTTP server's threads never wait for storage.
//
// Bounded: at most `max_queued` jobs wait; Submit refuses more at once
// (the caller answers 503). In practice the QueryGate (query_limits.h) is
// passed before Submit, so no more than query.max_concurrent jobs exist.
//
// The destructor runs the jobs already queued, then joins the threads.
// Thread safety: Submit may be called from any thread.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace scout::collector::prom_api {

class QueryPool {
 public:
  QueryPool(int threads, size_t max_queued);
  ~QueryPool();
  QueryPool(const QueryPool&) = delete;
  QueryPool& operator=(const QueryPool&) = delete;

  // False (the job not run) when max_queued jobs are waiting or the pool
  // is stopping.
  bool Submit(std::function<void()> job);

 private:
  void Run();
  bool Ready() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !jobs_.empty(); }

  const size_t max_queued_;
  absl::Mutex mu_;
  std::deque<std::function<void()>> jobs_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace scout::collector::prom_api
