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
// New series are the expensive part of a commit (a row and an index entry
// each). So that one agent creating many cannot slow everybody's acks, a
// batch that brings more than max_new_series_per_commit new series is
// split into parts of that many series, answered once when every part has
// committed (Write() is idempotent per (series, timestamp), so a part
// committed before a later part failed is stored once on retry). A commit
// carries at most one such part; the other agents' batches go ahead of the
// parts still waiting, each agent's own order kept.
//
// Memory budget: the queue counts the bytes of the batches it holds, from
// Submit() until their commit returned (EstimateBytes). Above
// max_pending_bytes it is "full": ingest streams park (WaitForCapacity)
// and stop reading until it drains below half. What one stream can add
// beyond the budget is bounded by the batches it read before it parked
// (max_in_flight_batches, each at most max_batch_bytes on the wire).
//
// Commit observer (remote write out): after a commit succeeded and BEFORE
// its callbacks run (so before any agent or sender gets its ack), the
// writer thread hands the committed batches to the observer, which must
// make them durable itself (remote write appends them to its on-disk
// queue). Durability: a crash after the storage commit and before the
// observer's append returns loses those batches for the observer only
// (they are in storage, the agents were not acked and resend them, and the
// resent batches reach the observer again: at-least-once). A crash after
// the append loses nothing. The observer runs on the writer thread: its
// time adds to every ack's latency.
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
#include "collector/histogram.h"
#include "collector/storage/storage.h"
#include "shared/clock.h"

namespace scout::collector {

struct WriteQueueOptions {
  // Bigger groups mean fewer fsyncs but later acks for the first batch.
  size_t max_points_per_commit = 100'000;
  // Above this many new series a batch is split into parts (see above).
  size_t max_new_series_per_commit = 100;
  // Above this many estimated bytes queued the queue is "full": ingest
  // streams stop reading (WaitForCapacity) until it drains below half.
  size_t max_pending_bytes = 256u << 20;
  // Deprecated (the `max_pending_points` key): also full above this many
  // queued points. 0 = no point budget.
  size_t max_pending_points = 0;
  // How often Maintain() runs when no writes arrive.
  std::chrono::milliseconds idle_maintenance = std::chrono::milliseconds(200);
};

struct WriteStats {
  uint64_t commits = 0;
  uint64_t batches = 0;
  uint64_t points = 0;
  uint64_t failed_commits = 0;
  uint64_t parked = 0;               // WaitForCapacity calls that parked a stream
  uint64_t peak_pending_bytes = 0;   // highest pending_bytes() seen
  // One observation per group commit that wrote batches (agent-record-only
  // groups are not commits): the time of Storage::Write() alone (failed
  // commits included; the observer and the acks come after it), and, for
  // successful commits, how many batches and samples it carried.
  Histogram commit_seconds{CommitSecondsBounds()};
  Histogram commit_batches{CommitBatchesBounds()};
  Histogram commit_samples{CommitSamplesBounds()};
};

class WriteQueue {
 public:
  using Done = std::function<void(const absl::Status&)>;

  // `clock` only times commits and maintenance for the slow-operation log.
  WriteQueue(Storage& storage, WriteQueueOptions options, const Clock& clock);
  ~WriteQueue();  // Stop()s if needed

  using CommitObserver = std::function<void(const std::vector<const WriteBatch*>&)>;
  // Call before Start(). See "Commit observer" above.
  void SetCommitObserver(CommitObserver observer) { observer_ = std::move(observer); }

  void Start();
  // Commits what is queued, runs its callbacks, then joins the thread.
  // Later submissions get UNAVAILABLE at once.
  void Stop();

  // `new_series`: how many of the batch's series storage does not have yet
  // (the SeriesLimiter's count; an estimate is fine, 0 = none).
  void Submit(WriteBatch batch, Done done, size_t new_series = 0);
  void SubmitAgent(AgentRecord agent, Done done);

  // Returns false when there is room now. Otherwise returns true and runs
  // `resume` (on the writer thread, or in Stop()) once the queue has
  // drained below half of its budget(s).
  bool WaitForCapacity(std::function<void()> resume);
  // Over the memory budget now (what WaitForCapacity would park on).
  bool Full() const;
  size_t pending_points() const;
  size_t pending_bytes() const;

  // What a batch costs in memory while queued, an estimate written down
  // once: per series 128 bytes (SeriesPoints, its metric and vectors) plus
  // the metric name, per label 64 bytes (two std::string) plus name and
  // value bytes, and 16 bytes per point (Point). Agent records: 256 bytes
  // plus their strings.
  static size_t EstimateBytes(const WriteBatch& batch);

  WriteStats stats() const;

 private:
  struct Item {
    bool is_agent = false;
    WriteBatch batch;
    AgentRecord agent;
    Done done;
    size_t points = 0;
    size_t bytes = 0;
    bool is_part = false;  // of a batch split by SubmitInParts
  };
  void Run();
  // Waits up to idle_maintenance for work, then takes the next group;
  // sets *stopping when Stop() was called and nothing is left.
  std::deque<Item> TakeGroup(bool* stopping);
  // After a group is answered: frees its room and resumes waiting streams.
  void Release(const std::deque<Item>& group);
  void Enqueue(Item item, size_t points, size_t bytes, Done& done);
  // Submit() of a batch with more new series than a commit may carry.
  void SubmitInParts(WriteBatch batch, Done done);
  bool FullLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CommitGroup(std::deque<Item>& group);
  absl::Status TimedMaintain();

  Storage& storage_;
  const WriteQueueOptions options_;
  const Clock& clock_;

  mutable absl::Mutex mu_;
  std::deque<Item> pending_ ABSL_GUARDED_BY(mu_);
  size_t pending_points_ ABSL_GUARDED_BY(mu_) = 0;
  size_t pending_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::function<void()>> waiting_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  WriteStats stats_ ABSL_GUARDED_BY(mu_);
  bool last_commit_ok_ = true;  // writer thread only
  CommitObserver observer_;     // set before Start(), then read by the writer only
  std::thread thread_;
};

}  // namespace scout::collector
