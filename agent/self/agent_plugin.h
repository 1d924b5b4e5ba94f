// The `agent` plugin: the agent's own health as scout_agent_* metrics
// (docs/metrics.md): what it collected, spooled, sent, replayed, and what
// the collector acked, rejected or the spool dropped. Values are read when
// the cycle runs, so they describe the previous cycles.
#pragma once

#include <memory>

#include "agent/agent_counters.h"
#include "agent/plugin.h"
#include "shared/spool.h"

namespace scout::agent {

// `spool` may be null (agent --test).
std::unique_ptr<Plugin> NewAgentPlugin(const AgentCounters& counters,
                                                   const Spool* spool);

}  // namespace scout::agent
