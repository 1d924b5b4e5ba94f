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
//   ingest:
//     max_in_flight_batches: 8      # per stream, before it stops reading
//     max_batch_bytes: 16777216
//     max_streams: 10000            # concurrent agent streams
//     max_pending_points: 500000    # queued for commit, before all streams pause
//     max_future_skew: 10m          # samples further ahead are rejected
//     grpc_memory_bytes: 134217728  # cap on gRPC's own buffers
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
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/alerting/alert_engine.h"
#include "collector/alerting/notifier.h"
#include "collector/ingest_service.h"
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

struct CollectorConfig {
  std::string listen = "127.0.0.1:7070";
  std::string log_level = "info";
  std::chrono::milliseconds shutdown_grace = std::chrono::seconds(20);
  SqliteOptions storage{"./var/scout.db"};
  IngestOptions ingest;
  size_t max_pending_points = 500'000;
  int64_t grpc_memory_bytes = 128 << 20;  // gRPC buffers (ResourceQuota)
  // The collector's own metrics: how often, and their `host` label.
  std::chrono::milliseconds self_interval = std::chrono::seconds(10);
  std::string self_host = "scout-collector";
  AlertingConfig alerting;
  ReportsConfig reports;
};

// Errors name file, line and key.
absl::StatusOr<CollectorConfig> LoadCollectorConfig(const std::string& path);
absl::StatusOr<CollectorConfig> ParseCollectorConfig(const std::string& text,
                                                     const std::string& file_name);

}  // namespace scout::collector
