// AgentCounters: the agent's own counters, shared by the pieces that count
// (scheduler, spool, sender) and the `agent` plugin that reports them as
// scout_agent_* metrics (docs/metrics.md). Plain atomics: any thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace scout::agent {

struct AgentCounters {
  std::atomic<uint64_t> samples_collected{0};
  // Distinct label names/values and metric names per cycle (and Hello
  // fields once) that were not valid UTF-8 and were repaired with U+FFFD.
  std::atomic<uint64_t> labels_sanitized{0};
  std::atomic<uint64_t> batches_spooled{0};
  std::atomic<uint64_t> spool_write_errors{0};
  std::atomic<uint64_t> batches_sent{0};       // every send, replays included
  std::atomic<uint64_t> batches_replayed{0};   // sends of batches older than the stream
  std::atomic<uint64_t> batches_acked{0};
  std::atomic<uint64_t> samples_acked{0};      // stored by the collector
  std::atomic<uint64_t> batches_rejected{0};   // invalid as a whole: dropped
  std::atomic<uint64_t> samples_rejected{0};   // invalid points: dropped
  std::atomic<uint64_t> batches_retry{0};      // collector asked to retry later
  std::atomic<uint64_t> connects{0};
  std::atomic<bool> connected{false};
};

}  // namespace scout::agent
