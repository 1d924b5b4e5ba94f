// CollectorServer: builds and owns every piece of a running collector —
// storage, the writer thread, the ingest and query services and the gRPC
// server — in dependency order, and tears them down in reverse.
//
// main() uses it with the SystemClock; tests start one in-process on
// 127.0.0.1:0 and talk to it over real loopback gRPC.
//
// Threads: gRPC's own pool (ingest reactions, query and alerts handlers),
// the writer thread ("scout-writer"), the self-metrics thread, the report
// scheduler ("scout-reports"), with alerting the engine thread and the
// notifier thread ("scout-notify"), and the HTTP port's workers
// ("scout-http", shared/http/server.h).
// See docs/architecture.md.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "collector/collector_config.h"
#include "collector/reports/report_source.h"
#include "shared/clock.h"
#include "shared/metric.h"

namespace grpc {
class CallbackGenericService;
class Server;
class ServerCredentials;
}

namespace scout::http {
class Server;
class ServerCounters;
}

namespace scout::collector {

namespace auth {
class Authorizer;
}
namespace remote_write {
class RemoteWriteInCounters;
class RemoteWriteOut;
}
class AgentTracker;
class AlertsService;
class IngestService;
class ReportScheduler;
class ReportsService;
class QueryGate;
class QueryService;
class SelfMetrics;
class Storage;
class StorageSeriesSource;
class WriteQueue;

class CollectorServer {
 public:
  // Opens storage and starts serving on config.listen ("host:0" picks a
  // free port; see port()), with TLS and authentication as configured, and
  // grpc.health.v1 alone on config.health_listen when set (health_port()).
  // Refuses what CheckSecurity() refuses.
  static absl::StatusOr<std::unique_ptr<CollectorServer>> Start(const CollectorConfig& config,
                                                                const Clock& clock);
  ~CollectorServer();  // Shutdown() with the configured grace

  // First reports NOT_SERVING on the gRPC health service (readiness), then
  // stops accepting, lets streams finish until `deadline` then cancels
  // them, commits and acks what was submitted, stops the writer.
  void Shutdown(std::chrono::system_clock::time_point deadline);

  int port() const { return port_; }
  int health_port() const { return health_port_; }
  // The HTTP port (Prometheus API, /metrics); 0 when http.listen is "".
  int http_port() const;
  // The collector's own counters, for the shutdown log line.
  std::string CountersLine() const;
  Storage& storage() { return *storage_; }
  // For tests: the ingest counters and the write queue's statistics.
  const IngestService& ingest() const { return *ingest_; }
  const WriteQueue& writes() const { return *writes_; }
  // The query limits (query.max_concurrent etc.) shared by the Query
  // handlers and report generation.
  QueryGate& query_gate() { return *query_gate_; }

 private:
  CollectorServer() = default;
  // The one place that picks the storage backend: opens storage_ (and,
  // when `with_alerts`, alert_store_ on the same database).
  absl::Status OpenBackend(const CollectorConfig& config, const Clock& clock, bool with_alerts);
  // What SelfMetrics adds to the collector's own series: the Reports
  // service's and remote write's.
  std::vector<SeriesPoints> ExtraSelfSeries(const std::string& host, int64_t now_ms) const;
  absl::Status StartAlerting(const CollectorConfig& config, const Clock& clock);
  void StartReports(const CollectorConfig& config, const Clock& clock);
  // Plaintext, or TLS whose files gRPC re-reads every reload_interval.
  static std::shared_ptr<grpc::ServerCredentials> Credentials(const CollectorConfig& config);
  absl::Status StartHealthServer(const std::string& address);
  // Issue 17: the router with every module's routes, then the server.
  absl::Status StartHttp(const CollectorConfig& config);

  CollectorConfig config_;
  int port_ = 0;
  int health_port_ = 0;
  bool shut_down_ = false;
  const Clock* clock_ = nullptr;
  std::unique_ptr<auth::Authorizer> authorizer_;
  std::unique_ptr<Storage> storage_;
  std::unique_ptr<WriteQueue> writes_;
  std::unique_ptr<AgentTracker> tracker_;
  std::unique_ptr<IngestService> ingest_;
  std::unique_ptr<QueryGate> query_gate_;
  std::unique_ptr<QueryService> query_;
  std::unique_ptr<SelfMetrics> self_;
  // Alerting (all null when the config has no `alerting` section).
  std::unique_ptr<alerting::AlertStore> alert_store_;
  std::unique_ptr<StorageSeriesSource> series_source_;
  std::unique_ptr<alerting::Notifier> notifier_;
  std::unique_ptr<alerting::AlertEngine> engine_;
  std::unique_ptr<AlertsService> alerts_;
  // Reports: on demand (service) and on a schedule (scheduler, may be null).
  std::unique_ptr<reports::ReportSource> report_source_;
  std::unique_ptr<ReportsService> reports_;
  std::unique_ptr<ReportScheduler> report_scheduler_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<grpc::Server> health_server_;  // null without health_listen
  std::unique_ptr<grpc::CallbackGenericService> health_others_;  // UNIMPLEMENTED for the rest
  // Issue 17: the HTTP port (null when http.listen is ""); /-/ready reads ready_.
  std::shared_ptr<http::ServerCounters> http_counters_;
  // Remote write: the receiver's counters (the HTTP route) and the senders
  // to `remote_write:` targets (null without targets).
  std::unique_ptr<remote_write::RemoteWriteInCounters> remote_write_in_;
  std::unique_ptr<remote_write::RemoteWriteOut> remote_write_out_;
  std::unique_ptr<http::Server> http_;
  std::atomic<bool> ready_{false};
};

}  // namespace scout::collector
