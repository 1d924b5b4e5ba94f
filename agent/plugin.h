// Plugin: one independent source of samples (CPU, memory, an HTTP
// probe, a PostgreSQL target...). The scheduler owns a list of plugins and
// calls Collect() on each once per cycle; a plugin never knows about
// batching, transport or other plugins.
//
// Adding a plugin: implement this interface and add one line to
// RegisterBuiltinPlugins() in agent/builtin_plugins.cc.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "shared/metric.h"

namespace scout::agent {

// One sample produced during a cycle. All samples of a cycle share the
// cycle's timestamp unless a plugin has a better one.
struct Sample {
  SeriesKey key;
  Point point;
};

// Where plugins put their samples. Labels passed in need not be sorted.
class SampleSink {
 public:
  virtual ~SampleSink() = default;
  virtual void Add(std::string metric, Labels labels, double value) = 0;
};

// Collects into a vector, stamping every sample with `timestamp_ms`.
class VectorSink final : public SampleSink {
 public:
  explicit VectorSink(int64_t timestamp_ms) : timestamp_ms_(timestamp_ms) {}
  void Add(std::string metric, Labels labels, double value) override {
    samples_.push_back(
        {SeriesKey{std::move(metric), MakeLabels(std::move(labels))},
         Point{timestamp_ms_, value}});
  }
  std::vector<Sample>& samples() { return samples_; }

 private:
  int64_t timestamp_ms_;
  std::vector<Sample> samples_;
};

class Plugin {
 public:
  virtual ~Plugin() = default;

  // Short stable name used in logs and config ("cpu", "memory", ...).
  virtual std::string_view name() const = 0;

  // Adds this cycle's samples to `sink`. Called from the scheduler thread
  // only, never concurrently. `now_ms` is the cycle time from the agent's
  // Clock; rate plugins keep their previous counters between calls and
  // must emit no rate on the first call or after a counter reset.
  //
  // A non-OK status means "nothing (or only part) could be read this cycle";
  // the scheduler logs it once per change of state and calls again next
  // cycle. Samples added before the error are still sent.
  virtual absl::Status Collect(int64_t now_ms, SampleSink& sink) = 0;
};

}  // namespace scout::agent
