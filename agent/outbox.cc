#include "agent/outbox.h"

#include "shared/logging.h"

namespace scout::agent {

void Outbox::Push(v1::Batch batch) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    const uint64_t seq = batch.seq();
    batches_.emplace(seq, std::move(batch));
    if (batches_.size() > max_batches_) {
      // Log on the first drop and then every 100th, not every cycle.
      if (dropped_ % 100 == 0) {
        spdlog::warn("outbox full ({} batches): dropping the oldest unsent data ({} dropped so far)",
                     max_batches_, dropped_ + 1);
      }
      batches_.erase(batches_.begin());
      ++dropped_;
    }
  }
  cv_.notify_all();
}

std::optional<v1::Batch> Outbox::NextAfter(uint64_t after_seq,
                                           std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  std::optional<v1::Batch> found;
  cv_.wait_until(lock, deadline, [&] {
    if (closed_) return true;
    auto it = batches_.upper_bound(after_seq);
    if (it == batches_.end()) return false;
    found = it->second;
    return true;
  });
  if (closed_) return std::nullopt;
  return found;
}

void Outbox::Remove(uint64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  batches_.erase(seq);
}

void Outbox::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

size_t Outbox::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return batches_.size();
}

uint64_t Outbox::dropped_total() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

}  // namespace scout::agent
