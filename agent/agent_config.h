// scout-agent configuration: YAML file, then command-line flags on top.
//
//   collector: 127.0.0.1:7070     # collector gRPC address
//   insecure: false               # plaintext to a non-local collector needs this
//   tls:                          # present (even {}) = TLS; absent = plaintext
//     ca_file: /etc/scout/tls/ca.crt      # "" = system roots
//     cert_file: /etc/scout/tls/tls.crt   # client certificate (with key_file)
//     key_file: /etc/scout/tls/tls.key
//     server_name: scout-collector.scout.svc  # default: host part of `collector`
//   token_file: /var/run/secrets/scout/token  # bearer token; else $SCOUT_TOKEN_FILE,
//                                 # then $SCOUT_TOKEN; re-read at every reconnect
//                                 # (rules: shared/grpc_client_security.h)
//   id: web-1                     # default: the hostname
//   hostname: node-a              # reported to the collector; default: the
//                                 # machine's (in a pod: the pod's name)
//   interval: 10s
//   labels: {env: prod, role: web}
//   log_level: info
//   reconnect_max_backoff: 30s    # ceiling of the jittered reconnect delay
//   collectors: [cpu, memory, filesystem, load]   # plugins to run (agent/builtin_plugins.cc)
//   host:                         # where the host's filesystems are visible
//     proc: /proc                 # /host/proc in a container
//     sys: /sys
//     rootfs: /
//   max_batch_bytes: 1048576      # batches are split below this size
//   plugin_timeout: 5s            # a plugin slower than this is skipped
//   spool:                        # unacked batches, on disk
//     dir: /var/lib/scout/spool
//     max_size_bytes: 268435456   # 256 MiB; oldest data dropped beyond it
//     max_age: 24h
//     fsync: true
//     replay_samples_per_second: 5000   # backlog pace after an outage
//   processes:                    # top-N processes and process groups
//     top_n: 10
//     groups:
//       - {name: node, comm: node}            # RE2 full match on the process name
//       - {name: api, cmdline: ".*server\.js.*"}  # ... or on the command line
//   filesystem:
//     exclude_mountpoints: "^/(var/lib/docker|snap)/"   # RE2 search
//     exclude_fstypes: "^(tmpfs|...)$"        # default: pseudo filesystems
//     statfs_timeout: 2s                      # a hung mount is reported, not waited for
//   network:
//     include_loopback: false
//     exclude_devices: "^(veth|cali|lxc|gke|eni|azv)[0-9a-f]"  # default: per-pod interfaces
//   probes: {http: [...], tcp: [...]}      # endpoint/API probes, see probe_config.h
//   postgres:                     # PostgreSQL targets, see docs/postgres.md
//     targets:
//       - name: main
//         dsn: "${SCOUT_PG_DSN}"      # or @file:/path; never logged
//         interval: 30s
//         statement_timeout: 5s       # SET LOCAL on every monitoring transaction
//         databases: []               # tables/indexes of these; [] = every database
//         max_tables: 2000            # per database, largest first
//         top_statements: 20          # top N by total + top N by mean time
//         query_text_length: 200
//         long_query_threshold: 5m
//         size_interval: 5m           # database/table/index sizes measured this often
//         queries_file: scenescout-queries.yaml   # custom SQL (relative to this file)
//         queries: [...]              # or inline, see custom_query.h
//   synthetic:                    # test data source, only if listed in collectors
//     series: 1000
//     samples: 0                  # per series, then it stops; 0 = forever
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agent/host/filesystem_plugin.h"
#include "agent/host/host_fs.h"
#include "agent/host/network_plugin.h"
#include "agent/host/process_plugin.h"
#include "agent/postgres/postgres_config.h"
#include "agent/probe/probe_config.h"
#include "shared/spool.h"
#include "shared/grpc_client_security.h"

namespace scout::agent {

struct AgentConfig {
  std::string collector = "127.0.0.1:7070";
  ClientSecurity security;  // insecure, tls, token_file
  std::string id;  // empty until defaulted to the hostname
  // Empty until defaulted to LocalHostname(). Set it in a pod, whose own
  // hostname is the pod's name, not the node's.
  std::string hostname;
  std::chrono::milliseconds interval = std::chrono::seconds(10);
  std::map<std::string, std::string> labels;
  std::string log_level = "info";
  std::vector<std::string> collectors;  // empty = DefaultPluginNames()
  HostRoots host;
  size_t max_batch_bytes = 1 << 20;
  std::chrono::milliseconds plugin_timeout = std::chrono::seconds(5);
  SpoolOptions spool;
  double replay_samples_per_second = 5000;
  ProcessOptions processes;
  FilesystemOptions filesystem;
  NetworkOptions network;
  ProbeConfig probes;
  std::vector<PostgresTarget> postgres;
  int64_t synthetic_series = 1000;
  int64_t synthetic_samples = 0;
  std::chrono::milliseconds reconnect_max_backoff = std::chrono::seconds(30);
  // Issue 17: the agent's own /metrics (agent/self/metrics_listener.h),
  // `metrics: {listen, tls_cert_file, tls_key_file, token_file}`; the
  // --metrics-* flags override. Paths relative to the config file.
  struct Metrics {
    std::string listen;  // "" = off
    std::string tls_cert_file, tls_key_file;
    std::string token_file;  // "" = no bearer token (or SCOUT_AGENT_METRICS_TOKEN)
  } metrics;
};

class PluginRegistry;

// Reads the agent's own keys, and each plugin's section with the reader
// registered in `plugins`. Errors name file, line and key.
absl::StatusOr<AgentConfig> LoadAgentConfig(const std::string& path,
                                            const PluginRegistry& plugins);
absl::StatusOr<AgentConfig> ParseAgentConfig(const std::string& text, const std::string& file_name,
                                             const PluginRegistry& plugins);
// Same, with the built-in plugins (RegisterBuiltinPlugins).
absl::StatusOr<AgentConfig> ParseAgentConfig(const std::string& text, const std::string& file_name);

// Checks values that flags may also have set (interval bounds, label names,
// the hostname's characters, plaintext to a non-local collector).
absl::Status ValidateAgentConfig(const AgentConfig& config);

// Empty, or 1-253 of [A-Za-z0-9._-]: what a DNS name or Kubernetes node
// name can hold. Rejects a Kubernetes "$(NODE_NAME)" left unexpanded
// because the variable was not defined.
absl::Status ValidateHostname(const std::string& hostname);

// The machine's hostname, or "localhost" if it cannot be read.
std::string LocalHostname();

}  // namespace scout::agent
