#include "agent/agent_config.h"

#include <filesystem>

#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "agent/plugin_registry.h"
#include "shared/metric.h"
#include "shared/status_macros.h"
#include "shared/yaml_config.h"

namespace scout::agent {
namespace {

absl::Status ReadIdentity(ConfigMap& root, AgentConfig& config) {
  SCOUT_RETURN_IF_ERROR(root.Read("collector", &config.collector));
  SCOUT_RETURN_IF_ERROR(root.Read("id", &config.id));
  SCOUT_RETURN_IF_ERROR(root.Read("hostname", &config.hostname));
  if (absl::Status valid = ValidateHostname(config.hostname); !valid.ok()) {
    return root.ErrorAt("hostname", std::string(valid.message()));
  }
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
  return absl::OkStatus();
}

// Plaintext to a non-local collector is refused for the file already,
// naming its `collector` key, and again after flags (ValidateAgentConfig).
// Checked after the unknown keys, so a misspelt `tls` is reported as such.
absl::Status CheckPlaintext(const ConfigMap& root, const AgentConfig& config) {
  if (absl::Status valid = ValidateClientSecurity(config.security, config.collector);
      !valid.ok()) {
    return root.ErrorAt("collector", std::string(valid.message()));
  }
  return absl::OkStatus();
}

absl::Status ReadHost(ConfigMap& root, HostRoots& host_roots) {
  SCOUT_ASSIGN_OR_RETURN(auto host, root.Child("host"));
  if (!host) return absl::OkStatus();
  SCOUT_RETURN_IF_ERROR(host->Read("proc", &host_roots.proc));
  SCOUT_RETURN_IF_ERROR(host->Read("sys", &host_roots.sys));
  SCOUT_RETURN_IF_ERROR(host->Read("rootfs", &host_roots.rootfs));
  return host->CheckNoUnknownKeys();
}

absl::Status ReadLimits(ConfigMap& root, AgentConfig& config) {
  // Unset, it is min(5s, interval) (see Agent); set, it must fit the interval.
  std::chrono::milliseconds plugin_timeout{0};
  SCOUT_RETURN_IF_ERROR(root.ReadDuration("plugin_timeout", &plugin_timeout));
  if (plugin_timeout.count() != 0) {
    if (plugin_timeout < std::chrono::milliseconds(100) || plugin_timeout > config.interval) {
      return root.ErrorAt("plugin_timeout", "must be between 100ms and the interval");
    }
    config.plugin_timeout = plugin_timeout;
  }
  int64_t max_batch_bytes = static_cast<int64_t>(config.max_batch_bytes);
  SCOUT_RETURN_IF_ERROR(root.Read("max_batch_bytes", &max_batch_bytes));
  if (max_batch_bytes < 4096 || max_batch_bytes > (1 << 30)) {
    return root.ErrorAt("max_batch_bytes", "must be between 4096 and 1073741824");
  }
  config.max_batch_bytes = static_cast<size_t>(max_batch_bytes);
  return absl::OkStatus();
}

absl::Status ReadSpool(ConfigMap& root, AgentConfig& config) {
  SCOUT_ASSIGN_OR_RETURN(auto spool, root.Child("spool"));
  if (!spool) return absl::OkStatus();
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
  SCOUT_RETURN_IF_ERROR(
      spool->Read("replay_samples_per_second", &config.replay_samples_per_second));
  if (config.replay_samples_per_second < 1) {
    return spool->ErrorAt("replay_samples_per_second", "must be at least 1");
  }
  return spool->CheckNoUnknownKeys();
}

absl::Status ReadMetrics(ConfigMap& root, const std::string& config_dir, AgentConfig& config) {
  SCOUT_ASSIGN_OR_RETURN(auto metrics, root.Child("metrics"));
  if (!metrics) return absl::OkStatus();
  AgentConfig::Metrics& m = config.metrics;
  SCOUT_RETURN_IF_ERROR(metrics->Read("listen", &m.listen));
  for (auto [key, path] : {std::pair{"tls_cert_file", &m.tls_cert_file},
                           std::pair{"tls_key_file", &m.tls_key_file},
                           std::pair{"token_file", &m.token_file}}) {
    SCOUT_RETURN_IF_ERROR(metrics->Read(key, path));
    if (!path->empty() && std::filesystem::path(*path).is_relative() && !config_dir.empty()) {
      *path = (std::filesystem::path(config_dir) / *path).string();
    }
  }
  if (m.tls_cert_file.empty() != m.tls_key_file.empty()) {
    return metrics->ErrorAt(m.tls_cert_file.empty() ? "tls_cert_file" : "tls_key_file",
                            "tls_cert_file and tls_key_file go together");
  }
  return metrics->CheckNoUnknownKeys();
}

// The agent's own keys here; each plugin's section is read by the reader
// registered with it. `config_dir` resolves relative paths in the file.
absl::StatusOr<AgentConfig> FromMap(ConfigMap& root, const std::string& config_dir,
                                    const PluginRegistry& plugins) {
  AgentConfig config;
  SCOUT_RETURN_IF_ERROR(ReadIdentity(root, config));
  SCOUT_RETURN_IF_ERROR(ReadClientSecurity(root, config_dir, &config.security));
  SCOUT_RETURN_IF_ERROR(ReadHost(root, config.host));
  SCOUT_RETURN_IF_ERROR(ReadLimits(root, config));
  SCOUT_RETURN_IF_ERROR(ReadSpool(root, config));
  SCOUT_RETURN_IF_ERROR(ReadMetrics(root, config_dir, config));
  SCOUT_RETURN_IF_ERROR(plugins.ReadSections(root, config_dir, config));
  SCOUT_RETURN_IF_ERROR(root.CheckNoUnknownKeys());
  SCOUT_RETURN_IF_ERROR(CheckPlaintext(root, config));
  return config;
}

std::string DirOf(const std::string& path) {
  return std::filesystem::path(path).parent_path().string();
}

}  // namespace

absl::StatusOr<AgentConfig> LoadAgentConfig(const std::string& path,
                                            const PluginRegistry& plugins) {
  SCOUT_ASSIGN_OR_RETURN(ConfigMap root, ConfigMap::LoadFile(path));
  return FromMap(root, DirOf(path), plugins);
}

absl::StatusOr<AgentConfig> ParseAgentConfig(const std::string& text, const std::string& file_name,
                                             const PluginRegistry& plugins) {
  SCOUT_ASSIGN_OR_RETURN(ConfigMap root, ConfigMap::LoadString(text, file_name));
  return FromMap(root, DirOf(file_name), plugins);
}

absl::StatusOr<AgentConfig> ParseAgentConfig(const std::string& text,
                                             const std::string& file_name) {
  PluginRegistry plugins;
  RegisterBuiltinPlugins(plugins);
  return ParseAgentConfig(text, file_name, plugins);
}

absl::Status ValidateAgentConfig(const AgentConfig& config) {
  if (config.interval < std::chrono::seconds(1) || config.interval > std::chrono::hours(1)) {
    return absl::InvalidArgumentError("interval must be between 1s and 1h");
  }
  if (config.id.empty()) return absl::InvalidArgumentError("agent id is empty");
  // Kubernetes leaves "$(NODE_NAME)" as is when the variable is not defined
  // in the pod: every node's agent would then write the same series.
  if (config.id.find("$(") != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "agent id \"", config.id, "\" holds an unexpanded $(VAR); define the variable in the pod spec"));
  }
  if (config.collector.empty()) return absl::InvalidArgumentError("collector address is empty");
  SCOUT_RETURN_IF_ERROR(ValidateClientSecurity(config.security, config.collector));
  return ValidateHostname(config.hostname);
}

absl::Status ValidateHostname(const std::string& hostname) {
  if (hostname.size() > 253) {
    return absl::InvalidArgumentError(
        absl::StrCat("hostname is ", hostname.size(), " characters long; at most 253"));
  }
  for (const char c : hostname) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') {
      return absl::InvalidArgumentError(absl::StrCat(
          "hostname \"", absl::CHexEscape(hostname),
          "\": only letters, digits, '.', '-' and '_'",
          c == '$' ? " (an unexpanded $(VAR)? define the variable in the pod spec)" : ""));
    }
  }
  return absl::OkStatus();
}

std::string LocalHostname() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

}  // namespace scout::agent
