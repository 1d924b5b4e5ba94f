#include "agent/collector_registry.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "shared/logging.h"

namespace scout::agent {

void CollectorRegistry::Register(const std::string& name, PluginFactory factory) {
  if (!factories_.emplace(name, std::move(factory)).second) {
    spdlog::critical("collector plugin '{}' registered twice", name);
    std::abort();
  }
}

absl::StatusOr<std::vector<std::unique_ptr<CollectorPlugin>>> CollectorRegistry::Create(
    const std::vector<std::string>& names, const PluginContext& context) const {
  std::vector<std::unique_ptr<CollectorPlugin>> plugins;
  for (const std::string& name : names) {
    auto it = factories_.find(name);
    if (it == factories_.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown collector '", name, "' (known: ", absl::StrJoin(Names(), ", "), ")"));
    }
    auto plugin = it->second(context);
    if (!plugin.ok()) {
      return absl::Status(plugin.status().code(),
                          absl::StrCat("collector '", name, "': ", plugin.status().message()));
    }
    plugins.push_back(*std::move(plugin));
  }
  return plugins;
}

std::vector<std::string> CollectorRegistry::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, factory] : factories_) names.push_back(name);
  return names;
}

}  // namespace scout::agent
