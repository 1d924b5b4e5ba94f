// Outbox: batches waiting for the collector's Ack, oldest first.
//
// The scheduler Push()es a batch every cycle; the sender reads them in
// sequence order and removes each one only when it is acknowledged (or
// rejected as invalid), so a batch sent on a stream that broke is sent
// again on the next one. Bounded: when full, the oldest batch is dropped
// and counted — collection never blocks on a slow collector.
// (The on-disk spool that survives restarts replaces this in issue 3.)
//
// Thread safety: all methods are safe to call concurrently.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>

#include "scout/v1/ingest.pb.h"

namespace scout::agent {

class Outbox {
 public:
  explicit Outbox(size_t max_batches) : max_batches_(max_batches) {}

  // REQUIRES: batch.seq() greater than every seq pushed before.
  void Push(v1::Batch batch);

  // The oldest batch with seq > after_seq, waiting until `deadline` for one
  // to arrive. nullopt on timeout or after Close().
  std::optional<v1::Batch> NextAfter(uint64_t after_seq,
                                     std::chrono::steady_clock::time_point deadline);

  // Removes the batch (acked, or rejected for good). Unknown seqs are ignored.
  void Remove(uint64_t seq);

  // Wakes waiters; NextAfter returns nullopt from now on.
  void Close();

  size_t size() const;
  uint64_t dropped_total() const;

 private:
  const size_t max_batches_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<uint64_t, v1::Batch> batches_;  // GUARDED_BY(mu_)
  uint64_t dropped_ = 0;                   // GUARDED_BY(mu_)
  bool closed_ = false;                    // GUARDED_BY(mu_)
};

}  // namespace scout::agent
