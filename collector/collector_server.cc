#include "collector/collector_server.h"

#include <filesystem>

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>

#include "absl/strings/str_cat.h"
#include "collector/agent_tracker.h"
#include "collector/auth/authorizer.h"
#include "collector/alerts_service.h"
#include "collector/report_scheduler.h"
#include "collector/reports/storage_report_source.h"
#include "collector/reports_service.h"
#include "collector/storage/sqlite_alert_store.h"
#include "collector/storage_series_source.h"
#include "collector/ingest_service.h"
#include "collector/query_service.h"
#include "collector/self_metrics.h"
#include "collector/storage/sqlite_storage.h"
#include "collector/write_queue.h"
#include "collector/http/http_auth.h"
#include "collector/http/http_rate_limit.h"
#include "collector/http/listener_summary.h"
#include "collector/http/metrics_routes.h"
#include "collector/prom_api/prom_api.h"
#include "collector/remote_write/remote_write_in.h"
#include "collector/remote_write/remote_write_metrics.h"
#include "collector/remote_write/remote_write_out.h"
#include "shared/http/server.h"
#include "shared/status_macros.h"
#include "shared/logging.h"

namespace scout::collector {
namespace {

// Every method of the health port but grpc.health.v1's (which gRPC routes
// to its default health service first): UNIMPLEMENTED. gRPC 1.51 also
// refuses to build a server with no callback or sync method of its own.
class HealthPortOthers final : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext*) override {
    class Refuse final : public grpc::ServerGenericBidiReactor {
     public:
      Refuse() {
        Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                            "this port serves only grpc.health.v1"));
      }
      void OnDone() override { delete this; }
    };
    return new Refuse();
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<CollectorServer>> CollectorServer::Start(
    const CollectorConfig& config, const Clock& clock) {
  SCOUT_RETURN_IF_ERROR(CheckSecurity(config));
  SCOUT_RETURN_IF_ERROR(CheckTlsFiles(config));
  std::unique_ptr<CollectorServer> s(new CollectorServer());
  s->config_ = config;
  s->clock_ = &clock;
  SCOUT_ASSIGN_OR_RETURN(s->authorizer_, auth::Authorizer::Create(config.auth, clock));
  if (!config.auth) {
    spdlog::warn("authentication is off (no auth section): every caller on {} is admin",
                 config.listen);
  }
  SCOUT_RETURN_IF_ERROR(s->OpenBackend(config, clock, !config.alerting.rules_file.empty()));
  WriteQueueOptions write_options;
  write_options.max_pending_bytes = config.max_pending_bytes;
  write_options.max_pending_points = config.max_pending_points;
  write_options.max_new_series_per_commit = config.max_new_series_per_commit;
  s->writes_ = std::make_unique<WriteQueue>(*s->storage_, write_options, clock);
  s->remote_write_in_ = std::make_unique<remote_write::RemoteWriteInCounters>();
  if (!config.remote_write.empty()) {
    // Fed after each commit, before its acks (docs/prometheus.md#remote-write).
    const std::filesystem::path dir =
        std::filesystem::path(config.storage.path).parent_path() / "remote_write";
    SCOUT_ASSIGN_OR_RETURN(s->remote_write_out_,
                           remote_write::RemoteWriteOut::Start(config.remote_write,
                                                               {dir.string(), true}, clock));
    remote_write::RemoteWriteOut* out = s->remote_write_out_.get();
    s->writes_->SetCommitObserver(
        [out](const std::vector<const WriteBatch*>& batches) { out->Observe(batches); });
  }
  s->writes_->Start();
  s->tracker_ = std::make_unique<AgentTracker>();
  s->ingest_ = std::make_unique<IngestService>(*s->writes_, *s->tracker_, *s->authorizer_,
                                             *s->storage_, clock, config.ingest);
  s->query_gate_ = std::make_unique<QueryGate>(config.query);
  s->query_ = std::make_unique<QueryService>(*s->storage_, *s->tracker_, *s->authorizer_,
                                             *s->query_gate_, clock);
  if (!config.alerting.rules_file.empty()) {
    if (absl::Status st = s->StartAlerting(config, clock); !st.ok()) {
      s->writes_->Stop();
      return st;
    }
  }
  s->alerts_ = std::make_unique<AlertsService>(s->engine_.get(), s->alert_store_.get(),
                                               config.alerting.rules_file, *s->authorizer_,
                                               config.max_silence_duration, clock);
  s->StartReports(config, clock);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.listen, Credentials(config), &s->port_);
  builder.SetMaxReceiveMessageSize(static_cast<int>(config.ingest.max_batch_bytes) + 1024);
  // Keepalive, agreeing with the agent's (agent/ingest_client.cc): we ping
  // idle connections every 20 s and drop them after 10 s without an answer;
  // agents may ping us every 10 s (we accept down to 5 s) even without
  // calls, so neither side sends too_many_pings GOAWAYs.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 20'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5'000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  // One agent needs one stream; a few more cover sctl on the same channel.
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, 16);
  // Bounded memory under overload: when streams stop reading, what agents
  // already sent waits in gRPC's buffers. BDP probing would grow each
  // stream's flow-control window to many MiB; a fixed 1 MiB window and a
  // memory quota keep that bounded (agents then block in flow control).
  builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 1 << 20);
  grpc::ResourceQuota quota("scout-collector");
  quota.Resize(static_cast<size_t>(config.grpc_memory_bytes));
  builder.SetResourceQuota(quota);
  builder.RegisterService(s->ingest_.get());
  builder.RegisterService(s->query_.get());
  builder.RegisterService(s->alerts_.get());
  builder.RegisterService(s->reports_.get());
  s->server_ = builder.BuildAndStart();
  if (!s->server_ || s->port_ == 0) {
    s->writes_->Stop();
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config.listen,
                                               " (address in use or not local?)"));
  }
  if (!config.health_listen.empty()) {
    // On failure ~CollectorServer shuts down what already runs.
    if (absl::Status st = s->StartHealthServer(config.health_listen); !st.ok()) return st;
  }
  s->self_ = std::make_unique<SelfMetrics>(*s->ingest_, *s->writes_, *s->storage_, *s->tracker_,
                                           clock, config.self_host, config.self_interval,
                                           s->engine_.get(), s->notifier_.get(),
                                           s->authorizer_.get(), s->query_gate_.get(),
                                           [s = s.get()](const std::string& host, int64_t now_ms) {
                                             return s->ExtraSelfSeries(host, now_ms);
                                           });
  s->self_->Start();
  if (s->engine_) s->engine_->Start();
  if (s->report_scheduler_) s->report_scheduler_->Start();
  s->ready_ = true;
  // On failure ~CollectorServer shuts down what already runs.
  if (absl::Status st = s->StartHttp(config); !st.ok()) return st;
  return s;
}

absl::Status CollectorServer::StartHttp(const CollectorConfig& config) {
  if (config.http.listen.empty()) return absl::OkStatus();
  http_counters_ = std::make_shared<http::ServerCounters>();
  http::Router router;
  SelfMetrics* self = self_.get();
  RegisterMetricsRoutes(router, MetricsDeps{[self] { return self->Snapshot(); }, *authorizer_,
                                            [this] { return ready_.load(); }, http_counters_});
  RegisterPromApi(router, PromApiDeps{*storage_, *query_gate_, config.query,
                                                *authorizer_, engine_.get(), *clock_,
                                                config.alerting.engine.evaluation_interval});
  remote_write::RemoteWriteInOptions remote_write_options;
  remote_write_options.points = config.ingest.points;
  remote_write_options.points.max_future_ms = config.ingest.max_future_skew_ms;
  auth::Authorizer& authorizer = *authorizer_;
  RegisterRemoteWriteIn(
      router, remote_write::RemoteWriteInDeps{
                  ingest_->pipeline(), *clock_,
                  [&authorizer](const http::Request& r) {
                    return AuthorizeHttp(authorizer, r, auth::Permission::kIngest);
                  },
                  AuthErrorResponse, *remote_write_in_, remote_write_options});
  http::ServerOptions options;
  options.listen = config.http.listen;
  options.threads = config.http.threads;
  options.max_connections = config.http.max_connections;
  options.max_connections_per_ip = config.http.max_connections_per_ip;
  options.connection_timeout =
      std::chrono::duration_cast<std::chrono::seconds>(config.http.connection_timeout);
  options.connection_memory_bytes = config.http.max_header_bytes;
  options.stop_grace = config.shutdown_grace;
  options.counters = http_counters_;
  if (config.tls) {
    // The gRPC port's files and client-certificate policy.
    http::TlsFiles tls;
    tls.cert_file = config.tls->cert_file;
    tls.key_file = config.tls->key_file;
    if (config.tls->client_auth != ClientAuth::kNone) tls.client_ca_file = config.tls->client_ca_file;
    tls.require_client_cert = config.tls->client_auth == ClientAuth::kRequire;
    tls.reload_interval = config.tls->reload_interval;
    options.tls = tls;
  }
  // Issue 17 (R4): per-caller rate limit, and the facts for the log line.
  options.rate_limit = ToRateLimit(config.http.rate_limit);
  options.rate_limit_key = [&authorizer](const http::Request& r) {
    return HttpRateLimitKey(authorizer, r);
  };
  ListenerFacts facts;
  facts.tls = options.tls.has_value();
  facts.client_certs = !facts.tls || options.tls->client_ca_file.empty() ? "off"
                       : options.tls->require_client_cert               ? "required"
                                                                        : "optional";
  facts.auth = authorizer.enabled();
  facts.rate_per_second = config.http.rate_limit.requests_per_second;
  facts.burst = config.http.rate_limit.burst;
  facts.patterns = router.Patterns();
  auto started = http::Server::Start(std::move(options), std::move(router));
  if (!started.ok() && absl::IsUnavailable(started.status()) && !config.origin.count("http.listen")) {
    // The default port, not asked for: another collector (or a test) may
    // hold it. Serve gRPC anyway; a configured address must bind.
    spdlog::warn("http: {} (the default http.listen; set http.listen to choose, \"\" for off); "
                 "serving without the HTTP port", started.status().message());
    return absl::OkStatus();
  }
  if (!started.ok()) return started.status();
  http_ = *std::move(started);
  facts.address = config.http.listen.substr(0, config.http.listen.rfind(':') + 1) +
                  std::to_string(http_->port());
  spdlog::info("{}", ListenerSummary(facts));
  return absl::OkStatus();
}

int CollectorServer::http_port() const { return http_ ? http_->port() : 0; }

std::shared_ptr<grpc::ServerCredentials> CollectorServer::Credentials(
    const CollectorConfig& config) {
  if (!config.tls) return grpc::InsecureServerCredentials();
  const TlsConfig& tls = *config.tls;
  const auto refresh = static_cast<unsigned>(
      std::chrono::duration_cast<std::chrono::seconds>(tls.reload_interval).count());
  // gRPC re-reads the files every `refresh` seconds and uses a new pair
  // (or CA bundle) for handshakes from then on; established connections
  // keep theirs, so open streams survive a rotation.
  auto provider = tls.client_ca_file.empty()
                      ? std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
                            tls.key_file, tls.cert_file, refresh)
                      : std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
                            tls.key_file, tls.cert_file, tls.client_ca_file, refresh);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (!tls.client_ca_file.empty()) options.watch_root_certs();
  // Only the *_AND_VERIFY modes: an unverified certificate must never name
  // a principal. gRPC core refuses TLS below 1.2.
  switch (tls.client_auth) {
    case ClientAuth::kNone:
      options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
      break;
    case ClientAuth::kRequest:
      options.set_cert_request_type(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
      break;
    case ClientAuth::kRequire:
      options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
      break;
  }
  return grpc::experimental::TlsServerCredentials(options);
}

absl::Status CollectorServer::StartHealthServer(const std::string& address) {
  // gRPC's default health service (EnableDefaultHealthCheckService) and
  // nothing else, plaintext, for kubelet probes that cannot do TLS.
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &health_port_);
  // An unauthenticated door, so a small one: health requests are a few
  // bytes, probes need one stream at a time, and idle connections go away.
  builder.SetMaxReceiveMessageSize(4096);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, 4);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS, 60'000);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, 10 * 60'000);
  grpc::ResourceQuota quota("scout-health");
  quota.Resize(4 << 20);
  quota.SetMaxThreads(4);
  builder.SetResourceQuota(quota);
  health_others_ = std::make_unique<HealthPortOthers>();
  builder.RegisterCallbackGenericService(health_others_.get());
  health_server_ = builder.BuildAndStart();
  if (!health_server_ || health_port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on health_listen ", address));
  }
  return absl::OkStatus();
}

absl::Status CollectorServer::OpenBackend(const CollectorConfig& config, const Clock& clock,
                                          bool with_alerts) {
  SqliteOptions options = config.storage;
  // One read connection per query the gate lets run, plus two, so the
  // alert engine and the report scheduler never wait for a connection
  // behind long queries.
  options.read_connections = static_cast<size_t>(config.query.max_concurrent) + 2;
  SCOUT_ASSIGN_OR_RETURN(storage_, SqliteStorage::Open(options, clock));
  // The alert store shares the database file (and its migrations).
  if (with_alerts) {
    SCOUT_ASSIGN_OR_RETURN(alert_store_, SqliteAlertStore::Open(config.storage.path));
  }
  return absl::OkStatus();
}

void CollectorServer::StartReports(const CollectorConfig& config, const Clock& clock) {
  report_source_ =
      std::make_unique<reports::StorageReportSource>(*storage_, alert_store_.get());
  ReportSchedule schedule;
  schedule.dir = config.reports.dir.empty()
                     ? (std::filesystem::path(config.storage.path).parent_path() / "reports").string()
                     : config.reports.dir;
  schedule.timezone = config.reports.timezone;
  schedule.daily_at = config.reports.daily_at;
  schedule.weekly_at = config.reports.weekly_at;
  schedule.formats.clear();
  for (const std::string& f : config.reports.formats) {
    if (auto format = reports::ParseReportFormat(f); format.ok()) schedule.formats.push_back(*format);
  }
  reports_ = std::make_unique<ReportsService>(*report_source_, schedule.dir, schedule.timezone,
                                              *authorizer_, clock);
  if (config.reports.enabled) {
    report_scheduler_ = std::make_unique<ReportScheduler>(schedule, *report_source_, clock);
  }
}

absl::Status CollectorServer::StartAlerting(const CollectorConfig& config, const Clock& clock) {
  series_source_ = std::make_unique<StorageSeriesSource>(*storage_);
  alerting::NotifierOptions notifier_options;
  notifier_options.external_url = config.alerting.engine.generator_url;
  notifier_ = std::make_unique<alerting::Notifier>(config.alerting.receivers, notifier_options);
  alerting::Notifier* notifier = notifier_.get();
  engine_ = std::make_unique<alerting::AlertEngine>(
      config.alerting.rules_file, *series_source_, *alert_store_,
      [notifier](std::vector<alerting::AlertNotification> alerts) {
        notifier->Send(std::move(alerts));
      },
      clock, config.alerting.engine);
  SCOUT_RETURN_IF_ERROR(engine_->Init());
  if (config.alerting.receivers.empty()) {
    spdlog::warn("alerting: no alertmanagers or webhooks configured; alerts are evaluated and "
                 "kept (sctl alerts) but sent nowhere");
  }
  return absl::OkStatus();
}

std::string CollectorServer::CountersLine() const { return self_->CountersLine(); }

std::vector<SeriesPoints> CollectorServer::ExtraSelfSeries(const std::string& host,
                                                           int64_t now_ms) const {
  std::vector<SeriesPoints> series = reports_->MetricSeries(host, now_ms);
  std::vector<SeriesPoints> remote = remote_write::RemoteWriteSeries(
      remote_write_out_ ? remote_write_out_->Stats() : std::vector<remote_write::RemoteWriteStats>{},
      remote_write_in_.get(), host, now_ms);
  series.insert(series.end(), std::make_move_iterator(remote.begin()),
                std::make_move_iterator(remote.end()));
  return series;
}

void CollectorServer::Shutdown(std::chrono::system_clock::time_point deadline) {
  if (shut_down_) return;
  shut_down_ = true;
  ready_ = false;  // /-/ready answers 503 from now on
  // Fail readiness first, so Kubernetes' gRPC probes (grpc.health.v1,
  // service "") stop routing new agent streams here while the steps below
  // stop alerting and flush notifications (seconds); until
  // server_->Shutdown() closes the port, probes still connect and would see
  // SERVING. Nothing in flight is affected: streams run until the drain.
  for (grpc::Server* server : {server_.get(), health_server_.get()}) {
    if (grpc::HealthCheckServiceInterface* health =
            server ? server->GetHealthCheckService() : nullptr) {
      health->SetServingStatus(false);
    }
  }
  if (report_scheduler_) report_scheduler_->Stop();
  if (engine_) engine_->Stop();
  // Give queued notifications (e.g. a resolve from the last cycle) a moment.
  if (notifier_) notifier_->Flush(std::chrono::seconds(2));
  // A Start() that failed part-way leaves the later members null.
  if (self_) self_->Stop();
  // Streams stop reading and finish once their batches are committed and
  // acked; Server::Shutdown waits for that (until the deadline, then
  // cancels), so the writer must still be running here.
  if (ingest_) ingest_->BeginShutdown();
  if (server_) server_->Shutdown(deadline);
  // The HTTP port before the writer: a remote-write reply waits for its
  // commit (Stop waits up to shutdown_grace for pending replies).
  if (http_) http_->Stop();
  if (writes_) writes_->Stop();
  // After the writer: its last commits still feed the remote-write queues.
  if (remote_write_out_) remote_write_out_->Stop();
  server_.reset();
  if (health_server_) health_server_->Shutdown(deadline);
  health_server_.reset();
}

CollectorServer::~CollectorServer() {
  // gRPC's Server::Shutdown takes a real wall-clock deadline, whatever the
  // injected Clock says.
  Shutdown(std::chrono::system_clock::now() + config_.shutdown_grace);
}

}  // namespace scout::collector
