// The one place that lists every built-in collector plugin.
#include "agent/collector_registry.h"
#include <unistd.h>

#include "agent/host/cpu_collector.h"
#include "agent/host/diskio_collector.h"
#include "agent/host/filesystem_collector.h"
#include "agent/host/load_collector.h"
#include "agent/host/memory_collector.h"
#include "agent/host/network_collector.h"
#include "agent/host/pressure_collector.h"
#include "agent/host/process_collector.h"
#include "agent/postgres/postgres_collector.h"
#include "agent/probe/probe_collector.h"
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
    return NewFilesystemCollector(c.host, c.config.filesystem);
  });
  registry.Register("diskio", [](const PluginContext& c) -> PluginFactory::result_type {
    return NewDiskIoCollector(c.host);
  });
  registry.Register("network", [](const PluginContext& c) -> PluginFactory::result_type {
    return NewNetworkCollector(c.host, c.config.network);
  });
  registry.Register("pressure", [](const PluginContext& c) -> PluginFactory::result_type {
    return NewPressureCollector(c.host);
  });
  registry.Register("processes", [](const PluginContext& c) -> PluginFactory::result_type {
    ProcessOptions options = c.config.processes;
    options.clock_ticks_per_second = sysconf(_SC_CLK_TCK);
    options.page_size = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    return NewProcessCollector(c.host, std::move(options));
  });
  registry.Register("load", [](const PluginContext& c) -> PluginFactory::result_type {
    return NewLoadCollector(c.host);
  });
  registry.Register("probes", [](const PluginContext& c) -> PluginFactory::result_type {
    ProbeConfig probes = ExpandProbeTemplates(c.config.probes, c.config.id);
    return NewProbeCollector(std::move(probes.http), std::move(probes.tcp));
  });
  registry.Register("postgres", [](const PluginContext& c) -> PluginFactory::result_type {
    return NewPostgresCollector(c.config.postgres);
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
  return {"cpu",     "memory",   "filesystem", "load",  "diskio",
          "network", "pressure", "processes",  "agent"};
}

}  // namespace scout::agent

namespace scout::agent {

std::vector<std::string> DefaultCollectorNames(const AgentConfig& config) {
  std::vector<std::string> names = DefaultCollectorNames();
  if (!config.probes.empty()) names.push_back("probes");
  if (!config.postgres.empty()) names.push_back("postgres");
  return names;
}

}  // namespace scout::agent
