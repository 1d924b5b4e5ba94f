#include "agent/scheduler.h"

#include <pthread.h>

#include <algorithm>
#include <map>
#include <unordered_map>

#include "shared/logging.h"
#include "shared/proto_convert.h"
#include "shared/utf8.h"

namespace scout::agent {

Scheduler::Scheduler(std::vector<std::unique_ptr<Plugin>> plugins,
                     std::string host_label, const Clock& clock, AgentCounters& counters,
                     std::chrono::milliseconds plugin_timeout)
    : plugin_failing_(plugins.size(), false),
      plugin_late_(plugins.size(), false),
      plugin_timeout_(plugin_timeout),
      clock_(clock),
      counters_(counters) {
  for (auto& plugin : plugins) {
    runners_.push_back(std::make_unique<PluginRunner>(std::move(plugin), host_label));
  }
}

Scheduler::~Scheduler() { Stop(); }

std::vector<Sample> Scheduler::RunCycle(int64_t timestamp_ms) {
  std::vector<bool> started(runners_.size());
  for (size_t i = 0; i < runners_.size(); ++i) started[i] = runners_[i]->Begin(timestamp_ms);
  // Deadlines use the real monotonic clock: they bound real work.
  const auto deadline = std::chrono::steady_clock::now() + plugin_timeout_;
  std::vector<Sample> samples;
  for (size_t i = 0; i < runners_.size(); ++i) {
    std::optional<PluginRunner::Result> result;
    if (started[i]) result = runners_[i]->Wait(deadline);
    const bool late = !result.has_value();
    if (late && !plugin_late_[i]) {
      spdlog::warn("collector {}: no answer within {} ms; skipped until it returns",
                   runners_[i]->name(), plugin_timeout_.count());
    } else if (!late && plugin_late_[i]) {
      spdlog::info("collector {}: answering again", runners_[i]->name());
    }
    plugin_late_[i] = late;
    if (late) continue;
    const bool failing = !result->status.ok();
    if (failing && !plugin_failing_[i]) {
      spdlog::warn("collector {}: {} (will log again when it recovers)", runners_[i]->name(),
                   result->status.message());
    } else if (!failing && plugin_failing_[i]) {
      spdlog::info("collector {}: recovered", runners_[i]->name());
    }
    plugin_failing_[i] = failing;
    samples.insert(samples.end(), std::make_move_iterator(result->samples.begin()),
                   std::make_move_iterator(result->samples.end()));
  }
  // Here, on the collect thread, and not in each plugin: this is the one
  // point every plugin's samples pass (--test too) before they are batched.
  counters_.labels_sanitized += SanitizeSamples(samples);
  return samples;
}

void Scheduler::Start(std::chrono::milliseconds interval, size_t max_batch_bytes, Spool& spool,
                      std::function<void()> after_cycle) {
  thread_ = std::thread([this, interval, max_batch_bytes, &spool,
                         after_cycle = std::move(after_cycle)] {
    pthread_setname_np(pthread_self(), "scout-collect");
    Loop(interval, max_batch_bytes, spool, after_cycle);
  });
}

void Scheduler::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void Scheduler::Loop(std::chrono::milliseconds interval, size_t max_batch_bytes, Spool& spool,
                     const std::function<void()>& after_cycle) {
  while (true) {
    const int64_t now = clock_.NowMs();
    const int64_t next = (now / interval.count() + 1) * interval.count();
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Milliseconds(next - now))) {
        return;
      }
    }
    std::vector<Sample> samples = RunCycle(next);
    counters_.samples_collected += samples.size();
    for (v1::Batch& batch : MakeBatches(samples, max_batch_bytes)) {
      const uint32_t points = CountPoints(batch);
      auto seq = spool.Append(std::move(batch));
      if (absl::IsInvalidArgument(seq.status())) {
        // This batch could never be sent (not the disk's fault): dropped
        // like one the collector rejects as invalid; the rest go on.
        ++counters_.batches_rejected;
        counters_.samples_rejected += points;
        spdlog::error("dropping a batch of {} samples that cannot be spooled: {}", points,
                      seq.status().message());
        continue;
      }
      if (seq.ok()) ++counters_.batches_spooled;
      if (!seq.ok()) ++counters_.spool_write_errors;
      if (!seq.ok() && !spool_failing_) {
        spdlog::error("cannot write to the spool, this cycle's data is lost: {} "
                      "(logged again when it recovers)", seq.status().message());
      } else if (seq.ok() && spool_failing_) {
        spdlog::info("spool writable again");
      }
      spool_failing_ = !seq.ok();
    }
    if (after_cycle) after_cycle();
  }
}

uint64_t SanitizeSamples(std::vector<Sample>& samples) {
  // Bad strings repeat (one process name on every series of the process):
  // repair each once per cycle and count it once.
  std::unordered_map<std::string, std::string> repaired;
  auto fix = [&repaired](std::string& s) {
    if (IsValidUtf8(s)) return false;
    auto [it, inserted] = repaired.try_emplace(s);
    if (inserted) it->second = SanitizeUtf8(s);
    s = it->second;
    return true;
  };
  for (Sample& sample : samples) {
    fix(sample.key.metric);
    bool changed = false;
    for (auto& [name, value] : sample.key.labels) {
      changed |= fix(name);
      changed |= fix(value);
    }
    if (changed) std::sort(sample.key.labels.begin(), sample.key.labels.end());
  }
  return repaired.size();
}

std::vector<v1::Batch> MakeBatches(const std::vector<Sample>& samples, size_t max_bytes) {
  std::map<SeriesKey, v1::Series> by_key;
  for (const Sample& s : samples) {
    v1::Series& series = by_key[s.key];
    if (series.metric().empty()) {
      series.set_metric(s.key.metric);
      LabelsToProto(s.key.labels, series.mutable_labels());
    }
    v1::Point* p = series.add_points();
    p->set_timestamp_ms(s.point.timestamp_ms);
    p->set_value(s.point.value);
  }
  std::vector<v1::Batch> batches;
  size_t bytes = 0;
  for (auto& [key, series] : by_key) {
    const size_t size = series.ByteSizeLong() + 8;  // + field tag and length
    if (batches.empty() || (bytes + size > max_bytes && bytes > 0)) {
      batches.emplace_back();
      bytes = 0;
    }
    *batches.back().add_series() = std::move(series);
    bytes += size;
  }
  return batches;
}

}  // namespace scout::agent
