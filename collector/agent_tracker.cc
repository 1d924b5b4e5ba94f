#include "collector/agent_tracker.h"

namespace scout::collector {

void AgentTracker::Connected(const std::string& agent_id, const std::string& peer) {
  absl::MutexLock lock(&mu_);
  Live& live = live_[agent_id];
  ++live.streams;
  live.peer = peer;
}

void AgentTracker::Disconnected(const std::string& agent_id) {
  absl::MutexLock lock(&mu_);
  auto it = live_.find(agent_id);
  if (it != live_.end() && --it->second.streams <= 0) live_.erase(it);
}

std::string AgentTracker::Peer(const std::string& agent_id) const {
  absl::MutexLock lock(&mu_);
  auto it = live_.find(agent_id);
  return it == live_.end() ? std::string() : it->second.peer;
}

size_t AgentTracker::connected_count() const {
  absl::MutexLock lock(&mu_);
  return live_.size();
}

}  // namespace scout::collector

namespace scout::collector {

void AgentTracker::SetClockSkew(const std::string& agent_id, int64_t skew_ms) {
  absl::MutexLock lock(&mu_);
  skew_ms_[agent_id] = skew_ms;
}

std::map<std::string, int64_t> AgentTracker::ClockSkews() const {
  absl::MutexLock lock(&mu_);
  return skew_ms_;
}

int64_t AgentTracker::ClockSkew(const std::string& agent_id) const {
  absl::MutexLock lock(&mu_);
  auto it = skew_ms_.find(agent_id);
  return it == skew_ms_.end() ? 0 : it->second;
}

}  // namespace scout::collector
