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
  SCOUT_RETURN_IF_ERROR(root.ReadDuration("plugin_timeout", &config.plugin_timeout));
  if (config.plugin_timeout < std::chrono::milliseconds(100) ||
      config.plugin_timeout > config.interval) {
    return root.ErrorAt("plugin_timeout", "must be between 100ms and the interval");
  }
  int64_t max_batch_bytes = static_cast<int64_t>(config.max_batch_bytes);
  SCOUT_RETURN_IF_ERROR(root.Read("max_batch_bytes", &max_batch_bytes));
  if (max_batch_bytes < 4096 || max_batch_bytes > (1 << 30)) {
    return root.ErrorAt("max_batch_bytes", "must be between 4096 and 1073741824");
  }
  config.max_batch_bytes = static_cast<size_t>(max_batch_bytes);

  SCOUT_ASSIGN_OR_RETURN(auto spool, root.Child("spool"));
  if (spool) {
    SCOUT_RETURN_IF_ERROR(spool->Read("dir", &config.spool.dir));
    int64_t max_size = static_cast<int64_t>(config.spool.max_bytes);
    SCOUT_RETURN_IF_ERROR(spool->Read("max_size_bytes", &max_size));
    if (max_size < 65536) return spool->ErrorAt("max_size_bytes", "must be at least 65536");
    config.spool.max_bytes = static_cast<uint64_t>(max_size);
    SCOUT_RETURN_IF_ERROR(spool->ReadDuration("max_age", &config.spool.max_age));
    if (config.spool.max_age < std::chrono::minutes(1)) {
      return spool->ErrorAt("max_age", "must be at least 1m");
    }
    SCOUT_RETURN_IF_ERROR(spool->Read("fsync", &config.spool.fsync));
    SCOUT_RETURN_IF_ERROR(spool->Read("replay_samples_per_second", &config.replay_samples_per_second));
    if (config.replay_samples_per_second < 1) {
      return spool->ErrorAt("replay_samples_per_second", "must be at least 1");
    }
    SCOUT_RETURN_IF_ERROR(spool->CheckNoUnknownKeys());
  }
  SCOUT_ASSIGN_OR_RETURN(auto synthetic, root.Child("synthetic"));
  if (synthetic) {
    SCOUT_RETURN_IF_ERROR(synthetic->Read("series", &config.synthetic_series));
    if (config.synthetic_series < 1 || config.synthetic_series > 10'000'000) {
      return synthetic->ErrorAt("series", "must be between 1 and 10000000");
    }
    SCOUT_RETURN_IF_ERROR(synthetic->Read("samples", &config.synthetic_samples));
    if (config.synthetic_samples < 0) return synthetic->ErrorAt("samples", "must be 0 or more");
    SCOUT_RETURN_IF_ERROR(synthetic->CheckNoUnknownKeys());
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
