#include "agent/self/metrics_listener.h"

#include "agent/self/agent_plugin.h"
#include "shared/http/server_samples.h"
#include "shared/net_address.h"
#include "shared/prom_text.h"

namespace scout::agent {
namespace {

class PromSink final : public SampleSink {
 public:
  void Add(std::string metric, Labels labels, double value) override {
    samples.push_back({std::move(metric), std::move(labels), value});
  }
  std::vector<PromSample> samples;
};

}  // namespace

absl::Status CheckMetricsListen(const MetricsListenOptions& options) {
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError("--metrics-tls-cert and --metrics-tls-key go together");
  }
  if (!options.listen.empty() && options.tls_cert_file.empty() && !IsLocalAddress(options.listen)) {
    return absl::InvalidArgumentError(
        "--metrics-listen " + options.listen +
        " is not local; refusing to serve plaintext: give --metrics-tls-cert and --metrics-tls-key");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<http::Server>> StartMetricsListener(
    const MetricsListenOptions& options, const AgentCounters& counters, const Spool* spool) {
  if (absl::Status st = CheckMetricsListen(options); !st.ok()) return st;
  http::ServerOptions server;
  server.listen = options.listen;
  server.threads = 1;
  server.max_connections = 16;
  server.max_connections_per_ip = 8;
  server.connection_timeout = std::chrono::seconds(30);
  server.thread_name = "scout-agt-http";  // 15 characters at most
  server.counters = std::make_shared<http::ServerCounters>();
  if (!options.tls_cert_file.empty()) {
    http::TlsFiles tls;
    tls.cert_file = options.tls_cert_file;
    tls.key_file = options.tls_key_file;
    server.tls = tls;
  }
  std::shared_ptr<const http::ServerCounters> http_counters = server.counters;
  // The `agent` plugin reads atomics and the spool's stats: cheap enough to
  // make one per scrape, and the names stay in one place.
  http::Router router;
  router.Handle("GET", "/metrics", [&counters, spool, http_counters](http::Request, http::Reply reply) {
    PromSink sink;
    (void)NewAgentPlugin(counters, spool)->Collect(0, sink);
    for (PromSample& s : http::HttpServerSamples(*http_counters)) sink.samples.push_back(std::move(s));
    reply(http::Response{200, kPromTextContentType, WritePromText(std::move(sink.samples)), {}});
  }, http::RouteOptions{0});
  router.Handle("GET", "/-/healthy", [](http::Request, http::Reply reply) {
    reply(http::Response{200, "text/plain; charset=utf-8", "Scout agent is Healthy.\n", {}});
  }, http::RouteOptions{0});
  return http::Server::Start(std::move(server), std::move(router));
}

}  // namespace scout::agent
