#include "collector/write_queue.h"

#include <pthread.h>

#include <algorithm>
#include <memory>
#include <string>
#include <unordered_set>

#include "shared/logging.h"

namespace scout::collector {

WriteQueue::WriteQueue(Storage& storage, WriteQueueOptions options, const Clock& clock)
    : storage_(storage), options_(options), clock_(clock) {}

WriteQueue::~WriteQueue() { Stop(); }

void WriteQueue::Start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "scout-writer");
    Run();
  });
}

void WriteQueue::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  // Nobody will drain the queue any more: let waiting streams go on (their
  // submissions are answered UNAVAILABLE).
  std::vector<std::function<void()>> waiting;
  {
    absl::MutexLock lock(&mu_);
    waiting.swap(waiting_);
  }
  for (auto& resume : waiting) resume();
}

bool WriteQueue::FullLocked() const {
  return pending_bytes_ >= options_.max_pending_bytes ||
         (options_.max_pending_points > 0 && pending_points_ >= options_.max_pending_points);
}

bool WriteQueue::WaitForCapacity(std::function<void()> resume) {
  absl::MutexLock lock(&mu_);
  if (stopping_ || !FullLocked()) return false;
  ++stats_.parked;
  waiting_.push_back(std::move(resume));
  return true;
}

bool WriteQueue::Full() const {
  absl::MutexLock lock(&mu_);
  return !stopping_ && FullLocked();
}

size_t WriteQueue::pending_points() const {
  absl::MutexLock lock(&mu_);
  return pending_points_;
}

size_t WriteQueue::pending_bytes() const {
  absl::MutexLock lock(&mu_);
  return pending_bytes_;
}

size_t WriteQueue::EstimateBytes(const WriteBatch& batch) {
  constexpr size_t kPerSeries = 128, kPerLabel = 64, kPerPoint = 16;
  size_t bytes = batch.agent_id.size();
  for (const SeriesPoints& s : batch.series) {
    bytes += kPerSeries + s.key.metric.size() + kPerPoint * s.points.size();
    for (const auto& [name, value] : s.key.labels) bytes += kPerLabel + name.size() + value.size();
  }
  return bytes;
}

namespace {
size_t PointsOf(const WriteBatch& batch) {
  size_t points = 0;
  for (const SeriesPoints& s : batch.series) points += s.points.size();
  return points;
}
}  // namespace

void WriteQueue::Submit(WriteBatch batch, Done done, size_t new_series) {
  const size_t part = std::max<size_t>(options_.max_new_series_per_commit, 1);
  if (new_series > part && batch.series.size() > part) {
    return SubmitInParts(std::move(batch), std::move(done));
  }
  Item item;
  const size_t points = PointsOf(batch);
  const size_t bytes = EstimateBytes(batch);
  item.batch = std::move(batch);
  Enqueue(std::move(item), points, bytes, done);
}

namespace {
// The parts of one split batch: `done` runs once, after the last part is
// answered, with the first error any part got.
struct SplitBatch {
  explicit SplitBatch(WriteQueue::Done d, size_t parts) : done(std::move(d)), remaining(parts) {}
  void PartDone(const absl::Status& status) {
    absl::Status result;
    {
      absl::MutexLock lock(&mu);
      if (!status.ok() && first_error.ok()) first_error = status;
      if (--remaining > 0) return;
      result = first_error;
    }
    done(result);
  }
  WriteQueue::Done done;
  absl::Mutex mu;
  size_t remaining ABSL_GUARDED_BY(mu);
  absl::Status first_error ABSL_GUARDED_BY(mu);
};
}  // namespace

void WriteQueue::SubmitInParts(WriteBatch batch, Done done) {
  const size_t part = std::max<size_t>(options_.max_new_series_per_commit, 1);
  const size_t parts = (batch.series.size() + part - 1) / part;
  auto split = std::make_shared<SplitBatch>(std::move(done), parts);
  for (size_t first = 0; first < batch.series.size(); first += part) {
    Item item;
    item.batch.agent_id = batch.agent_id;
    item.batch.received_ms = batch.received_ms;
    const size_t last = std::min(first + part, batch.series.size());
    item.batch.series.assign(std::make_move_iterator(batch.series.begin() + first),
                             std::make_move_iterator(batch.series.begin() + last));
    item.is_part = true;
    const size_t points = PointsOf(item.batch);
    const size_t bytes = EstimateBytes(item.batch);
    Done part_done = [split](const absl::Status& status) { split->PartDone(status); };
    Enqueue(std::move(item), points, bytes, part_done);
  }
}

void WriteQueue::SubmitAgent(AgentRecord agent, Done done) {
  Item item;
  item.is_agent = true;
  size_t bytes = 256 + agent.agent_id.size() + agent.hostname.size() + agent.version.size() +
                 agent.incarnation_id.size();
  for (const auto& [name, value] : agent.labels) bytes += 64 + name.size() + value.size();
  item.agent = std::move(agent);
  Enqueue(std::move(item), 0, bytes, done);
}

void WriteQueue::Enqueue(Item item, size_t points, size_t bytes, Done& done) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      pending_points_ += points;
      pending_bytes_ += bytes;
      stats_.peak_pending_bytes = std::max<uint64_t>(stats_.peak_pending_bytes, pending_bytes_);
      item.points = points;
      item.bytes = bytes;
      item.done = std::move(done);
      pending_.push_back(std::move(item));
      return;
    }
  }
  // Answered outside the lock: the callback may submit again.
  done(absl::UnavailableError("collector is shutting down"));
}

WriteStats WriteQueue::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

std::deque<WriteQueue::Item> WriteQueue::TakeGroup(bool* stopping) {
  std::deque<Item> group;
  absl::MutexLock lock(&mu_);
  auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || !pending_.empty();
  };
  mu_.AwaitWithTimeout(absl::Condition(&has_work), absl::FromChrono(options_.idle_maintenance));
  // In arrival order, up to max_points_per_commit, with at most one part of
  // a split batch (the first item always goes). An item left behind holds
  // back its agent's later items, so each agent's batches commit in order.
  size_t points = 0;
  bool has_part = false;
  std::deque<Item> left;
  std::unordered_set<std::string> held_back;
  while (!pending_.empty() && (group.empty() || points < options_.max_points_per_commit)) {
    Item& item = pending_.front();
    const std::string& agent = item.is_agent ? item.agent.agent_id : item.batch.agent_id;
    if ((item.is_part && has_part) || held_back.count(agent) > 0) {
      held_back.insert(agent);
      left.push_back(std::move(item));
    } else {
      points += item.points;
      has_part = has_part || item.is_part;
      group.push_back(std::move(item));
    }
    pending_.pop_front();
  }
  while (!left.empty()) {  // back to the front, in their order
    pending_.push_front(std::move(left.back()));
    left.pop_back();
  }
  *stopping = stopping_ && pending_.empty();
  return group;
}

void WriteQueue::Release(const std::deque<Item>& group) {
  std::vector<std::function<void()>> resume;
  {
    absl::MutexLock lock(&mu_);
    for (const Item& item : group) {
      pending_points_ -= item.points;
      pending_bytes_ -= item.bytes;
    }
    const bool below_half =
        pending_bytes_ <= options_.max_pending_bytes / 2 &&
        (options_.max_pending_points == 0 || pending_points_ <= options_.max_pending_points / 2);
    if (below_half) resume.swap(waiting_);
  }
  for (auto& r : resume) r();
}

absl::Status WriteQueue::TimedMaintain() {
  const auto start = clock_.SteadyNow();
  absl::Status status = storage_.Maintain();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.SteadyNow() - start).count();
  if (ms >= 100) spdlog::debug("slow storage maintenance: {} ms", ms);
  return status;
}

void WriteQueue::Run() {
  absl::Status last_maintenance = absl::OkStatus();
  while (true) {
    bool stopping = false;
    std::deque<Item> group = TakeGroup(&stopping);
    if (!group.empty()) CommitGroup(group);
    Release(group);
    if (stopping && group.empty()) return;

    absl::Status status = TimedMaintain();
    if (status.ok() != last_maintenance.ok()) {
      if (status.ok()) {
        spdlog::info("storage maintenance recovered");
      } else {
        spdlog::error("storage maintenance failed: {}", status.message());
      }
    }
    last_maintenance = status;
  }
}

void WriteQueue::CommitGroup(std::deque<Item>& group) {
  // Agent records first so a Hello's record exists before its batches.
  for (Item& item : group) {
    if (item.is_agent) item.done(storage_.UpsertAgent(item.agent));
  }
  std::vector<const WriteBatch*> batches;
  size_t points = 0;
  for (const Item& item : group) {
    if (item.is_agent) continue;
    batches.push_back(&item.batch);
    for (const SeriesPoints& s : item.batch.series) points += s.points.size();
  }
  if (batches.empty()) return;
  const auto commit_start = clock_.SteadyNow();
  absl::Status status = storage_.Write(batches);
  const std::chrono::duration<double> commit_time = clock_.SteadyNow() - commit_start;
  const auto commit_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(commit_time).count();
  if (commit_ms >= 100) {
    spdlog::debug("slow commit: {} ms for {} batches, {} points", commit_ms, batches.size(), points);
  }
  if (status.ok() != last_commit_ok_) {
    // Once per change of state, not per commit.
    if (status.ok()) {
      spdlog::info("storage writable again; commits resumed");
    } else {
      spdlog::error("storage commit failed, agents will retry: {}", status.message());
    }
    last_commit_ok_ = status.ok();
  }
  {
    absl::MutexLock lock(&mu_);
    stats_.commit_seconds.Observe(commit_time.count());
    if (status.ok()) {
      ++stats_.commits;
      stats_.batches += batches.size();
      stats_.points += points;
      stats_.commit_batches.Observe(static_cast<double>(batches.size()));
      stats_.commit_samples.Observe(static_cast<double>(points));
    } else {
      ++stats_.failed_commits;
    }
  }
  // Before the acks: what the observer keeps is then at least what was acked.
  if (status.ok() && observer_) observer_(batches);
  for (Item& item : group) {
    if (!item.is_agent) item.done(status);
  }
}

}  // namespace scout::collector
