#include "collector/prom_api/query_pool.h"

#include <pthread.h>

#include <algorithm>

namespace scout::collector::prom_api {

QueryPool::QueryPool(int threads, size_t max_queued) : max_queued_(max_queued) {
  threads = std::max(threads, 1);
  threads_.reserve(threads);
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this] {
      pthread_setname_np(pthread_self(), "scout-http-q");
      Run();
    });
  }
}

QueryPool::~QueryPool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : threads_) t.join();
}

bool QueryPool::Submit(std::function<void()> job) {
  absl::MutexLock lock(&mu_);
  if (stopping_ || jobs_.size() >= max_queued_) return false;
  jobs_.push_back(std::move(job));
  return true;
}

void QueryPool::Run() {
  for (;;) {
    std::function<void()> job;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &QueryPool::Ready));
      // Queued jobs still run when stopping: each holds a Reply that must
      // be called exactly once.
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

}  // namespace scout::collector::prom_api
