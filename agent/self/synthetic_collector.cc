#include "agent/self/synthetic_collector.h"

#include <string>
#include <vector>

namespace scout::agent {
namespace {

class SyntheticCollector final : public CollectorPlugin {
 public:
  SyntheticCollector(int64_t series, int64_t samples, int64_t interval_ms)
      : samples_(samples), interval_ms_(interval_ms) {
    names_.reserve(static_cast<size_t>(series));
    for (int64_t i = 0; i < series; ++i) names_.push_back(std::to_string(i));
  }

  std::string_view name() const override { return "synthetic"; }

  absl::Status Collect(int64_t now_ms, SampleSink& sink) override {
    if (samples_ > 0 && emitted_ >= samples_) return absl::OkStatus();
    const int64_t k = now_ms / interval_ms_;
    for (size_t i = 0; i < names_.size(); ++i) {
      sink.Add("scout_synthetic_value", {{"series", names_[i]}},
               SyntheticValue(static_cast<int64_t>(i), k));
    }
    ++emitted_;
    return absl::OkStatus();
  }

 private:
  const int64_t samples_;
  const int64_t interval_ms_;
  std::vector<std::string> names_;
  int64_t emitted_ = 0;
};

}  // namespace

std::unique_ptr<CollectorPlugin> NewSyntheticCollector(int64_t series, int64_t samples,
                                                       int64_t interval_ms) {
  return std::make_unique<SyntheticCollector>(series, samples, interval_ms);
}

}  // namespace scout::agent
