#include "collector/ingest_limits.h"

#include <algorithm>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "shared/logging.h"

namespace scout::collector {
namespace {

constexpr int64_t kMinuteMs = 60'000;

const char* LimitKey(int limit) {
  switch (limit) {
    case 0: return "max_series_per_agent";
    case 1: return "max_new_series_per_agent_per_hour";
    default: return "max_series";
  }
}

uint64_t HashOf(const SeriesKey& key) { return absl::HashOf(key.metric, key.labels); }

}  // namespace

SeriesLimiter::SeriesLimiter(const Storage& storage, const Clock& clock, SeriesLimits limits)
    : storage_(storage), clock_(clock), limits_(limits),
      max_tracked_(static_cast<size_t>(std::max<int64_t>(limits.max_series, 1)) * 2) {
  hour_ = clock_.NowMs() / kHourMs;
}

void SeriesLimiter::PruneWindow(AgentState& a, int64_t now_ms) {
  const int64_t first_minute = now_ms / kMinuteMs - 59;  // the last 60 minutes
  while (!a.new_per_minute.empty() && a.new_per_minute.front().first < first_minute) {
    a.new_in_window -= a.new_per_minute.front().second;
    a.new_per_minute.pop_front();
  }
}

void SeriesLimiter::RotateLocked(int64_t now_ms) {
  const int64_t hour = now_ms / kHourMs;
  if (hour == hour_) return;
  const bool next = hour == hour_ + 1;
  hour_ = hour;
  for (auto it = agents_.begin(); it != agents_.end();) {
    AgentState& a = it->second;
    tracked_ -= a.previous.size();
    if (next) {
      a.previous = std::move(a.current);
    } else {
      a.previous = {};
      tracked_ -= a.current.size();
    }
    a.current = {};
    a.active = static_cast<int64_t>(a.previous.size());
    PruneWindow(a, now_ms);
    const bool quiet = a.last_rejection_ms == std::numeric_limits<int64_t>::min() ||
                       now_ms - a.last_rejection_ms >= kHourMs;
    if (a.previous.empty() && a.new_in_window == 0 && quiet) {
      it = agents_.erase(it);
    } else {
      ++it;
    }
  }
}

SeriesLimiter::Admission SeriesLimiter::Admit(const std::string& agent_id, WriteBatch* batch) {
  Admission out;
  uint32_t refused[kLimitCount] = {};
  std::string log_line;
  {
    absl::MutexLock lock(&mu_);
    const int64_t now = clock_.NowMs();
    RotateLocked(now);
    AgentState& a = agents_[agent_id];
    PruneWindow(a, now);
    int64_t storage_series = -1;  // read once per batch, when needed
    std::vector<SeriesPoints> kept;
    kept.reserve(batch->series.size());
    for (SeriesPoints& sp : batch->series) {
      const uint64_t h = HashOf(sp.key);
      int limit = -1;
      if (a.current.contains(h)) {
        // active this hour
      } else if (a.previous.contains(h)) {
        a.current.insert(h);  // still active: counted once in `active`
        ++tracked_;
      } else if (a.active >= limits_.max_series_per_agent) {
        limit = kPerAgent;
      } else if (tracked_ >= max_tracked_) {
        limit = kTracker;
      } else {
        if (!storage_.HasSeries(sp.key)) {
          if (storage_series < 0) storage_series = storage_.Gauges().series;
          if (a.new_in_window >= limits_.max_new_series_per_agent_per_hour) {
            limit = kNewPerHour;
          } else if (storage_series + pending_new_ >= limits_.max_series) {
            limit = kTotal;
          } else {
            ++pending_new_;
            ++out.new_series;
            ++a.new_in_window;
            const int64_t minute = now / kMinuteMs;
            if (a.new_per_minute.empty() || a.new_per_minute.back().first != minute) {
              a.new_per_minute.emplace_back(minute, 0);
            }
            ++a.new_per_minute.back().second;
          }
        }
        if (limit < 0) {
          a.current.insert(h);
          ++a.active;
          ++tracked_;
        }
      }
      if (limit < 0) {
        kept.push_back(std::move(sp));
        continue;
      }
      const auto points = static_cast<uint32_t>(sp.points.size());
      refused[limit] += points;
      if (out.rejected_points == 0) {
        const int64_t value = limit == kPerAgent     ? limits_.max_series_per_agent
                              : limit == kNewPerHour ? limits_.max_new_series_per_agent_per_hour
                                                     : limits_.max_series;
        out.example = absl::StrCat(sp.key.metric, ": over ", LimitKey(limit), " (", value, ")",
                                   limit == kTracker ? ": series limiter full" : "");
      }
      out.rejected_points += points;
    }
    batch->series = std::move(kept);
    if (out.rejected_points > 0) {
      const bool new_episode = a.last_rejection_ms == std::numeric_limits<int64_t>::min() ||
                               now - a.last_rejection_ms >= kHourMs;
      a.last_rejection_ms = now;
      if (new_episode) {
        const int64_t values[] = {limits_.max_series_per_agent,
                                  limits_.max_new_series_per_agent_per_hour, limits_.max_series,
                                  limits_.max_series};
        for (int l = 0; l < kLimitCount; ++l) {
          if (refused[l] == 0) continue;
          absl::StrAppend(&log_line, log_line.empty() ? "" : ", ", refused[l], " points over ",
                          LimitKey(l), " (", values[l], ")",
                          l == kTracker ? " (series limiter full)" : "");
        }
      }
    }
  }
  if (!log_line.empty()) {
    spdlog::warn("agent {}: {}; rejected as SERIES_LIMIT, counted in "
                 "scout_collector_samples_rejected_total{{reason=\"series_limit\"}}, logged again "
                 "after an hour without rejections",
                 agent_id, log_line);
  }
  return out;
}

void SeriesLimiter::Released(int64_t new_series) {
  if (new_series == 0) return;
  absl::MutexLock lock(&mu_);
  pending_new_ -= new_series;
}

int64_t SeriesLimiter::active_series(const std::string& agent_id) const {
  absl::MutexLock lock(&mu_);
  auto it = agents_.find(agent_id);
  return it == agents_.end() ? 0 : it->second.active;
}

size_t SeriesLimiter::tracked_hashes() const {
  absl::MutexLock lock(&mu_);
  return tracked_;
}

size_t SeriesLimiter::tracked_agents() const {
  absl::MutexLock lock(&mu_);
  return agents_.size();
}

}  // namespace scout::collector
