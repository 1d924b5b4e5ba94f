#include "agent/self/metrics_listener.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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

// Constant time in the token's content (not its length): a wrong guess
// learns nothing from the timing of the comparison.
bool SameSecret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

bool Authorized(const http::Request& req, const std::string& token) {
  if (token.empty()) return true;
  const std::optional<std::string> header = req.Header("authorization");
  if (!header || !absl::StartsWithIgnoreCase(*header, "bearer ")) return false;
  const absl::string_view given = absl::StripAsciiWhitespace(absl::string_view(*header).substr(7));
  return SameSecret(std::string_view(given.data(), given.size()), token);
}

http::Response Unauthorized() {
  http::Response r{401, "text/plain; charset=utf-8",
                   "unauthorized: send Authorization: Bearer <the metrics token>\n", {}};
  r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"scout-agent\"");
  return r;
}

}  // namespace

absl::StatusOr<std::string> ResolveMetricsToken(const std::string& token_file,
                                                const char* env_value) {
  if (token_file.empty()) {
    return env_value == nullptr ? std::string() : std::string(absl::StripAsciiWhitespace(env_value));
  }
  std::ifstream in(token_file);
  if (!in) return absl::InvalidArgumentError("metrics token file " + token_file + ": cannot read it");
  std::string text(4097, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > 4096) {
    return absl::InvalidArgumentError("metrics token file " + token_file + ": over 4096 bytes");
  }
  std::string token(absl::StripAsciiWhitespace(text));
  if (token.empty()) return absl::InvalidArgumentError("metrics token file " + token_file + " is empty");
  return token;
}

std::string MetricsListenerSummary(const MetricsListenOptions& options, int port) {
  const std::string host = options.listen.substr(0, options.listen.rfind(':') + 1);
  return absl::StrCat("metrics: listening on ", host, port, " (TLS ",
                      options.tls_cert_file.empty() ? "off" : "on", ", bearer token ",
                      options.bearer_token.empty() ? "off" : "on", ", rate limit ",
                      kMetricsRateLimit.requests_per_second, "/s per IP): /metrics, /-/healthy");
}

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
  server.rate_limit = kMetricsRateLimit;  // keyed by peer IP (no key function)
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
  router.Handle("GET", "/metrics", [&counters, spool, http_counters, token = options.bearer_token](
                                       http::Request req, http::Reply reply) {
    if (!Authorized(req, token)) return reply(Unauthorized());
    PromSink sink;
    (void)NewAgentPlugin(counters, spool)->Collect(0, sink);
    for (PromSample& s : http::HttpServerSamples(*http_counters)) sink.samples.push_back(std::move(s));
    reply(http::Response{200, kPromTextContentType, WritePromText(std::move(sink.samples)), {}});
  }, http::RouteOptions{0});
  router.Handle("GET", "/-/healthy", [](http::Request, http::Reply reply) {
    reply(http::Response{200, "text/plain; charset=utf-8", "Scout agent is Healthy.\n", {}});
  }, http::RouteOptions{0, /*rate_limited=*/false});
  return http::Server::Start(std::move(server), std::move(router));
}

}  // namespace scout::agent
