#include "agent/self/synthetic_plugin.h"

#include <string>
#include <vector>

#include "shared/status_macros.h"

namespace scout::agent {
namespace {

class SyntheticPlugin final : public Plugin {
 public:
  SyntheticPlugin(int64_t series, int64_t samples, int64_t interval_ms)
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

std::unique_ptr<Plugin> NewSyntheticPlugin(int64_t series, int64_t samples,
                                                       int64_t interval_ms) {
  return std::make_unique<SyntheticPlugin>(series, samples, interval_ms);
}

absl::Status ReadSyntheticOptions(ConfigMap& section, int64_t* series, int64_t* samples) {
  SCOUT_RETURN_IF_ERROR(section.Read("series", series));
  if (*series < 1 || *series > 10'000'000) {
    return section.ErrorAt("series", "must be between 1 and 10000000");
  }
  SCOUT_RETURN_IF_ERROR(section.Read("samples", samples));
  if (*samples < 0) return section.ErrorAt("samples", "must be 0 or more");
  return section.CheckNoUnknownKeys();
}

}  // namespace scout::agent
