// The collector config's `remote_write:` list: where committed samples are
// forwarded with Prometheus remote write 1.0 (docs/prometheus.md).
//
//   remote_write:
//     - name: mimir                     # [A-Za-z0-9_-], unique; names the queue dir and metrics
//       url: https://mimir:9009/api/v1/push
//       bearer_token: ${MIMIR_TOKEN}    # secret ref (shared/secret_ref.h), or:
//       basic_auth: {username: scout, password: "@file:/run/secrets/mimir"}
//       tls: {ca_file: ..., cert_file: ..., key_file: ...}   # no insecure_skip_verify
//       timeout: 30s                    # per request
//       queue:
//         max_bytes: 1073741824         # on disk, all shards; oldest dropped beyond
//         max_samples_per_send: 2000
//         batch_send_deadline: 5s       # a partial request waits at most this long
//         shards: 4                     # parallel senders; a series always uses one
//         min_backoff: 30ms
//         max_backoff: 5s
//       metadata:                       # metric metadata (type, help, unit), as Prometheus
//         send: true
//         send_interval: 1m             # a full round of every known metric this often
//         max_samples_per_send: 500     # metadata entries per request
//       keep: ['node_.*' ...]           # selectors (shared/selector.h); empty = all
//       drop: ['{job="test"}']          # a series matching any is not sent
//
// Errors name file:line:key (shared/yaml_config.h). Secrets are kept as
// their references and resolved at each use, never logged.
//
// Not thread-safe; used once at start-up.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "shared/metric.h"
#include "shared/selector.h"
#include "shared/yaml_config.h"

namespace scout::collector::remote_write {

struct RemoteWriteQueueConfig {
  uint64_t max_bytes = 1ull << 30;
  int max_samples_per_send = 2000;
  std::chrono::milliseconds batch_send_deadline = std::chrono::seconds(5);
  int shards = 4;
  std::chrono::milliseconds min_backoff = std::chrono::milliseconds(30);
  std::chrono::milliseconds max_backoff = std::chrono::seconds(5);
};

// Prometheus's metadata_config, with its defaults.
struct RemoteWriteMetadataConfig {
  bool send = true;
  std::chrono::milliseconds send_interval = std::chrono::minutes(1);
  int max_samples_per_send = 500;
};

struct RemoteWriteTls {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
};

struct BasicAuth {
  std::string username;
  std::string password_ref;  // a secret reference
};

struct RemoteWriteTarget {
  std::string name;
  std::string url;
  std::string bearer_token_ref;  // a secret reference; "" = none
  std::optional<BasicAuth> basic_auth;
  RemoteWriteTls tls;
  std::chrono::milliseconds timeout = std::chrono::seconds(30);
  RemoteWriteQueueConfig queue;
  RemoteWriteMetadataConfig metadata;
  std::vector<Selector> keep;
  std::vector<Selector> drop;
};

// Reads `remote_write:` from the collector config's root (empty when absent).
absl::StatusOr<std::vector<RemoteWriteTarget>> ReadRemoteWriteConfig(ConfigMap& root);

// keep/drop of one target, compiled.
class SeriesFilter {
 public:
  static absl::StatusOr<SeriesFilter> Compile(const RemoteWriteTarget& target);
  // Sent when it matches a keep selector (or there is none) and no drop one.
  bool Sends(const SeriesKey& key) const;

 private:
  std::vector<CompiledSelector> keep_, drop_;
};

}  // namespace scout::collector::remote_write
