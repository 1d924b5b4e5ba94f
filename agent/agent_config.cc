#include "agent/agent_config.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "shared/metric.h"
#include "shared/status_macros.h"
#include "shared/yaml_config.h"

namespace scout::agent {
namespace {

absl::StatusOr<AgentConfig> FromMap(ConfigMap& root) {
  AgentConfig config;
  SCOUT_RETURN_IF_ERROR(root.Read("collector", &config.collector));
  SCOUT_RETURN_IF_ERROR(root.Read("id", &config.id));
  SCOUT_RETURN_IF_ERROR(root.ReadDuration("interval", &config.interval));
  if (config.interval < std::chrono::seconds(1) || config.interval > std::chrono::hours(1)) {
    return root.ErrorAt("interval", "must be between 1s and 1h");
  }
  SCOUT_RETURN_IF_ERROR(root.Read("labels", &config.labels));
  for (const auto& [name, value] : config.labels) {
    if (!IsValidLabelName(name) || name.rfind("__", 0) == 0) {
      return root.ErrorAt("labels", "invalid label name \"" + name + "\"");
    }
  }
  SCOUT_RETURN_IF_ERROR(root.Read("log_level", &config.log_level));
  SCOUT_RETURN_IF_ERROR(root.Read("collectors", &config.collectors));
  SCOUT_RETURN_IF_ERROR(root.ReadDuration("reconnect_max_backoff", &config.reconnect_max_backoff));
  if (config.reconnect_max_backoff < std::chrono::seconds(1)) {
    return root.ErrorAt("reconnect_max_backoff", "must be at least 1s");
  }

  SCOUT_ASSIGN_OR_RETURN(auto host, root.Child("host"));
  if (host) {
    SCOUT_RETURN_IF_ERROR(host->Read("proc", &config.host.proc));
    SCOUT_RETURN_IF_ERROR(host->Read("sys", &config.host.sys));
    SCOUT_RETURN_IF_ERROR(host->Read("rootfs", &config.host.rootfs));
    SCOUT_RETURN_IF_ERROR(host->CheckNoUnknownKeys());
  }
  SCOUT_ASSIGN_OR_RETURN(auto outbox, root.Child("outbox"));
  if (outbox) {
    int64_t max_batches = static_cast<int64_t>(config.max_outbox_batches);
    SCOUT_RETURN_IF_ERROR(outbox->Read("max_batches", &max_batches));
    if (max_batches < 1) return outbox->ErrorAt("max_batches", "must be at least 1");
    config.max_outbox_batches = static_cast<size_t>(max_batches);
    SCOUT_RETURN_IF_ERROR(outbox->CheckNoUnknownKeys());
  }
  SCOUT_RETURN_IF_ERROR(root.CheckNoUnknownKeys());
  return config;
}

}  // namespace

absl::StatusOr<AgentConfig> LoadAgentConfig(const std::string& path) {
  SCOUT_ASSIGN_OR_RETURN(ConfigMap root, ConfigMap::LoadFile(path));
  return FromMap(root);
}

absl::StatusOr<AgentConfig> ParseAgentConfig(const std::string& text,
                                             const std::string& file_name) {
  SCOUT_ASSIGN_OR_RETURN(ConfigMap root, ConfigMap::LoadString(text, file_name));
  return FromMap(root);
}

absl::Status ValidateAgentConfig(const AgentConfig& config) {
  if (config.interval < std::chrono::seconds(1) || config.interval > std::chrono::hours(1)) {
    return absl::InvalidArgumentError("interval must be between 1s and 1h");
  }
  if (config.id.empty()) return absl::InvalidArgumentError("agent id is empty");
  if (config.collector.empty()) return absl::InvalidArgumentError("collector address is empty");
  return absl::OkStatus();
}

std::string LocalHostname() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

}  // namespace scout::agent
