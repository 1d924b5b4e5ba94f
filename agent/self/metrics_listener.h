// The agent's own /metrics (issue 17; `scout-agent --metrics-listen` or
// `metrics.listen` in the config, off by default): the scout_agent_* values
// of the `agent` plugin (agent/self/agent_plugin.h), read at scrape time,
// plus the listener's scout_http_* counters, in the Prometheus text format.
// Also /-/healthy (never authenticated or rate limited: probes).
//
// Protection, as on the collector's HTTP port where it is cheap:
// - TLS with cert + key files (re-read when they change); a non-loopback
//   address without TLS is refused (plaintext would expose the token and
//   the host's numbers).
// - Optional bearer token (--metrics-token-file / metrics.token_file, else
//   the SCOUT_AGENT_METRICS_TOKEN environment variable): /metrics then
//   needs `Authorization: Bearer <token>` (401 otherwise, compared in
//   constant time). The token is never logged, in errors or in --help.
// - A fixed per-IP rate limit (kMetricsRateLimit; a scrape every second
//   from a few Prometheus servers fits), 429 + Retry-After beyond.
// Served by shared/http (thread "scout-agt-http", one worker, 16
// connections, 8 per IP).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "agent/agent_counters.h"
#include "shared/spool.h"
#include "shared/http/rate_limiter.h"
#include "shared/http/server.h"

namespace scout::agent {

inline constexpr char kMetricsTokenEnv[] = "SCOUT_AGENT_METRICS_TOKEN";
inline constexpr http::RateLimit kMetricsRateLimit{10, 20, 256};

struct MetricsListenOptions {
  std::string listen;  // "" = off
  std::string tls_cert_file, tls_key_file;  // both or neither
  std::string bearer_token;  // "" = no authentication. A secret: never log it.
};

// InvalidArgument for a non-loopback listen without TLS or half a TLS pair.
absl::Status CheckMetricsListen(const MetricsListenOptions& options);

// The token: from `token_file` when set (trimmed; empty or over 4 KiB is an
// error naming the file, never its content), else the environment value
// `env_value` (may be null), else "". Pure but for reading the file.
absl::StatusOr<std::string> ResolveMetricsToken(const std::string& token_file,
                                                const char* env_value);

// "metrics: listening on 127.0.0.1:9471 (TLS off, bearer token on, rate
// limit 10/s per IP): /metrics, /-/healthy". Pure.
std::string MetricsListenerSummary(const MetricsListenOptions& options, int port);

// `spool` may be null. Both must outlive the server.
absl::StatusOr<std::unique_ptr<http::Server>> StartMetricsListener(
    const MetricsListenOptions& options, const AgentCounters& counters, const Spool* spool);

}  // namespace scout::agent
