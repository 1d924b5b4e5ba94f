// The one place that lists every built-in plugin: its name, factory, config
// section and whether it runs by default. Adding a plugin: write it (the
// Plugin interface, agent/plugin.h), give its options a field in
// AgentConfig if it has any, and add one Register() call here.
#include <unistd.h>

#include "agent/host/cpu_plugin.h"
#include "agent/host/diskio_plugin.h"
#include "agent/host/filesystem_plugin.h"
#include "agent/host/load_plugin.h"
#include "agent/host/memory_plugin.h"
#include "agent/host/network_plugin.h"
#include "agent/host/pressure_plugin.h"
#include "agent/host/process_plugin.h"
#include "agent/plugin_registry.h"
#include "agent/postgres/postgres_plugin.h"
#include "agent/probe/probe_plugin.h"
#include "agent/self/agent_plugin.h"
#include "agent/self/synthetic_plugin.h"

namespace scout::agent {
namespace {

using Result = PluginFactory::result_type;

bool Always(const AgentConfig&) { return true; }

void RegisterHostPlugins(PluginRegistry& registry) {
  registry.Register({"cpu", [](const PluginContext& c) -> Result { return NewCpuPlugin(c.host); },
                     "", nullptr, Always});
  registry.Register({"memory",
                     [](const PluginContext& c) -> Result { return NewMemoryPlugin(c.host); }, "",
                     nullptr, Always});
  registry.Register(
      {"filesystem",
       [](const PluginContext& c) -> Result {
         return NewFilesystemPlugin(c.host, c.config.filesystem);
       },
       "filesystem",
       [](ConfigMap& s, const std::string&, AgentConfig& config) {
         return ReadFilesystemOptions(s, &config.filesystem);
       },
       Always});
  registry.Register({"load", [](const PluginContext& c) -> Result { return NewLoadPlugin(c.host); },
                     "", nullptr, Always});
  registry.Register({"diskio",
                     [](const PluginContext& c) -> Result { return NewDiskIoPlugin(c.host); }, "",
                     nullptr, Always});
  registry.Register(
      {"network",
       [](const PluginContext& c) -> Result { return NewNetworkPlugin(c.host, c.config.network); },
       "network",
       [](ConfigMap& s, const std::string&, AgentConfig& config) {
         return ReadNetworkOptions(s, &config.network);
       },
       Always});
  registry.Register({"pressure",
                     [](const PluginContext& c) -> Result { return NewPressurePlugin(c.host); },
                     "", nullptr, Always});
  registry.Register(
      {"processes",
       [](const PluginContext& c) -> Result {
         ProcessOptions options = c.config.processes;
         options.clock_ticks_per_second = sysconf(_SC_CLK_TCK);
         options.page_size = static_cast<size_t>(sysconf(_SC_PAGESIZE));
         return NewProcessPlugin(c.host, std::move(options));
       },
       "processes",
       [](ConfigMap& s, const std::string&, AgentConfig& config) {
         return ReadProcessOptions(s, &config.processes);
       },
       Always});
}

}  // namespace

void RegisterBuiltinPlugins(PluginRegistry& registry) {
  RegisterHostPlugins(registry);
  registry.Register({"agent",
                     [](const PluginContext& c) -> Result {
                       return NewAgentPlugin(c.counters, c.spool);
                     },
                     "", nullptr, Always});
  registry.Register(
      {"probes",
       [](const PluginContext& c) -> Result {
         ProbeConfig probes = ExpandProbeTemplates(c.config.probes, c.config.id);
         return NewProbePlugin(std::move(probes.http), std::move(probes.tcp));
       },
       "probes",
       [](ConfigMap& s, const std::string&, AgentConfig& config) {
         return ReadProbeConfig(s, &config.probes);
       },
       [](const AgentConfig& config) { return !config.probes.empty(); }});
  registry.Register(
      {"postgres",
       [](const PluginContext& c) -> Result { return NewPostgresPlugin(c.config.postgres); },
       "postgres",
       [](ConfigMap& s, const std::string& config_dir, AgentConfig& config) {
         return ReadPostgresTargets(s, config_dir, &config.postgres);
       },
       [](const AgentConfig& config) { return !config.postgres.empty(); }});
  // Test data: only when listed in `collectors`.
  registry.Register(
      {"synthetic",
       [](const PluginContext& c) -> Result {
         return NewSyntheticPlugin(c.config.synthetic_series, c.config.synthetic_samples,
                                   c.config.interval.count());
       },
       "synthetic",
       [](ConfigMap& s, const std::string&, AgentConfig& config) {
         return ReadSyntheticOptions(s, &config.synthetic_series, &config.synthetic_samples);
       },
       nullptr});
}

}  // namespace scout::agent
