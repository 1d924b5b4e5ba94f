#include "agent/plugin_registry.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "shared/logging.h"
#include "shared/status_macros.h"

namespace scout::agent {

void PluginRegistry::Register(PluginSpec spec) {
  if (Find(spec.name) != nullptr || !spec.create ||
      spec.section.empty() != (spec.read_section == nullptr)) {
    spdlog::critical("plugin '{}' registered twice or incompletely", spec.name);
    std::abort();
  }
  specs_.push_back(std::move(spec));
}

const PluginSpec* PluginRegistry::Find(const std::string& name) const {
  for (const PluginSpec& spec : specs_) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

absl::Status PluginRegistry::ReadSections(ConfigMap& root, const std::string& config_dir,
                                          AgentConfig& config) const {
  for (const PluginSpec& spec : specs_) {
    if (spec.section.empty()) continue;
    SCOUT_ASSIGN_OR_RETURN(std::optional<ConfigMap> section, root.Child(spec.section));
    if (section) SCOUT_RETURN_IF_ERROR(spec.read_section(*section, config_dir, config));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::unique_ptr<Plugin>>> PluginRegistry::Create(
    const std::vector<std::string>& names, const PluginContext& context) const {
  std::vector<std::unique_ptr<Plugin>> plugins;
  for (const std::string& name : names) {
    const PluginSpec* spec = Find(name);
    // "collector" here is the config's word: the `collectors` list.
    if (spec == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown collector '", name, "' (known: ", absl::StrJoin(Names(), ", "), ")"));
    }
    auto plugin = spec->create(context);
    if (!plugin.ok()) {
      return absl::Status(plugin.status().code(),
                          absl::StrCat("collector '", name, "': ", plugin.status().message()));
    }
    plugins.push_back(*std::move(plugin));
  }
  return plugins;
}

std::vector<std::string> PluginRegistry::Names() const {
  std::vector<std::string> names;
  for (const PluginSpec& spec : specs_) names.push_back(spec.name);
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> PluginRegistry::DefaultNames(const AgentConfig& config) const {
  std::vector<std::string> names;
  for (const PluginSpec& spec : specs_) {
    if (spec.on_by_default && spec.on_by_default(config)) names.push_back(spec.name);
  }
  return names;
}

std::vector<std::string> DefaultPluginNames(const AgentConfig& config) {
  PluginRegistry registry;
  RegisterBuiltinPlugins(registry);
  return registry.DefaultNames(config);
}

std::vector<std::string> DefaultPluginNames() { return DefaultPluginNames(AgentConfig{}); }

}  // namespace scout::agent
