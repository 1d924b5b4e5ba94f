#include "collector/write_queue.h"

#include <pthread.h>

#include "shared/logging.h"

namespace scout::collector {

WriteQueue::WriteQueue(Storage& storage, WriteQueueOptions options)
    : storage_(storage), options_(options) {}

WriteQueue::~WriteQueue() { Stop(); }

void WriteQueue::Start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "scout-writer");
    Run();
  });
}

void WriteQueue::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WriteQueue::Submit(WriteBatch batch, Done done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      Item item;
      item.batch = std::move(batch);
      item.done = std::move(done);
      pending_.push_back(std::move(item));
      cv_.notify_one();
      return;
    }
  }
  done(absl::UnavailableError("collector is shutting down"));
}

void WriteQueue::SubmitAgent(AgentRecord agent, Done done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      Item item;
      item.is_agent = true;
      item.agent = std::move(agent);
      item.done = std::move(done);
      pending_.push_back(std::move(item));
      cv_.notify_one();
      return;
    }
  }
  done(absl::UnavailableError("collector is shutting down"));
}

WriteStats WriteQueue::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void WriteQueue::Run() {
  absl::Status last_maintenance = absl::OkStatus();
  while (true) {
    std::deque<Item> group;
    bool stopping;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, options_.idle_maintenance,
                   [this] { return stopping_ || !pending_.empty(); });
      size_t points = 0;
      while (!pending_.empty() &&
             (group.empty() || points < options_.max_points_per_commit)) {
        for (const SeriesPoints& s : pending_.front().batch.series) points += s.points.size();
        group.push_back(std::move(pending_.front()));
        pending_.pop_front();
      }
      stopping = stopping_ && pending_.empty();
    }
    if (!group.empty()) CommitGroup(group);
    if (stopping && group.empty()) return;

    const auto maintain_start = std::chrono::steady_clock::now();
    absl::Status status = storage_.Maintain();
    const auto maintain_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - maintain_start).count();
    if (maintain_ms >= 100) spdlog::debug("slow storage maintenance: {} ms", maintain_ms);
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
  const auto commit_start = std::chrono::steady_clock::now();
  absl::Status status = storage_.Write(batches);
  const auto commit_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - commit_start).count();
  if (commit_ms >= 100) {
    spdlog::debug("slow commit: {} ms for {} batches, {} points", commit_ms, batches.size(), points);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (status.ok()) {
      ++stats_.commits;
      stats_.batches += batches.size();
      stats_.points += points;
    } else {
      ++stats_.failed_commits;
    }
  }
  for (Item& item : group) {
    if (!item.is_agent) item.done(status);
  }
}

}  // namespace scout::collector
