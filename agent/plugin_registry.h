// PluginRegistry: the table of every plugin the agent knows, by name, with
// for each a factory, the config section it reads and whether it runs by
// default. The config parser asks it to read the plugins' sections and the
// scheduler gets the enabled plugins from it; neither names a concrete
// plugin itself.
//
// Built once (RegisterBuiltinPlugins, agent/builtin_plugins.cc: the one
// place to change to add a plugin), read-only afterwards.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/agent_config.h"
#include "agent/agent_counters.h"
#include "agent/plugin.h"
#include "shared/spool.h"
#include "agent/host/host_fs.h"
#include "shared/clock.h"
#include "shared/yaml_config.h"

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
    std::function<absl::StatusOr<std::unique_ptr<Plugin>>(const PluginContext&)>;

// Reads a plugin's own top-level config section into `config`. Errors
// name file, line and key (ConfigMap::ErrorAt). `config_dir` resolves
// relative paths in the section (postgres queries_file).
using SectionReader = std::function<absl::Status(ConfigMap& section, const std::string& config_dir,
                                                 AgentConfig& config)>;

struct PluginSpec {
  std::string name;  // as listed in the config's `collectors`
  PluginFactory create;
  // The plugin's top-level config section ("filesystem", ...); empty: none.
  std::string section;
  SectionReader read_section;
  // Whether it runs when the config lists no `collectors`; null: never.
  std::function<bool(const AgentConfig&)> on_by_default;
};

class PluginRegistry {
 public:
  // REQUIRES: spec.name not registered yet; spec.create set; read_section
  // set iff section is not empty.
  void Register(PluginSpec spec);

  // Reads the section of every plugin that has one and that `root` holds,
  // in registration order; the first error is returned.
  absl::Status ReadSections(ConfigMap& root, const std::string& config_dir,
                            AgentConfig& config) const;

  // Creates the named plugins in the given order; an unknown name is an
  // InvalidArgument error listing the known ones.
  absl::StatusOr<std::vector<std::unique_ptr<Plugin>>> Create(
      const std::vector<std::string>& names, const PluginContext& context) const;

  // Sorted.
  std::vector<std::string> Names() const;
  // The plugins that run when `config` lists none, in registration order.
  std::vector<std::string> DefaultNames(const AgentConfig& config) const;

 private:
  const PluginSpec* Find(const std::string& name) const;

  std::vector<PluginSpec> specs_;  // registration order
};

// The one place that lists every built-in plugin (agent/builtin_plugins.cc).
void RegisterBuiltinPlugins(PluginRegistry& registry);

// The built-in plugins enabled when the config does not say otherwise.
std::vector<std::string> DefaultPluginNames();
// The defaults plus the plugins the config's own sections ask for (probes).
std::vector<std::string> DefaultPluginNames(const AgentConfig& config);

}  // namespace scout::agent
