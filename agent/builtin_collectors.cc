// The one place that lists every built-in collector plugin.
#include "agent/collector_registry.h"
#include "agent/host/cpu_collector.h"
#include "agent/host/filesystem_collector.h"
#include "agent/host/load_collector.h"
#include "agent/host/memory_collector.h"
#include "agent/self/agent_collector.h"
#include "agent/self/synthetic_collector.h"

namespace scout::agent {

void RegisterBuiltinCollectors(CollectorRegistry& registry) {
  registry.Register("cpu", [](const PluginContext& c) -> PluginFactory::result_type {
    return NewCpuCollector(c.host);
  });
  registry.Register("memory", [](const PluginContext& c) -> PluginFactory::result_type {
    return NewMemoryCollector(c.host);
  });
  registry.Register("filesystem", [](const PluginContext& c) -> PluginFactory::result_type {
    return NewFilesystemCollector(c.host);
  });
  registry.Register("load", [](const PluginContext& c) -> PluginFactory::result_type {
    return NewLoadCollector(c.host);
  });
  registry.Register("agent", [](const PluginContext& c) -> PluginFactory::result_type {
    return NewAgentCollector(c.counters, c.spool);
  });
  registry.Register("synthetic", [](const PluginContext& c) -> PluginFactory::result_type {
    return NewSyntheticCollector(c.config.synthetic_series, c.config.synthetic_samples,
                                 c.config.interval.count());
  });
}

std::vector<std::string> DefaultCollectorNames() {
  return {"cpu", "memory", "filesystem", "load", "agent"};
}

}  // namespace scout::agent
