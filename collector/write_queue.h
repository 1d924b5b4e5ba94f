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
#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "collector/storage/storage.h"
#include "shared/clock.h"

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

  // `clock` only times commits and maintenance for the slow-operation log.
  WriteQueue(Storage& storage, WriteQueueOptions options, const Clock& clock);
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
  // Waits up to idle_maintenance for work, then takes the next group;
  // sets *stopping when Stop() was called and nothing is left.
  std::deque<Item> TakeGroup(bool* stopping);
  // After a group is answered: frees its room and resumes waiting streams.
  void Release(const std::deque<Item>& group);
  void Enqueue(Item item, size_t points, Done& done);
  void CommitGroup(std::deque<Item>& group);
  absl::Status TimedMaintain();

  Storage& storage_;
  const WriteQueueOptions options_;
  const Clock& clock_;

  mutable absl::Mutex mu_;
  std::deque<Item> pending_ ABSL_GUARDED_BY(mu_);
  size_t pending_points_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::function<void()>> waiting_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  WriteStats stats_ ABSL_GUARDED_BY(mu_);
  bool last_commit_ok_ = true;  // writer thread only
  std::thread thread_;
};

}  // namespace scout::collector
