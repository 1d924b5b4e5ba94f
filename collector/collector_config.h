// scout-collector configuration: YAML file, then command-line flags on top.
//
//   listen: 127.0.0.1:7070        # gRPC for ingest and queries
//   log_level: info
//   shutdown_grace: 20s
//   self_metrics_interval: 10s      # scout_collector_* metrics, host="scout-collector"
//   storage:
//     path: ./var/scout.db
//     synchronous: full           # full | normal (see docs/architecture.md)
//     flush_interval: 10m
//     max_head_points: 2000000
//     raw_retention: 15d            # per tier; 0s keeps it forever
//     hourly_retention: 90d
//     daily_retention: 730d
//     housekeeping_rows: 500        # expired rows deleted per transaction
//   ingest:                         # limits: docs/limits.md
//     max_in_flight_batches: 8      # per stream, before it stops reading
//     max_batch_bytes: 16777216
//     max_streams: 10000            # concurrent agent streams
//     max_streams_per_peer: 64      # per principal (or client IP without auth)
//     hello_timeout: 10s            # no Hello by then: stream closed
//     idle_stream_timeout: 10m      # no message for that long: stream closed
//     max_pending_bytes: 268435456  # accepted, uncommitted batches, before all streams pause
//     # max_pending_points: 500000  # deprecated; still a second budget when set
//     max_future_skew: 10m          # samples further ahead are rejected
//     max_sample_age: 15d           # older samples rejected; default storage.raw_retention, 0s = off
//     max_labels_per_series: 40
//     max_label_name_length: 256    # bytes
//     max_metric_name_length: 256   # bytes
//     max_label_value_length: 4096  # bytes
//     max_series_per_agent: 200000  # active series (written this or last hour)
//     max_new_series_per_agent_per_hour: 100000
//     max_series: 5000000           # series in storage
//     max_new_series_per_commit: 100  # a batch bringing more is committed in parts
//     grpc_memory_bytes: 134217728  # cap on gRPC's own buffers
//   query:                          # limits of one query (docs/limits.md)
//     timeout: 30s                  # server deadline (the client's shorter one wins)
//     max_samples: 20000000         # raw points + rollup rows read per query
//     max_series: 10000             # series per query, whatever the client asks
//     max_concurrent: 4             # Query RPCs + report generations at once
//   reports:                        # daily/weekly reports on a schedule (docs/reports.md)
//     enabled: true
//     dir: ""                       # "" = reports/ next to the database
//     timezone: Europe/Berlin       # "" = UTC; the day and week are local to it
//     daily_at: "06:00"             # yesterday's report, local time
//     weekly_at: "07:00"            # Mondays, last week's report
//     formats: [html, md, json]
//   alerting:                       # off without this section (docs/alerting.md)
//     rules_file: ../rules/default.yaml   # relative to this file; re-read when it changes
//     evaluation_interval: 15s
//     resend_interval: 1m           # firing alerts re-sent this often
//     resolved_retention: 15m       # resolved alerts re-sent for this long
//     startup_grace: 2m             # after a start: nothing resolves, absent_for raises nothing
//     lookback: 5m                  # how old a sample an instant selector still sees
//     external_url: ""              # generatorURL / externalURL in notifications
//     alertmanagers: [{name: am, url: "http://127.0.0.1:9093", timeout: 10s}]
//     webhooks: [{name: chat, url: "${CHAT_WEBHOOK_URL}", headers: {Authorization: "Bearer ${TOKEN}"}}]
//   http:                           # Prometheus API, /metrics (collector/http/http_config.h)
//     listen: 127.0.0.1:9470        # "" = off; TLS and auth as for gRPC
//     rate_limit: {requests_per_second: 1000, burst: 2000}  # per caller; 0 = off (R4)
//   remote_write:                   # Prometheus remote write out (docs/prometheus.md#remote-write)
//     - {name: mimir, url: "https://mimir/api/v1/push", bearer_token: "${MIMIR_TOKEN}"}
//   insecure: false                 # allows plaintext / no auth on a non-local listen
//   health_listen: ""               # plaintext grpc.health.v1 only (kubelet probes); "" = off
//   tls:                            # absent = plaintext (docs/security.md)
//     cert_file: /etc/scout/tls/tls.crt
//     key_file: /etc/scout/tls/tls.key
//     client_ca_file: /etc/scout/tls/ca.crt
//     client_auth: require          # none | request | require (default: require with a CA)
//     reload_interval: 60s          # files re-read when they change
//   auth:                           # absent = everyone is admin (collector/auth/auth_config.h)
//     tokens_file: /etc/scout/auth/tokens.yaml
//     certificates: [{cn: "node-*", principal: "{cn}", role: agent, agent_ids: ["{cn}"]}]
//     max_silence_duration: 30d
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/alerting/alert_engine.h"
#include "collector/alerting/notifier.h"
#include "collector/remote_write/remote_write_config.h"
#include "collector/auth/auth_config.h"
#include "collector/http/http_config.h"
#include "collector/ingest_service.h"
#include "collector/query_limits.h"
#include "collector/storage/sqlite_storage.h"

namespace scout::collector {

struct AlertingConfig {
  std::string rules_file;  // empty: alerting off
  alerting::EngineOptions engine;
  std::vector<alerting::ReceiverConfig> receivers;
};

// Scheduled reports (docs/reports.md). Plain values: the reports library
// sits above this one.
struct ReportsConfig {
  bool enabled = true;
  std::string dir;       // "" = "reports" next to the database file
  std::string timezone;  // IANA; "" = UTC
  std::chrono::minutes daily_at{6 * 60};
  std::chrono::minutes weekly_at{7 * 60};  // Mondays
  std::vector<std::string> formats{"html", "md", "json"};
};

enum class ClientAuth { kNone, kRequest, kRequire };

struct TlsConfig {
  std::string cert_file, key_file;
  std::string client_ca_file;  // "" = client certificates are not asked for
  ClientAuth client_auth = ClientAuth::kNone;
  std::chrono::milliseconds reload_interval = std::chrono::seconds(60);
};

struct CollectorConfig {
  std::string listen = "127.0.0.1:7070";
  // Plaintext, or no authentication, on a non-local listen address.
  bool insecure = false;
  std::string health_listen;  // "" = no plaintext health port
  std::optional<TlsConfig> tls;
  HttpConfig http;  // issue 17: the HTTP port (Prometheus API, /metrics)
  std::optional<auth::AuthConfig> auth;  // nullopt: authentication off
  std::chrono::milliseconds max_silence_duration = auth::kDefaultMaxSilence;
  // Where security-relevant keys came from ("scout.yaml:3:9", "--listen"),
  // so CheckSecurity's refusals name them. Keys: listen, http.listen, tls, auth.
  std::map<std::string, std::string> origin;
  std::string log_level = "info";
  std::chrono::milliseconds shutdown_grace = std::chrono::seconds(20);
  SqliteOptions storage{"./var/scout.db"};
  IngestOptions ingest;
  size_t max_pending_bytes = 256u << 20;
  size_t max_pending_points = 0;  // deprecated key; 0 = no point budget
  size_t max_new_series_per_commit = 100;  // WriteQueueOptions
  QueryLimits query;
  int64_t grpc_memory_bytes = 128 << 20;  // gRPC buffers (ResourceQuota)
  // The collector's own metrics: how often, and their `host` label.
  std::chrono::milliseconds self_interval = std::chrono::seconds(10);
  std::string self_host = "scout-collector";
  AlertingConfig alerting;
  ReportsConfig reports;
  // issue 17 (H4): remote write out targets (collector/remote_write/).
  std::vector<remote_write::RemoteWriteTarget> remote_write;
};

// The start-up refusals of policy (docs/security.md): plaintext or no auth
// on a non-local listen address without `insecure`, client_auth
// request/require without client_ca_file. Run after flags are applied
// (also by --check-config, which may run where the TLS files are not).
absl::Status CheckSecurity(const CollectorConfig& config);
// The TLS files exist, are readable and not empty (at start).
absl::Status CheckTlsFiles(const CollectorConfig& config);

// "none" | "request" | "require".
absl::StatusOr<ClientAuth> ParseClientAuth(const std::string& text);

// Errors name file, line and key.
absl::StatusOr<CollectorConfig> LoadCollectorConfig(const std::string& path);
absl::StatusOr<CollectorConfig> ParseCollectorConfig(const std::string& text,
                                                     const std::string& file_name);

}  // namespace scout::collector
