#include "agent/agent_config.h"

#include <filesystem>

#include <unistd.h>

#include "re2/re2.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "shared/metric.h"
#include "shared/status_macros.h"
#include "shared/yaml_config.h"

namespace scout::agent {
namespace {

// `config_dir` resolves relative paths in the file (postgres queries_file).
absl::StatusOr<AgentConfig> FromMap(ConfigMap& root, const std::string& config_dir) {
  AgentConfig config;
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

  SCOUT_ASSIGN_OR_RETURN(auto host, root.Child("host"));
  if (host) {
    SCOUT_RETURN_IF_ERROR(host->Read("proc", &config.host.proc));
    SCOUT_RETURN_IF_ERROR(host->Read("sys", &config.host.sys));
    SCOUT_RETURN_IF_ERROR(host->Read("rootfs", &config.host.rootfs));
    SCOUT_RETURN_IF_ERROR(host->CheckNoUnknownKeys());
  }
  // Unset, it is min(5s, interval) (see main); set, it must fit the interval.
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
  SCOUT_ASSIGN_OR_RETURN(auto processes, root.Child("processes"));
  if (processes) {
    int64_t top_n = config.processes.top_n;
    SCOUT_RETURN_IF_ERROR(processes->Read("top_n", &top_n));
    if (top_n < 0 || top_n > 1000) return processes->ErrorAt("top_n", "must be between 0 and 1000");
    config.processes.top_n = static_cast<int>(top_n);
    SCOUT_ASSIGN_OR_RETURN(auto groups, processes->ChildList("groups"));
    for (ConfigMap& g : groups) {
      ProcessGroup group;
      SCOUT_RETURN_IF_ERROR(g.Read("name", &group.name));
      SCOUT_RETURN_IF_ERROR(g.Read("comm", &group.comm_regex));
      SCOUT_RETURN_IF_ERROR(g.Read("cmdline", &group.cmdline_regex));
      SCOUT_RETURN_IF_ERROR(g.CheckNoUnknownKeys());
      if (group.name.empty()) return g.ErrorAt("name", "every group needs a name");
      for (const ProcessGroup& earlier : config.processes.groups) {
        if (earlier.name == group.name) {
          return g.ErrorAt("name", "duplicate group name \"" + group.name + "\"");
        }
      }
      if (group.comm_regex.empty() && group.cmdline_regex.empty()) {
        return g.ErrorAt("name", "group \"" + group.name + "\" needs comm or cmdline");
      }
      for (const auto& [key, regex] : {std::pair<const char*, std::string>{"comm", group.comm_regex},
                                      {"cmdline", group.cmdline_regex}}) {
        if (regex.empty()) continue;
        RE2::Options options;
        options.set_log_errors(false);
        RE2 compiled(regex, options);
        if (!compiled.ok()) return g.ErrorAt(key, "bad regex: " + compiled.error());
      }
      config.processes.groups.push_back(std::move(group));
    }
    SCOUT_RETURN_IF_ERROR(processes->CheckNoUnknownKeys());
  }
  SCOUT_ASSIGN_OR_RETURN(auto filesystem, root.Child("filesystem"));
  if (filesystem) {
    SCOUT_RETURN_IF_ERROR(filesystem->Read("exclude_mountpoints",
                                           &config.filesystem.exclude_mountpoints_regex));
    SCOUT_RETURN_IF_ERROR(filesystem->Read("exclude_fstypes",
                                           &config.filesystem.exclude_fstypes_regex));
    SCOUT_RETURN_IF_ERROR(filesystem->ReadDuration("statfs_timeout",
                                                   &config.filesystem.statfs_timeout));
    absl::Status valid = ValidateFilesystemOptions(config.filesystem);
    if (!valid.ok()) return filesystem->ErrorAt("exclude_mountpoints", std::string(valid.message()));
    SCOUT_RETURN_IF_ERROR(filesystem->CheckNoUnknownKeys());
  }
  SCOUT_ASSIGN_OR_RETURN(auto network, root.Child("network"));
  if (network) {
    SCOUT_RETURN_IF_ERROR(network->Read("include_loopback", &config.network.include_loopback));
    SCOUT_RETURN_IF_ERROR(network->Read("exclude_devices", &config.network.exclude_devices_regex));
    absl::Status valid = ValidateNetworkOptions(config.network);
    if (!valid.ok()) return network->ErrorAt("exclude_devices", std::string(valid.message()));
    SCOUT_RETURN_IF_ERROR(network->CheckNoUnknownKeys());
  }
  SCOUT_ASSIGN_OR_RETURN(auto probes, root.Child("probes"));
  if (probes) SCOUT_RETURN_IF_ERROR(ReadProbeConfig(*probes, &config.probes));
  SCOUT_ASSIGN_OR_RETURN(auto postgres, root.Child("postgres"));
  if (postgres) {
    SCOUT_ASSIGN_OR_RETURN(auto targets, postgres->ChildList("targets"));
    for (ConfigMap& t : targets) {
      PostgresTarget target;
      SCOUT_RETURN_IF_ERROR(t.Read("name", &target.name));
      SCOUT_RETURN_IF_ERROR(t.Read("dsn", &target.dsn));
      SCOUT_RETURN_IF_ERROR(t.ReadDuration("interval", &target.interval));
      SCOUT_RETURN_IF_ERROR(t.ReadDuration("statement_timeout", &target.statement_timeout));
      SCOUT_RETURN_IF_ERROR(t.Read("databases", &target.databases));
      int64_t max_tables = target.max_tables, top = target.top_statements;
      SCOUT_RETURN_IF_ERROR(t.Read("max_tables", &max_tables));
      if (max_tables < 1 || max_tables > 100000) return t.ErrorAt("max_tables", "must be 1..100000");
      SCOUT_RETURN_IF_ERROR(t.Read("top_statements", &top));
      if (top < 0 || top > 1000) return t.ErrorAt("top_statements", "must be 0..1000");
      target.max_tables = static_cast<int>(max_tables);
      target.top_statements = static_cast<int>(top);
      SCOUT_RETURN_IF_ERROR(t.Read("query_text_length", &target.query_text_length));
      if (target.query_text_length < 16 || target.query_text_length > 4000) {
        return t.ErrorAt("query_text_length", "must be 16..4000 bytes");
      }
      SCOUT_RETURN_IF_ERROR(t.ReadDuration("long_query_threshold", &target.long_query_threshold));
      if (target.long_query_threshold.count() <= 0) {
        return t.ErrorAt("long_query_threshold", "must be positive");
      }
      SCOUT_RETURN_IF_ERROR(t.ReadDuration("size_interval", &target.size_interval));
      if (target.size_interval.count() < 0) return t.ErrorAt("size_interval", "must not be negative");
      if (target.interval.count() <= 0) return t.ErrorAt("interval", "must be positive");
      if (target.statement_timeout.count() <= 0) {
        return t.ErrorAt("statement_timeout", "must be positive");
      }
      SCOUT_RETURN_IF_ERROR(ReadCustomQueries(t, config_dir, &target.queries));
      SCOUT_RETURN_IF_ERROR(t.CheckNoUnknownKeys());
      if (target.name.empty()) return t.ErrorAt("name", "every target needs a name");
      // The DSN is never echoed: it may hold a password.
      if (target.dsn.empty()) return t.ErrorAt("dsn", "missing (use ${ENV_VAR} or @file:PATH)");
      for (const PostgresTarget& earlier : config.postgres) {
        if (earlier.name == target.name) return t.ErrorAt("name", "duplicate target name");
      }
      config.postgres.push_back(std::move(target));
    }
    SCOUT_RETURN_IF_ERROR(postgres->CheckNoUnknownKeys());
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
  return FromMap(root, std::filesystem::path(path).parent_path().string());
}

absl::StatusOr<AgentConfig> ParseAgentConfig(const std::string& text,
                                             const std::string& file_name) {
  SCOUT_ASSIGN_OR_RETURN(ConfigMap root, ConfigMap::LoadString(text, file_name));
  return FromMap(root, std::filesystem::path(file_name).parent_path().string());
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
