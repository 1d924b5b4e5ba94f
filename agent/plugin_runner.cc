#include "agent/plugin_runner.h"

#include <pthread.h>

namespace scout::agent {
namespace {

// Adds the host label to every sample a plugin emits.
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

PluginRunner::PluginRunner(std::unique_ptr<CollectorPlugin> plugin, std::string host_label)
    : plugin_(std::move(plugin)), name_(plugin_->name()), host_label_(std::move(host_label)) {
  thread_ = std::thread([this] {
    // Thread names are limited to 15 characters.
    pthread_setname_np(pthread_self(), ("scout-p-" + name_).substr(0, 15).c_str());
    Loop();
  });
}

PluginRunner::~PluginRunner() {
  bool stuck;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    stuck = running_;
  }
  cv_.notify_all();
  if (stuck) {
    thread_.detach();
    (void)plugin_.release();  // the detached thread may still be using it
  } else {
    thread_.join();
  }
}

bool PluginRunner::Begin(int64_t timestamp_ms) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (running_ || run_requested_) return false;
    run_requested_ = true;
    abandoned_ = false;
    result_.reset();
    timestamp_ms_ = timestamp_ms;
  }
  cv_.notify_all();
  return true;
}

std::optional<PluginRunner::Result> PluginRunner::Wait(
    std::chrono::steady_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!cv_.wait_until(lock, deadline, [this] { return result_.has_value(); })) {
    abandoned_ = true;
    return std::nullopt;
  }
  std::optional<Result> out = std::move(result_);
  result_.reset();
  return out;
}

void PluginRunner::Loop() {
  while (true) {
    int64_t timestamp;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || run_requested_; });
      if (stopping_) return;
      run_requested_ = false;
      running_ = true;
      timestamp = timestamp_ms_;
    }
    VectorSink sink(timestamp);
    LabellingSink labelled(sink, host_label_);
    absl::Status status = plugin_->Collect(timestamp, labelled);
    {
      std::lock_guard<std::mutex> lock(mu_);
      running_ = false;
      if (!abandoned_) result_ = Result{std::move(status), std::move(sink.samples())};
      if (stopping_) return;
    }
    cv_.notify_all();
  }
}

}  // namespace scout::agent
