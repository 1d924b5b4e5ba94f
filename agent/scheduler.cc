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
                     std::string host_label, const Clock& clock)
    : plugins_(std::move(plugins)),
      plugin_failing_(plugins_.size(), false),
      host_label_(std::move(host_label)),
      clock_(clock) {}

Scheduler::~Scheduler() { Stop(); }

std::vector<Sample> Scheduler::RunCycle() {
  VectorSink sink(clock_.NowMs());
  LabellingSink labelled(sink, host_label_);
  for (size_t i = 0; i < plugins_.size(); ++i) {
    absl::Status status = plugins_[i]->Collect(clock_.NowMs(), labelled);
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

void Scheduler::Start(std::chrono::milliseconds interval, Outbox& outbox) {
  thread_ = std::thread([this, interval, &outbox] {
    pthread_setname_np(pthread_self(), "scout-collect");
    Loop(interval, outbox);
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

void Scheduler::Loop(std::chrono::milliseconds interval, Outbox& outbox) {
  // Prime rate plugins right away so the first aligned cycle has rates.
  RunCycle();
  while (true) {
    const int64_t now = clock_.NowMs();
    const int64_t next = (now / interval.count() + 1) * interval.count();
    const auto wake = clock_.SteadyNow() + std::chrono::milliseconds(next - now);
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (cv_.wait_until(lock, wake, [this] { return stopping_; })) return;
    }
    std::vector<Sample> samples = RunCycle();
    if (!samples.empty()) outbox.Push(MakeBatch(++seq_, samples));
  }
}

v1::Batch MakeBatch(uint64_t seq, const std::vector<Sample>& samples) {
  v1::Batch batch;
  batch.set_seq(seq);
  std::map<SeriesKey, v1::Series*> by_key;
  for (const Sample& s : samples) {
    v1::Series*& series = by_key[s.key];
    if (series == nullptr) {
      series = batch.add_series();
      series->set_metric(s.key.metric);
      LabelsToProto(s.key.labels, series->mutable_labels());
    }
    v1::Point* p = series->add_points();
    p->set_timestamp_ms(s.point.timestamp_ms);
    p->set_value(s.point.value);
  }
  return batch;
}

}  // namespace scout::agent
