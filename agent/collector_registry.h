// CollectorRegistry: the table of every collector plugin the agent knows,
// by name, with a factory for each. The scheduler asks it for the enabled
// plugins and never names a concrete plugin itself.
//
// Built once in main (RegisterBuiltinCollectors), read-only afterwards.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/agent_config.h"
#include "agent/agent_counters.h"
#include "agent/collector_plugin.h"
#include "agent/spool.h"
#include "agent/host/host_fs.h"
#include "shared/clock.h"

namespace scout::agent {

// What a plugin factory may use. References outlive every plugin.
struct PluginContext {
  const HostFs& host;
  const Clock& clock;
  const AgentConfig& config;
  const AgentCounters& counters;
  const Spool* spool;  // null in --test and --check-config
};

using PluginFactory =
    std::function<absl::StatusOr<std::unique_ptr<CollectorPlugin>>(const PluginContext&)>;

class CollectorRegistry {
 public:
  // REQUIRES: name not registered yet.
  void Register(const std::string& name, PluginFactory factory);

  // Creates the named plugins in the given order; an unknown name is an
  // InvalidArgument error listing the known ones.
  absl::StatusOr<std::vector<std::unique_ptr<CollectorPlugin>>> Create(
      const std::vector<std::string>& names, const PluginContext& context) const;

  std::vector<std::string> Names() const;

 private:
  std::map<std::string, PluginFactory> factories_;
};

// The one place that lists every built-in plugin (agent/builtin_collectors.cc).
void RegisterBuiltinCollectors(CollectorRegistry& registry);

// Plugins enabled when the config does not say otherwise.
std::vector<std::string> DefaultCollectorNames();
// The defaults plus the plugins the config's own sections ask for (probes).
std::vector<std::string> DefaultCollectorNames(const AgentConfig& config);

}  // namespace scout::agent
