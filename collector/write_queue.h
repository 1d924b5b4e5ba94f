// WriteQueue: the collector's single writer thread and its group commit.
//
// Ingest streams Submit() validated batches and return immediately. The
// writer thread takes everything pending (up to max_points_per_commit),
// commits it with ONE Storage::Write(), then runs each batch's callback
// with the commit's status; the ingest reactor sends the Ack only from
// that callback, so an ack always follows its commit. Between commits the
// writer calls Storage::Maintain() for background work.
//
// Callbacks run on the writer thread and must not block.
//
// Thread safety: Submit*/Stop may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "collector/storage/storage.h"

namespace scout::collector {

struct WriteQueueOptions {
  // Bigger groups mean fewer fsyncs but later acks for the first batch.
  size_t max_points_per_commit = 100'000;
  // Above this many queued points the queue is "full": ingest streams stop
  // reading (WaitForCapacity) until it drains below half of it.
  size_t max_pending_points = 500'000;
  // How often Maintain() runs when no writes arrive.
  std::chrono::milliseconds idle_maintenance = std::chrono::milliseconds(200);
};

struct WriteStats {
  uint64_t commits = 0;
  uint64_t batches = 0;
  uint64_t points = 0;
  uint64_t failed_commits = 0;
};

class WriteQueue {
 public:
  using Done = std::function<void(const absl::Status&)>;

  WriteQueue(Storage& storage, WriteQueueOptions options);
  ~WriteQueue();  // Stop()s if needed

  void Start();
  // Commits what is queued, runs its callbacks, then joins the thread.
  // Later submissions get UNAVAILABLE at once.
  void Stop();

  void Submit(WriteBatch batch, Done done);
  void SubmitAgent(AgentRecord agent, Done done);

  // Returns false when there is room now. Otherwise returns true and runs
  // `resume` (on the writer thread, or in Stop()) once the queue has
  // drained below half of max_pending_points.
  bool WaitForCapacity(std::function<void()> resume);
  size_t pending_points() const;

  WriteStats stats() const;

 private:
  struct Item {
    bool is_agent = false;
    WriteBatch batch;
    AgentRecord agent;
    Done done;
  };
  void Run();
  void CommitGroup(std::deque<Item>& group);

  Storage& storage_;
  const WriteQueueOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> pending_;  // GUARDED_BY(mu_)
  size_t pending_points_ = 0;  // GUARDED_BY(mu_)
  std::vector<std::function<void()>> waiting_;  // GUARDED_BY(mu_)
  bool last_commit_ok_ = true;  // writer thread only
  bool stopping_ = false;     // GUARDED_BY(mu_)
  WriteStats stats_;          // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace scout::collector
