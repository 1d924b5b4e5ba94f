#include "agent/self/agent_plugin.h"

namespace scout::agent {
namespace {

class AgentPlugin final : public Plugin {
 public:
  AgentPlugin(const AgentCounters& counters, const Spool* spool)
      : counters_(counters), spool_(spool) {}

  std::string_view name() const override { return "agent"; }

  absl::Status Collect(int64_t, SampleSink& sink) override {
    auto add = [&](const char* name, double value) { sink.Add(name, {}, value); };
    const AgentCounters& c = counters_;
    add("scout_agent_samples_collected_total", static_cast<double>(c.samples_collected));
    add("scout_agent_labels_sanitized_total", static_cast<double>(c.labels_sanitized));
    add("scout_agent_batches_spooled_total", static_cast<double>(c.batches_spooled));
    add("scout_agent_spool_write_errors_total", static_cast<double>(c.spool_write_errors));
    add("scout_agent_batches_sent_total", static_cast<double>(c.batches_sent));
    add("scout_agent_batches_replayed_total", static_cast<double>(c.batches_replayed));
    add("scout_agent_batches_acked_total", static_cast<double>(c.batches_acked));
    add("scout_agent_samples_acked_total", static_cast<double>(c.samples_acked));
    add("scout_agent_batches_rejected_total", static_cast<double>(c.batches_rejected));
    add("scout_agent_samples_rejected_total", static_cast<double>(c.samples_rejected));
    add("scout_agent_batches_retried_total", static_cast<double>(c.batches_retry));
    add("scout_agent_connects_total", static_cast<double>(c.connects));
    add("scout_agent_connected", c.connected ? 1.0 : 0.0);
    if (spool_ != nullptr) {
      const SpoolStats s = spool_->stats();
      add("scout_agent_spool_batches", static_cast<double>(s.batches));
      add("scout_agent_spool_bytes", static_cast<double>(s.bytes));
      add("scout_agent_spool_dropped_batches_total", static_cast<double>(s.dropped_batches));
      add("scout_agent_spool_dropped_samples_total", static_cast<double>(s.dropped_samples));
      add("scout_agent_spool_corrupt_records_total", static_cast<double>(s.corrupt_records));
    }
    return absl::OkStatus();
  }

 private:
  const AgentCounters& counters_;
  const Spool* spool_;
};

}  // namespace

std::unique_ptr<Plugin> NewAgentPlugin(const AgentCounters& counters,
                                                   const Spool* spool) {
  return std::make_unique<AgentPlugin>(counters, spool);
}

}  // namespace scout::agent
