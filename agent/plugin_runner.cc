#include "agent/plugin_runner.h"

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

PluginRunner::PluginRunner(std::unique_ptr<Plugin> plugin, std::string host_label)
    : plugin_(std::move(plugin)),
      name_(plugin_->name()),
      host_label_(std::move(host_label)),
      call_("scout-p-" + name_) {}

bool PluginRunner::Begin(int64_t timestamp_ms) {
  if (call_.Running()) return false;
  // A fresh slot: an abandoned run that returned late wrote into the old one.
  auto result = std::make_shared<Result>();
  absl::Status started =
      call_.Start([plugin = plugin_, host = host_label_, result, timestamp_ms] {
        VectorSink sink(timestamp_ms);
        LabellingSink labelled(sink, host);
        result->status = plugin->Collect(timestamp_ms, labelled);
        result->samples = std::move(sink.samples());
      });
  if (!started.ok()) {
    result->status = started;  // no thread: report it as this cycle's failure
    result_ = std::move(result);
    return true;
  }
  result_ = std::move(result);
  return true;
}

std::optional<PluginRunner::Result> PluginRunner::Wait(
    std::chrono::steady_clock::time_point deadline) {
  if (result_ == nullptr || !call_.WaitUntil(deadline)) return std::nullopt;
  std::optional<Result> out = std::move(*result_);
  result_.reset();
  return out;
}

}  // namespace scout::agent
