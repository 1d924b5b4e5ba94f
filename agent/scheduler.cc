#include "agent/scheduler.h"

#include <pthread.h>

#include <map>

#include "shared/logging.h"
#include "shared/proto_convert.h"

namespace scout::agent {
namespace {

// Adds labels to every sample a plugin emits.
class LabellingSink final : public SampleSink {
 public:
  LabellingSink(SampleSink& inner, const std::string& host) : inner_(inner), host_(host) {}
  void Add(std::string metric, Labels labels, double value) override {
    labels.emplace_back("host", host_);
    inner_.Add(std::move(metric), std::move(labels), value);
  }

 private:
  SampleSink& inner_;
  const std::string& host_;
};

}  // namespace

Scheduler::Scheduler(std::vector<std::unique_ptr<CollectorPlugin>> plugins,
                     std::string host_label, const Clock& clock, AgentCounters& counters)
    : plugins_(std::move(plugins)),
      plugin_failing_(plugins_.size(), false),
      host_label_(std::move(host_label)),
      clock_(clock),
      counters_(counters) {}

Scheduler::~Scheduler() { Stop(); }

std::vector<Sample> Scheduler::RunCycle(int64_t timestamp_ms) {
  VectorSink sink(timestamp_ms);
  LabellingSink labelled(sink, host_label_);
  for (size_t i = 0; i < plugins_.size(); ++i) {
    absl::Status status = plugins_[i]->Collect(timestamp_ms, labelled);
    const bool failing = !status.ok();
    if (failing && !plugin_failing_[i]) {
      spdlog::warn("collector {}: {} (will log again when it recovers)", plugins_[i]->name(),
                   status.message());
    } else if (!failing && plugin_failing_[i]) {
      spdlog::info("collector {}: recovered", plugins_[i]->name());
    }
    plugin_failing_[i] = failing;
  }
  return std::move(sink.samples());
}

void Scheduler::Start(std::chrono::milliseconds interval, size_t max_batch_bytes, Spool& spool) {
  thread_ = std::thread([this, interval, max_batch_bytes, &spool] {
    pthread_setname_np(pthread_self(), "scout-collect");
    Loop(interval, max_batch_bytes, spool);
  });
}

void Scheduler::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::Loop(std::chrono::milliseconds interval, size_t max_batch_bytes, Spool& spool) {
  while (true) {
    const int64_t now = clock_.NowMs();
    const int64_t next = (now / interval.count() + 1) * interval.count();
    const auto wake = clock_.SteadyNow() + std::chrono::milliseconds(next - now);
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (cv_.wait_until(lock, wake, [this] { return stopping_; })) return;
    }
    std::vector<Sample> samples = RunCycle(next);
    counters_.samples_collected += samples.size();
    for (v1::Batch& batch : MakeBatches(samples, max_batch_bytes)) {
      auto seq = spool.Append(std::move(batch));
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
  }
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
