// BufferSink: holds samples back until the caller knows they may be
// published. A scrape's samples are buffered until its transaction
// committed, so a scrape that fails half-way adds nothing but its error;
// a target's scrape fills one that the scheduler flushes once it returned.
//
// Thread safety: none; one thread at a time.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "agent/plugin.h"

namespace scout::agent {

class BufferSink final : public SampleSink {
 public:
  void Add(std::string metric, Labels labels, double value) override {
    samples_.push_back({std::move(metric), std::move(labels), value});
  }
  // Moves every held sample to `sink`, leaving this buffer empty.
  void FlushTo(SampleSink& sink) {
    for (Entry& e : samples_) sink.Add(std::move(e.metric), std::move(e.labels), e.value);
    samples_.clear();
  }

 private:
  struct Entry {
    std::string metric;
    Labels labels;
    double value;
  };
  std::vector<Entry> samples_;
};

}  // namespace scout::agent
